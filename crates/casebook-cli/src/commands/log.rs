//! The event log's own checks: refused events, `log verify`, and rebuilding every view from the log.

use casebook_api::Casebook;

use crate::cli::LogCmd;
use crate::output::{progress, table, Out};

pub fn log(cb: &mut Casebook, c: LogCmd, out: &Out) -> anyhow::Result<()> {
    match c {
        LogCmd::Refused { limit } => refused(cb, limit, out),
        LogCmd::Verify => verify(cb, out),
    }
}

fn refused(cb: &Casebook, limit: Option<u32>, out: &Out) -> anyhow::Result<()> {
    let limit = limit.unwrap_or(if out.json { u32::MAX } else { 100 });
    let refused = cb.refused_events(limit)?;
    out.show(&refused, || {
        if refused.is_empty() {
            return "No refused events: everything that arrived from elsewhere was admitted."
                .to_string();
        }
        table(
            &[
                "refused at",
                "kind",
                "incident",
                "author",
                "code",
                "reason",
                "from",
            ],
            &refused
                .iter()
                .map(|r| {
                    vec![
                        r.refused_at.format("%Y-%m-%d %H:%M").to_string(),
                        r.kind.clone(),
                        r.incident.clone().unwrap_or_default(),
                        r.author.clone(),
                        r.code.clone(),
                        r.reason.clone(),
                        r.origin.clone(),
                    ]
                })
                .collect::<Vec<_>>(),
        )
    })
}

fn verify(cb: &mut Casebook, out: &Out) -> anyhow::Result<()> {
    let bar = progress(None, false, "checking events");
    let r = cb.verify_log(&mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    out.show(&r, || {
        let mut text = format!(
            "{} events on {} device(s); database integrity: {}\n",
            r.events,
            r.chains.len(),
            r.integrity_check
        );
        for c in &r.chains {
            let state = if c.broken.is_empty() {
                "intact".to_string()
            } else {
                format!("BROKEN ({})", c.broken.len())
            };
            text.push_str(&format!(
                "device {}: #{}..#{} {} events, {} missing, chain {}; {} signed, {} unsigned (chain only){}\n",
                c.device,
                c.first_seq,
                c.last_seq,
                c.events,
                c.gaps,
                state,
                c.signed,
                c.unsigned,
                if c.unknown_key > 0 {
                    format!(", {} signed by a key not known here", c.unknown_key)
                } else {
                    String::new()
                }
            ));
            for b in &c.broken {
                text.push_str(&format!("  - {b}\n"));
            }
        }
        if r.forks > 0 {
            text.push_str(&format!(
                "{} forked event(s) kept aside (a device restored from a backup?)\n",
                r.forks
            ));
        }
        if r.reused_ids > 0 {
            text.push_str(&format!(
                "{} event(s) reusing an existing id with other content kept aside\n",
                r.reused_ids
            ));
        }
        if r.refused > 0 {
            text.push_str(&format!(
                "{} event(s) from elsewhere refused (`casebook log refused`)\n",
                r.refused
            ));
        }
        if r.clock_ahead > 0 {
            text.push_str(&format!(
                "{} event(s) carry a clock far ahead of when they were received: flagged, never followed\n",
                r.clock_ahead
            ));
        }
        text
    })?;
    if r.ok() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "the event log failed its checks (see above)"
        ))
    }
}

pub fn rebuild(cb: &mut Casebook, out: &Out) -> anyhow::Result<()> {
    let bar = progress(None, false, "re-applying events");
    let r = cb.rebuild(&mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    out.show(&r, || {
        format!(
            "Rebuilt every view from {} events: {}",
            r.events,
            if r.identical {
                "identical to before."
            } else {
                "DIFFERENT from before (the views had drifted; they now follow the log)."
            }
        )
    })
}
