// First run: join a team, or create this device's profile (then offer the demo case).
import { useState } from "preact/hooks";
import type { CommandError, Me, Role, Tier } from "../bindings/commands";
import { cmd, toError } from "../api";
import { ErrorNote } from "../components/ui";
import { JoinTeam } from "../components/JoinTeam";
import { confirmProblem } from "../lib/passphrase";

// `keyring`: this computer's keyring can remember the passphrase, so encrypting offers "Remember on this computer".
export function FirstRun({ dataDir, keyring = false, onDone }: { dataDir: string; keyring?: boolean; onDone: (me: Me) => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("responder");
  const [tier, setTier] = useState<Tier>(1);
  const [me, setMe] = useState<Me | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);
  const [joining, setJoining] = useState(false);
  // Encryption is on unless the person turns it off; the passphrase rules are the API's.
  const [encrypt, setEncrypt] = useState(true);
  const [passphrase, setPassphrase] = useState("");
  const [confirmation, setConfirmation] = useState("");
  const [remember, setRemember] = useState(false);
  const joined = async () => {
    try {
      onDone(await cmd.me());
    } catch (err) {
      setError(toError(err));
    }
  };

  const create = async (e: Event) => {
    e.preventDefault();
    const problem = encrypt ? confirmProblem(passphrase, confirmation) : null;
    if (problem) {
      setError({ code: "invalid_input", message: problem, hint: null });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setMe(await cmd.initProfile({
        name,
        role,
        tier: role === "responder" ? tier : null,
        passphrase: encrypt ? passphrase : null,
        remember: encrypt && keyring && remember,
      }));
    } catch (err) {
      setError(toError(err));
    } finally {
      setBusy(false);
    }
  };
  const demo = async () => {
    setBusy(true);
    try {
      await cmd.loadDemo();
      onDone(await cmd.me());
    } catch (err) {
      setError(toError(err));
      setBusy(false);
    }
  };

  return (
    <div class="center-page first-run" data-testid="first-run">
      <h1>Welcome to Casebook</h1>
      {joining ? (
        <div class="card">
          <JoinTeam onJoined={joined} />
          {error && <ErrorNote error={error} />}
          <button class="link" onClick={() => setJoining(false)}>Work on this laptop alone instead</button>
        </div>
      ) : !me ? (
        <form class="card form" onSubmit={create}>
          <p class="muted">
            Casebook keeps your cases on this computer. Tell it who you are; every change you make will carry your name.
          </p>
          <label>Your name<input name="name" autoFocus value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="e.g. Ana Silva" /></label>
          <label>Role
            <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              <option value="responder">Responder</option>
              <option value="lead">Lead</option>
              <option value="auditor">Auditor</option>
            </select>
          </label>
          {role === "responder" && (
            <label>Tier
              <select name="tier" value={tier} onChange={(e) => setTier(Number(e.currentTarget.value) as Tier)}>
                <option value="1">Tier 1 — triage</option>
                <option value="2">Tier 2 — investigation</option>
                <option value="3">Tier 3 — hunting, major incidents</option>
              </select>
            </label>
          )}
          <label class="check">
            <input type="checkbox" name="encrypt" checked={encrypt} onChange={(e) => setEncrypt(e.currentTarget.checked)} />
            Encrypt this laptop's cases
          </label>
          {encrypt && (
            <>
              <p class="muted small">A lost or seized laptop then gives nothing away. Casebook asks for the passphrase each time it starts; without it the cases cannot be read, so keep it safe.</p>
              <label>Passphrase<input type="password" name="passphrase" value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} /></label>
              <label>Passphrase again<input type="password" name="passphrase-confirm" value={confirmation} onInput={(e) => setConfirmation(e.currentTarget.value)} /></label>
              {keyring && (
                <label class="check wrap">
                  <input type="checkbox" name="remember" checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} data-testid="first-run-remember" />
                  Remember on this computer (your system keyring keeps the key, so Casebook opens without asking while you are logged in)
                </label>
              )}
            </>
          )}
          {error && <ErrorNote error={error} />}
          <div class="row">
            <button class="primary" type="submit" disabled={busy} data-testid="create-profile">Create my profile</button>
            <button type="button" disabled={busy} onClick={demo} data-testid="demo-instead">Just show me the demo case</button>
          </div>
          <p class="muted small">Data folder: <code>{dataDir}</code> (the <code>casebook</code> command uses the same one).</p>
          <p class="muted small">
            Part of a team with a Casebook server?{" "}
            <button type="button" class="link" data-testid="join-instead" onClick={() => setJoining(true)}>Join your team</button>{" "}
            (you can also join later, from Settings, and keep what you made meanwhile).
          </p>
        </form>
      ) : (
        <div class="card form" data-testid="offer-demo">
          <p>Your profile is ready, <strong>{me.user.name}</strong>.</p>
          <p class="muted">Would you like a demo case to look around in? It adds one phishing incident with a timeline, evidence and an escalation, and four colleagues you can act as from Settings.</p>
          {error && <ErrorNote error={error} />}
          <div class="row">
            <button class="primary" disabled={busy} onClick={demo} data-testid="load-demo">Load the demo case</button>
            <button disabled={busy} onClick={() => onDone(me)} data-testid="start-empty">Start with an empty queue</button>
          </div>
        </div>
      )}
    </div>
  );
}
