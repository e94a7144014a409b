import { useState } from "preact/hooks";
import type { IncidentDetail } from "../bindings/commands";
import { cmd, readOnly, toError } from "../api";
import { useApp } from "../state";
import { useLoad } from "../hooks";
import { Empty, ErrorNote, Loading, TlpBadge } from "../components/ui";
import { fmtTime } from "../lib/format";

export function Observables({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const ro = readOnly(app.me);
  const list = useLoad(() => cmd.observables(d.key), [d.key, app.version]);
  const [value, setValue] = useState("");
  const [ioc, setIoc] = useState(true);
  const [note, setNote] = useState("");
  return (
    <div>
      {!ro && (
        <form class="filters" onSubmit={async (e) => {
          e.preventDefault();
          try { await cmd.addObservable(d.key, { value, kind: null, ioc, note }); setValue(""); setNote(""); app.changed(); }
          catch (err) { app.fail(toError(err)); }
        }}>
          <input data-edit class="grow" placeholder="IP, domain, URL, hash, e-mail… (the type is recognised; defanged values are fine)" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
          <input data-edit placeholder="Note" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <label class="check"><input data-edit type="checkbox" checked={ioc} onChange={(e) => setIoc(e.currentTarget.checked)} /> IOC</label>
          <button data-edit type="submit" disabled={!value.trim()}>Add observable</button>
        </form>
      )}
      {list.error && <ErrorNote error={list.error} retry={list.reload} />}
      {list.loading && !list.data && <Loading what="observables" />}
      {list.data?.length === 0 && <Empty>No observables yet.</Empty>}
      {!!list.data?.length && (
        <table class="grid">
          <thead><tr><th>Type</th><th>Value</th><th>IOC</th><th>TLP</th><th>Seen elsewhere</th><th>Note</th><th>Added (UTC)</th></tr></thead>
          <tbody>
            {list.data.map((o) => (
              <tr>
                <td>{o.kind}</td>
                <td class="mono select-all">{o.value}</td>
                <td>{o.ioc ? <span class="badge bad">IOC</span> : ""}</td>
                <td><TlpBadge tlp={o.tlp} /></td>
                <td>{o.seen_in_other_incidents.length ? (
                  <span title={o.seen_in_other_incidents.join(", ")}>seen in {o.seen_in_other_incidents.length} other incident{o.seen_in_other_incidents.length > 1 ? "s" : ""}: {o.seen_in_other_incidents.map((k) => <button class="link mono" onClick={() => app.go({ screen: "incident", key: k })}>{k}</button>)}</span>
                ) : <span class="muted">only here</span>}</td>
                <td>{o.note}</td>
                <td class="mono muted">{fmtTime(o.added_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
