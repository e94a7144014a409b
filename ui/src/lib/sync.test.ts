import { describe, expect, it } from "vitest";
import type { AgentState, SyncStatus } from "../bindings/commands";
import { describeSync, fmtAgo } from "./sync";

const NOW = new Date("2026-12-01T12:00:00Z");

const status = (over: Partial<SyncStatus> = {}): SyncStatus => ({
  server: "https://cases.example:8443", team: "Blue", account: "ana@example.org", signed_in: true, reachable: null,
  waiting: 0, last_sync: "2026-12-01T11:57:00Z", last_error: null, conflicts: 0, refused: 0, verdicts: [],
  fingerprint: null, ...over,
});

const agent = (phase: AgentState["phase"], over: Partial<AgentState> = {}, st: Partial<SyncStatus> = {}): AgentState => ({
  phase, status: status(st), last_report: null, error: null, error_code: null, retry_at: null, generation: 0, ...over,
});

describe("sync state in the status bar", () => {
  it("says a laptop without a team works alone and offers no sync", () => {
    for (const s of [null, agent("not_joined")]) {
      const v = describeSync(s, NOW);
      expect(v.headline).toBe("This laptop only");
      expect(v.canSync).toBe(false);
    }
  });
  it("shows online with the last sync and nothing to open when all is up", () => {
    const v = describeSync(agent("online"), NOW);
    expect(v).toMatchObject({ headline: "Online", tone: "ok", last: "last synced 3 min ago", canSync: true, items: [] });
    expect(v.detail).toContain("team Blue");
  });
  it("keeps offline calm: work waits, and when the next try comes", () => {
    const v = describeSync(agent("offline", { retry_at: "2026-12-01T12:00:40Z" }, { waiting: 3 }), NOW);
    expect(v.headline).toBe("Offline");
    expect(v.tone).toBe("warn");
    expect(v.detail).toContain("3 changes wait here");
    expect(v.detail).toContain("next try in 40 s");
    expect(v.items).toEqual([{ panel: "waiting", count: 3, text: "3 changes waiting to go up", tone: "warn" }]);
  });
  it("lists waiting, conflicts and refused, each opening its panel", () => {
    const v = describeSync(agent("online", {}, { waiting: 1, conflicts: 2, refused: 1 }), NOW);
    expect(v.items.map((i) => [i.panel, i.text])).toEqual([
      ["waiting", "1 change waiting to go up"],
      ["conflicts", "2 open conflicts"],
      ["refused", "1 change refused by the server"],
    ]);
    expect(v.items.find((i) => i.panel === "refused")?.tone).toBe("error");
  });
  it("says so when the server takes no changes from the account, and that they stay here", () => {
    const report = { server: "https://cases.example:8443", pushed: 0, already_on_server: 0, pulled: 0, refused: 0, forks: 0, refused_here: 0, conflicts: 0, blobs_uploaded: 0, restarted: false, read_only: true };
    const v = describeSync(agent("online", { last_report: report }, { waiting: 2 }), NOW);
    expect(v).toMatchObject({ headline: "Read-only", tone: "warn" });
    expect(v.detail).toBe("team Blue takes no changes from ana@example.org: it may only read now. 2 changes stay on this laptop and are not shared; ask a team admin about the account's role.");
    // An auditor with nothing of their own to send is simply online.
    expect(describeSync(agent("online", { last_report: report }), NOW).headline).toBe("Online");
  });
  it("tells a signed-out person their work is kept and how to go on", () => {
    const v = describeSync(agent("signed_out", { error: "the session expired" }), NOW);
    expect(v.headline).toBe("Signed out");
    expect(v.detail).toContain("the session expired");
    expect(v.detail).toContain("sign in again");
    expect(v.canSync).toBe(false);
  });
  it("shows a server error as a problem with its plain message and retry", () => {
    const v = describeSync(agent("failing", { error: "the server is busy", retry_at: "2026-12-01T12:05:00Z" }), NOW);
    expect(v.tone).toBe("error");
    expect(v.detail).toBe("the server is busy Trying again in 5 min.");
  });
  it("shows syncing as busy and not syncable twice", () => {
    expect(describeSync(agent("syncing"), NOW)).toMatchObject({ headline: "Syncing…", tone: "busy", canSync: false });
  });
  it("reads times relative to now", () => {
    expect(fmtAgo("2026-12-01T11:59:50Z", NOW)).toBe("just now");
    expect(fmtAgo("2026-12-01T10:00:00Z", NOW)).toBe("2 h ago");
    expect(fmtAgo("2026-11-28T12:00:00Z", NOW)).toBe("3 d ago");
    expect(fmtAgo(null, NOW)).toBeNull();
  });
});
