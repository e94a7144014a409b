// App-wide state: who is acting, where we are, notices, and the progress of long jobs reported by the backend.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Allowed, AgentState, CommandError, Me } from "./bindings/commands";

export type Route =
  | { screen: "queue" }
  | { screen: "alerts" }
  | { screen: "incident"; key: string; tab?: string }
  | { screen: "board" }
  | { screen: "metrics" }
  | { screen: "settings" }
  | { screen: "team" };

export type Notice = { id: number; text: string; tone: "ok" | "error" };

export type AppState = {
  me: Me | null;
  setMe: (me: Me) => void;
  /** What I may do in general, as the API answers from the core's role matrix (null until known: show nothing). */
  can: Allowed | null;
  route: Route;
  go: (r: Route) => void;
  notify: (text: string, tone?: "ok" | "error") => void;
  fail: (e: CommandError) => void;
  progress: Record<string, { done: number; total: number | null }>;
  /** Bumped after every change (here, or brought by a sync) so open views reload. */
  version: number;
  changed: () => void;
  /** Background sync, as the shell last reported it (null until it has). */
  team: AgentState | null;
  syncNow: () => void;
  /** Opens the sync panel on one of its tabs. */
  openSync: (panel: SyncPanelTab) => void;
};

export type SyncPanelTab = "waiting" | "refused" | "conflicts";

export const AppContext = createContext<AppState | null>(null);

/** What I may do in the incident on screen (the Incident screen provides it; null while loading). */
export const IncidentRights = createContext<Allowed | null>(null);

/** Whether I may change the incident on screen; its tabs show editing controls only then. */
export function useMayEdit(): boolean {
  return useContext(IncidentRights)?.edit ?? false;
}

export function useApp(): AppState {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error("useApp outside the app");
  return ctx;
}
