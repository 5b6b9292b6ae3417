import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { answer } from "../test/ipc";
import { axeViolations } from "../test/axe";
import { ipcError, lockedState, noProfileState, unlockedState } from "../components/shell/fixtures";
import { Unlock } from "./Unlock";

describe("Unlock", () => {
  it("says whose laptop it is and unlocks with the passphrase", async () => {
    const user = userEvent.setup();
    const calls = answer({ unlock: () => unlockedState });
    const onUnlocked = vi.fn();
    const { container } = render(<Unlock state={lockedState} onUnlocked={onUnlocked} onSetUpAgain={vi.fn()} />);
    expect(screen.getByRole("heading", { level: 1, name: "Unlock Doorstep" })).toBeInTheDocument();
    expect(screen.getByTestId("owner")).toHaveTextContent("Jo Bloggs");
    expect(screen.getByText("Health visitor")).toBeInTheDocument();
    expect(screen.getByText("Foleshill 0-19")).toBeInTheDocument();
    expect(await axeViolations(container)).toEqual([]);

    const field = screen.getByLabelText("Passphrase");
    expect(field).toHaveAttribute("id", "field-passphrase");
    expect(field).toHaveAttribute("type", "password");
    await user.type(field, "kettle orbit crayon 42");
    await user.click(screen.getByRole("button", { name: "Unlock" }));
    expect(calls).toEqual([{ cmd: "unlock", args: { passphrase: "kettle orbit crayon 42" } }]);
    expect(onUnlocked).toHaveBeenCalledWith(unlockedState);
  });

  it("shows the message and the attempts left after a wrong passphrase", async () => {
    const user = userEvent.setup();
    answer({
      unlock: () => {
        throw ipcError("wrong-passphrase", "Passphrase not accepted.", [],
          "Warning: 6 of 10 attempts used. After 10 failed attempts the data on this device is erased.");
      },
    });
    const onUnlocked = vi.fn();
    const { container } = render(<Unlock state={lockedState} onUnlocked={onUnlocked} onSetUpAgain={vi.fn()} />);
    await user.type(screen.getByLabelText("Passphrase"), "not the passphrase");
    await user.click(screen.getByRole("button", { name: "Unlock" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Passphrase not accepted.");
    expect(screen.getByTestId("unlock-warning")).toHaveTextContent("6 of 10 attempts used");
    expect(document.getElementById("field-passphrase-error")).toHaveTextContent("Passphrase not accepted");
    expect(screen.getByLabelText("Passphrase")).toHaveValue("");
    expect(onUnlocked).not.toHaveBeenCalled();
    expect(await axeViolations(container)).toEqual([]);
  });

  it("offers to set the laptop up again once the data is erased", async () => {
    const user = userEvent.setup();
    const erasedState = { ...noProfileState, profile: { ...noProfileState.profile, erased: { at: "2026-11-14T10:00:00Z", reason: "too many failed unlock attempts" } } };
    answer({
      unlock: () => { throw ipcError("erased", "Too many failed attempts: the local data on this device has been erased. Set the device up again (doorstep init) and sync to get the caseload back."); },
      app_state: () => erasedState,
    });
    const onSetUpAgain = vi.fn();
    const { container } = render(<Unlock state={lockedState} onUnlocked={vi.fn()} onSetUpAgain={onSetUpAgain} />);
    await user.type(screen.getByLabelText("Passphrase"), "still not it at all");
    await user.click(screen.getByRole("button", { name: "Unlock" }));
    expect(await screen.findByTestId("erased-message")).toHaveTextContent("the local data on this device has been erased");
    expect(await axeViolations(container)).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Set up this laptop again" }));
    expect(onSetUpAgain).toHaveBeenCalledWith(erasedState);
  });
});
