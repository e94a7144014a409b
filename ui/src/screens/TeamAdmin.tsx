// The team's accounts and devices, for admins: list, add, disable, change roles and tiers, revoke a device. Every
// change is the server's to make (it checks the admin role itself); this screen only asks.
import { useState } from "preact/hooks";
import type { Role, TeamAccount, Tier } from "../bindings/commands";
import { rolesFor } from "../lib/roles";
import { cmd, toError } from "../api";
import { useApp } from "../state";
import { useLoad } from "../hooks";
import { Empty, ErrorNote, Loading } from "../components/ui";
import { fmtTime } from "../lib/format";



export function TeamAdmin() {
  const app = useApp();
  const accounts = useLoad(() => cmd.teamAccounts(), [app.version]);
  const devices = useLoad(() => cmd.teamDevices(), [app.version]);
  const [adding, setAdding] = useState(false);

  const change = async (a: TeamAccount, c: Parameters<typeof cmd.changeTeamAccount>[1], done: string) => {
    try {
      await cmd.changeTeamAccount(a.email, c);
      app.notify(done);
      accounts.reload();
    } catch (err) {
      app.fail(toError(err));
    }
  };
  const revoke = async (device: string, name: string) => {
    try {
      await cmd.revokeTeamDevice(device);
      app.notify(`Revoked ${name}: the server takes nothing more from it`);
      devices.reload();
    } catch (err) {
      app.fail(toError(err));
    }
  };

  return (
    <section class="screen" data-screen="team">
      <header class="screen-head">
        <h1>Team accounts</h1>
        <button class="primary" data-testid="add-account-open" onClick={() => setAdding((a) => !a)}>Add an account</button>
      </header>
      {adding && <AddAccount onAdded={() => { setAdding(false); accounts.reload(); }} />}
      {accounts.error ? <ErrorNote error={accounts.error} retry={accounts.reload} /> : !accounts.data ? <Loading what="accounts" /> : (
        <table class="grid" data-testid="accounts">
          <thead><tr><th>Name</th><th>Email</th><th>Role</th><th>Tier</th><th>State</th><th /></tr></thead>
          <tbody>
            {accounts.data.map((a) => (
              <tr data-account={a.email} data-disabled={a.disabled}>
                <td>{a.name}</td>
                <td class="mono small">{a.email}</td>
                <td>
                  <select aria-label={`Role of ${a.name}`} value={a.role} onChange={(e) => change(a, { role: e.currentTarget.value as Role }, `${a.name} is now ${e.currentTarget.value}`)}>
                    {rolesFor(a.role).map((r) => <option value={r}>{r}</option>)}
                  </select>
                </td>
                <td>
                  <select aria-label={`Tier of ${a.name}`} value={a.tier ?? ""} onChange={(e) => {
                    const t = e.currentTarget.value ? (Number(e.currentTarget.value) as Tier) : null;
                    change(a, { tier: t }, `${a.name}'s tier changed`);
                  }}>
                    <option value="">—</option>
                    {[1, 2, 3].map((t) => <option value={t}>tier {t}</option>)}
                  </select>
                </td>
                <td>{a.disabled ? <span class="badge bad">disabled</span> : <span class="badge ok">active</span>}</td>
                <td>
                  <button class="small" data-testid="toggle-account" onClick={() => change(a, { disabled: !a.disabled }, a.disabled ? `${a.name} can sign in again` : `${a.name} is disabled`)}>
                    {a.disabled ? "Enable" : "Disable"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Devices</h3>
      {devices.error ? <ErrorNote error={devices.error} retry={devices.reload} /> : !devices.data ? <Loading what="devices" /> :
        !devices.data.length ? <Empty>No device has signed in yet.</Empty> : (
        <table class="grid" data-testid="devices">
          <thead><tr><th>Device</th><th>Account</th><th>Last seen</th><th>State</th><th /></tr></thead>
          <tbody>
            {devices.data.map((d) => (
              <tr data-device={d.device}>
                <td>{d.name}<div class="mono small muted">{d.device}</div></td>
                <td>{d.email ?? "—"}{d.this_device ? " (this laptop)" : ""}</td>
                <td class="nowrap">{fmtTime(d.last_seen)}</td>
                <td>{d.revoked ? <span class="badge bad">revoked</span> : <span class="badge ok">active</span>}</td>
                <td>{!d.revoked && <button class="small danger" onClick={() => revoke(d.device, d.name)}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AddAccount({ onAdded }: { onAdded: () => void }) {
  const app = useApp();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("responder");
  const [tier, setTier] = useState<Tier>(1);
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const a = await cmd.addTeamAccount({ email: email.trim(), name: name.trim(), role, tier: role === "responder" ? tier : null, password });
      app.notify(`Added ${a.name}; give them the password through a safe channel`);
      onAdded();
    } catch (err) {
      app.fail(toError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form" data-testid="add-account" onSubmit={submit}>
      <div class="row">
        <label>Name<input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
        <label>Email<input name="email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></label>
        <label>Role
          <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            {rolesFor().map((r) => <option value={r}>{r}</option>)}
          </select>
        </label>
        {role === "responder" && (
          <label>Tier
            <select name="tier" value={tier} onChange={(e) => setTier(Number(e.currentTarget.value) as Tier)}>
              {[1, 2, 3].map((t) => <option value={t}>tier {t}</option>)}
            </select>
          </label>
        )}
        <label>First password<input name="password" type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" /></label>
      </div>
      <div class="row end"><button class="primary" type="submit" disabled={busy || !email || !name || password.length < 10}>Add</button></div>
      <p class="muted small">Passwords need at least 10 characters.</p>
    </form>
  );
}
