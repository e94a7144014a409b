// Which roles an admin may pick for an account. An integration is made for a SIEM on the team server and never given
// to a person, so it is offered only to the account that already is one (whose row must still show its role).
import { ROLES, type Role } from "../bindings/commands";

export function rolesFor(current?: Role): Role[] {
  return ROLES.filter((r) => r !== "integration" || r === current);
}
