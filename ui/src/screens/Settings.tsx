// Settings: the profile, where the data lives, the theme, and acting as a colleague registered on this device.
import { useState } from "preact/hooks";
import { cmd, toError } from "../api";
import { useApp } from "../state";
import { useLoad } from "../hooks";
import { ErrorNote } from "../components/ui";

export function Settings({ dataDir }: { dataDir: string }) {
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
      </div>
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
