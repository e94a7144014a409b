//! One mapping per source, from its own field names to a [`ParsedAlert`]. Each reads only what the source documents;
//! every other field stays in the raw payload.

use casebook_core::model::{ObservableKind, Severity};
use serde_json::Value;

use crate::error::AlertError;
use crate::fields::{Doc, Observables};
use crate::{Format, ParsedAlert};

/// What an adapter fills in; the caller adds the raw bytes, the position and the fallback source id.
pub(crate) struct Mapped {
    pub source_tool: String,
    pub source_id: Option<String>,
    pub rule_name: Option<String>,
    pub rule_id: Option<String>,
    pub severity: Severity,
    pub source_severity: Option<String>,
    pub event_time: Option<chrono::DateTime<chrono::Utc>>,
    pub raised_time: Option<chrono::DateTime<chrono::Utc>>,
    pub title: String,
    pub description: Option<String>,
    pub host: Option<String>,
    pub user: Option<String>,
    pub source_ip: Option<String>,
    pub source_port: Option<u16>,
    pub destination_ip: Option<String>,
    pub destination_port: Option<u16>,
    pub observables: Observables,
}

impl Mapped {
    pub fn into_alert(
        self,
        format: Format,
        at: crate::Position,
        raw: &str,
        digest: String,
    ) -> ParsedAlert {
        let (source_id, source_id_is_digest) = match self.source_id {
            Some(id) => (id, false),
            None => (digest, true),
        };
        ParsedAlert {
            position: at,
            format,
            source_tool: self.source_tool,
            source_id,
            source_id_is_digest,
            rule_name: self.rule_name,
            rule_id: self.rule_id,
            severity: self.severity,
            source_severity: self.source_severity,
            event_time: self.event_time,
            raised_time: self.raised_time,
            title: self.title,
            description: self.description,
            host: self.host,
            user: self.user,
            source_ip: self.source_ip,
            source_port: self.source_port,
            destination_ip: self.destination_ip,
            destination_port: self.destination_port,
            observables: self.observables.into_vec(),
            raw: raw.to_string(),
        }
    }
}

/// Wazuh's `alerts.json`: `rule.level` is 0 to 15; 12 and above are the "high importance" levels of Wazuh's ruleset.
pub(crate) fn wazuh(doc: &Doc) -> Result<Mapped, AlertError> {
    let level_text = doc.required_text("rule.level")?;
    let level: u8 = level_text
        .parse()
        .ok()
        .filter(|l| *l <= 15)
        .ok_or_else(|| {
            doc.error(
                "rule.level",
                format!("`{level_text}` is not a Wazuh level (0 to 15)"),
            )
        })?;
    let severity = match level {
        12..=15 => Severity::Sev1,
        8..=11 => Severity::Sev2,
        4..=7 => Severity::Sev3,
        _ => Severity::Sev4,
    };
    let rule_name = doc.text("rule.description");
    let user = doc
        .text("data.dstuser")
        .or_else(|| doc.text("data.srcuser"));
    let source_ip = doc.text("data.srcip");
    let destination_ip = doc.text("data.dstip");
    let mut observables = Observables::default();
    observables.ip(source_ip.clone());
    observables.ip(destination_ip.clone());
    observables.add(ObservableKind::Account, doc.text("data.srcuser"));
    observables.add(ObservableKind::Account, doc.text("data.dstuser"));
    observables.add(ObservableKind::FileName, doc.text("syscheck.path"));
    observables.add(ObservableKind::Md5, doc.text("syscheck.md5_after"));
    observables.add(ObservableKind::Sha1, doc.text("syscheck.sha1_after"));
    observables.add(ObservableKind::Sha256, doc.text("syscheck.sha256_after"));
    observables.add(ObservableKind::Url, doc.text("data.url"));
    Ok(Mapped {
        source_tool: "wazuh".into(),
        source_id: doc.text("id"),
        title: rule_name
            .clone()
            .unwrap_or_else(|| format!("Wazuh rule {level_text}")),
        rule_name,
        rule_id: doc.text("rule.id"),
        severity,
        source_severity: Some(format!("level {level}")),
        event_time: Some(doc.required_time("timestamp")?),
        raised_time: None,
        description: doc.text("full_log"),
        host: doc
            .text("agent.name")
            .or_else(|| doc.text("predecoder.hostname")),
        user,
        source_port: doc.port("data.srcport")?,
        destination_port: doc.port("data.dstport")?,
        source_ip,
        destination_ip,
        observables,
    })
}

/// Elastic Security detection alerts (`kibana.alert.*`, 8.x) and the legacy `signal.*` documents (7.x).
pub(crate) fn elastic(doc: &Doc) -> Result<Mapped, AlertError> {
    let legacy = !doc.has("kibana.alert.rule.name") && doc.has("signal.rule");
    let field = |modern: &'static str, old: &'static str| if legacy { old } else { modern };
    let rule_name_field = field("kibana.alert.rule.name", "signal.rule.name");
    let rule_name = doc.required_text(rule_name_field)?;
    let severity_field = field("kibana.alert.severity", "signal.rule.severity");
    let source_severity = doc.required_text(severity_field)?;
    let severity = match source_severity.to_ascii_lowercase().as_str() {
        "critical" => Severity::Sev1,
        "high" => Severity::Sev2,
        "medium" => Severity::Sev3,
        "low" => Severity::Sev4,
        other => {
            return Err(doc.error(
                severity_field,
                format!("`{other}` is not an Elastic severity (low, medium, high or critical)"),
            ))
        }
    };
    let event_time = match doc.time(field("kibana.alert.original_time", "signal.original_time"))? {
        Some(time) => time,
        None => doc.required_time("@timestamp")?,
    };
    let source_ip = doc.text("source.ip");
    let destination_ip = doc.text("destination.ip");
    let user = doc.text("user.name");
    let mut observables = Observables::default();
    observables.ip(source_ip.clone());
    observables.ip(destination_ip.clone());
    observables.add(ObservableKind::Account, user.clone());
    if let Some(Value::Array(ips)) = doc.get("host.ip") {
        for ip in ips {
            observables.ip(ip.as_str().map(str::to_string));
        }
    } else {
        observables.ip(doc.text("host.ip"));
    }
    observables.add(ObservableKind::Domain, doc.text("dns.question.name"));
    observables.add(ObservableKind::Domain, doc.text("destination.domain"));
    observables.add(ObservableKind::Url, doc.text("url.full"));
    observables.add(ObservableKind::FileName, doc.text("file.name"));
    observables.add(ObservableKind::Md5, doc.text("file.hash.md5"));
    observables.add(ObservableKind::Sha1, doc.text("file.hash.sha1"));
    observables.add(ObservableKind::Sha256, doc.text("file.hash.sha256"));
    observables.add(ObservableKind::Sha256, doc.text("process.hash.sha256"));
    Ok(Mapped {
        source_tool: "elastic".into(),
        source_id: doc.text(field("kibana.alert.uuid", "_id")),
        title: rule_name.clone(),
        rule_name: Some(rule_name),
        rule_id: doc
            .text(field("kibana.alert.rule.rule_id", "signal.rule.rule_id"))
            .or_else(|| doc.text(field("kibana.alert.rule.uuid", "signal.rule.id"))),
        severity,
        source_severity: Some(source_severity),
        event_time: Some(event_time),
        raised_time: doc.time("@timestamp")?,
        description: doc
            .text(field("kibana.alert.reason", "signal.reason"))
            .or_else(|| {
                doc.text(field(
                    "kibana.alert.rule.description",
                    "signal.rule.description",
                ))
            }),
        host: doc.text("host.name").or_else(|| doc.text("host.hostname")),
        user,
        source_port: doc.port("source.port")?,
        destination_port: doc.port("destination.port")?,
        source_ip,
        destination_ip,
        observables,
    })
}

/// Splunk's webhook alert action: the saved search's name and job id, and the first result row as `result`. The body
/// carries no severity, so every Splunk alert starts at sev3 for tier 1 to adjust.
pub(crate) fn splunk(doc: &Doc) -> Result<Mapped, AlertError> {
    let search_name = doc.required_text("search_name")?;
    let event_time = match doc.text("result._time") {
        None => None,
        Some(text) => Some(splunk_time(&text).ok_or_else(|| {
            doc.error(
                "result._time",
                format!("`{text}` is neither seconds since 1970 nor a date and time"),
            )
        })?),
    };
    let source_ip = doc.text("result.src_ip").or_else(|| doc.text("result.src"));
    let destination_ip = doc
        .text("result.dest_ip")
        .or_else(|| doc.text("result.dest"));
    let user = doc.text("result.user");
    let mut observables = Observables::default();
    observables.ip(source_ip.clone());
    observables.ip(destination_ip.clone());
    observables.add(ObservableKind::Account, user.clone());
    observables.add(ObservableKind::Url, doc.text("result.url"));
    observables.add(ObservableKind::FileName, doc.text("result.file_name"));
    observables.add(ObservableKind::Sha256, doc.text("result.file_hash"));
    Ok(Mapped {
        source_tool: "splunk".into(),
        source_id: doc.text("sid"),
        title: search_name.clone(),
        rule_name: Some(search_name.clone()),
        rule_id: Some(search_name),
        severity: Severity::Sev3,
        source_severity: None,
        event_time,
        raised_time: None,
        description: doc.text("result._raw"),
        host: doc.text("result.host"),
        user,
        source_port: None,
        destination_port: None,
        source_ip,
        destination_ip,
        observables,
    })
}

fn splunk_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(seconds) = text.parse::<f64>() {
        let micros = (seconds * 1_000_000.0).round();
        return (micros.is_finite() && micros.abs() < 1e17)
            .then(|| chrono::DateTime::from_timestamp_micros(micros as i64))
            .flatten();
    }
    crate::fields::parse_time(text)
}

/// Suricata's EVE JSON. Only `alert` events are alerts; EVE has no alert id, so the raw bytes' digest stands in.
/// Suricata's priority 1 is its highest ("high"), so it maps like Elastic's high: 1 → sev2, 2 → sev3, 3 and 4 → sev4.
pub(crate) fn suricata(doc: &Doc) -> Result<Mapped, AlertError> {
    let event_type = doc.required_text("event_type")?;
    if event_type != "alert" {
        return Err(doc.error(
            "event_type",
            format!(
                "`{event_type}` is not an alert; keep only the lines with \"event_type\":\"alert\""
            ),
        ));
    }
    let signature = doc.required_text("alert.signature")?;
    let priority = doc.required_text("alert.severity")?;
    let severity = match priority.as_str() {
        "1" => Severity::Sev2,
        "2" => Severity::Sev3,
        "3" | "4" => Severity::Sev4,
        other => {
            return Err(doc.error(
                "alert.severity",
                format!("`{other}` is not a Suricata priority (1 to 4)"),
            ))
        }
    };
    let source_ip = doc.text("src_ip");
    let destination_ip = doc.text("dest_ip");
    let mut observables = Observables::default();
    observables.ip(source_ip.clone());
    observables.ip(destination_ip.clone());
    observables.add(ObservableKind::Domain, doc.text("tls.sni"));
    observables.add(ObservableKind::Domain, doc.text("http.hostname"));
    observables.add(ObservableKind::Domain, doc.text("dns.query.rrname"));
    observables.add(ObservableKind::FileName, doc.text("fileinfo.filename"));
    observables.add(ObservableKind::Md5, doc.text("fileinfo.md5"));
    observables.add(ObservableKind::Sha256, doc.text("fileinfo.sha256"));
    Ok(Mapped {
        source_tool: "suricata".into(),
        source_id: None,
        title: signature.clone(),
        rule_name: Some(signature),
        rule_id: doc.text("alert.signature_id"),
        severity,
        source_severity: Some(priority),
        event_time: Some(doc.required_time("timestamp")?),
        raised_time: None,
        description: doc.text("alert.category"),
        host: doc.text("host"),
        user: None,
        source_port: doc.port("src_port")?,
        destination_port: doc.port("dest_port")?,
        source_ip,
        destination_ip,
        observables,
    })
}
