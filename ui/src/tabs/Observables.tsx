// Observables: add one (type recognised, defanged input fine), list them with where else each was seen, copy a value
// defanged, export them (STIX 2.1, MISP, CSV; open to every role, like reports) and import a STIX bundle or CSV file
// (hidden from read-only roles, as every editing control is).
import { useState } from "preact/hooks";
import type { IncidentDetail, ObservableFormat, ObservableView } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp, useMayEdit } from "../state";
import { useLoad } from "../hooks";
import { Empty, ErrorNote, Loading, TlpBadge } from "../components/ui";
import { fmtTime } from "../lib/format";

export function Observables({ d }: { d: IncidentDetail }) {
  const app = useApp();
  const ro = !useMayEdit();
  const list = useLoad(() => cmd.observables(d.key), [d.key, app.version]);
  const [value, setValue] = useState("");
  const [ioc, setIoc] = useState(true);
  const [note, setNote] = useState("");
  const [format, setFormat] = useState<ObservableFormat>("stix");
  const [busy, setBusy] = useState(false);

  const exportFile = async () => {
    const ext = format === "csv" ? "csv" : "json";
    const path = await cmd.pickSave(`${d.key}-observables.${format}.${ext}`, [{ name: FORMAT_NAME[format], extensions: [ext] }]);
    if (!path) return;
    setBusy(true);
    try {
      const s = await cmd.exportObservables(d.key, format, path);
      const left = s.left_out ? ` (${s.left_out} of type "other" left out: STIX has no object for them)` : "";
      app.notify(`Exported ${s.observables} observables as ${FORMAT_NAME[format]}${left}`);
    } catch (err) {
      app.fail(toError(err));
    } finally {
      setBusy(false);
    }
  };
  const importFile = async () => {
    const [path] = await cmd.pickOpen(false, [{ name: "STIX 2.1 bundle or CSV", extensions: ["json", "csv"] }]);
    if (!path) return;
    setBusy(true);
    try {
      const s = await cmd.importObservables(d.key, path);
      app.notify(`Imported ${s.added} observables (${s.duplicates} already there or repeated)`);
      app.changed();
    } catch (err) {
      app.fail(toError(err));
    } finally {
      setBusy(false);
    }
  };
  const copyDefanged = async (o: ObservableView) => {
    try {
      await navigator.clipboard.writeText(o.defanged);
      app.notify(`Copied ${o.defanged}`);
    } catch {
      app.notify("Could not reach the clipboard; select the value and copy it by hand", "error");
    }
  };

  return (
    <div>
      <div class="filters">
        <select data-testid="observable-format" value={format} onChange={(e) => setFormat(e.currentTarget.value as ObservableFormat)}>
          <option value="stix">STIX 2.1</option>
          <option value="misp">MISP event</option>
          <option value="csv">CSV</option>
        </select>
        <button data-testid="export-observables" onClick={exportFile} disabled={busy || !list.data?.length}>Export…</button>
        {!ro && <button data-edit data-testid="import-observables" onClick={importFile} disabled={busy}>Import STIX or CSV…</button>}
      </div>
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
          <thead><tr><th>Type</th><th>Value</th><th>IOC</th><th>TLP</th><th>Seen elsewhere</th><th>Note</th><th>Added (UTC)</th><th></th></tr></thead>
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
                <td><button class="link" title={o.defanged} onClick={() => copyDefanged(o)}>Copy defanged</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

const FORMAT_NAME: Record<ObservableFormat, string> = { stix: "STIX 2.1", misp: "MISP", csv: "CSV" };
