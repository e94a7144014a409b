//! Keeps the benchmark working: every phase runs at tiny sizes and produces finite, positive figures whose counts add
//! up. No timing is asserted here; timings belong to the benchmark's own report.

use casebook_bench::report::{self, Report};
use casebook_bench::sync::server::ServerProgram;
use casebook_bench::{machine::Machine, Phase, Progress, Sizes};

const TINY: Sizes = Sizes {
    appends: 12,
    import_rows: 300,
    first_screen_runs: 2,
    search_entries: 900,
    search_rounds: 1,
    pdf_entries: &[20, 60],
    sync_pull_events: 300,
    sync_clients: 3,
    sync_push_events: 20,
    sync_push_batch: 5,
    // Three and a half of the encrypted store's 64 KiB chunks.
    blob_bytes: 7 << 15,
    queue_alerts: 300,
    alerts: 120,
    alert_batch: 50,
};

/// Rows on the alert queue's first screen.
const PAGE: usize = casebook_bench::alert_queue::PAGE as usize;

fn positive(x: f64, what: &str) {
    assert!(
        x.is_finite() && x > 0.0,
        "{what} must be a positive, finite figure, got {x}"
    );
}

#[test]
fn every_phase_produces_figures_and_the_counts_add_up() {
    let root = tempfile::tempdir().expect("a temporary directory");
    // The server-memory figure serves from this package's own binary (`--server-child`), as the benchmark does when
    // no casebook-server binary was built beside it.
    let sync = casebook_bench::sync::Options {
        database_url: std::env::var("CASEBOOK_TEST_DATABASE_URL").ok(),
        server: Some(ServerProgram::Bench(
            env!("CARGO_BIN_EXE_casebook-bench").into(),
        )),
    };
    let figures = casebook_bench::run(
        &TINY,
        Phase::ALL,
        root.path(),
        None,
        &sync,
        Progress::hidden(),
    )
    .expect("the benchmark runs");
    let f = &figures;
    let append = f.append.as_ref().expect("the append phase ran");

    assert_eq!(append.api.count, TINY.appends, "one sample per add_entry");
    assert_eq!(
        append.store.count, TINY.appends,
        "one sample per direct append"
    );
    assert_eq!(
        append.entries_after,
        (2 * TINY.appends + casebook_bench::append::FRAME_SAMPLES) as i64,
        "every append is in the incident, and those that counted their commits' log frames"
    );
    let frames = &append.frames;
    assert_eq!(frames.commits, casebook_bench::append::FRAME_SAMPLES);
    assert!(
        frames.p50 > 0
            && frames.p50 <= frames.max
            && frames.mean >= 1.0
            && frames.mean <= frames.max as f64,
        "commits write log frames, the typical one no more than the most: {frames:?}"
    );
    assert_eq!(append.frames_per_commit, frames.p50);
    assert_eq!(
        append.disk.count, TINY.appends,
        "one disk-alone sample per append"
    );
    positive(append.disk.p50_ms, "disk alone p50");
    positive(append.api.p99_ms, "append p99");
    positive(append.store.p50_ms, "direct append p50");

    let i = f.import.as_ref().expect("the import phase ran");
    assert_eq!(
        i.imported_entries, TINY.import_rows as u64,
        "the import reports every row"
    );
    assert_eq!(
        i.stored_entries, TINY.import_rows as i64,
        "the incident holds every row"
    );
    assert_eq!(
        i.baseline_rows, TINY.import_rows as i64,
        "the like-for-like baseline writes an entry per row"
    );
    assert_eq!(
        i.baseline_indexed, TINY.import_rows as i64,
        "the like-for-like baseline indexes every entry, as the import does"
    );
    assert_eq!(
        i.bare_rows, TINY.import_rows as i64,
        "the bare insert inserts every row"
    );
    for (x, what) in [
        (i.import_rows_per_sec, "import rate"),
        (i.baseline_rows_per_sec, "like-for-like rate"),
        (i.ratio, "ratio to the like-for-like baseline"),
        (i.bare_rows_per_sec, "bare insert rate"),
        (i.bare_ratio, "ratio to the bare insert"),
        (i.parse_rows_per_sec, "parse rate"),
    ] {
        positive(x, what);
    }

    let q = f.alert_queue.as_ref().expect("the alert-queue phase ran");
    assert_eq!(
        q.alerts, TINY.queue_alerts as u64,
        "every alert of the export is imported"
    );
    assert!(
        q.groups > 0 && q.groups <= q.alerts,
        "the alerts fall in queue rows"
    );
    assert_eq!(
        q.first_screen.count, TINY.first_screen_runs,
        "one sample per open"
    );
    assert_eq!(
        q.page_len,
        crate::PAGE,
        "the queue's first screen is a full page"
    );
    positive(q.alerts_per_sec, "alert import rate");
    positive(q.first_screen.p95_ms, "alert queue first screen p95");

    let s = f.first_screen.as_ref().expect("the first-screen phase ran");
    assert_eq!(
        s.first_screen.count, TINY.first_screen_runs,
        "one sample per open"
    );
    assert_eq!(s.page_len, 100, "the first screen shows a full page");
    positive(s.first_screen.p95_ms, "first screen p95");
    assert!(s.jumps.all.count > 0, "far jumps were measured");
    positive(s.jumps.all.p95_ms, "far jump p95");
    assert_eq!(
        s.jumps.histogram_total, s.entries,
        "the histogram counts every entry of the incident"
    );

    let p = f.pdf.as_ref().expect("the PDF phase ran");
    assert_eq!(
        p.runs.iter().map(|r| r.entries).collect::<Vec<_>>(),
        vec![20, 60],
        "one report per size, each of its own size"
    );
    for r in &p.runs {
        positive(r.seconds, "report time");
        assert!(
            r.pages >= 2 && r.bytes > 10_000,
            "a real PDF was written: {r:?}"
        );
    }
    positive(p.linearity, "linearity");

    let q = f.search.as_ref().expect("the search phase ran");
    assert_eq!(
        q.entries, TINY.search_entries as i64,
        "the search corpus has the asked size"
    );
    assert_eq!(q.incidents, 3, "900 entries in incidents of 300");
    assert_eq!(
        q.built_entries, 600,
        "the import phase's incident is reused"
    );
    assert_eq!(
        q.overall.count,
        casebook_bench::search::QUERIES.len(),
        "one round of every query"
    );
    positive(q.overall.p95_ms, "search p95");
    assert!(
        q.queries.iter().any(|x| x.hits > 0),
        "common words of the corpus must be found"
    );
    assert_eq!(
        q.scoped_entries, 300,
        "scoped queries run in the import phase's incident"
    );
    for (what, figures, overall) in [
        ("search inside one incident", &q.scoped, &q.scoped_overall),
        ("timeline text filter", &q.filter, &q.filter_overall),
    ] {
        assert_eq!(
            overall.count,
            casebook_bench::search::SCOPED_QUERIES.len(),
            "one round of every {what} query"
        );
        positive(overall.p95_ms, what);
        assert!(
            figures.iter().any(|x| x.hits > 0),
            "{what}: common words of the incident must be found"
        );
    }
    let logon = q.filter.iter().find(|x| x.query == "logon").unwrap().hits;
    assert!(
        logon > 0 && logon < 300,
        "the filter counts the incident's own entries with the word, not the whole directory's: {logon}"
    );

    let sync = f.sync.as_ref().expect("the sync phase ran");
    let p = &sync.pull;
    assert_eq!(p.events, 300, "the log was seeded with the asked events");
    assert!(
        p.pulled >= 300 && p.head >= 300,
        "the fresh laptop applied every seeded event: {p:?}"
    );
    assert_eq!(
        p.refused_or_forked, 0,
        "the laptop admits what the server admitted"
    );
    positive(p.events_per_sec, "pull rate");
    let mut pushes = vec![&sync.push_sqlite];
    pushes.extend(&sync.push_postgres);
    for x in &pushes {
        assert!(x.no_loss, "every pushed event is on the server once: {x:?}");
        assert_eq!(x.events, 60, "3 laptops of 20 events");
        assert_eq!(x.latency.count, 12, "one sample per push of 5");
        positive(x.latency.p99_ms, "push p99");
    }
    let m = sync.memory.as_ref().expect("the server child ran");
    positive(m.idle_mb, "idle RSS");
    positive(m.hwm_mb, "peak RSS");
    assert!(
        m.push.no_loss,
        "the child server lost nothing: {:?}",
        m.push
    );
    let sync_checks = 3 + pushes.len() - 1;

    let b = f.blobs.as_ref().expect("the evidence store phase ran");
    assert_eq!(b.bytes, TINY.blob_bytes, "the stream has the asked size");
    for (x, what) in [
        (b.plain_write_mib_s, "plain stage rate"),
        (b.sealed_write_mib_s, "encrypted stage rate"),
        (b.plain_check_mib_s, "plain check rate"),
        (b.sealed_check_mib_s, "encrypted check rate"),
        (b.write_ratio, "stage ratio"),
        (b.check_ratio, "check ratio"),
    ] {
        positive(x, what);
    }
    assert!(
        b.sealed_size_ratio > 1.0 && b.sealed_size_ratio < 1.01,
        "the sealed file is the stream plus a header and a tag per chunk: {}",
        b.sealed_size_ratio
    );
    let a = f.alerts.as_ref().expect("the alert phase ran");
    assert_eq!(
        (a.new, a.duplicates, a.per_batch.count),
        (120, 0, 3),
        "120 new alerts in three posts of at most 50"
    );
    assert!(
        a.exactly_once,
        "the log grew by each alert once and a re-post added nothing: {a:?}"
    );
    positive(a.alerts_per_sec, "alert intake rate");
    positive(a.per_batch.p99_ms, "alert post p99");
    let alert_checks = 2;

    let report = Report::new(
        Machine::detect(),
        true,
        TINY,
        figures.clone(),
        "2026-11-22T00:00:00Z".into(),
    );
    // Each shape of the search mix has its own check, over every sample of its queries.
    let search = figures.search.as_ref().expect("search ran");
    let mut shapes: Vec<&str> = casebook_bench::search::QUERIES
        .iter()
        .map(|q| q.0)
        .collect();
    shapes.dedup();
    assert_eq!(
        search.shapes.iter().map(|s| s.shape).collect::<Vec<_>>(),
        shapes,
        "one figure per shape, in the mix's order"
    );
    for s in &search.shapes {
        let queries = casebook_bench::search::QUERIES
            .iter()
            .filter(|q| q.0 == s.shape)
            .count();
        assert_eq!(
            s.latency.count,
            queries * search.rounds,
            "{}: every sample of the shape's queries",
            s.shape
        );
    }
    // Four store targets, the far jump, two more for searching inside one incident, one per search shape, the
    // report's linearity (no 10,000-entry report at tiny sizes), the alert queue's first screen, the sync ones:
    // pull, no loss per database, server memory; and alert intake's rate and exactly-once.
    let checks = 9 + shapes.len() + sync_checks + alert_checks;
    assert_eq!(report.checks.len(), checks, "one check per target measured");
    let text = report::text(&report);
    assert!(
        text.contains("PASS") || text.contains("MISS"),
        "the text names the verdicts"
    );
    let json = serde_json::to_value(&report).expect("the report serializes");
    assert_eq!(
        json["checks"].as_array().map(Vec::len),
        Some(checks),
        "JSON carries the checks"
    );
}

#[test]
fn only_the_phases_asked_for_run() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let sync = casebook_bench::sync::Options {
        database_url: None,
        server: None,
    };
    let f = casebook_bench::run(
        &TINY,
        &[Phase::FirstScreen],
        root.path(),
        None,
        &sync,
        Progress::hidden(),
    )
    .expect("the benchmark runs");
    assert!(
        f.import.is_some(),
        "the first screen reads the import's data, so the import runs"
    );
    assert!(f.first_screen.is_some(), "the phase asked for ran");
    assert!(
        f.append.is_none()
            && f.search.is_none()
            && f.pdf.is_none()
            && f.sync.is_none()
            && f.blobs.is_none()
            && f.alert_queue.is_none()
            && f.alerts.is_none(),
        "no other phase ran"
    );
    let report = Report::new(
        Machine::detect(),
        true,
        TINY,
        f,
        "2026-12-02T00:00:00Z".into(),
    );
    assert_eq!(
        report.checks.len(),
        3,
        "checks only for what ran: import ratio, first screen and far jump"
    );
}

#[test]
fn the_encrypted_run_measures_the_store_phases_again_on_encrypted_databases() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let sync = casebook_bench::sync::Options {
        database_url: None,
        server: None,
    };
    let f = casebook_bench::run_with_encryption(
        &TINY,
        &[Phase::Append, Phase::FirstScreen],
        root.path(),
        None,
        &sync,
        Progress::hidden(),
        true,
    )
    .expect("the benchmark runs");
    let e = f.encrypted.as_ref().expect("the encrypted run happened");
    let append = e.append.as_ref().expect("append ran encrypted");
    assert_eq!(
        append.entries_after,
        (2 * TINY.appends + casebook_bench::append::FRAME_SAMPLES) as i64,
        "every encrypted append is in the incident"
    );
    let import = e.import.as_ref().expect("the import ran encrypted");
    assert_eq!(import.stored_entries, TINY.import_rows as i64);
    assert_eq!(import.baseline_rows, TINY.import_rows as i64);
    assert_eq!(import.bare_rows, TINY.import_rows as i64);
    let screen = e
        .first_screen
        .as_ref()
        .expect("the first screen ran encrypted");
    assert_eq!(screen.page_len, 100, "a full first page, encrypted");
    assert!(
        e.search.is_none(),
        "only the phases asked for run encrypted"
    );
    let db = root.path().join("encrypted/cases/casebook.db");
    let head = std::fs::read(&db).expect("the encrypted database");
    assert!(
        !head.starts_with(b"SQLite format 3"),
        "the encrypted run really measured an encrypted database"
    );
    let report = Report::new(
        Machine::detect(),
        true,
        TINY,
        f,
        "2026-12-02T00:00:00Z".into(),
    );
    let text = report::text(&report);
    assert!(
        text.contains("encrypted/plain") && text.contains("encrypted: bulk import"),
        "the ratios and the encrypted checks are printed: {text}"
    );
}

#[test]
fn appends_on_two_directories_take_turns_so_both_meet_the_same_minutes_of_the_disk() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    let plain = casebook_bench::cipher::Cipher::plain();
    let figures = casebook_bench::append::measure_side_by_side(
        &[(&a, &plain), (&b, &plain)],
        TINY.appends,
        Progress::hidden(),
    )
    .expect("the appends run");
    assert_eq!(figures.len(), 2);
    // When each directory's entries were recorded: if one ran after the other, the ranges would not overlap.
    let recorded = |dir: &std::path::Path| {
        let cb = casebook_api::Casebook::open(dir).expect("the directory opens");
        let incident = cb
            .incidents(&Default::default(), 10)
            .expect("incidents")
            .remove(0);
        let (total, entries) = cb
            .entries(&incident.key, &Default::default(), 0, 1000)
            .expect("entries");
        assert_eq!(
            total,
            (2 * TINY.appends + casebook_bench::append::FRAME_SAMPLES) as i64
        );
        let times: Vec<_> = entries.iter().map(|e| e.recorded_at).collect();
        (*times.iter().min().unwrap(), *times.iter().max().unwrap())
    };
    let ((a_first, a_last), (b_first, b_last)) = (recorded(&a), recorded(&b));
    assert!(
        a_first < b_last && b_first < a_last,
        "the two series overlap in time: a {a_first}..{a_last}, b {b_first}..{b_last}"
    );
    for f in &figures {
        assert_eq!(f.api.count, TINY.appends);
        assert_eq!(f.store.count, TINY.appends);
        assert_eq!(f.disk.count, TINY.appends);
    }
}
