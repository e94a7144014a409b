//! Alerts and their queue: raised alerts (one row per source identity, re-sends counted), their groups, and their
//! triage claims, each rule giving the same rows whatever order the events arrive in.
//!
//! - An alert's facts are those of its raise first in HLC order; a later raise of the same alert only counts.
//! - Groups are runs of alerts with the same rule and key observable whose times are at most
//!   `alert::GROUP_GAP_MICROS` apart, named by their earliest alert: a function of the set of alerts. Adding an alert
//!   only ever extends or joins runs, so an arrival looks at its two neighbours in time and merges at most one group
//!   into another; the rare raise that moves an alert in time regroups its rule and key from scratch.
//! - Triage claims are all kept. The alert shows the earliest promotion or merge by HLC (an incident exists now, so
//!   it wins over any dismissal), else the latest dismissal; the claims that lost to a promotion are conflicts.

use casebook_core::alert::{key_observable, AlertState, NewAlert, GROUP_GAP_MICROS};
use casebook_core::{AlertId, Payload};
use rusqlite::{params, OptionalExtension, Transaction};

use super::{misrouted, At};
use crate::sql::{micros, opt_micros};
use crate::Result;

pub(super) fn apply(at: &At, p: &Payload) -> Result<()> {
    // A case imported for reading may carry a promotion of an alert this replica holds: it must not change it.
    // (Raises and dismissals from unverified devices are refused at admission.)
    if at.rank == crate::trust::RANK_UNVERIFIED {
        return Ok(());
    }
    match p {
        Payload::AlertRaised(a) => raised(at, a),
        Payload::AlertTriaged {
            alerts,
            verdict,
            reason,
        } => {
            for alert in alerts {
                claim(at, *alert, verdict.as_str(), None, reason)?;
            }
            Ok(())
        }
        Payload::AlertPromoted { alert } => claim(at, *alert, "promoted", Some(&at.incident), ""),
        Payload::AlertMerged { alert } => claim(at, *alert, "merged", Some(&at.incident), ""),
        other => Err(misrouted("alerts", other)),
    }
}

fn raised(at: &At, a: &NewAlert) -> Result<()> {
    let tx = at.tx;
    let id = a.alert.to_string();
    let held: Option<(String, String, String, String, i64)> = tx
        .prepare_cached(
            "SELECT raised_hlc, raised_event, rule_key, key_observable, seen_us FROM alerts WHERE id = ?1",
        )?
        .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?;
    let Some((hlc, event, rule_key, key, seen)) = held else {
        write_facts(at, a, true)?;
        place(tx, &id)?;
        return refold(tx, &id);
    };
    tx.prepare_cached("UPDATE alerts SET raises = raises + 1 WHERE id = ?1")?
        .execute([&id])?;
    if (at.hlc.as_str(), at.id.as_str()) > (hlc.as_str(), event.as_str()) {
        return Ok(());
    }
    // This raise comes first in HLC order: its facts are the alert's, wherever they put it.
    write_facts(at, a, false)?;
    if (
        a.rule_key(),
        key_observable(a).as_str(),
        micros(a.seen_at()),
    ) != (rule_key.as_str(), key.as_str(), seen)
    {
        regroup(tx, &rule_key, &key)?;
        regroup(tx, a.rule_key(), &key_observable(a))?;
    } else {
        let group: String = tx
            .prepare_cached("SELECT group_id FROM alerts WHERE id = ?1")?
            .query_row([&id], |r| r.get(0))?;
        recount(tx, &group)?;
    }
    Ok(())
}

fn write_facts(at: &At, a: &NewAlert, new: bool) -> Result<()> {
    let observables = serde_json::to_string(&a.observables)?;
    let sql = if new {
        "INSERT INTO alerts (id, source, source_id, format, rule_key, rule_name, rule_id, key_observable, severity,
         source_severity, event_us, raised_us, received_us, seen_us, title, description, host, user_name, source_ip,
         source_port, destination_ip, destination_port, observables, raised_event, raised_hlc, raised_by, raises,
         group_id, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,
         ?23, ?24, ?25, ?26, 1, ?1, 'new')"
    } else {
        "UPDATE alerts SET source = ?2, source_id = ?3, format = ?4, rule_key = ?5, rule_name = ?6, rule_id = ?7,
         key_observable = ?8, severity = ?9, source_severity = ?10, event_us = ?11, raised_us = ?12,
         received_us = ?13, seen_us = ?14, title = ?15, description = ?16, host = ?17, user_name = ?18,
         source_ip = ?19, source_port = ?20, destination_ip = ?21, destination_port = ?22, observables = ?23,
         raised_event = ?24, raised_hlc = ?25, raised_by = ?26 WHERE id = ?1"
    };
    at.tx.prepare_cached(sql)?.execute(params![
        a.alert.to_string(),
        a.source,
        a.source_id,
        a.format,
        a.rule_key(),
        a.rule_name,
        a.rule_id,
        key_observable(a),
        a.severity.as_str(),
        a.source_severity,
        opt_micros(a.event_time),
        opt_micros(a.raised_at),
        micros(a.received_at),
        micros(a.seen_at()),
        a.title,
        a.description,
        a.host,
        a.user,
        a.source_ip,
        a.source_port,
        a.destination_ip,
        a.destination_port,
        observables,
        at.id,
        at.hlc,
        at.event.body.author.to_string(),
    ])?;
    Ok(())
}

/// Puts a newly held alert into its group: it joins the group of its predecessor in time when that is close enough,
/// and joins its successor's group into its own when that is.
fn place(tx: &Transaction, id: &str) -> Result<()> {
    let (rule, key, seen, state): (String, String, i64, String) = tx
        .prepare_cached(
            "SELECT rule_key, key_observable, seen_us, state FROM alerts WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    let neighbour = |sql: &str| -> Result<Option<(i64, String)>> {
        Ok(tx
            .prepare_cached(sql)?
            .query_row(params![rule, key, seen, id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    };
    let before = neighbour(
        "SELECT seen_us, group_id FROM alerts WHERE rule_key = ?1 AND key_observable = ?2 AND (seen_us, id) < (?3, ?4)
         ORDER BY seen_us DESC, id DESC LIMIT 1",
    )?;
    let after = neighbour(
        "SELECT seen_us, group_id FROM alerts WHERE rule_key = ?1 AND key_observable = ?2 AND (seen_us, id) > (?3, ?4)
         ORDER BY seen_us, id LIMIT 1",
    )?;
    let group = match before {
        Some((t, g)) if seen - t <= GROUP_GAP_MICROS => g,
        _ => id.to_string(),
    };
    tx.prepare_cached("UPDATE alerts SET group_id = ?2 WHERE id = ?1")?
        .execute(params![id, group])?;
    match after {
        Some((t, g)) if t - seen <= GROUP_GAP_MICROS && g != group => {
            tx.prepare_cached("UPDATE alerts SET group_id = ?2 WHERE group_id = ?1")?
                .execute(params![g, group])?;
            tx.prepare_cached("DELETE FROM alert_groups WHERE id = ?1")?
                .execute([&g])?;
            recount(tx, &group)
        }
        _ if group == id => recount(tx, &group),
        // The common case, one more alert in a running group: counted without reading the group's alerts.
        _ => {
            tx.prepare_cached(
                "UPDATE alert_groups SET alerts = alerts + 1, new_alerts = new_alerts + (?2 = 'new'),
                 first_us = min(first_us, ?3), last_us = max(last_us, ?3),
                 severity = min(severity, (SELECT severity FROM alerts WHERE id = ?4)) WHERE id = ?1",
            )?
            .execute(params![group, state, seen, id])?;
            Ok(())
        }
    }
}

/// Assigns every alert of one rule and key observable to its group again, from the start.
fn regroup(tx: &Transaction, rule: &str, key: &str) -> Result<()> {
    let alerts: Vec<(String, i64, String)> = tx
        .prepare_cached(
            "SELECT id, seen_us, group_id FROM alerts WHERE rule_key = ?1 AND key_observable = ?2
             ORDER BY seen_us, id",
        )?
        .query_map([rule, key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut groups: Vec<String> = Vec::new();
    for (_, _, g) in &alerts {
        groups.push(g.clone());
    }
    let mut current: Option<(String, i64)> = None;
    for (id, seen, _) in &alerts {
        let group = match &current {
            Some((g, last)) if seen - last <= GROUP_GAP_MICROS => g.clone(),
            _ => id.clone(),
        };
        tx.prepare_cached("UPDATE alerts SET group_id = ?2 WHERE id = ?1")?
            .execute(params![id, group])?;
        groups.push(group.clone());
        current = Some((group, *seen));
    }
    groups.sort();
    groups.dedup();
    for g in groups {
        recount(tx, &g)?;
    }
    Ok(())
}

/// Writes a group's row from its alerts (or removes it when none are left).
fn recount(tx: &Transaction, group: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM alert_groups WHERE id = ?1")?
        .execute([group])?;
    tx.prepare_cached(
        "INSERT INTO alert_groups (id, rule_key, key_observable, title, rule_name, source, severity, first_us, last_us,
         alerts, new_alerts)
         SELECT f.id, f.rule_key, f.key_observable, f.title, f.rule_name, f.source, min(a.severity), min(a.seen_us),
                max(a.seen_us), count(*), sum(a.state = 'new')
         FROM alerts a JOIN alerts f ON f.id = ?1 WHERE a.group_id = ?1 GROUP BY f.id",
    )?
    .execute([group])?;
    Ok(())
}

/// Records one triage claim and refolds the alert's state.
fn claim(
    at: &At,
    alert: AlertId,
    action: &str,
    incident: Option<&str>,
    reason: &str,
) -> Result<()> {
    let id = alert.to_string();
    at.tx
        .prepare_cached(
            "INSERT OR IGNORE INTO alert_triage (alert_id, event_id, hlc, author, action, incident_id, reason, lost)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
        )?
        .execute(params![
            id,
            at.id,
            at.hlc,
            at.event.body.author.to_string(),
            action,
            incident,
            reason
        ])?;
    refold(at.tx, &id)
}

/// The alert's state from all its claims: the earliest promotion or merge, else the latest dismissal, else new.
fn refold(tx: &Transaction, id: &str) -> Result<()> {
    let claims: Vec<(String, String, String, String, Option<String>, String)> = tx
        .prepare_cached(
            "SELECT event_id, hlc, author, action, incident_id, reason FROM alert_triage WHERE alert_id = ?1
             ORDER BY hlc, event_id",
        )?
        .query_map([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })?
        .collect::<Result<_, _>>()?;
    let promoted = |c: &&(String, String, String, String, Option<String>, String)| {
        matches!(c.3.as_str(), "promoted" | "merged")
    };
    let winner = claims.iter().find(promoted).or(claims.last());
    let incident_won = winner.is_some_and(|w| promoted(&w));
    for c in &claims {
        let lost = incident_won && Some(&c.0) != winner.map(|w| &w.0);
        tx.prepare_cached(
            "UPDATE alert_triage SET lost = ?3 WHERE alert_id = ?1 AND event_id = ?2 AND lost != ?3",
        )?
        .execute(params![id, c.0, lost])?;
    }
    let state = winner.map_or(AlertState::New.as_str(), |w| w.3.as_str());
    let old: Option<(String, String)> = tx
        .prepare_cached("SELECT state, group_id FROM alerts WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    // Claims on an alert not held yet wait in `alert_triage`; its raise refolds them.
    let Some((old_state, group)) = old else {
        return Ok(());
    };
    tx.prepare_cached(
        "UPDATE alerts SET state = ?2, triage_event = ?3, triaged_by = ?4, triaged_hlc = ?5, reason = ?6,
         incident_id = ?7 WHERE id = ?1",
    )?
    .execute(params![
        id,
        state,
        winner.map(|w| &w.0),
        winner.map(|w| &w.2),
        winner.map(|w| &w.1),
        winner.map(|w| &w.5),
        winner.and_then(|w| w.4.as_ref()),
    ])?;
    let delta = i64::from(state == "new") - i64::from(old_state == "new");
    if delta != 0 {
        tx.prepare_cached("UPDATE alert_groups SET new_alerts = new_alerts + ?2 WHERE id = ?1")?
            .execute(params![group, delta])?;
    }
    Ok(())
}
