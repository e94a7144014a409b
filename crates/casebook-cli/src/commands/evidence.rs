//! `casebook evidence …`

use casebook_api::evidence::{CustodyInput, EvidenceInput, EvidenceStatus};
use casebook_api::Casebook;

use crate::cli::EvidenceCmd;
use crate::output::{clip, progress, table, time, Out};

pub fn run(cb: &mut Casebook, c: EvidenceCmd, out: &Out) -> anyhow::Result<()> {
    match c {
        EvidenceCmd::Add {
            key,
            file,
            source_host,
            source_path,
            name,
            description,
            acquired_at,
        } => {
            let size = std::fs::metadata(&file).map(|m| m.len()).ok();
            let bar = progress(size, true, "hashing and copying");
            let e = cb.add_evidence(
                &key,
                &file,
                EvidenceInput {
                    name,
                    description,
                    source_host,
                    source_path,
                    acquired_at,
                    media_type: None,
                },
                &mut |n| bar.set_position(n),
            )?;
            bar.finish_and_clear();
            out.show(&e, || {
                format!(
                    "Added {} ({} bytes)\nsha256 {}\nid     {}",
                    e.name, e.size, e.sha256, e.id
                )
            })
        }
        EvidenceCmd::List { key } => {
            let items = cb.evidence(&key)?;
            out.show(&items, || {
                if items.is_empty() {
                    return format!("No evidence yet. Add a file with `casebook evidence add {key} PATH --source-host HOST`.");
                }
                let rows: Vec<Vec<String>> = items
                    .iter()
                    .map(|e| vec![clip(&e.name, 40), e.size.to_string(), e.sha256.clone(), time(&e.acquired_at), e.custody.len().to_string(), if e.stored_here { "yes" } else { "no (evidence fetch)" }.to_string()])
                    .collect();
                table(&["NAME", "BYTES", "SHA-256", "ACQUIRED (UTC)", "CUSTODY", "HERE"], &rows)
            })
        }
        EvidenceCmd::Verify { key } => {
            let bar = progress(None, true, "re-hashing evidence");
            let verdicts = cb.verify_evidence(key.as_deref(), &mut |n| bar.set_position(n))?;
            bar.finish_and_clear();
            out.show(&verdicts, || {
                if verdicts.is_empty() {
                    return "No evidence to verify.".into();
                }
                let rows: Vec<Vec<String>> = verdicts
                    .iter()
                    .map(|v| {
                        let status = match v.status {
                            EvidenceStatus::Ok => "ok".to_string(),
                            EvidenceStatus::Changed => format!(
                                "CHANGED (now {})",
                                v.actual_sha256.as_deref().unwrap_or("?")
                            ),
                            EvidenceStatus::Missing => "MISSING".to_string(),
                        };
                        vec![
                            v.incident_key.clone(),
                            clip(&v.name, 40),
                            v.sha256.clone(),
                            status,
                        ]
                    })
                    .collect();
                table(&["INCIDENT", "NAME", "RECORDED SHA-256", "RESULT"], &rows)
            })?;
            let bad = verdicts.iter().filter(|v| !v.ok()).count();
            if bad > 0 {
                anyhow::bail!(
                    "{bad} evidence file(s) no longer match their recorded SHA-256 or are missing"
                );
            }
            Ok(())
        }
        EvidenceCmd::Custody {
            key,
            evidence,
            action,
            who,
            location,
            reason,
            at,
        } => {
            let item = match action {
                Some(action) => cb.add_custody(
                    &key,
                    &evidence,
                    CustodyInput {
                        action,
                        who,
                        at,
                        location,
                        reason,
                    },
                )?,
                None => cb.find_evidence(&key, &evidence)?,
            };
            out.show(&item.custody, || {
                let rows: Vec<Vec<String>> = item
                    .custody
                    .iter()
                    .map(|c| {
                        vec![
                            time(&c.at),
                            c.action.to_string(),
                            c.who.clone(),
                            c.location.clone(),
                            c.reason.clone(),
                        ]
                    })
                    .collect();
                format!(
                    "Chain of custody of {} ({}):\n{}",
                    item.name,
                    item.sha256,
                    table(&["AT (UTC)", "ACTION", "WHO", "WHERE", "WHY"], &rows)
                )
            })
        }
        EvidenceCmd::Fetch { key, evidence } => {
            let bar = progress(Some(0), true, "fetching evidence");
            let mut step = |done: u64, total: Option<u64>| {
                if let Some(t) = total {
                    bar.set_length(t);
                }
                bar.set_position(done);
            };
            match evidence {
                Some(which) => {
                    let e = cb.fetch_evidence(&key, &which, &mut step);
                    bar.finish_and_clear();
                    let e = e?;
                    out.show(&e, || {
                        format!(
                            "{} is on this laptop ({} bytes, SHA-256 verified)\nsha256 {}",
                            e.name, e.size, e.sha256
                        )
                    })
                }
                None => {
                    let n = cb.fetch_incident_evidence(&key, &mut step);
                    bar.finish_and_clear();
                    let n = n?;
                    let left = cb.evidence(&key)?.iter().filter(|e| !e.stored_here).count();
                    let value = serde_json::json!({ "fetched": n, "not_on_server_yet": left });
                    out.show(&value, || {
                        let mut text = format!("Fetched {n} evidence file(s) of {key} (SHA-256 verified).");
                        if left > 0 {
                            text.push_str(&format!("\n{left} file(s) are not on the team server yet; fetch again after their laptop syncs."));
                        }
                        text
                    })
                }
            }
        }
        EvidenceCmd::Extract {
            key,
            evidence,
            output,
        } => {
            let e = cb.extract_evidence(&key, &evidence, &output)?;
            out.show(&e, || {
                format!(
                    "Wrote {} to {} (SHA-256 verified).",
                    e.name,
                    output.display()
                )
            })
        }
    }
}
