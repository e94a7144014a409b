// A small Markdown renderer for summaries and comments. Everything is HTML-escaped first, so text written by anyone
// (or imported) can never become markup or script in a webview that can call the app's commands. Links render as
// text with their address shown, because navigating this window away would lose the case on screen.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

// Inline forms: `code`, **strong**, *emphasis* and [text](address). Every pattern must stay linear on any input,
// because summaries and comments come from other people's bundles. A failed attempt of each one scans only up to
// the next character that could start another attempt: a code span to the next backtick, emphasis to the next
// star, a link's text and address to the next `[`. (A link address that could run over `[` made "[a](" repeated
// quadratic: 80 KB took 2.6 s, a megabyte minutes.) The markdown tests time a megabyte of each form.
function inline(s: string): string {
  return escapeHtml(s)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>")
    .replace(/\[([^\][]+)\]\(([^)\s[]+)\)/g, '<span class="md-link" title="$2">$1</span> <span class="muted">($2)</span>');
}

export function renderMarkdown(src: string): string {
  const out: string[] = [];
  const lines = src.replace(/\r\n?/g, "\n").split("\n");
  let para: string[] = [];
  let list: string[] | null = null;
  let code: string[] | null = null;
  const flushPara = () => {
    if (para.length) out.push(`<p>${inline(para.join(" "))}</p>`);
    para = [];
  };
  const flushList = () => {
    if (list) out.push(`<ul>${list.map((i) => `<li>${inline(i)}</li>`).join("")}</ul>`);
    list = null;
  };
  for (const line of lines) {
    if (code) {
      if (line.startsWith("```")) {
        out.push(`<pre><code>${escapeHtml(code.join("\n"))}</code></pre>`);
        code = null;
      } else code.push(line);
      continue;
    }
    if (line.startsWith("```")) {
      flushPara();
      flushList();
      code = [];
      continue;
    }
    const h = /^(#{1,3})\s+(.*)$/.exec(line);
    const li = /^\s*[-*]\s+(.*)$/.exec(line);
    if (h) {
      flushPara();
      flushList();
      const level = h[1].length + 2; // h3..h5: a summary's headings sit below the incident's own
      out.push(`<h${level}>${inline(h[2])}</h${level}>`);
    } else if (li) {
      flushPara();
      (list ??= []).push(li[1]);
    } else if (line.trim() === "") {
      flushPara();
      flushList();
    } else {
      flushList();
      para.push(line.trim());
    }
  }
  if (code) out.push(`<pre><code>${escapeHtml((code as string[]).join("\n"))}</code></pre>`);
  flushPara();
  flushList();
  return out.join("\n");
}
