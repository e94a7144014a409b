// Settings: the team this laptop belongs to, the profile, where the data lives, the theme, and acting as a colleague
// registered on this device.
import { useState } from "preact/hooks";
import type { Startup } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp } from "../state";
import { useLoad } from "../hooks";
import { ErrorNote, Modal } from "../components/ui";
import { JoinTeam } from "../components/JoinTeam";
import { describeSync } from "../lib/sync";
import { confirmProblem, unlockMessage } from "../lib/passphrase";

export function Settings({ startup, onStartup }: { startup: Startup; onStartup: (s: Startup) => void }) {
  const { data_dir: dataDir, encrypted } = startup;
  const app = useApp();
  const users = useLoad(() => cmd.users(), [app.version]);
  const [theme, setTheme] = useState(document.documentElement.dataset.theme ?? "dark");
  const [who, setWho] = useState(app.me?.user.id ?? "");
  const me = app.me!;
  const pickTheme = (t: string) => {
    setTheme(t);
    document.documentElement.dataset.theme = t;
    localStorage.setItem("casebook.theme", t);
  };
  const switchUser = async (e: Event) => {
    e.preventDefault();
    try {
      const m = await cmd.actAs(who);
      app.setMe(m);
      app.changed();
      app.notify(`Now acting as ${m.user.name}`);
    } catch (err) {
      app.fail(toError(err));
    }
  };
  return (
    <section class="screen settings" data-screen="settings">
      <header class="screen-head"><h1>Settings</h1></header>
      <TeamCard />
      <div class="card">
        <h3>Acting as</h3>
        <dl class="kv">
          <dt>Name</dt><dd data-testid="me-name">{me.user.name}</dd>
          <dt>Role</dt><dd>{me.user.role}{me.user.tier ? `, tier ${me.user.tier}` : ""}</dd>
          <dt>Device</dt><dd class="mono small">{me.device}</dd>
        </dl>
      </div>
      <form class="card form" onSubmit={switchUser}>
        <h3>Switch user</h3>
        <p class="muted small">Act as a colleague registered on this device (a shared laptop). This is a convenience, not a login: the team server checks every change's author itself.</p>
        {users.error && <ErrorNote error={users.error} />}
        <div class="row">
          <select name="switch-user" value={who} onChange={(e) => setWho(e.currentTarget.value)} data-testid="switch-user">
            {users.data?.map((u) => <option value={u.id}>{u.name} — {u.role}{u.tier ? ` tier ${u.tier}` : ""}</option>)}
          </select>
          <button class="primary" type="submit" data-testid="switch-user-submit">Act as this person</button>
        </div>
      </form>
      <div class="card">
        <h3>Data location</h3>
        <p><code class="select-all" data-testid="data-dir">{dataDir}</code></p>
        <p class="muted small">The <code>casebook</code> command line uses the same folder, so a case opens in both. Set <code>CASEBOOK_DATA_DIR</code> before starting to use another folder.</p>
        <p class="muted small" data-testid="encryption-state">
          {encrypted ? (startup.remembered ? "Encrypted: it opens with your passphrase, or from your keyring on this computer." : "Encrypted: it opens only with your passphrase.") : <>Not encrypted. <code>casebook encrypt</code> encrypts it in place while the app is closed.</>}
        </p>
      </div>
      {encrypted && startup.keyring && <RememberHere remembered={startup.remembered} onStartup={onStartup} />}
      {encrypted && <ChangePassphrase />}
      <div class="card">
        <h3>Theme</h3>
        <div class="row">
          {["dark", "light"].map((t) => (
            <label class="check"><input type="radio" name="theme" checked={theme === t} onChange={() => pickTheme(t)} /> {t}</label>
          ))}
        </div>
      </div>
    </section>
  );
}

/** The team: join, or where this laptop stands, sign out, sign in again, forget. */
function TeamCard() {
  const app = useApp();
  const [joining, setJoining] = useState(false);
  const [forgetting, setForgetting] = useState(false);
  const [erase, setErase] = useState(false);
  const [busy, setBusy] = useState(false);
  const status = app.team?.status ?? null;
  const v = describeSync(app.team, new Date());
  const joined = async () => {
    setJoining(false);
    try {
      app.setMe(await cmd.me());
    } catch (err) {
      app.fail(toError(err));
    }
    app.syncNow();
    app.changed();
    app.notify("Joined the team; syncing");
  };
  const signOut = async () => {
    setBusy(true);
    try {
      const told = await cmd.signOut();
      app.notify(told ? "Signed out" : "Signed out on this laptop (the server could not be told; it forgets the session when it expires)");
      app.syncNow();
    } catch (err) {
      app.fail(toError(err));
    } finally {
      setBusy(false);
    }
  };
  const forget = async () => {
    setBusy(true);
    try {
      const r = await cmd.forgetTeam();
      // Erasing restarts the app once the person confirms in the system's own dialog; cancelling keeps the data.
      if (erase && (await cmd.eraseThisLaptop())) return;
      setForgetting(false);
      app.notify(r.unsynced > 0 ? `This laptop left the team; ${r.unsynced} changes that never reached the server stay here` : "This laptop left the team");
      app.syncNow();
      app.changed();
    } catch (err) {
      app.fail(toError(err));
    } finally {
      setBusy(false);
    }
  };

  if (!status?.server) {
    return (
      <div class="card" data-testid="team-card" data-joined="false">
        <h3>Team</h3>
        {joining ? (
          <JoinTeam onJoined={joined} />
        ) : (
          <>
            <p class="muted">This laptop works alone. Join your team's Casebook server to share cases; what you made here goes up with you.</p>
            <button class="primary" data-testid="join-team-open" onClick={() => setJoining(true)}>Join a team</button>
          </>
        )}
      </div>
    );
  }
  return (
    <div class="card" data-testid="team-card" data-joined="true">
      <h3>Team</h3>
      <dl class="kv">
        <dt>Team</dt><dd data-testid="team-name">{status.team}</dd>
        <dt>Server</dt><dd class="mono small">{status.server}</dd>
        <dt>Account</dt><dd>{status.account}{status.signed_in ? "" : " (signed out)"}</dd>
        {status.fingerprint && <><dt>Certificate</dt><dd class="fingerprint small">{status.fingerprint}</dd></>}
        <dt>Sync</dt><dd>{v.headline}{v.last ? `, ${v.last}` : ""}</dd>
      </dl>
      {joining && <JoinTeam onJoined={joined} />}
      <div class="row">
        {status.signed_in ? (
          <button disabled={busy} data-testid="sign-out" onClick={signOut}>Sign out</button>
        ) : (
          !joining && <button class="primary" data-testid="sign-in-again" onClick={() => setJoining(true)}>Sign in again</button>
        )}
        <button disabled={busy} class="danger" data-testid="forget-laptop" onClick={() => setForgetting(true)}>Forget this laptop…</button>
      </div>
      {forgetting && (
        <Modal title="Forget this laptop?" onClose={() => setForgetting(false)}>
          <div class="form" data-testid="forget-confirm">
            <p>This laptop leaves team <strong>{status.team}</strong>: it signs out and stops syncing. Everything stays on this laptop unless you erase it below.</p>
            {status.waiting > 0 ? (
              <p class="bad" data-testid="forget-unsynced">
                <strong>{status.waiting} changes made here have not reached the server.</strong> They stay on this laptop, but
                the team will never get them unless this laptop joins again. Sync first if you can.
              </p>
            ) : (
              <p class="muted">Every change made here is already on the server.</p>
            )}
            <label class="check wrap">
              <input type="checkbox" data-testid="forget-erase" checked={erase} onChange={(e) => setErase(e.currentTarget.checked)} />
              Also erase Casebook's data on this laptop (every case, timeline and evidence file here). The app restarts
              empty; {status.waiting > 0 ? "the changes above are lost for good" : "the team keeps what reached the server"}.
            </label>
            <div class="row end">
              <button onClick={() => setForgetting(false)}>Cancel</button>
              <button class="danger" disabled={busy} data-testid="forget-confirm-button" onClick={forget}>{erase ? "Forget and erase…" : "Forget this laptop"}</button>
            </div>
          </div>
        </Modal>
      )}
    </div>
  );
}

// Whether this computer's keyring keeps the folder's key, so Casebook opens without the passphrase.
function RememberHere({ remembered, onStartup }: { remembered: boolean; onStartup: (s: Startup) => void }) {
  const app = useApp();
  const [busy, setBusy] = useState(false);
  const change = async () => {
    setBusy(true);
    try {
      onStartup(await cmd.rememberOnThisComputer(!remembered));
      app.notify(remembered ? "Forgotten: Casebook asks for the passphrase at its next start." : "Remembered: Casebook opens without asking while you are logged in.");
    } catch (err) {
      app.fail(toError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card" data-testid="remember-here">
      <h3>This computer</h3>
      <p class="muted small" data-testid="remember-state">
        {remembered
          ? "Your system keyring keeps this folder's key: Casebook opens without asking while you are logged in."
          : "Casebook asks for the passphrase each time it starts. Your system keyring can keep the key instead."}
      </p>
      <div class="row">
        <button type="button" disabled={busy} onClick={change} data-testid="remember-toggle">
          {remembered ? "Forget on this computer" : "Remember on this computer"}
        </button>
      </div>
    </div>
  );
}

// A new passphrase for the encrypted folder: the API rewraps its key, the data is not re-encrypted.
function ChangePassphrase() {
  const app = useApp();
  const [old, setOld] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const problem = confirmProblem(next, again);
    if (problem) return setError(problem);
    setBusy(true);
    setError(null);
    try {
      await cmd.changePassphrase(old, next);
      setOld("");
      setNext("");
      setAgain("");
      app.notify("The passphrase is changed; use the new one from now on.");
    } catch (err) {
      setError(unlockMessage(toError(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form" onSubmit={submit} data-testid="change-passphrase">
      <h3>Change passphrase</h3>
      <label>Current passphrase<input type="password" name="old-passphrase" value={old} onInput={(e) => setOld(e.currentTarget.value)} /></label>
      <label>New passphrase<input type="password" name="new-passphrase" value={next} onInput={(e) => setNext(e.currentTarget.value)} /></label>
      <label>New passphrase again<input type="password" name="new-passphrase-confirm" value={again} onInput={(e) => setAgain(e.currentTarget.value)} /></label>
      {error && <div class="state error" role="alert">{error}</div>}
      <div class="row"><button class="primary" type="submit" disabled={busy || !old}>Change passphrase</button></div>
    </form>
  );
}
