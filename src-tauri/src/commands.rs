//! The IPC commands: each one line over a `Casebook` method, run on a blocking thread by [`Desk::run`].
//!
//! Architecture invariant: no SQL, no business rule and no hand-built error text here. A command converts its
//! inputs (`dto`), calls one API method and returns its result; errors cross as `{code, message}`.
//!
//! The `commands!` macro defines each command and records its signature, from which `bindings` writes the
//! TypeScript functions the UI calls, so the UI never names a command by a string of its own.

use casebook_api::alerts::{AlertDetail, AlertImportSummary, DismissSummary, PromotedAlert};
use casebook_api::escalations::EscalationStatus;
use casebook_api::evidence::EvidenceVerdict;
use casebook_api::interchange::{
    ExportScope, ObservableExport, ObservableFormat, ObservableImport,
};
use casebook_api::metrics::{AlertMetrics, Metrics, ResponseTimes};
use casebook_api::paging::TimelinePage;
use casebook_api::report::{ReportSummary, ReportVerdict};
use casebook_api::timeline::ImportSummary;
use casebook_api::views::{
    AlertGroupView, CommentView, EntryView, EvidenceView, Histogram, IncidentDetail, IncidentRow,
    ObservableView, SearchHit, TaskView, UserView,
};
use casebook_api::{demo::DemoSummary, Casebook, Me};
use casebook_core::alert::AlertVerdict;
use casebook_core::event::FieldChange;
use casebook_core::model::{Resolution, Severity, TaskStatus, TextField, Tier};
use casebook_core::{DeviceId, EntryId, EventId};
use chrono::{DateTime, Utc};

use casebook_api::activity::{LogLine, SeenChanges};
use casebook_api::agent::{AgentState, SyncAgent};
use casebook_api::allowed::Allowed;
use casebook_api::conflicts::OpenConflict;
use casebook_api::server_trust::{ServerCertificate, ServerTrust};
use casebook_api::sync::{ForgetReport, LoginReport};
use casebook_api::team_admin::{AccountChange, NewTeamAccount, TeamAccount, TeamDevice};
use tauri::Manager;

use crate::desk::{data_dir, Desk, Work};
use crate::dialogs;
use crate::dto::*;
use crate::grants::{Access, Grants};
use crate::progress::{report_progress, ProgressReader};
pub use crate::signature::Signature;

/// Three kinds of command: those over the Casebook (`|cb, work|`, run with the data); after `network:`, those that
/// wait on the team server (same shape, on a second Casebook so that local commands never wait for the network);
/// after `shell:`, the shell's own (`|app, grants|`: the system's dialogs, the sync agent, opening and unlocking the
/// data directory), which run outside the Casebook's lock.
macro_rules! commands {
    (
        $(
            $(#[doc = $doc:literal])+
            fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty = |$cb:ident, $work:pat_param| $body:expr;
        )+
        network:
        $(
            $(#[doc = $ndoc:literal])+
            fn $nname:ident($($narg:ident: $nty:ty),* $(,)?) -> $nret:ty = |$ncb:ident, $nwork:pat_param| $nbody:expr;
        )+
        shell:
        $(
            $(#[doc = $sdoc:literal])+
            fn $sname:ident($($sarg:ident: $sty:ty),* $(,)?) -> $sret:ty = |$app:pat_param, $grants:pat_param| $sbody:expr;
        )+
    ) => {
        $(
            $(#[doc = $doc])+
            #[tauri::command(rename_all = "snake_case")]
            pub async fn $name(
                app: tauri::AppHandle,
                desk: tauri::State<'_, Desk>,
                $($arg: $ty),*
            ) -> Result<$ret, CommandError> {
                desk.run(app, move |$cb: &mut Casebook, $work: &Work| $body).await
            }
        )+
        $(
            $(#[doc = $ndoc])+
            #[tauri::command(rename_all = "snake_case")]
            pub async fn $nname(
                app: tauri::AppHandle,
                desk: tauri::State<'_, Desk>,
                $($narg: $nty),*
            ) -> Result<$nret, CommandError> {
                desk.run_aside(app, move |$ncb: &mut Casebook, $nwork: &Work| $nbody).await
            }
        )+
        $(
            $(#[doc = $sdoc])+
            #[tauri::command(rename_all = "snake_case")]
            pub async fn $sname(
                app: tauri::AppHandle,
                desk: tauri::State<'_, Desk>,
                $($sarg: $sty),*
            ) -> Result<$sret, CommandError> {
                desk.shell(app, move |$app: &tauri::AppHandle, $grants: &Grants| $sbody).await
            }
        )+

        /// The `invoke_handler` with every command.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name,)+ $($nname,)+ $($sname),+]
        }

        /// Every command's signature, in declaration order.
        pub fn signatures() -> Vec<Signature> {
            vec![
                $(signature!($name, [$($doc),+], [$($arg: $ty),*], $ret),)+
                $(signature!($nname, [$($ndoc),+], [$($narg: $nty),*], $nret),)+
                $(signature!($sname, [$($sdoc),+], [$($sarg: $sty),*], $sret),)+
            ]
        }
    };
}

macro_rules! signature {
    ($name:ident, [$($doc:literal),+], [$($arg:ident: $ty:ty),*], $ret:ty) => {
        Signature {
            name: stringify!($name),
            doc: concat!($($doc, "\n"),+),
            args: vec![$((stringify!($arg), <$ty as ts_rs::TS>::name())),*],
            result: <$ret as ts_rs::TS>::name(),
            export: |dir| {
                let mut v = crate::signature::Exporter::new(dir);
                $(v.root::<$ty>();)*
                v.root::<$ret>();
                v.finish()
            },
        }
    };
}

commands! {
    /// Loads the demo case into an empty data directory.
    fn load_demo() -> DemoSummary = |cb, _| cb.demo();
    /// Who is acting.
    fn me() -> Me = |cb, _| cb.me();
    /// What the acting person may do, in general and in one incident (the core's role matrix answers).
    fn allowed(key: Option<String>) -> Allowed = |cb, _| cb.allowed(key.as_deref());
    /// Everyone registered on this device.
    fn users() -> Vec<UserView> = |cb, _| cb.users();
    /// Acts as a colleague registered on this device (a convenience, not authentication).
    fn act_as(who: String) -> Me = |cb, _| { cb.act_as(&who)?; cb.me() };

    /// A queue of incidents.
    fn incidents(query: IncidentQuery) -> Vec<IncidentRow> =
        |cb, _| cb.incidents(&(&query).into(), i64::from(query.limit));
    /// One incident's header.
    fn incident(key: String) -> IncidentDetail = |cb, _| cb.incident(&key);
    /// An incident's time to detect, contain and resolve.
    fn response_times(key: String) -> ResponseTimes = |cb, _| cb.response_times(&key);
    /// Opens an incident.
    fn new_incident(input: NewIncidentInput) -> IncidentDetail = |cb, _| cb.new_incident(input.into());
    /// Changes scalar fields (title, severity, status, TLP, …).
    fn set_fields(key: String, changes: Vec<FieldChange>) -> IncidentDetail = |cb, _| cb.set_fields(&key, changes);
    /// Replaces a long text; `resolves` settles open conflicts.
    fn edit_text(key: String, field: TextField, text: String, resolves: Vec<EventId>) -> IncidentDetail =
        |cb, _| cb.edit_text(&key, field, &text, resolves);
    /// Adds a tag.
    fn add_tag(key: String, tag: String) -> IncidentDetail = |cb, _| cb.add_tag(&key, &tag);
    /// Removes a tag.
    fn remove_tag(key: String, tag: String) -> IncidentDetail = |cb, _| cb.remove_tag(&key, &tag);
    /// Assigns to a tier and optionally a person (leads).
    fn assign(key: String, tier: Tier, assignee: Option<String>, note: String) -> IncidentDetail =
        |cb, _| cb.assign(&key, tier, assignee.as_deref(), &note);
    /// Takes an incident from the acting responder's queue.
    fn take(key: String) -> IncidentDetail = |cb, _| cb.take(&key);
    /// Closes with a resolution.
    fn close(key: String, resolution: Resolution, note: String) -> IncidentDetail =
        |cb, _| cb.close(&key, resolution, &note);

    /// A page of the filtered timeline starting where `at` says, with its position and the number of matching entries.
    fn timeline_page(key: String, query: EntryQuery, at: PageAt, limit: i32) -> TimelinePage =
        |cb, _| cb.timeline_page(&key, &(&query).into(), at.into(), limit.into());
    /// The filtered timeline counted per kind in `buckets` equal stretches of time (the whole case without `range`).
    fn timeline_histogram(key: String, query: EntryQuery, range: Option<TimeRange>, buckets: i32) -> Histogram =
        |cb, _| cb.timeline_histogram(&key, &(&query).into(), range.map(|r| (r.from, r.to)), usize::try_from(buckets).unwrap_or(0));
    /// Adds a timeline entry.
    fn add_entry(key: String, input: EntryInput) -> EntryView = |cb, _| cb.add_entry(&key, input.into());
    /// Adds a correction of an entry (the old one stays, superseded).
    fn correct_entry(key: String, entry: EntryId, input: EntryInput) -> EntryView =
        |cb, _| cb.correct_entry(&key, entry, input.into());
    /// Flags or unflags a key event.
    fn set_key_event(key: String, entry: EntryId, key_event: bool) -> EntryView =
        |cb, _| cb.set_key_event(&key, entry, key_event);
    /// Imports a Timesketch CSV/JSONL file (every row or none), reporting bytes read as `progress` of `job`.
    fn import_timeline(key: String, path: String, job: String) -> ImportSummary = |cb, work| {
        let (reader, label, format) = ProgressReader::open_timeline(&work.path(&path, Access::Read)?, work, &job)?;
        cb.import_timeline(&key, reader, format, &label, casebook_api::timeline::IMPORT_KIND, &mut |_| {})
    };

    /// An incident's evidence with custody.
    fn evidence(key: String) -> Vec<EvidenceView> = |cb, _| cb.evidence(&key);
    /// Copies a file into the evidence store, reporting bytes hashed as `progress` of `job`.
    fn add_evidence(key: String, input: EvidenceInput, job: String) -> EvidenceView = |cb, work| {
        let path = work.path(&input.path, Access::Read)?;
        let total = std::fs::metadata(&path).ok().map(|m| m.len());
        let mut report = work.throttled(&job, total);
        cb.add_evidence(&key, &path, (&input).into(), &mut report)
    };
    /// Records a custody step of an evidence item (named by id, SHA-256 prefix or name).
    fn add_custody(key: String, evidence: String, input: CustodyInput) -> EvidenceView =
        |cb, _| cb.add_custody(&key, &evidence, input.into());
    /// Re-hashes an incident's stored evidence, reporting items checked as `progress` of `job`.
    fn verify_evidence(key: String, job: String) -> Vec<EvidenceVerdict> = |cb, work| {
        let mut report = work.throttled(&job, None);
        cb.verify_evidence(Some(&key), &mut report)
    };

    /// An incident's observables, with the other incidents they were seen in.
    fn observables(key: String) -> Vec<ObservableView> = |cb, _| cb.observables(&key);
    /// Adds an observable (its type is guessed when not given).
    fn add_observable(key: String, input: ObservableInput) -> ObservableView =
        |cb, _| cb.add_observable(&key, input.into());
    /// Writes an incident's observables to `path` as a STIX 2.1 bundle, a MISP event or CSV.
    fn export_observables(key: String, format: ObservableFormat, path: String) -> ObservableExport =
        |cb, work| cb.export_observables(&ExportScope::incident(&key), format, &work.path(&path, Access::Write)?);
    /// Imports a STIX 2.1 bundle or a CSV file into an incident: every observable or none.
    fn import_observables(key: String, path: String) -> ObservableImport =
        |cb, work| cb.import_observables(&key, &work.path(&path, Access::Read)?, None, &mut |_| {});
    /// An incident's tasks.
    fn tasks(key: String) -> Vec<TaskView> = |cb, _| cb.tasks(&key);
    /// Adds a task.
    fn add_task(key: String, title: String, owner: Option<String>, due: Option<DateTime<Utc>>) -> TaskView =
        |cb, _| cb.add_task(&key, &title, owner.as_deref(), due);
    /// Sets a task's status.
    fn set_task_status(key: String, task: String, status: TaskStatus) -> TaskView =
        |cb, _| cb.set_task_status(&key, &task, status);
    /// An incident's comments.
    fn comments(key: String) -> Vec<CommentView> = |cb, _| cb.comments(&key);
    /// Adds a comment (Markdown).
    fn add_comment(key: String, body: String) -> CommentView = |cb, _| cb.add_comment(&key, &body);
    /// Full-text search over incidents, entries, observables and comments; in one incident when given.
    fn search(query: String, incident: Option<String>, limit: i32) -> Vec<SearchHit> =
        |cb, _| cb.search(&query, incident.as_deref(), i64::from(limit));

    /// An incident's escalations with their response clocks.
    fn escalations(key: String) -> Vec<EscalationStatus> = |cb, _| cb.escalations(&key);
    /// The lead's board: pending escalations, breached first.
    fn pending_escalations(tier: Option<Tier>) -> Vec<EscalationStatus> = |cb, _| cb.pending_escalations(tier);
    /// Requests an escalation to a tier's queue or a named analyst.
    fn escalate(key: String, to_tier: Tier, assignee: Option<String>, reason: String, handoff: String) -> EscalationStatus =
        |cb, _| cb.escalate(&key, to_tier, assignee.as_deref(), &reason, &handoff);
    /// Acknowledges, accepts or declines the incident's pending escalation.
    fn answer_escalation(key: String, answer: AnswerInput) -> EscalationStatus =
        |cb, _| cb.answer_escalation(&key, None, answer.into());
    /// A lead sends the pending escalation to another tier, queue or analyst.
    fn reassign_escalation(key: String, to_tier: Tier, assignee: Option<String>, note: String) -> EscalationStatus =
        |cb, _| cb.reassign_escalation(&key, None, to_tier, assignee.as_deref(), &note);
    /// Writes the incident's PDF report to `path`, reporting its stages as `progress` of `job`.
    fn export_report(key: String, path: String, kind: ReportKind, key_events_only: bool, job: String) -> ReportSummary =
        |cb, work| {
            let path = work.path(&path, Access::Write)?;
            cb.export_report(&key, &path, kind.into(), key_events_only, &mut report_progress(work, &job))
        };
    /// Checks a report file against its own attachment, the evidence store and the live case.
    fn verify_report(path: String) -> ReportVerdict = |cb, work| cb.verify_report(&work.path(&path, Access::Read)?);
    /// Response metrics per severity and tier.
    fn metrics() -> Metrics = |cb, _| cb.metrics();

    /// A page of the alert queue: one row per group (same rule, same key observable), newest first.
    fn alerts(query: AlertQueueQuery) -> Vec<AlertGroupView> = |cb, _| cb.alerts(&query.into());
    /// One alert with its facts, observables, triage claims and raw payload (plain text).
    fn alert(id: String) -> AlertDetail = |cb, _| cb.alert(&id);
    /// Imports the alerts of a file the person chose (format recognised), every one or none, reporting alerts
    /// written as `progress` of `job`.
    fn import_alerts(path: String, job: String) -> AlertImportSummary =
        |cb, work| cb.import_alerts(&work.path(&path, Access::Read)?, None, &mut |n| work.progress(&job, n, None));
    /// Dismisses alerts (or, with `whole_groups`, every new alert of their groups) as false positive or benign.
    fn dismiss_alerts(ids: Vec<String>, whole_groups: bool, verdict: AlertVerdict, reason: String) -> DismissSummary =
        |cb, _| cb.dismiss_alerts(&ids, whole_groups, verdict, &reason);
    /// Opens an incident from an alert: its observables, times and the raw alert as evidence.
    fn promote_alert(id: String, severity: Option<Severity>) -> PromotedAlert = |cb, _| cb.promote_alert(&id, severity);
    /// Adds an alert to an open incident; the incident's key.
    fn merge_alert(id: String, key: String) -> String = |cb, _| cb.merge_alert(&id, &key);
    /// The alert queue's figures: volume per day and rule, false positives per rule, time to triage and to incident.
    fn alert_metrics() -> AlertMetrics = |cb, _| cb.alert_metrics();

    /// What others changed in an incident since the acting person last opened it (empty the first time).
    fn changes_since_seen(key: String) -> SeenChanges = |cb, _| cb.changes_since_seen(&key);
    /// Records that the acting person has seen the incident as it stands now.
    fn mark_seen(key: String) -> bool = |cb, _| cb.mark_seen(&key).map(|()| true);
    /// Every unresolved conflict across incidents: concurrent text versions, scope changes, escalation transitions.
    fn open_conflicts() -> Vec<OpenConflict> = |cb, _| cb.open_conflicts();
    /// This laptop's events the server has not got yet, oldest first.
    fn waiting_events(limit: u32) -> Vec<LogLine> = |cb, _| cb.waiting_events(limit);

    network:
    /// The team server's certificate, to show by fingerprint before trusting it.
    fn server_certificate(server: String) -> ServerCertificate = |cb, _| cb.server_certificate(&server);
    /// Joins a team: signs in, keeps every piece of offline work, and syncs once.
    fn join_team(server: String, email: String, password: String, trust: ServerTrust) -> LoginReport = |cb, work| {
        // A CA file is a file like any other: the person must have chosen it.
        if let ServerTrust::CaFile(path) = &trust {
            work.path(&path.to_string_lossy(), Access::Read)?;
        }
        cb.login(&server, &email, &password, &trust, &|_| {})
    };
    /// Signs out of the team; work made here stays and goes up after the next sign-in.
    fn sign_out() -> bool = |cb, _| cb.logout();
    /// Leaves the team for good on this laptop (local data kept; unsynced events stay here).
    fn forget_team() -> ForgetReport = |cb, _| cb.forget_team();
    /// The team's accounts (admins).
    fn team_accounts() -> Vec<TeamAccount> = |cb, _| cb.team_accounts();
    /// Adds an account to the team (admins).
    fn add_team_account(input: NewTeamAccount) -> TeamAccount = |cb, _| cb.add_team_account(input);
    /// Changes an account's role, tier or whether it is disabled (admins).
    fn change_team_account(email: String, change: AccountChange) -> TeamAccount =
        |cb, _| cb.change_team_account(&email, change);
    /// The team's devices (admins).
    fn team_devices() -> Vec<TeamDevice> = |cb, _| cb.team_devices();
    /// Revokes a device: the server takes nothing more from it (admins).
    fn revoke_team_device(device: DeviceId) -> TeamDevice = |cb, _| cb.revoke_team_device(device);
    /// Downloads an evidence file made on another laptop, verified by its SHA-256, reporting bytes as `progress`.
    fn fetch_evidence(key: String, evidence: String, job: String) -> EvidenceView = |cb, work| {
        cb.fetch_evidence(&key, &evidence, &mut |done, total| work.progress(&job, done, total))
    };
    /// Downloads every evidence file of an incident not yet on this laptop; the number downloaded.
    fn fetch_incident_evidence(key: String, job: String) -> u64 = |cb, work| {
        cb.fetch_incident_evidence(&key, &mut |done, total| work.progress(&job, done, total))
    };

    shell:
    /// Where the data lives, whether it waits for its passphrase, and whether a profile exists there (the first-run
    /// screen asks for one if not). Opens nothing that is locked or new.
    fn startup() -> Startup = |app, _| app.state::<Desk>().startup(app);
    /// Unlocks an encrypted data directory; a wrong passphrase is `wrong_passphrase` and changes nothing. With
    /// `remember`, its key is also kept in this computer's keyring (a failure to keep it is the result's notice).
    fn unlock(passphrase: String, remember: bool) -> Startup =
        |app, _| app.state::<Desk>().unlock(app, passphrase, remember);
    /// Keeps the unlocked data key in this computer's keyring, or (`false`) removes it: whether the app then opens
    /// without asking for the passphrase.
    fn remember_on_this_computer(remember: bool) -> Startup = |app, _| {
        let desk = app.state::<Desk>();
        desk.remember(remember)?;
        desk.startup(app)
    };
    /// Creates the local profile (first run), in a directory encrypted with `input.passphrase` if given.
    fn init_profile(input: ProfileInput) -> Me = |app, _| app.state::<Desk>().create_profile(app, input);
    /// Wraps the data key under a new passphrase; the data is not re-encrypted.
    fn change_passphrase(old_passphrase: String, new_passphrase: String) -> bool = |_, _| {
        casebook_api::encryption::change_passphrase(&data_dir()?, &old_passphrase, &new_passphrase).map(|()| true)
    };
    /// Where background sync stands (also sent as the `team` event whenever it changes).
    fn team_state() -> Option<AgentState> = |app, _| Ok(app.state::<Desk>().agent().map(SyncAgent::state));
    /// Syncs now, whatever the backoff.
    fn sync_now() -> bool = |app, _| Ok(app.state::<Desk>().agent().map(SyncAgent::sync_now).is_some());
    /// Opens the system's file dialog to choose files to read; what the person chooses may then be passed to the
    /// commands that read files (see `grants`). Empty if they cancelled.
    fn pick_open(multiple: bool, filters: Vec<FileFilter>) -> Vec<String> =
        |app, grants| dialogs::pick_open(app, grants, multiple, &filters);
    /// Erases Casebook's data on this laptop once the person confirms it in the system's own dialog (which the page
    /// can neither draw nor answer): the app restarts and erases before it opens anything (`casebook_api::erase`).
    /// `false` when they cancelled; otherwise it does not return.
    fn erase_this_laptop() -> bool = |app, _| {
        if !dialogs::confirm_erase(app) {
            return Ok(false);
        }
        casebook_api::erase::request_erase(&crate::desk::data_dir()?)?;
        app.restart()
    };
    /// Opens the system's save dialog; the chosen path may then be written by a command. None if they cancelled.
    fn pick_save(file_name: String, filters: Vec<FileFilter>) -> Option<String> =
        |app, grants| dialogs::pick_save(app, grants, &file_name, &filters);
}
