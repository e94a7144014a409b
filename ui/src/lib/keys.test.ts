import { describe, expect, it } from "vitest";
import { isTyping, KeySequence, SHORTCUTS } from "./keys";

describe("shortcuts", () => {
  it("completes two-key sequences and passes single keys through", () => {
    const s = new KeySequence();
    expect(s.feed("g")).toBeNull();
    expect(s.feed("q")).toBe("g q");
    expect(s.feed("g")).toBeNull();
    expect(s.feed("a")).toBe("g a");
    expect(s.feed("n")).toBe("n");
    expect(s.feed("g")).toBeNull();
    expect(s.feed("x")).toBeNull();
    expect(s.feed("?")).toBe("?");
  });
  it("lists every shortcut in the help table once per place it works", () => {
    const keys = SHORTCUTS.map((s) => s.keys);
    const perScope = SHORTCUTS.map((s) => `${s.scope}:${s.keys}`);
    expect(new Set(perScope).size).toBe(perScope.length);
    for (const k of ["?", "/", "n", "a", "g q"]) expect(keys).toContain(k);
  });
  it("stays quiet while a person types", () => {
    expect(isTyping(document.createElement("input"))).toBe(true);
    expect(isTyping(document.createElement("textarea"))).toBe(true);
    expect(isTyping(document.createElement("div"))).toBe(false);
    expect(isTyping(null)).toBe(false);
  });
});
