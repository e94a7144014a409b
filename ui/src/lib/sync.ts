// How the team sync state reads in the status bar: one headline (online, offline, syncing…) and the counts that
// open the sync panel. Pure, so it is tested without a window (sync.test.ts).
import type { AgentState } from "../bindings/commands";

export type Tone = "ok" | "busy" | "warn" | "error" | "muted";

export type SyncItem = {
  /** The sync panel's tab this item opens. */
  panel: "waiting" | "refused" | "conflicts";
  count: number;
  text: string;
  tone: Tone;
};

export type SyncView = {
  headline: string;
  tone: Tone;
  /** A longer sentence for the tooltip and the panel: what is happening and what the person can do. */
  detail: string;
  /** `last synced 3 min ago`, or null when never. */
  last: string | null;
  items: SyncItem[];
  /** Whether "Sync now" makes sense (joined and signed in). */
  canSync: boolean;
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** `just now`, `4 min ago`, `2 h ago`, `3 d ago`. */
export function fmtAgo(iso: string | null | undefined, now: Date): string | null {
  if (!iso) return null;
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return null;
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** `in 40 s`, `in 3 min`. */
function fmtIn(iso: string | null | undefined, now: Date): string | null {
  if (!iso) return null;
  const s = Math.max(0, Math.round((new Date(iso).getTime() - now.getTime()) / 1000));
  return s < 60 ? `in ${s} s` : `in ${Math.round(s / 60)} min`;
}

export function describeSync(state: AgentState | null, now: Date): SyncView {
  const status = state?.status ?? null;
  const waiting = status?.waiting ?? 0;
  const items: SyncItem[] = [];
  if (waiting > 0) items.push({ panel: "waiting", count: waiting, text: `${plural(waiting, "change", "changes")} waiting to go up`, tone: "warn" });
  const conflicts = status?.conflicts ?? 0;
  if (conflicts > 0) items.push({ panel: "conflicts", count: conflicts, text: plural(conflicts, "open conflict", "open conflicts"), tone: "warn" });
  const refused = status?.refused ?? 0;
  if (refused > 0) items.push({ panel: "refused", count: refused, text: `${plural(refused, "change", "changes")} refused by the server`, tone: "error" });
  const last = fmtAgo(status?.last_sync, now);
  const lastText = last ? `last synced ${last}` : null;
  const team = status?.team ? `team ${status.team}` : "the team";

  if (!state || state.phase === "not_joined") {
    return { headline: "This laptop only", tone: "muted", detail: "Not part of a team: everything stays on this computer. Join a team in Settings to share cases.", last: null, items, canSync: false };
  }
  const retry = fmtIn(state.retry_at, now);
  switch (state.phase) {
    case "signed_out":
      return {
        headline: "Signed out",
        tone: "warn",
        detail: `Signed out of ${team}${state.error ? ` (${state.error})` : ""}. Your work is kept here and goes up after you sign in again (Settings).`,
        last: lastText, items, canSync: false,
      };
    case "syncing":
      return { headline: "Syncing…", tone: "busy", detail: `Exchanging changes with ${team}.`, last: lastText, items, canSync: false };
    case "offline":
      return {
        headline: "Offline",
        tone: "warn",
        detail: `The team server cannot be reached. Keep working: ${waiting > 0 ? `${plural(waiting, "change waits", "changes wait")} here and go` : "changes wait here and go"} up by themselves when it can${retry ? ` (next try ${retry})` : ""}.`,
        last: lastText, items, canSync: true,
      };
    case "failing":
      return {
        headline: "Sync problem",
        tone: "error",
        detail: `${state.error ?? "The last sync failed."}${retry ? ` Trying again ${retry}.` : ""}`,
        last: lastText, items, canSync: true,
      };
    case "online":
      // The server took none of this laptop's changes: the account reads only now (made an auditor, say).
      if (state.last_report?.read_only && waiting > 0) {
        return {
          headline: "Read-only",
          tone: "warn",
          detail: `${team} takes no changes from ${status?.account ?? "this account"}: it may only read now. ${plural(waiting, "change stays", "changes stay")} on this laptop and ${waiting === 1 ? "is" : "are"} not shared; ask a team admin about the account's role.`,
          last: lastText, items, canSync: true,
        };
      }
      return {
        headline: "Online",
        tone: "ok",
        detail: `In sync with ${team}${status?.account ? ` as ${status.account}` : ""}.`,
        last: lastText, items, canSync: true,
      };
  }
}
