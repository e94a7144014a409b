// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit; run scripts/bindings.
import { invoke } from "@tauri-apps/api/core";
import type { AccountChange } from "./AccountChange";
import type { AgentState } from "./AgentState";
import type { AlertClaimView } from "./AlertClaimView";
import type { AlertDay } from "./AlertDay";
import type { AlertDetail } from "./AlertDetail";
import type { AlertGroupView } from "./AlertGroupView";
import type { AlertId } from "./AlertId";
import type { AlertImportSummary } from "./AlertImportSummary";
import type { AlertMetrics } from "./AlertMetrics";
import type { AlertObservableView } from "./AlertObservableView";
import type { AlertQueueQuery } from "./AlertQueueQuery";
import type { AlertState } from "./AlertState";
import type { AlertVerdict } from "./AlertVerdict";
import type { AlertView } from "./AlertView";
import type { Allowed } from "./Allowed";
import type { AnswerInput } from "./AnswerInput";
import type { Bucket } from "./Bucket";
import type { CaFilePath } from "./CaFilePath";
import type { ChangeView } from "./ChangeView";
import type { CheckResult } from "./CheckResult";
import type { ClockState } from "./ClockState";
import type { CommandError } from "./CommandError";
import type { CommentId } from "./CommentId";
import type { CommentView } from "./CommentView";
import type { ConflictKind } from "./ConflictKind";
import type { Cursor } from "./Cursor";
import type { CustodyAction } from "./CustodyAction";
import type { CustodyInput } from "./CustodyInput";
import type { CustodyView } from "./CustodyView";
import type { DemoSummary } from "./DemoSummary";
import type { DeviceId } from "./DeviceId";
import type { DismissSummary } from "./DismissSummary";
import type { EntryId } from "./EntryId";
import type { EntryInput } from "./EntryInput";
import type { EntryKind } from "./EntryKind";
import type { EntryQuery } from "./EntryQuery";
import type { EntryView } from "./EntryView";
import type { ErrorCode } from "./ErrorCode";
import type { EscalationConflict } from "./EscalationConflict";
import type { EscalationId } from "./EscalationId";
import type { EscalationMetrics } from "./EscalationMetrics";
import type { EscalationState } from "./EscalationState";
import type { EscalationStatus } from "./EscalationStatus";
import type { EventId } from "./EventId";
import type { EvidenceId } from "./EvidenceId";
import type { EvidenceInput } from "./EvidenceInput";
import type { EvidenceStatus } from "./EvidenceStatus";
import type { EvidenceVerdict } from "./EvidenceVerdict";
import type { EvidenceView } from "./EvidenceView";
import type { Field } from "./Field";
import type { FieldChange } from "./FieldChange";
import type { FileFilter } from "./FileFilter";
import type { ForgetReport } from "./ForgetReport";
import type { Hint } from "./Hint";
import type { Histogram } from "./Histogram";
import type { ImportSummary } from "./ImportSummary";
import type { IncidentDetail } from "./IncidentDetail";
import type { IncidentId } from "./IncidentId";
import type { IncidentQuery } from "./IncidentQuery";
import type { IncidentRow } from "./IncidentRow";
import type { KeyTime } from "./KeyTime";
import type { KindCount } from "./KindCount";
import type { LogLine } from "./LogLine";
import type { LoginReport } from "./LoginReport";
import type { Me } from "./Me";
import type { Metrics } from "./Metrics";
import type { NewIncidentInput } from "./NewIncidentInput";
import type { NewTeamAccount } from "./NewTeamAccount";
import type { ObservableExport } from "./ObservableExport";
import type { ObservableFormat } from "./ObservableFormat";
import type { ObservableId } from "./ObservableId";
import type { ObservableImport } from "./ObservableImport";
import type { ObservableInput } from "./ObservableInput";
import type { ObservableKind } from "./ObservableKind";
import type { ObservableView } from "./ObservableView";
import type { OpenConflict } from "./OpenConflict";
import type { PageAt } from "./PageAt";
import type { ProfileInput } from "./ProfileInput";
import type { Progress } from "./Progress";
import type { PromotedAlert } from "./PromotedAlert";
import type { ReportCheck } from "./ReportCheck";
import type { ReportKind } from "./ReportKind";
import type { ReportSummary } from "./ReportSummary";
import type { ReportVerdict } from "./ReportVerdict";
import type { Resolution } from "./Resolution";
import type { ResponseTimes } from "./ResponseTimes";
import type { Role } from "./Role";
import type { RuleAlertMetrics } from "./RuleAlertMetrics";
import type { ScopeConflict } from "./ScopeConflict";
import type { SearchHit } from "./SearchHit";
import type { SeenChanges } from "./SeenChanges";
import type { ServerCertificate } from "./ServerCertificate";
import type { ServerTrust } from "./ServerTrust";
import type { ServerVerdict } from "./ServerVerdict";
import type { Severity } from "./Severity";
import type { SeverityMetrics } from "./SeverityMetrics";
import type { Spread } from "./Spread";
import type { Startup } from "./Startup";
import type { Status } from "./Status";
import type { SyncPhase } from "./SyncPhase";
import type { SyncReport } from "./SyncReport";
import type { SyncStatus } from "./SyncStatus";
import type { TaskId } from "./TaskId";
import type { TaskStatus } from "./TaskStatus";
import type { TaskView } from "./TaskView";
import type { TeamAccount } from "./TeamAccount";
import type { TeamDevice } from "./TeamDevice";
import type { TextConflict } from "./TextConflict";
import type { TextField } from "./TextField";
import type { Tier } from "./Tier";
import type { TimeRange } from "./TimeRange";
import type { TimelinePage } from "./TimelinePage";
import type { Tlp } from "./Tlp";
import type { UserId } from "./UserId";
import type { UserView } from "./UserView";
import type { VerdictKind } from "./VerdictKind";

export type { AccountChange, AgentState, AlertClaimView, AlertDay, AlertDetail, AlertGroupView, AlertId, AlertImportSummary, AlertMetrics, AlertObservableView, AlertQueueQuery, AlertState, AlertVerdict, AlertView, Allowed, AnswerInput, Bucket, CaFilePath, ChangeView, CheckResult, ClockState, CommandError, CommentId, CommentView, ConflictKind, Cursor, CustodyAction, CustodyInput, CustodyView, DemoSummary, DeviceId, DismissSummary, EntryId, EntryInput, EntryKind, EntryQuery, EntryView, ErrorCode, EscalationConflict, EscalationId, EscalationMetrics, EscalationState, EscalationStatus, EventId, EvidenceId, EvidenceInput, EvidenceStatus, EvidenceVerdict, EvidenceView, Field, FieldChange, FileFilter, ForgetReport, Hint, Histogram, ImportSummary, IncidentDetail, IncidentId, IncidentQuery, IncidentRow, KeyTime, KindCount, LogLine, LoginReport, Me, Metrics, NewIncidentInput, NewTeamAccount, ObservableExport, ObservableFormat, ObservableId, ObservableImport, ObservableInput, ObservableKind, ObservableView, OpenConflict, PageAt, ProfileInput, Progress, PromotedAlert, ReportCheck, ReportKind, ReportSummary, ReportVerdict, Resolution, ResponseTimes, Role, RuleAlertMetrics, ScopeConflict, SearchHit, SeenChanges, ServerCertificate, ServerTrust, ServerVerdict, Severity, SeverityMetrics, Spread, Startup, Status, SyncPhase, SyncReport, SyncStatus, TaskId, TaskStatus, TaskView, TeamAccount, TeamDevice, TextConflict, TextField, Tier, TimeRange, TimelinePage, Tlp, UserId, UserView, VerdictKind };

export const ENTRY_KINDS: readonly EntryKind[] = ["detection", "alert", "action", "containment", "communication", "finding", "note", "system"];

export const CUSTODY_ACTIONS: readonly CustodyAction[] = ["collected", "transferred", "analysed", "copied", "exported", "returned", "destroyed"];

export const TASK_STATUSES: readonly TaskStatus[] = ["open", "in-progress", "done", "cancelled"];

export const ROLES: readonly Role[] = ["responder", "lead", "auditor", "admin", "integration"];

/** The events the shell emits: `progress` carries a Progress, `team` an AgentState. */
export const EVENTS = { progress: "progress", team: "team" } as const;

/** Loads the demo case into an empty data directory. */
export function loadDemo(): Promise<DemoSummary> {
  return invoke("load_demo");
}

/** Who is acting. */
export function me(): Promise<Me> {
  return invoke("me");
}

/** What the acting person may do, in general and in one incident (the core's role matrix answers). */
export function allowed(key: string | null): Promise<Allowed> {
  return invoke("allowed", { key });
}

/** Everyone registered on this device. */
export function users(): Promise<Array<UserView>> {
  return invoke("users");
}

/** Acts as a colleague registered on this device (a convenience, not authentication). */
export function actAs(who: string): Promise<Me> {
  return invoke("act_as", { who });
}

/** A queue of incidents. */
export function incidents(query: IncidentQuery): Promise<Array<IncidentRow>> {
  return invoke("incidents", { query });
}

/** One incident's header. */
export function incident(key: string): Promise<IncidentDetail> {
  return invoke("incident", { key });
}

/** An incident's time to detect, contain and resolve. */
export function responseTimes(key: string): Promise<ResponseTimes> {
  return invoke("response_times", { key });
}

/** Opens an incident. */
export function newIncident(input: NewIncidentInput): Promise<IncidentDetail> {
  return invoke("new_incident", { input });
}

/** Changes scalar fields (title, severity, status, TLP, …). */
export function setFields(key: string, changes: Array<FieldChange>): Promise<IncidentDetail> {
  return invoke("set_fields", { key, changes });
}

/** Replaces a long text; `resolves` settles open conflicts. */
export function editText(key: string, field: TextField, text: string, resolves: Array<EventId>): Promise<IncidentDetail> {
  return invoke("edit_text", { key, field, text, resolves });
}

/** Adds a tag. */
export function addTag(key: string, tag: string): Promise<IncidentDetail> {
  return invoke("add_tag", { key, tag });
}

/** Removes a tag. */
export function removeTag(key: string, tag: string): Promise<IncidentDetail> {
  return invoke("remove_tag", { key, tag });
}

/** Assigns to a tier and optionally a person (leads). */
export function assign(key: string, tier: Tier, assignee: string | null, note: string): Promise<IncidentDetail> {
  return invoke("assign", { key, tier, assignee, note });
}

/** Takes an incident from the acting responder's queue. */
export function take(key: string): Promise<IncidentDetail> {
  return invoke("take", { key });
}

/** Closes with a resolution. */
export function close(key: string, resolution: Resolution, note: string): Promise<IncidentDetail> {
  return invoke("close", { key, resolution, note });
}

/** A page of the filtered timeline starting where `at` says, with its position and the number of matching entries. */
export function timelinePage(key: string, query: EntryQuery, at: PageAt, limit: number): Promise<TimelinePage> {
  return invoke("timeline_page", { key, query, at, limit });
}

/** The filtered timeline counted per kind in `buckets` equal stretches of time (the whole case without `range`). */
export function timelineHistogram(key: string, query: EntryQuery, range: TimeRange | null, buckets: number): Promise<Histogram> {
  return invoke("timeline_histogram", { key, query, range, buckets });
}

/** Adds a timeline entry. */
export function addEntry(key: string, input: EntryInput): Promise<EntryView> {
  return invoke("add_entry", { key, input });
}

/** Adds a correction of an entry (the old one stays, superseded). */
export function correctEntry(key: string, entry: EntryId, input: EntryInput): Promise<EntryView> {
  return invoke("correct_entry", { key, entry, input });
}

/** Flags or unflags a key event. */
export function setKeyEvent(key: string, entry: EntryId, keyEvent: boolean): Promise<EntryView> {
  return invoke("set_key_event", { key, entry, key_event: keyEvent });
}

/** Imports a Timesketch CSV/JSONL file (every row or none), reporting bytes read as `progress` of `job`. */
export function importTimeline(key: string, path: string, job: string): Promise<ImportSummary> {
  return invoke("import_timeline", { key, path, job });
}

/** An incident's evidence with custody. */
export function evidence(key: string): Promise<Array<EvidenceView>> {
  return invoke("evidence", { key });
}

/** Copies a file into the evidence store, reporting bytes hashed as `progress` of `job`. */
export function addEvidence(key: string, input: EvidenceInput, job: string): Promise<EvidenceView> {
  return invoke("add_evidence", { key, input, job });
}

/** Records a custody step of an evidence item (named by id, SHA-256 prefix or name). */
export function addCustody(key: string, evidence: string, input: CustodyInput): Promise<EvidenceView> {
  return invoke("add_custody", { key, evidence, input });
}

/** Re-hashes an incident's stored evidence, reporting items checked as `progress` of `job`. */
export function verifyEvidence(key: string, job: string): Promise<Array<EvidenceVerdict>> {
  return invoke("verify_evidence", { key, job });
}

/** An incident's observables, with the other incidents they were seen in. */
export function observables(key: string): Promise<Array<ObservableView>> {
  return invoke("observables", { key });
}

/** Adds an observable (its type is guessed when not given). */
export function addObservable(key: string, input: ObservableInput): Promise<ObservableView> {
  return invoke("add_observable", { key, input });
}

/** Writes an incident's observables to `path` as a STIX 2.1 bundle, a MISP event or CSV. */
export function exportObservables(key: string, format: ObservableFormat, path: string): Promise<ObservableExport> {
  return invoke("export_observables", { key, format, path });
}

/** Imports a STIX 2.1 bundle or a CSV file into an incident: every observable or none. */
export function importObservables(key: string, path: string): Promise<ObservableImport> {
  return invoke("import_observables", { key, path });
}

/** An incident's tasks. */
export function tasks(key: string): Promise<Array<TaskView>> {
  return invoke("tasks", { key });
}

/** Adds a task. */
export function addTask(key: string, title: string, owner: string | null, due: string | null): Promise<TaskView> {
  return invoke("add_task", { key, title, owner, due });
}

/** Sets a task's status. */
export function setTaskStatus(key: string, task: string, status: TaskStatus): Promise<TaskView> {
  return invoke("set_task_status", { key, task, status });
}

/** An incident's comments. */
export function comments(key: string): Promise<Array<CommentView>> {
  return invoke("comments", { key });
}

/** Adds a comment (Markdown). */
export function addComment(key: string, body: string): Promise<CommentView> {
  return invoke("add_comment", { key, body });
}

/** Full-text search over incidents, entries, observables and comments; in one incident when given. */
export function search(query: string, incident: string | null, limit: number): Promise<Array<SearchHit>> {
  return invoke("search", { query, incident, limit });
}

/** An incident's escalations with their response clocks. */
export function escalations(key: string): Promise<Array<EscalationStatus>> {
  return invoke("escalations", { key });
}

/** The lead's board: pending escalations, breached first. */
export function pendingEscalations(tier: Tier | null): Promise<Array<EscalationStatus>> {
  return invoke("pending_escalations", { tier });
}

/** Requests an escalation to a tier's queue or a named analyst. */
export function escalate(key: string, toTier: Tier, assignee: string | null, reason: string, handoff: string): Promise<EscalationStatus> {
  return invoke("escalate", { key, to_tier: toTier, assignee, reason, handoff });
}

/** Acknowledges, accepts or declines the incident's pending escalation. */
export function answerEscalation(key: string, answer: AnswerInput): Promise<EscalationStatus> {
  return invoke("answer_escalation", { key, answer });
}

/** A lead sends the pending escalation to another tier, queue or analyst. */
export function reassignEscalation(key: string, toTier: Tier, assignee: string | null, note: string): Promise<EscalationStatus> {
  return invoke("reassign_escalation", { key, to_tier: toTier, assignee, note });
}

/** Writes the incident's PDF report to `path`, reporting its stages as `progress` of `job`. */
export function exportReport(key: string, path: string, kind: ReportKind, keyEventsOnly: boolean, job: string): Promise<ReportSummary> {
  return invoke("export_report", { key, path, kind, key_events_only: keyEventsOnly, job });
}

/** Checks a report file against its own attachment, the evidence store and the live case. */
export function verifyReport(path: string): Promise<ReportVerdict> {
  return invoke("verify_report", { path });
}

/** Response metrics per severity and tier. */
export function metrics(): Promise<Metrics> {
  return invoke("metrics");
}

/** A page of the alert queue: one row per group (same rule, same key observable), newest first. */
export function alerts(query: AlertQueueQuery): Promise<Array<AlertGroupView>> {
  return invoke("alerts", { query });
}

/** One alert with its facts, observables, triage claims and raw payload (plain text). */
export function alert(id: string): Promise<AlertDetail> {
  return invoke("alert", { id });
}

/** Imports the alerts of a file the person chose (format recognised), every one or none, reporting alerts */
/** written as `progress` of `job`. */
export function importAlerts(path: string, job: string): Promise<AlertImportSummary> {
  return invoke("import_alerts", { path, job });
}

/** Dismisses alerts (or, with `whole_groups`, every new alert of their groups) as false positive or benign. */
export function dismissAlerts(ids: Array<string>, wholeGroups: boolean, verdict: AlertVerdict, reason: string): Promise<DismissSummary> {
  return invoke("dismiss_alerts", { ids, whole_groups: wholeGroups, verdict, reason });
}

/** Opens an incident from an alert: its observables, times and the raw alert as evidence. */
export function promoteAlert(id: string, severity: Severity | null): Promise<PromotedAlert> {
  return invoke("promote_alert", { id, severity });
}

/** Adds an alert to an open incident; the incident's key. */
export function mergeAlert(id: string, key: string): Promise<string> {
  return invoke("merge_alert", { id, key });
}

/** The alert queue's figures: volume per day and rule, false positives per rule, time to triage and to incident. */
export function alertMetrics(): Promise<AlertMetrics> {
  return invoke("alert_metrics");
}

/** What others changed in an incident since the acting person last opened it (empty the first time). */
export function changesSinceSeen(key: string): Promise<SeenChanges> {
  return invoke("changes_since_seen", { key });
}

/** Records that the acting person has seen the incident as it stands now. */
export function markSeen(key: string): Promise<boolean> {
  return invoke("mark_seen", { key });
}

/** Every unresolved conflict across incidents: concurrent text versions, scope changes, escalation transitions. */
export function openConflicts(): Promise<Array<OpenConflict>> {
  return invoke("open_conflicts");
}

/** This laptop's events the server has not got yet, oldest first. */
export function waitingEvents(limit: number): Promise<Array<LogLine>> {
  return invoke("waiting_events", { limit });
}

/** The team server's certificate, to show by fingerprint before trusting it. */
export function serverCertificate(server: string): Promise<ServerCertificate> {
  return invoke("server_certificate", { server });
}

/** Joins a team: signs in, keeps every piece of offline work, and syncs once. */
export function joinTeam(server: string, email: string, password: string, trust: ServerTrust): Promise<LoginReport> {
  return invoke("join_team", { server, email, password, trust });
}

/** Signs out of the team; work made here stays and goes up after the next sign-in. */
export function signOut(): Promise<boolean> {
  return invoke("sign_out");
}

/** Leaves the team for good on this laptop (local data kept; unsynced events stay here). */
export function forgetTeam(): Promise<ForgetReport> {
  return invoke("forget_team");
}

/** The team's accounts (admins). */
export function teamAccounts(): Promise<Array<TeamAccount>> {
  return invoke("team_accounts");
}

/** Adds an account to the team (admins). */
export function addTeamAccount(input: NewTeamAccount): Promise<TeamAccount> {
  return invoke("add_team_account", { input });
}

/** Changes an account's role, tier or whether it is disabled (admins). */
export function changeTeamAccount(email: string, change: AccountChange): Promise<TeamAccount> {
  return invoke("change_team_account", { email, change });
}

/** The team's devices (admins). */
export function teamDevices(): Promise<Array<TeamDevice>> {
  return invoke("team_devices");
}

/** Revokes a device: the server takes nothing more from it (admins). */
export function revokeTeamDevice(device: DeviceId): Promise<TeamDevice> {
  return invoke("revoke_team_device", { device });
}

/** Downloads an evidence file made on another laptop, verified by its SHA-256, reporting bytes as `progress`. */
export function fetchEvidence(key: string, evidence: string, job: string): Promise<EvidenceView> {
  return invoke("fetch_evidence", { key, evidence, job });
}

/** Downloads every evidence file of an incident not yet on this laptop; the number downloaded. */
export function fetchIncidentEvidence(key: string, job: string): Promise<number> {
  return invoke("fetch_incident_evidence", { key, job });
}

/** Where the data lives, whether it waits for its passphrase, and whether a profile exists there (the first-run */
/** screen asks for one if not). Opens nothing that is locked or new. */
export function startup(): Promise<Startup> {
  return invoke("startup");
}

/** Unlocks an encrypted data directory; a wrong passphrase is `wrong_passphrase` and changes nothing. With */
/** `remember`, its key is also kept in this computer's keyring (a failure to keep it is the result's notice). */
export function unlock(passphrase: string, remember: boolean): Promise<Startup> {
  return invoke("unlock", { passphrase, remember });
}

/** Keeps the unlocked data key in this computer's keyring, or (`false`) removes it: whether the app then opens */
/** without asking for the passphrase. */
export function rememberOnThisComputer(remember: boolean): Promise<Startup> {
  return invoke("remember_on_this_computer", { remember });
}

/** Creates the local profile (first run), in a directory encrypted with `input.passphrase` if given. */
export function initProfile(input: ProfileInput): Promise<Me> {
  return invoke("init_profile", { input });
}

/** Wraps the data key under a new passphrase; the data is not re-encrypted. */
export function changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<boolean> {
  return invoke("change_passphrase", { old_passphrase: oldPassphrase, new_passphrase: newPassphrase });
}

/** Where background sync stands (also sent as the `team` event whenever it changes). */
export function teamState(): Promise<AgentState | null> {
  return invoke("team_state");
}

/** Syncs now, whatever the backoff. */
export function syncNow(): Promise<boolean> {
  return invoke("sync_now");
}

/** Opens the system's file dialog to choose files to read; what the person chooses may then be passed to the */
/** commands that read files (see `grants`). Empty if they cancelled. */
export function pickOpen(multiple: boolean, filters: Array<FileFilter>): Promise<Array<string>> {
  return invoke("pick_open", { multiple, filters });
}

/** Erases Casebook's data on this laptop once the person confirms it in the system's own dialog (which the page */
/** can neither draw nor answer): the app restarts and erases before it opens anything (`casebook_api::erase`). */
/** `false` when they cancelled; otherwise it does not return. */
export function eraseThisLaptop(): Promise<boolean> {
  return invoke("erase_this_laptop");
}

/** Opens the system's save dialog; the chosen path may then be written by a command. None if they cancelled. */
export function pickSave(fileName: string, filters: Array<FileFilter>): Promise<string | null> {
  return invoke("pick_save", { file_name: fileName, filters });
}
