// The unlock screen: an encrypted case folder opens with its passphrase before anything else starts.
import { useState } from "preact/hooks";
import type { Startup } from "../bindings/commands";
import { cmd, toError } from "../api";
import { unlockMessage } from "../lib/passphrase";

// `keyring`: this computer's keyring can remember the passphrase, so the screen offers it (off unless ticked).
export function Unlock({ dataDir, keyring = false, onUnlocked }: { dataDir: string; keyring?: boolean; onUnlocked: (s: Startup) => void }) {
  const [passphrase, setPassphrase] = useState("");
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onUnlocked(await cmd.unlock(passphrase, keyring && remember));
    } catch (err) {
      setError(unlockMessage(toError(err)));
      setPassphrase("");
      setBusy(false);
    }
  };
  return (
    <div class="center-page" data-testid="unlock-screen">
      <h1>Casebook is locked</h1>
      <form class="card form" onSubmit={submit}>
        <p class="muted">This laptop's cases are encrypted. Type your passphrase to open them.</p>
        <label>Passphrase
          <input type="password" name="passphrase" autoFocus disabled={busy} value={passphrase}
            onInput={(e) => setPassphrase(e.currentTarget.value)} data-testid="unlock-passphrase" />
        </label>
        {keyring && (
          <label class="check">
            <input type="checkbox" name="remember" checked={remember} disabled={busy}
              onChange={(e) => setRemember(e.currentTarget.checked)} data-testid="unlock-remember" />
            Remember on this computer
          </label>
        )}
        {keyring && remember && (
          <p class="muted small">Your system keyring keeps the key: Casebook then opens without asking while you are logged in. Settings can forget it.</p>
        )}
        {error && <div class="state error" role="alert" data-testid="unlock-error">{error}</div>}
        <div class="row">
          <button class="primary" type="submit" disabled={busy || !passphrase} data-testid="unlock">
            {busy ? "Unlocking…" : "Unlock"}
          </button>
        </div>
        <p class="muted small">Case folder: <code>{dataDir}</code></p>
      </form>
    </div>
  );
}
