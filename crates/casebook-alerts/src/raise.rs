//! A parsed alert as the core's `NewAlert`, the payload of an `AlertRaised` event: one mapping for every place that
//! raises alerts (an import on a laptop, a SIEM's post to the team server), so both raise the same alert alike.

use casebook_core::alert::{alert_id, AlertObservable, NewAlert};
use chrono::{DateTime, Utc};

use crate::ParsedAlert;

impl ParsedAlert {
    /// The alert to raise, received at `received_at` (by the importing laptop's or the server's clock). Its id is
    /// derived from the source and the source's id, so the same alert raised twice is one alert.
    pub fn into_new_alert(self, received_at: DateTime<Utc>) -> NewAlert {
        NewAlert {
            alert: alert_id(&self.source_tool, &self.source_id),
            source: self.source_tool,
            source_id: self.source_id,
            format: self.format.as_str().to_string(),
            rule_name: self.rule_name,
            rule_id: self.rule_id,
            severity: self.severity,
            source_severity: self.source_severity,
            event_time: self.event_time,
            raised_at: self.raised_time,
            received_at,
            title: self.title,
            description: self.description.unwrap_or_default(),
            host: self.host,
            user: self.user,
            source_ip: self.source_ip,
            source_port: self.source_port,
            destination_ip: self.destination_ip,
            destination_port: self.destination_port,
            observables: self
                .observables
                .into_iter()
                .map(|o| AlertObservable {
                    kind: o.kind,
                    value: o.value,
                })
                .collect(),
            raw: self.raw,
        }
    }
}

#[cfg(test)]
mod tests {
    use casebook_core::admission::limits::SHORT_TEXT;

    use super::*;

    #[test]
    fn the_raised_alert_keeps_every_fact_and_its_id_is_the_sources() {
        let input = r#"{"title": "Beacon <script>alert(1)</script>", "time": "2024-03-15T14:23:45Z",
            "severity": "high", "rule": {"id": "R-12", "name": "C2 beacon"}, "source": "zeek", "source_id": "a1b2",
            "host": "ws-042", "observables": ["evil.example"]}"#;
        let parsed = crate::read_alerts(input.as_bytes(), None)
            .unwrap()
            .remove(0);
        let raw = parsed.raw.clone();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let a = parsed.into_new_alert(at);
        assert_eq!(a.alert, alert_id("zeek", "a1b2"));
        assert_eq!(
            (a.rule_id.as_deref(), a.host.as_deref(), a.received_at),
            (Some("R-12"), Some("ws-042"), at)
        );
        assert_eq!(
            a.title, "Beacon <script>alert(1)</script>",
            "a title is kept as text, markup and all"
        );
        assert_eq!(a.raw, raw, "the raw document is kept byte for byte");
        assert_eq!(a.observables.len(), 1);
        assert!(a.title.len() < SHORT_TEXT);
    }
}
