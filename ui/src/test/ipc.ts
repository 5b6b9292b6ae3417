// Component tests answer the shell's commands with mockIPC: give each
// command name a handler; an unexpected command fails the test loudly.
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import { afterEach } from "vitest";

export type Handlers = Record<string, (args: Record<string, unknown>) => unknown>;

/** Answers commands from `handlers`; returns the calls made, in order. */
export function answer(handlers: Handlers): { cmd: string; args: Record<string, unknown> }[] {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    const h = handlers[cmd];
    if (!h) throw new Error(`unexpected command in test: ${cmd}`);
    return h(args);
  });
  return calls;
}

afterEach(() => clearMocks());
