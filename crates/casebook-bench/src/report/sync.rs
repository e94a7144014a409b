//! The sync phase's lines of the report and its checks against DESIGN's targets.

use std::fmt::Write;

use super::{mb, n, Check};

pub(super) fn checks(s: &crate::sync::SyncFigures) -> Vec<Check> {
    // The target is stated for 1,000,000 events; at other sizes the measured rate is carried to that size.
    let per_million = 1e6 / s.pull.events_per_sec.max(1e-9);
    let mut out = vec![Check {
        what: "sync: fresh laptop pull, time for 1,000,000 events",
        value: per_million,
        unit: "s",
        target: "< 30 s",
        pass: per_million < 30.0,
    }];
    for p in std::iter::once(&s.push_sqlite).chain(&s.push_postgres) {
        out.push(Check {
            what: if p.database == "SQLite" {
                "sync: concurrent pushes lost (SQLite)"
            } else {
                "sync: concurrent pushes lost (PostgreSQL)"
            },
            value: p.events.saturating_sub(p.head_growth.min(p.admitted)) as f64,
            unit: "ev",
            target: "0",
            pass: p.no_loss,
        });
    }
    if let Some(m) = &s.memory {
        out.push(Check {
            what: "sync: team server peak RSS (idle, sign-ins, pushes)",
            value: m.hwm_mb,
            unit: "MB",
            target: "< 200 MB",
            pass: m.hwm_mb < 200.0,
        });
    }
    out
}

pub(super) fn text(o: &mut String, s: &crate::sync::SyncFigures) {
    let p = &s.pull;
    let _ = writeln!(
        o,
        "6. team sync over HTTPS on loopback (in-process server, self-signed certificate, real client)"
    );
    let _ = writeln!(
        o,
        "   fresh laptop: login + first sync of {} events ({:.0} bytes each: one incident opened per {}, the rest single timeline entries)",
        n(p.events as f64),
        p.event_bytes,
        n(crate::sync::pull::PER_INCIDENT as f64)
    );
    let _ = writeln!(
        o,
        "   Casebook::login           {:.2} s   {} events/s   ({} applied, {} refused or forked, head {})",
        p.login_secs,
        n(p.events_per_sec),
        n(p.pulled as f64),
        p.refused_or_forked,
        n(p.head as f64)
    );
    let _ = writeln!(
        o,
        "   of which, measured apart: pages over HTTPS + JSON {:.2} s, decode + hash + signature {:.2} s, the rest is the laptop's store",
        p.transport_secs, p.verify_secs
    );
    let _ = writeln!(
        o,
        "   catch-up sync, nothing new {:.1} ms; laptop database {} MB; seeding {:.1} s ({} events/s from 2 devices)",
        p.catch_up_ms,
        mb(p.laptop_db_bytes),
        p.seed_secs,
        n(p.seed_events_per_sec)
    );
    for x in std::iter::once(&s.push_sqlite).chain(&s.push_postgres) {
        let _ = writeln!(
            o,
            "   {} laptops pushing at once, {:<10} {} events/s  push of {} p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms  ({} events, {})",
            x.clients,
            x.database,
            n(x.events_per_sec),
            x.batch,
            x.latency.p50_ms,
            x.latency.p99_ms,
            x.latency.max_ms,
            n(x.events as f64),
            if x.no_loss { "none lost" } else { "LOSS" }
        );
    }
    if let Some(m) = &s.memory {
        let _ = writeln!(o, "   server in a child process ({})", m.program);
        let _ = writeln!(
            o,
            "   RSS idle {:.1} MB  sign-ins peak {:.1} MB  pushes peak {:.1} MB  VmHWM {:.1} MB  after {:.1} MB  CPU while pushing {:.2} cores ({} events/s)",
            m.idle_mb,
            m.sign_in_peak_mb,
            m.push_peak_mb,
            m.hwm_mb,
            m.after_mb,
            m.push_cores,
            n(m.push.events_per_sec)
        );
    }
    for note in &s.notes {
        let _ = writeln!(o, "   note: {note}");
    }
}
