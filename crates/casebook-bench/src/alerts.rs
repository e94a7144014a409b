//! Alert intake at the team server (DESIGN.md: at least 2,000 alerts/s): a SIEM's integration posts alerts in
//! batches to a server on loopback (HTTPS, the real router, SQLite), one post after another as a forwarder does.
//!
//! The alerts are generic JSON lines of about 900 bytes each, made before the clock starts, falling into groups the
//! way real alerts do (25 rules × 40 source addresses, one alert a second), so every replica's grouping has real
//! work; the server itself checks each alert against the team's index of raised alerts (dedup), signs it with the
//! integration's key, admits it by the core's rule and appends each batch in one transaction. Afterwards the log must
//! have grown by exactly the alerts posted, and a re-post of the first batch must come back as duplicates only.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use casebook_protocol::{routes, AlertsPosted};
use serde::Serialize;
use ureq::tls::{RootCerts, TlsConfig};

use crate::stats::{Samples, Summary};
use crate::sync::server::LoopbackServer;
use crate::Progress;

/// Rules and source addresses the generated alerts spread over: 1,000 (rule, address) pairs.
const RULES: usize = 25;
const ADDRESSES: usize = 40;

#[derive(Debug, Clone, Serialize)]
pub struct AlertFigures {
    pub alerts: u64,
    pub batch: usize,
    /// Bytes of the generated posts, all together.
    pub bytes: u64,
    /// From the first post to the last answer.
    pub seconds: f64,
    pub alerts_per_sec: f64,
    /// Each post, end to end (TLS, parsing, dedup, signing, admission, commit, answer).
    pub per_batch: Summary,
    /// Alerts the server answered as new, and as duplicates, over the measured posts.
    pub new: u64,
    pub duplicates: u64,
    /// The (rule, key observable) groups the alerts fall into.
    pub groups: usize,
    /// The log grew by exactly the alerts posted, and a re-post of the first batch added nothing.
    pub exactly_once: bool,
}

/// One generic alert, as a line of JSON lines.
fn alert_line(i: usize, start_s: i64) -> String {
    let rule = i % RULES;
    let address = (i / RULES) % ADDRESSES;
    let time = chrono::DateTime::from_timestamp(start_s + i as i64, 0).unwrap_or_default();
    let severity = ["low", "medium", "high", "critical"][rule % 4];
    serde_json::json!({
        "title": format!("Outbound connection matching rule {rule} from 10.20.{}.{}", address / 250, address % 250 + 1),
        "time": time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "severity": severity,
        "rule": {"id": format!("BENCH-{rule:03}"), "name": format!("Suspicious egress pattern {rule}")},
        "source": "bench-siem",
        "source_id": format!("bench-{i:09}"),
        "host": format!("ws-{:04}", i % 500),
        "user": format!("user{:03}", i % 300),
        "source_ip": format!("10.20.{}.{}", address / 250, address % 250 + 1),
        "destination_ip": format!("203.0.113.{}", rule + 1),
        "destination_port": 443,
        "description": "The proxy logged a connection whose destination, timing and size match a known command and \
                        control beaconing pattern; the host's process list at the time is attached to the raw event.",
        "observables": [format!("c2-{rule}.example.net"), {"type": "sha256", "value": format!("{:064x}", rule * 7919 + 1)}]
    })
    .to_string()
}

/// Posts `alerts` alerts in batches of `batch` to a fresh server in `dir`.
pub fn measure(
    dir: &Path,
    alerts: usize,
    batch: usize,
    progress: Progress,
) -> Result<AlertFigures> {
    let server = LoopbackServer::start(dir, None)?;
    let integration = server
        .runtime
        .block_on(casebook_server::integrations::add_integration(
            &*server.storage,
            server.team.row.id,
            server.team.admin.user,
            "bench-siem",
            0,
        ))
        .map_err(|e| anyhow::anyhow!("adding the integration: {}", e.0.message))?;
    let batch = batch.max(1);
    let start_s = 1_800_000_000;
    let bodies: Vec<String> = (0..alerts)
        .collect::<Vec<_>>()
        .chunks(batch)
        .map(|c| c.iter().map(|&i| alert_line(i, start_s) + "\n").collect())
        .collect();
    let groups = (0..alerts)
        .map(|i| (i % RULES, (i / RULES) % ADDRESSES))
        .collect::<std::collections::HashSet<_>>()
        .len();
    let certs = casebook_sync::client::certificates(&server.endpoint.cert_pem)?;
    let http: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::Specific(std::sync::Arc::new(certs)))
                .build(),
        )
        .build()
        .into();
    let url = format!("{}{}", server.endpoint.url, routes::ALERTS);
    let auth = format!("Bearer {}", integration.token);
    let post = |body: &str| -> Result<AlertsPosted> {
        http.post(&url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/x-ndjson")
            .send(body)
            .context("posting alerts")?
            .into_body()
            .read_json::<AlertsPosted>()
            .context("reading the intake's answer")
    };
    let head = |s: &LoopbackServer| s.runtime.block_on(s.storage.head(s.team.row.id));
    let before = head(&server)?;
    let bar = progress.bar(alerts as u64, "alert intake");
    let mut samples = Samples::default();
    let (mut new, mut duplicates) = (0, 0);
    let started = Instant::now();
    for body in &bodies {
        let t = Instant::now();
        let answer = post(body)?;
        samples.push(t.elapsed());
        new += answer.new as u64;
        duplicates += answer.duplicates as u64;
        bar.inc(answer.alerts.len() as u64);
    }
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let grown = head(&server)? - before;
    let again = match bodies.first() {
        Some(body) => post(body)?,
        None => bail!("no alerts to post"),
    };
    let exactly_once = grown == alerts as u64
        && new == alerts as u64
        && again.new == 0
        && head(&server)? - before == grown;
    Ok(AlertFigures {
        alerts: alerts as u64,
        batch,
        bytes: bodies.iter().map(|b| b.len() as u64).sum(),
        seconds,
        alerts_per_sec: alerts as f64 / seconds.max(1e-9),
        per_batch: samples.summary(),
        new,
        duplicates,
        groups,
        exactly_once,
    })
}
