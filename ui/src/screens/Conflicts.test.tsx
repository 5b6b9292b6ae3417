import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { answer } from "../test/ipc";
import { axeViolations } from "../test/axe";
import { conflictList, ipcError } from "../components/shell/fixtures";
import { Conflicts } from "./Conflicts";

describe("Conflicts", () => {
  it("shows each conflict in words: the detail, and for each value who wrote it, on which laptop, when and what was done", async () => {
    const calls = answer({ conflicts: () => conflictList });
    const { container } = render(<Conflicts />);
    expect(screen.getByRole("heading", { level: 1, name: "Conflicts to review" })).toBeInTheDocument();
    const items = await screen.findAllByTestId("conflict");
    expect(items).toHaveLength(2);
    const first = items[0];
    expect(within(first).getByRole("heading", { level: 2 })).toHaveTextContent("Okafor family - Household: phone number");
    const values = within(first).getAllByTestId("conflict-value");
    expect(values[0]).toHaveTextContent("07700 900123");
    expect(values[0]).toHaveTextContent("Written byJo Bloggs");
    expect(values[0]).toHaveTextContent("WhereOn this laptop");
    expect(values[0]).toHaveTextContent("When1 Jul 2026 at 10:30"); // 09:30 UTC is 10:30 BST
    expect(values[0]).toHaveTextContent("What was doneChanged household details");
    expect(within(values[0]).getByTestId("from-this-laptop")).toHaveTextContent("From this laptop");
    expect(values[1]).toHaveTextContent("07700 900456");
    expect(values[1]).toHaveTextContent("Sam Patel");
    expect(values[1]).toHaveTextContent("On Asha's laptop");
    expect(values[1]).toHaveTextContent("1 Jul 2026 at 12:05");
    expect(within(values[1]).queryByTestId("from-this-laptop")).toBeNull();
    const unknown = within(items[1]).getAllByTestId("conflict-value")[1];
    expect(unknown).toHaveTextContent("Written byNot known");
    expect(unknown).toHaveTextContent("On another device");
    expect(within(items[1]).getByRole("heading", { level: 2 })).toHaveTextContent("Mensah family - A member: given name");
    // No ids, paths or action codes.
    expect(container).not.toHaveTextContent(/d1a2b3c4|household\/phone|family\.update|person\.update|Action/);
    expect(within(first).getAllByTestId("keep-value")).toHaveLength(2);
    expect(within(first).getByRole("button", { name: "Keep this value (value 1, from this laptop) for Household: phone number, Okafor family" }))
      .toBeInTheDocument();
    expect(calls[0]).toEqual({ cmd: "conflicts", args: { family_id: null } });
    expect(await axeViolations(container)).toEqual([]);
  });

  it("keeps the chosen value, reloads the list and announces it", async () => {
    const user = userEvent.setup();
    let remaining = conflictList;
    const calls = answer({
      conflicts: () => remaining,
      resolve_conflict: (args) => {
        remaining = conflictList.slice(1);
        return { family_id: args.family_id, field: args.field, value: "07700 900456", remaining_conflicts: 0 };
      },
    });
    const { container } = render(<Conflicts />);
    const first = (await screen.findAllByTestId("conflict"))[0];
    await user.click(within(first).getAllByTestId("keep-value")[1]);
    await waitFor(() => expect(screen.getAllByTestId("conflict")).toHaveLength(1));
    expect(calls.find((c) => c.cmd === "resolve_conflict")?.args).toEqual({
      family_id: "fam-1", field: "household/phone", choice: { kind: "choose", value: 2 },
    });
    expect(calls.filter((c) => c.cmd === "conflicts")).toHaveLength(2);
    const message = screen.getByTestId("conflict-message");
    expect(message).toHaveAttribute("role", "status");
    expect(message).toHaveTextContent('Household: phone number (Okafor family) resolved: kept "07700 900456". No conflicts are left in this family.');
    expect(await axeViolations(container)).toEqual([]);
  });

  it("resolves with a typed value, and shows the problem next to the field", async () => {
    const user = userEvent.setup();
    let fail = true;
    const calls = answer({
      conflicts: () => conflictList,
      resolve_conflict: (args) => {
        if (fail) {
          fail = false;
          throw ipcError("invalid", "Check the value and try again.", [{ field: "value", problem: "is not a valid value for this field" }]);
        }
        return { family_id: args.family_id, field: args.field, value: "Isabel", remaining_conflicts: 0 };
      },
    });
    const { container } = render(<Conflicts />);
    const second = (await screen.findAllByTestId("conflict"))[1];
    await user.click(within(second).getByRole("button", { name: /Type a different value/ }));
    const input = within(second).getByLabelText("New value for A member: given name");
    expect(input).toHaveFocus();
    await user.type(input, "Isabel");
    await user.click(within(second).getByRole("button", { name: "Save this value" }));
    const alert = await within(second).findByRole("alert");
    expect(alert).toHaveTextContent("Check the value and try again.");
    expect(document.getElementById("field-value-error")).toHaveTextContent("The value is not a valid value for this field");
    expect(await axeViolations(container)).toEqual([]);

    await user.click(within(second).getByRole("button", { name: "Save this value" }));
    await waitFor(() => expect(screen.getByTestId("conflict-message")).toHaveTextContent('kept "Isabel"'));
    expect(calls.filter((c) => c.cmd === "resolve_conflict").at(-1)?.args).toEqual({
      family_id: "fam-3", field: "members/2/given_name", choice: { kind: "value", value: "Isabel" },
    });
  });

  it("says when there is nothing to review, and shows a load error", async () => {
    answer({ conflicts: () => [] });
    const { container, unmount } = render(<Conflicts />);
    expect(await screen.findByText("There are no conflicts to review.")).toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
    unmount();

    answer({ conflicts: () => { throw ipcError("storage", "The device store could not complete this: the database is busy. Try again."); } });
    render(<Conflicts />);
    expect(await screen.findByRole("alert")).toHaveTextContent("the database is busy. Try again.");
  });
});
