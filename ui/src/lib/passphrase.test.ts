import { describe, expect, it } from "vitest";
import { confirmProblem, unlockMessage, WRONG_PASSPHRASE } from "./passphrase";

describe("passphrase wording", () => {
  it("says a wrong passphrase plainly and passes other errors through", () => {
    expect(unlockMessage({ code: "wrong_passphrase", message: "the passphrase does not unlock", hint: null })).toBe(WRONG_PASSPHRASE);
    expect(unlockMessage({ code: "integrity", message: "the key file is damaged", hint: null })).toBe("the key file is damaged");
  });

  it("catches an empty or mistyped new passphrase and leaves the length to the API", () => {
    expect(confirmProblem("", "")).toMatch(/choose a passphrase/i);
    expect(confirmProblem("violet anchor", "violet anchr")).toMatch(/not the same/);
    expect(confirmProblem("short", "short")).toBeNull();
  });
});
