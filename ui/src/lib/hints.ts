// The app's words for the API's hints: where in the app the next step is. The API's message says what happened;
// the CLI words the same hints as commands (crates/casebook-cli/src/hint.rs).
import type { Hint } from "../bindings/commands";

/** The next step as a sentence for this app, or null when the screen already shows it (a form's own field). */
export function hintWords(hint: Hint | null | undefined): string | null {
  if (!hint) return null;
  switch (hint.kind) {
    case "input":
      if (hint.field === "alert_format") return "Choose a Wazuh, Elastic Security, Splunk, Suricata EVE or generic JSON alert file.";
      return hint.field === "timeline_format" ? "Choose a .csv, .jsonl, .ndjson or .json file." : null;
    case "list_incidents":
      return "The Queue (g q) lists every incident on this laptop.";
    case "list_tasks":
      return `The Tasks tab of ${hint.incident} lists its tasks.`;
    case "list_evidence":
      return `The Evidence tab of ${hint.incident} lists its evidence.`;
    case "list_users":
      return null;
    case "create_profile":
      return "Restart Casebook to create your profile.";
    case "other_data_directory":
      return "Start Casebook with another data folder (set CASEBOOK_DATA_DIR).";
    case "join_team":
      return "Join a team in Settings (g s).";
    case "sign_in":
      return `Sign in again as ${hint.email} in Settings (g s).`;
    case "fetch_evidence":
      return "Download it in the Evidence tab: it comes from the team server and is checked by its SHA-256.";
    case "verify_evidence":
      return `Verify integrity in the Evidence tab of ${hint.incident} re-hashes every stored file.`;
    case "request_escalation":
      return `Escalate ${hint.incident} first, in its Escalations tab.`;
    case "unlock":
      return "Restart Casebook and enter the passphrase of this data folder.";
    case "encrypt_directory":
      return "This data folder is not encrypted yet: encrypting a folder that is in use is done with Casebook closed.";
  }
}
