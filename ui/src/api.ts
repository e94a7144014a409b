// The UI's one door to the backend: the generated, typed command functions, and errors in their `{code, message}`
// shape. Components call `cmd.*`, never `invoke("…")` by hand.
import * as cmd from "./bindings/commands";
import type { CommandError } from "./bindings/commands";

export { cmd };

/** Any rejection as a `{code, message}`: the backend's own, or an unexpected one in plain words. */
export function toError(e: unknown): CommandError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as CommandError;
  return { code: "internal", message: e instanceof Error ? e.message : String(e), hint: null };
}
