// Joining a team: the server's address and the person's account; the server's certificate is shown by its
// fingerprint before anything is sent, and pinned when the person trusts it (unless the system already does).
// Offline work on this laptop is kept: the server binds this profile to the account.
import { useState } from "preact/hooks";
import type { CommandError, LoginReport, ServerCertificate, ServerTrust } from "../bindings/commands";
import { cmd, toError } from "../api";
import { ErrorNote } from "./ui";
import { fmtTime } from "../lib/format";

export function JoinTeam({ onJoined }: { onJoined: (r: LoginReport) => void }) {
  const [server, setServer] = useState("https://");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [cert, setCert] = useState<ServerCertificate | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<CommandError | null>(null);

  // An admin may hand out the CA (or the server's cert.pem) instead of reading a fingerprint aloud.
  const withCaFile = async () => {
    const [path] = await cmd.pickOpen(false, [{ name: "Certificate (PEM)", extensions: ["pem", "crt", "cer"] }]);
    if (path) join(path);
  };
  const check = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCert(await cmd.serverCertificate(server.trim()));
    } catch (err) {
      setError(toError(err));
    } finally {
      setBusy(false);
    }
  };
  const join = async (caFile?: string) => {
    if (!cert && !caFile) return;
    setBusy(true);
    setError(null);
    try {
      const trust: ServerTrust = caFile
        ? { kind: "ca_file", path: caFile }
        : cert!.trusted_by_system ? { kind: "system" } : { kind: "pinned", fingerprint: cert!.fingerprint };
      const report = await cmd.joinTeam(cert?.server ?? server.trim(), email.trim(), password, trust);
      setPassword("");
      onJoined(report);
    } catch (err) {
      setError(toError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" data-testid="join-team" onSubmit={cert ? (e) => { e.preventDefault(); join(); } : check}>
      <label>Team server<input name="server" value={server} disabled={!!cert} onInput={(e) => setServer(e.currentTarget.value)} placeholder="https://cases.example.org:8443" /></label>
      <label>Account (email)<input name="email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} autoComplete="username" /></label>
      <label>Password<input name="password" type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" /></label>
      {cert && (
        <div class="card" data-testid="server-certificate" data-trusted={cert.trusted_by_system}>
          {cert.trusted_by_system ? (
            <p>The server's certificate is trusted by this computer.</p>
          ) : (
            <p>
              <strong>Check this fingerprint with your team's admin</strong> (the server prints it when it starts).
              If it matches, Casebook will trust this certificate, and only this one, for this server.
            </p>
          )}
          <div class="fingerprint select-all" data-testid="fingerprint">{cert.fingerprint}</div>
          <div class="muted small">{cert.subject}{cert.not_after ? ` · valid until ${fmtTime(cert.not_after)}` : ""}</div>
        </div>
      )}
      {error && <ErrorNote error={error} />}
      <div class="row">
        {!cert ? (
          <>
            <button class="primary" type="submit" disabled={busy || !server.trim()} data-testid="check-server">Check the server</button>
            <button type="button" class="link" disabled={busy || !server.trim() || !email.trim() || !password} onClick={withCaFile}>
              Sign in with a CA file…
            </button>
          </>
        ) : (
          <>
            <button class="primary" type="submit" disabled={busy || !email.trim() || !password} data-testid="trust-and-join">
              {cert.trusted_by_system ? "Sign in" : "Trust and sign in"}
            </button>
            <button type="button" disabled={busy} onClick={() => { setCert(null); setError(null); }}>Back</button>
          </>
        )}
      </div>
      <p class="muted small">Work already on this laptop is kept and goes up to the team after you sign in.</p>
    </form>
  );
}
