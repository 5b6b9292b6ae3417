import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer } from "../test/ipc";
import { axeViolations } from "../test/axe";
import { ipcError, noProfileState, syncReport, unlockedState } from "../components/shell/fixtures";
import { DEMO_FAMILIES, FirstRun } from "./FirstRun";

type User = ReturnType<typeof userEvent.setup>;

async function fillProfile(user: User, passphrase = "kettle orbit crayon 42", confirm = passphrase) {
  await user.type(screen.getByLabelText("Your name"), "Jo Bloggs");
  await user.selectOptions(screen.getByLabelText("Your role"), "health-visitor");
  await user.type(screen.getByLabelText("Your team (optional)"), "Foleshill 0-19");
  await user.type(screen.getByLabelText("New passphrase"), passphrase);
  await user.type(screen.getByLabelText("Type the passphrase again"), confirm);
}

const strength = (args: Record<string, unknown>) =>
  String(args.passphrase).length < 12
    ? { strength: "weak", problem: "is too short: use at least 12 characters (a few unrelated words work well)" }
    : { strength: "strong", problem: null };

describe("FirstRun", () => {
  it("offers the demo caseload or enrolment", async () => {
    answer({});
    const { container } = render(<FirstRun state={noProfileState} onDone={vi.fn()} />);
    expect(screen.getByRole("heading", { level: 1, name: "Set up Doorstep on this laptop" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Open the offline demo caseload" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Set up this laptop for my trust (enrol)" })).toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("sets up the demo caseload, with live passphrase feedback", async () => {
    const user = userEvent.setup();
    const onDone = vi.fn();
    const calls = answer({ passphrase_strength: strength, create_profile: () => unlockedState });
    const { container } = render(<FirstRun state={noProfileState} onDone={onDone} />);
    await user.click(screen.getByRole("button", { name: "Open the offline demo caseload" }));
    expect(screen.getByRole("heading", { level: 1, name: "Open the offline demo caseload" })).toHaveFocus();

    await user.type(screen.getByLabelText("New passphrase"), "kettle");
    const feedback = screen.getByTestId("passphrase-strength");
    await waitFor(() => expect(feedback).toHaveTextContent("Strength: Weak"));
    expect(feedback).toHaveTextContent("The passphrase is too short: use at least 12 characters");
    expect(feedback).toHaveAttribute("aria-live", "polite");
    await user.type(screen.getByLabelText("New passphrase"), " orbit crayon 42");
    await waitFor(() => expect(feedback).toHaveTextContent("Strength: Strong"));
    const checks = calls.filter((c) => c.cmd === "passphrase_strength");
    expect(checks.length).toBeLessThan(6); // debounced, not one per key
    expect(checks.at(-1)?.args).toEqual({ passphrase: "kettle orbit crayon 42" });
    expect(await axeViolations(container)).toEqual([]);

    await user.type(screen.getByLabelText("Your name"), "Jo Bloggs");
    await user.selectOptions(screen.getByLabelText("Your role"), "community-public-health-nurse");
    await user.type(screen.getByLabelText("Type the passphrase again"), "kettle orbit crayon 42");
    await user.click(screen.getByRole("button", { name: "Open the offline demo caseload" }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith(unlockedState));
    expect(calls.find((c) => c.cmd === "create_profile")?.args).toEqual({
      profile: {
        passphrase: "kettle orbit crayon 42", practitioner: "Jo Bloggs", role: "community-public-health-nurse",
        team: null, demo_families: DEMO_FAMILIES,
      },
    });
    expect(DEMO_FAMILIES).toBe(60);
  });

  it("checks the answers before setting up, and shows the core's problems next to the fields", async () => {
    const user = userEvent.setup();
    const calls = answer({
      passphrase_strength: strength,
      create_profile: () => {
        throw ipcError("invalid", "Check the answers and try again.", [{ field: "passphrase", problem: "is built on a common password: choose words that are not easy to guess" }]);
      },
    });
    const { container } = render(<FirstRun state={noProfileState} onDone={vi.fn()} />);
    await user.click(screen.getByRole("button", { name: "Open the offline demo caseload" }));
    await user.type(screen.getByLabelText("New passphrase"), "kettle orbit crayon 42");
    await user.type(screen.getByLabelText("Type the passphrase again"), "kettle orbit crayon 24");
    await user.click(screen.getByRole("button", { name: "Open the offline demo caseload" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(/Type the passphrase again does not match/i);
    expect(alert).toHaveTextContent(/Your name is required/i);
    expect(document.getElementById("field-passphrase_confirm-error")).toHaveTextContent("Passphrase does not match: type the same passphrase twice");
    expect(document.getElementById("field-practitioner-error")).toHaveTextContent("Your name is required: enter your name");
    expect(document.getElementById("field-role-error")).toHaveTextContent("Role is required: choose your role");
    expect(calls.some((c) => c.cmd === "create_profile")).toBe(false);
    expect(await axeViolations(container)).toEqual([]);

    await user.type(screen.getByLabelText("Your name"), "Jo Bloggs");
    await user.selectOptions(screen.getByLabelText("Your role"), "nursery-nurse");
    await user.clear(screen.getByLabelText("Type the passphrase again"));
    await user.type(screen.getByLabelText("Type the passphrase again"), "kettle orbit crayon 42");
    await user.click(screen.getByRole("button", { name: "Open the offline demo caseload" }));
    await waitFor(() => expect(document.getElementById("field-passphrase-error")).toHaveTextContent("Passphrase is built on a common password"));
    expect(screen.getByRole("alert")).toHaveTextContent("Check the answers and try again.");
    expect(calls.filter((c) => c.cmd === "create_profile")).toHaveLength(1);
    expect(await axeViolations(container)).toEqual([]);
  });

  it("enrols: creates the profile, enrols (retrying only that after a bad code) and syncs", async () => {
    const user = userEvent.setup();
    const onDone = vi.fn();
    let enrolTries = 0;
    const calls = answer({
      passphrase_strength: strength,
      create_profile: () => unlockedState,
      enrol: () => {
        enrolTries += 1;
        if (enrolTries === 1) throw ipcError("invalid", "Check the enrolment details and try again.", [{ field: "code", problem: "enrolment code not accepted" }]);
        return { server: "https://doorstep.example.nhs.uk", device_id: "dev-7", device_name: "Foleshill laptop 3", practitioner: { id: "pr-1", name: "Jo Bloggs", role: "health-visitor" }, team: null, enrolled_at: "2026-11-14T10:00:00Z" };
      },
      sync_now: () => syncReport,
    });
    const { container } = render(<FirstRun state={noProfileState} onDone={onDone} />);
    await user.click(screen.getByRole("button", { name: "Set up this laptop for my trust (enrol)" }));
    await fillProfile(user);
    await user.type(screen.getByLabelText("Server address"), "https://doorstep.example.nhs.uk");
    await user.type(screen.getByLabelText("One-time enrolment code"), "WRONG-CODE");
    await user.type(screen.getByLabelText("A name for this laptop (optional)"), "Foleshill laptop 3");
    await user.click(screen.getByRole("button", { name: "Set up and enrol this laptop" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("Check the enrolment details and try again.");
    expect(document.getElementById("field-code-error")).toHaveTextContent("Enrolment code not accepted");
    expect(screen.queryByLabelText("New passphrase")).toBeNull();
    expect(await axeViolations(container)).toEqual([]);

    await user.clear(screen.getByLabelText("One-time enrolment code"));
    await user.type(screen.getByLabelText("One-time enrolment code"), "ABCD-1234");
    await user.click(screen.getByRole("button", { name: "Enrol this laptop" }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith(unlockedState));

    const cmds = calls.map((c) => c.cmd).filter((c) => c !== "passphrase_strength");
    expect(cmds).toEqual(["create_profile", "enrol", "enrol", "sync_now"]);
    expect(calls.find((c) => c.cmd === "create_profile")?.args).toEqual({
      profile: { passphrase: "kettle orbit crayon 42", practitioner: "Jo Bloggs", role: "health-visitor", team: "Foleshill 0-19", demo_families: null },
    });
    expect(calls.filter((c) => c.cmd === "enrol").at(-1)?.args).toEqual({
      enrolment: { server: "https://doorstep.example.nhs.uk", code: "ABCD-1234", ca_pem: null, device_name: "Foleshill laptop 3" },
    });
  });

  it("says the work is saved when the server cannot be reached for the first sync", async () => {
    const user = userEvent.setup();
    const onDone = vi.fn();
    answer({
      passphrase_strength: strength,
      create_profile: () => unlockedState,
      enrol: () => ({}),
      sync_now: () => { throw ipcError("unreachable", "Server not reachable: connection timed out; your work is saved on this device and will sync later."); },
    });
    const { container } = render(<FirstRun state={noProfileState} onDone={onDone} />);
    await user.click(screen.getByRole("button", { name: "Set up this laptop for my trust (enrol)" }));
    await fillProfile(user);
    await user.type(screen.getByLabelText("Server address"), "https://doorstep.example.nhs.uk");
    await user.type(screen.getByLabelText("One-time enrolment code"), "ABCD-1234");
    await user.click(screen.getByRole("button", { name: "Set up and enrol this laptop" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("your work is saved on this device and will sync later.");
    expect(await axeViolations(container)).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Continue to Today" }));
    expect(onDone).toHaveBeenCalledWith(unlockedState);
  });

  it("says when the data on the laptop was erased", () => {
    answer({});
    render(<FirstRun state={{ ...noProfileState, profile: { ...noProfileState.profile, erased: { at: "2026-11-14T10:00:00Z", reason: "too many failed unlock attempts" } } }} onDone={vi.fn()} />);
    expect(screen.getByText(/erased on 14 Nov 2026 at 10:00: too many failed unlock attempts/)).toBeInTheDocument();
  });
});
