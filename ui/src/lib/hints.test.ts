import { describe, expect, it } from "vitest";
import { hintWords } from "./hints";

describe("hintWords", () => {
  it("names the app's screen, never a command or a flag", () => {
    const all = [
      hintWords({ kind: "list_incidents" }),
      hintWords({ kind: "join_team" }),
      hintWords({ kind: "sign_in", server: "https://team.example:8443", email: "ana@example.org" }),
      hintWords({ kind: "fetch_evidence", incident: "INC-7", evidence: "9f86d081884c" }),
      hintWords({ kind: "verify_evidence", incident: "INC-7" }),
      hintWords({ kind: "request_escalation", incident: "INC-7" }),
      hintWords({ kind: "other_data_directory" }),
      hintWords({ kind: "unlock" }),
      hintWords({ kind: "encrypt_directory" }),
      hintWords({ kind: "input", field: "timeline_format", example: "jsonl" }),
      hintWords({ kind: "input", field: "alert_format", example: "wazuh" }),
    ];
    for (const words of all) {
      expect(words).toBeTruthy();
      expect(words).not.toMatch(/casebook |--[a-z]/);
    }
    expect(hintWords({ kind: "sign_in", server: "https://team.example:8443", email: "ana@example.org" })).toContain("ana@example.org");
  });

  it("says nothing where the form already shows the field", () => {
    expect(hintWords({ kind: "input", field: "reason", example: "Credential theft confirmed" })).toBeNull();
    expect(hintWords(null)).toBeNull();
  });
});
