import { useState } from "preact/hooks";
import type { CommandError, Severity, Tlp } from "../bindings/commands";
import { cmd, toError } from "../api";
import { useApp } from "../state";
import { ErrorNote, Modal } from "../components/ui";
import { useAutoFocus } from "../hooks";
import { SEVERITY_LABEL, TLP_LABEL } from "../lib/format";

export function NewIncident({ onClose }: { onClose: () => void }) {
  const app = useApp();
  const [title, setTitle] = useState("");
  const [severity, setSeverity] = useState<Severity>("sev3");
  const [tlp, setTlp] = useState<Tlp>("amber");
  const [category, setCategory] = useState("");
  const [summary, setSummary] = useState("");
  const [error, setError] = useState<CommandError | null>(null);
  const titleRef = useAutoFocus<HTMLInputElement>();
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const d = await cmd.newIncident({ title, severity, tlp, summary, category, tier: null, detection_source: "", tags: [] });
      app.changed();
      app.notify(`Opened ${d.key}`);
      onClose();
      app.go({ screen: "incident", key: d.key, tab: "timeline" });
    } catch (err) {
      setError(toError(err));
    }
  };
  return (
    <Modal title="New incident" onClose={onClose}>
      <form class="form" onSubmit={submit} data-testid="new-incident-form">
        <label>Title<input name="title" ref={titleRef} value={title} onInput={(e) => setTitle(e.currentTarget.value)} placeholder="What is happening, in a few words" /></label>
        <div class="row">
          <label>Severity
            <select name="severity" value={severity} onChange={(e) => setSeverity(e.currentTarget.value as Severity)}>
              {(Object.keys(SEVERITY_LABEL) as Severity[]).map((s) => <option value={s}>{SEVERITY_LABEL[s]}</option>)}
            </select>
          </label>
          <label>TLP
            <select name="tlp" value={tlp} onChange={(e) => setTlp(e.currentTarget.value as Tlp)}>
              {(Object.keys(TLP_LABEL) as Tlp[]).map((t) => <option value={t}>{TLP_LABEL[t]}</option>)}
            </select>
          </label>
          <label>Category<input name="category" value={category} onInput={(e) => setCategory(e.currentTarget.value)} placeholder="phishing, malware, …" /></label>
        </div>
        <label>Summary (Markdown)<textarea name="summary" rows={4} value={summary} onInput={(e) => setSummary(e.currentTarget.value)} /></label>
        {error && <ErrorNote error={error} />}
        <div class="row end">
          <button type="button" onClick={onClose}>Cancel</button>
          <button class="primary" type="submit" data-testid="create-incident">Open incident</button>
        </div>
      </form>
    </Modal>
  );
}
