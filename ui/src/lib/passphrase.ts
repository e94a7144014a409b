// What the unlock screen, the first run and Settings say about passphrases. The rules themselves (minimum length,
// whether a passphrase opens the folder) are the API's; these only word its answers and catch a mistyped copy.
import type { CommandError } from "../bindings/commands";

export const WRONG_PASSPHRASE = "That passphrase does not unlock this case folder.";

/** The unlock screen's line for a failed unlock: plain words for a wrong passphrase, the API's message otherwise. */
export function unlockMessage(error: CommandError): string {
  return error.code === "wrong_passphrase" ? WRONG_PASSPHRASE : error.message;
}

/** Why a new passphrase and its confirmation cannot be sent, or null when they can (the API checks the rest). */
export function confirmProblem(passphrase: string, confirmation: string): string | null {
  if (!passphrase) return "Choose a passphrase for the encrypted folder.";
  if (passphrase !== confirmation) return "The two passphrases are not the same; type them again.";
  return null;
}
