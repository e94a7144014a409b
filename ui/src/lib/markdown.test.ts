import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

describe("markdown", () => {
  it("renders the usual forms", () => {
    const html = renderMarkdown("# Scope\n\n**2** accounts, *one* `rule`\n\n- a\n- b");
    expect(html).toContain("<h3>Scope</h3>");
    expect(html).toContain("<strong>2</strong>");
    expect(html).toContain("<em>one</em>");
    expect(html).toContain("<code>rule</code>");
    expect(html).toContain("<ul><li>a</li><li>b</li></ul>");
  });
  it("never lets text become markup or script", () => {
    const html = renderMarkdown('<img src=x onerror="alert(1)"> and <script>x()</script>');
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;img");
  });
  it("shows links as text with their address instead of navigating", () => {
    const html = renderMarkdown("see [portal](https://evil.example/login)");
    expect(html).not.toContain("<a ");
    expect(html).toContain("https://evil.example/login");
  });
  it("keeps code blocks verbatim", () => {
    expect(renderMarkdown("```\n<b>x</b>\n```")).toBe("<pre><code>&lt;b&gt;x&lt;/b&gt;</code></pre>");
  });
});
