// The shell: first run, navigation, global shortcuts, the help overlay, notices and progress events.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { listen } from "@tauri-apps/api/event";
import type { AgentState, Allowed, Me, Progress, Startup } from "./bindings/commands";
import { EVENTS } from "./bindings/commands";
import { cmd, toError } from "./api";
import { AppContext, type AppState, type Notice, type Route, type SyncPanelTab } from "./state";
import { isTyping, KeySequence, SHORTCUTS } from "./lib/keys";
import { hintWords } from "./lib/hints";
import { ErrorNote, Loading, Modal } from "./components/ui";
import { FirstRun } from "./screens/FirstRun";
import { Unlock } from "./screens/Unlock";
import { Queue } from "./screens/Queue";
import { Alerts } from "./screens/Alerts";
import { Incident } from "./screens/Incident";
import { Board } from "./screens/Board";
import { Metrics } from "./screens/Metrics";
import { Settings } from "./screens/Settings";
import { NewIncident } from "./screens/NewIncident";
import { SearchBox } from "./screens/Search";
import { TeamAdmin } from "./screens/TeamAdmin";
import { StatusBar } from "./components/StatusBar";
import { SyncPanel } from "./screens/SyncPanel";

export function App() {
  const [startup, setStartup] = useState<Startup | null>(null);
  const [startError, setStartError] = useState<unknown>(null);
  const [me, setMe] = useState<Me | null>(null);
  const [can, setCan] = useState<Allowed | null>(null);
  const [route, go] = useState<Route>({ screen: "queue" });
  const [notices, setNotices] = useState<Notice[]>([]);
  const [progress, setProgress] = useState<AppState["progress"]>({});
  const [version, setVersion] = useState(0);
  const [help, setHelp] = useState(false);
  const [newIncident, setNewIncident] = useState(false);
  const [search, setSearch] = useState(false);
  const [team, setTeam] = useState<AgentState | null>(null);
  const [syncPanel, setSyncPanel] = useState<SyncPanelTab | null>(null);
  const noticeId = useRef(0);

  const notify = useCallback((text: string, tone: "ok" | "error" = "ok") => {
    const id = ++noticeId.current;
    setNotices((n) => [...n.slice(-2), { id, text, tone }]);
    setTimeout(() => setNotices((n) => n.filter((x) => x.id !== id)), tone === "error" ? 9000 : 3000);
  }, []);

  const opened = useCallback((s: Startup) => {
    setStartup(s);
    if (s.notice) notify(s.notice, "error");
    if (s.initialized) cmd.me().then(setMe, setStartError);
  }, [notify]);
  const start = useCallback(() => {
    cmd.startup().then(opened, setStartError);
  }, [opened]);
  useEffect(start, [start]);
  useEffect(() => {
    if (me) cmd.allowed(null).then(setCan, () => setCan(null));
  }, [me]);
  // A sync may bring a new role or tier for me (the team's directory decides it): what I may do follows.
  useEffect(() => {
    if (version > 0 && me) cmd.me().then(setMe, () => {});
  }, [version]);

  useEffect(() => {
    const un = listen<Progress>(EVENTS.progress, (e) =>
      setProgress((p) => ({ ...p, [e.payload.task]: { done: e.payload.done, total: e.payload.total } })),
    );
    return () => void un.then((f) => f());
  }, []);

  // Background sync reports every change of state; a sync that brought events reloads the open views (forms keep
  // what is being typed: only their data reloads).
  const generation = useRef<number | null>(null);
  useEffect(() => {
    const seen = (s: AgentState | null) => {
      if (!s) return;
      setTeam(s);
      if (generation.current !== null && s.generation !== generation.current) setVersion((v) => v + 1);
      generation.current = s.generation;
    };
    cmd.teamState().then(seen, () => {});
    const un = listen<AgentState>(EVENTS.team, (e) => seen(e.payload));
    return () => void un.then((f) => f());
  }, []);
  const syncNow = useCallback(() => {
    cmd.syncNow().catch(() => {});
  }, []);

  const state: AppState = useMemo(
    () => ({
      me,
      setMe,
      can,
      route,
      go,
      notify,
      fail: (e) => notify([e.message, hintWords(e.hint)].filter(Boolean).join(". "), "error"),
      progress,
      version,
      changed: () => setVersion((v) => v + 1),
      team,
      syncNow,
      openSync: setSyncPanel,
    }),
    [me, can, route, notify, progress, version, team, syncNow],
  );

  const seq = useRef(new KeySequence());
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setHelp(false);
        setNewIncident(false);
        setSearch(false);
        setSyncPanel(null);
        if (isTyping(e.target)) (e.target as HTMLElement).blur();
        return;
      }
      if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey || !me) return;
      if (document.querySelector(".modal")) return;
      const s = seq.current.feed(e.key);
      if (!s) return;
      const act: Record<string, () => void> = {
        "?": () => setHelp((h) => !h),
        "/": () => setSearch(true),
        n: () => !!can?.change_cases && setNewIncident(true),
        "g q": () => go({ screen: "queue" }),
        "g a": () => go({ screen: "alerts" }),
        "g b": () => go({ screen: "board" }),
        "g m": () => go({ screen: "metrics" }),
        "g s": () => go({ screen: "settings" }),
        "g t": () => go({ screen: "team" }),
        S: syncNow,
      };
      if (act[s]) {
        e.preventDefault();
        act[s]();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [me, can, syncNow]);

  if (startError) {
    return (
      <div class="center-page">
        <h1>Casebook could not open its data</h1>
        <ErrorNote error={toError(startError)} retry={() => { setStartError(null); start(); }} />
      </div>
    );
  }
  if (!startup) return <div class="center-page"><Loading what="your cases" /></div>;
  // Nothing else starts (nor reads the data) until an encrypted folder is unlocked.
  if (startup.locked) return <Unlock dataDir={startup.data_dir} keyring={startup.keyring} onUnlocked={opened} />;
  if (!startup.initialized || !me) {
    return (
      <AppContext.Provider value={state}>
        <FirstRun dataDir={startup.data_dir} keyring={startup.keyring} onDone={(m) => { setMe(m); cmd.startup().then(setStartup, setStartError); }} />
      </AppContext.Provider>
    );
  }

  // Marks when the first real screen is up, for the start-up measurement in docs/PERFORMANCE.md.
  if (!performance.getEntriesByName("first-screen").length) performance.mark("first-screen");

  const nav: [Route["screen"], string, string][] = [
    ["queue", "Queue", "g q"],
    ["alerts", "Alerts", "g a"],
    ["board", "Lead's board", "g b"],
    ["metrics", "Metrics", "g m"],
    ["settings", "Settings", "g s"],
  ];
  if (me.user.role === "admin" && team && team.phase !== "not_joined") nav.splice(3, 0, ["team", "Team accounts", "g t"]);
  return (
    <AppContext.Provider value={state}>
      <div class="shell">
        <nav class="sidebar" aria-label="Main">
          <div class="brand">Casebook</div>
          {nav.map(([screen, label, keys]) => (
            <button
              class={`nav-item ${route.screen === screen ? "active" : ""}`}
              data-nav={screen}
              onClick={() => go({ screen } as Route)}
              title={`${label} (${keys})`}
            >
              {label}
            </button>
          ))}
          {route.screen === "incident" && <div class="nav-item active sub" data-nav="incident">{route.key}</div>}
          <div class="grow" />
          {can?.change_cases && (
            <button class="primary block" data-edit data-testid="new-incident" onClick={() => setNewIncident(true)}>
              New incident <kbd>n</kbd>
            </button>
          )}
          <button class="nav-item" onClick={() => setSearch(true)}>Search <kbd>/</kbd></button>
          <button class="nav-item" onClick={() => setHelp(true)}>Shortcuts <kbd>?</kbd></button>
          <div class="whoami" data-testid="whoami" title="Who is acting on this device">
            <div>{me.user.name}</div>
            <div class="muted">{me.user.role}{me.user.tier ? ` · tier ${me.user.tier}` : ""}</div>
          </div>
        </nav>
        <main class="content">
          {route.screen === "queue" && <Queue />}
          {route.screen === "alerts" && <Alerts />}
          {route.screen === "incident" && <Incident key={route.key} incidentKey={route.key} initialTab={route.tab} />}
          {route.screen === "board" && <Board />}
          {route.screen === "metrics" && <Metrics />}
          {route.screen === "settings" && <Settings startup={startup} onStartup={setStartup} />}
          {route.screen === "team" && <TeamAdmin />}
        </main>
        <StatusBar />
      </div>
      {help && (
        <Modal title="Keyboard shortcuts" onClose={() => setHelp(false)}>
          <table class="shortcuts" data-testid="help">
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr><td><kbd>{s.keys}</kbd></td><td>{s.description}</td><td class="muted">{s.scope}</td></tr>
              ))}
            </tbody>
          </table>
        </Modal>
      )}
      {newIncident && <NewIncident onClose={() => setNewIncident(false)} />}
      {search && <SearchBox onClose={() => setSearch(false)} />}
      {syncPanel && <SyncPanel tab={syncPanel} onClose={() => setSyncPanel(null)} />}
      <div class="notices" aria-live="polite">
        {notices.map((n) => (
          <div class={`notice ${n.tone}`} role={n.tone === "error" ? "alert" : "status"} data-testid={`notice-${n.tone}`}>
            {n.text}
          </div>
        ))}
      </div>
    </AppContext.Provider>
  );
}
