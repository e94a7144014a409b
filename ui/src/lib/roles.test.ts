import { describe, expect, it } from "vitest";
import { rolesFor } from "./roles";

describe("roles an admin may pick", () => {
  it("never offers the integration role for a person", () => {
    expect(rolesFor()).not.toContain("integration");
    expect(rolesFor("responder")).not.toContain("integration");
    expect(rolesFor()).toEqual(expect.arrayContaining(["responder", "lead", "auditor", "admin"]));
  });

  it("keeps an integration account's own role on its row", () => {
    expect(rolesFor("integration")).toContain("integration");
  });
});
