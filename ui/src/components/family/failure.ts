// A failed command as the IpcError to show; a `locked` error also sends
// the app to the unlock screen (the shell listens for it).
import { asIpcError, type IpcError } from "../../ipc";
import { reportIfLocked } from "../shell/locked";

export function failure(e: unknown): IpcError {
  reportIfLocked(e);
  return asIpcError(e);
}
