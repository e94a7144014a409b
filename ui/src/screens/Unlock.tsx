// The unlock screen: an encrypted case folder opens with its passphrase before anything else starts.
import { useState } from "preact/hooks";
import type { Startup } from "../bindings/commands";
import { cmd, toError } from "../api";
import { unlockMessage } from "../lib/passphrase";

export function Unlock({ dataDir, onUnlocked }: { dataDir: string; onUnlocked: (s: Startup) => void }) {
  const [passphrase, setPassphrase] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onUnlocked(await cmd.unlock(passphrase));
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
