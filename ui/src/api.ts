// The UI's one door to the backend: the generated, typed command functions, and errors in their `{code, message}`
// shape. Components call `cmd.*`, never `invoke("…")` by hand.
import * as cmd from "./bindings/commands";
import type { CommandError, Me, Role } from "./bindings/commands";

export { cmd };

/** Any rejection as a `{code, message}`: the backend's own, or an unexpected one in plain words. */
export function toError(e: unknown): CommandError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as CommandError;
  return { code: "internal", message: e instanceof Error ? e.message : String(e) };
}

/** Roles that change nothing (the core refuses them anyway): their screens show no editing control at all. */
export function readOnly(me: Me | null): boolean {
  const role: Role | undefined = me?.user.role;
  return role === "auditor" || role === "admin";
}

export function isLead(me: Me | null): boolean {
  return me?.user.role === "lead";
}
