import { useState } from "preact/hooks";
import type { IncidentDetail } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp, useMayEdit } from "../state";
import { useLoad } from "../hooks";
import { Empty, ErrorNote, Loading } from "../components/ui";
import { fmtTime } from "../lib/format";
import { renderMarkdown } from "../lib/markdown";

export function Comments({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const mayEdit = useMayEdit();
  const list = useLoad(() => cmd.comments(d.key), [d.key, app.version]);
  const [body, setBody] = useState("");
  const post = async () => {
    if (!body.trim()) return;
    try { await cmd.addComment(d.key, body); setBody(""); app.changed(); }
    catch (err) { app.fail(toError(err)); }
  };
  return (
    <div class="comments">
      {list.error && <ErrorNote error={list.error} retry={list.reload} />}
      {list.loading && !list.data && <Loading what="comments" />}
      {list.data?.length === 0 && <Empty>No comments yet.</Empty>}
      {list.data?.map((c) => (
        <div class="card comment">
          <div class="muted small">{c.author_name ?? "someone"} · {fmtTime(c.at)} UTC</div>
          <div class="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(c.body) }} />
        </div>
      ))}
      {mayEdit && (
        <div class="form">
          <textarea data-edit rows={3} placeholder="Write a comment (Markdown, Ctrl+Enter to post)" value={body}
            onInput={(e) => setBody(e.currentTarget.value)} onKeyDown={(e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) post(); }} />
          <div class="row end"><button data-edit class="primary" onClick={post} disabled={!body.trim()}>Comment</button></div>
        </div>
      )}
    </div>
  );
}
