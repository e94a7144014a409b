// Keyboard shortcuts: one table that both the key handler and the help overlay (`?`) read, so they cannot disagree.

export type Shortcut = { keys: string; description: string; scope: "global" | "queue" | "alerts" | "incident" | "timeline" };

export const SHORTCUTS: Shortcut[] = [
  { keys: "?", description: "Show or hide this help", scope: "global" },
  { keys: "/", description: "Search everything", scope: "global" },
  { keys: "n", description: "New incident", scope: "global" },
  { keys: "g q", description: "Go to the queue", scope: "global" },
  { keys: "g a", description: "Go to the alert queue", scope: "global" },
  { keys: "g b", description: "Go to the lead's board", scope: "global" },
  { keys: "g m", description: "Go to metrics", scope: "global" },
  { keys: "g s", description: "Go to settings", scope: "global" },
  { keys: "g t", description: "Go to the team's accounts (admins)", scope: "global" },
  { keys: "S", description: "Sync with the team now (Shift+S)", scope: "global" },
  { keys: "Escape", description: "Close a dialog, leave a field", scope: "global" },
  { keys: "j / k", description: "Next / previous incident (Enter opens it)", scope: "queue" },
  { keys: "j / k", description: "Next / previous alert group (Enter shows its detail and raw payload)", scope: "alerts" },
  { keys: "d", description: "Dismiss the selected alert, or its whole group, as false positive or benign", scope: "alerts" },
  { keys: "p", description: "Promote the selected alert to an incident", scope: "alerts" },
  { keys: "m", description: "Merge the selected alert into an open incident", scope: "alerts" },
  { keys: "1 … 8", description: "Switch tab (Overview, Timeline, Evidence, …)", scope: "incident" },
  { keys: "a", description: "Add a timeline entry (type, Tab to kind, Enter to save)", scope: "timeline" },
  { keys: "j / k", description: "Next / previous entry", scope: "timeline" },
  { keys: "c", description: "Correct the selected entry (the original stays, marked corrected)", scope: "timeline" },
  { keys: "s", description: "Star or unstar the selected entry as a key event", scope: "timeline" },
  { keys: "f", description: "Filter the timeline by text", scope: "timeline" },
];

/** Whether a key event comes from somewhere typing happens, where single-letter shortcuts must not fire. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  const tag = el.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable === true;
}

/**
 * Follows two-key sequences such as `g q`: feed every key; it returns the completed sequence (`"g q"`, `"n"`)
 * or null while a prefix is pending or the key means nothing.
 */
export class KeySequence {
  private pending: string | null = null;
  private readonly prefixes: Set<string>;
  private readonly known: Set<string>;

  constructor(shortcuts: Shortcut[] = SHORTCUTS) {
    this.known = new Set(shortcuts.map((s) => s.keys));
    this.prefixes = new Set(
      shortcuts.filter((s) => / /.test(s.keys) && !s.keys.includes("…") && !s.keys.includes("/"))
        .map((s) => s.keys.split(" ")[0]),
    );
  }

  feed(key: string): string | null {
    if (this.pending) {
      const seq = `${this.pending} ${key}`;
      this.pending = null;
      return this.known.has(seq) ? seq : null;
    }
    if (this.prefixes.has(key)) {
      this.pending = key;
      return null;
    }
    return key;
  }
}
