import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { AlertDetail, AlertGroupView, Allowed } from "../bindings/commands";
import { AppContext, type AppState } from "../state";
import { Alerts } from "./Alerts";

const HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

const group = (id: string, title: string, alerts: number): AlertGroupView => ({
  id, title, rule: "5716", rule_name: "sshd: authentication failed.", key_observable: "49.88.112.73", source: "wazuh",
  severity: "sev3", first_seen: "2020-04-17T00:17:53Z", last_seen: "2020-04-17T00:22:00Z", alerts, new_alerts: alerts,
  cursor: `1:${id}`,
});

const detail = (id: string, title: string): AlertDetail => ({
  alert: {
    id, source: "wazuh", source_id: "1587082673.77856", format: "wazuh", rule_name: title, rule_id: "100900",
    key_observable: "49.88.112.73", severity: "sev3", source_severity: "5", event_time: "2020-04-17T00:17:53Z",
    raised_at: null, received_at: "2026-12-02T05:00:00Z", seen_at: "2020-04-17T00:17:53Z", title, description: title,
    host: "Debian", user: "root", source_ip: "49.88.112.73", source_port: 36679, destination_ip: null,
    destination_port: null, observables: [{ kind: "ipv4", value: "49.88.112.73" }], raised_by: "u1", raises: 1,
    group: id, state: "new", triaged_by: null, triaged_at: null, reason: null, incident: null, claims: [],
  },
  raw: JSON.stringify({ rule: { description: title } }),
  group_alerts: 1,
  incident_key: null,
});

const may = (yes: boolean): Allowed => ({
  change_cases: yes, set_response_targets: false, manage_accounts: false, import_alerts: yes, triage_alerts: yes,
  promote_alerts: yes, assign: false, edit: false, take: false, close_as: [],
});

function app(can: Allowed): AppState {
  return {
    me: null, setMe: () => {}, can, route: { screen: "alerts" }, go: () => {}, notify: () => {}, fail: () => {},
    progress: {}, version: 0, changed: () => {}, team: null, syncNow: () => {}, openSync: () => {},
  };
}

function show(can: Allowed, rows: AlertGroupView[], calls: [string, unknown][] = []) {
  mockIPC((cmd, args) => {
    calls.push([cmd, args]);
    if (cmd === "alerts") return rows;
    if (cmd === "alert") return detail((args as { id: string }).id, rows.find((r) => r.id === (args as { id: string }).id)!.title);
    if (cmd === "dismiss_alerts") return { verdict: "benign", alerts: ["a1", "a2", "a3"], skipped: 0 };
  });
  render(<AppContext.Provider value={app(can)}><Alerts /></AppContext.Provider>);
}

afterEach(() => {
  cleanup();
  clearMocks();
  delete (window as { __pwned?: number }).__pwned;
});

describe("the alert queue", () => {
  it("says what to do when no alert waits", async () => {
    show(may(true), []);
    expect((await screen.findByText(/No alerts waiting/)).textContent).toBe(
      "No alerts waiting. Import a file or connect a SIEM through the team server.",
    );
  });

  it("shows a hostile title and raw payload as text, never as markup", async () => {
    show(may(true), [group("h1", HOSTILE, 1)]);
    await screen.findByTestId("alert-table");
    fireEvent.keyDown(window, { key: "Enter" });
    const raw = await screen.findByTestId("alert-raw");
    expect(raw.tagName).toBe("PRE");
    expect(raw.textContent).toContain("<script>window.__pwned = 1</script>");
    expect(document.querySelectorAll("script, img").length).toBe(0);
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("d on a group row dismisses the whole group with the chosen verdict and reason", async () => {
    const calls: [string, unknown][] = [];
    show(may(true), [group("a1", "sshd: authentication failed.", 3)], calls);
    await screen.findByTestId("alert-table");
    fireEvent.keyDown(window, { key: "d" });
    fireEvent.click(await screen.findByTestId("verdict-benign"));
    fireEvent.input(screen.getByTestId("dismiss-reason"), { target: { value: "vulnerability scanner" } });
    fireEvent.submit(screen.getByTestId("dismiss-dialog"));
    await waitFor(() => expect(calls.some(([c]) => c === "dismiss_alerts")).toBe(true));
    expect(calls.find(([c]) => c === "dismiss_alerts")![1]).toEqual({
      ids: ["a1"], whole_groups: true, verdict: "benign", reason: "vulnerability scanner",
    });
  });

  it("gives an auditor no triage or import control", async () => {
    show(may(false), [group("a1", "sshd: authentication failed.", 3)]);
    await screen.findByTestId("alert-table");
    for (const key of ["d", "p", "m"]) fireEvent.keyDown(window, { key });
    expect(document.querySelector(".modal")).toBeNull();
    expect(screen.queryByTestId("import-alerts")).toBeNull();
    fireEvent.keyDown(window, { key: "Enter" });
    await screen.findByTestId("alert-raw");
    const buttons = [...document.querySelectorAll('[data-testid="alert-detail"] button')].map((b) => b.textContent);
    expect(buttons).toEqual(["Close Esc"]);
  });
});
