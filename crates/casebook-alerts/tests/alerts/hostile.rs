//! Broken, oversize and hostile input: a clear error naming the document and field, and no alert at all.

use casebook_alerts::{
    read_alerts, read_alerts_with, AlertError, Format, Limits, Position, MAX_DOCUMENT_BYTES,
};
use casebook_core::model::Severity;

const GOOD: &str = r#"{"title": "Beacon", "time": "2024-03-15T14:23:45Z", "severity": "high"}"#;

fn fails(input: &[u8]) -> AlertError {
    match read_alerts(input, None) {
        Ok(alerts) => panic!("expected an error, got {} alerts", alerts.len()),
        Err(e) => e,
    }
}

#[test]
fn a_script_tag_in_a_title_survives_as_plain_text() {
    let title = r#"<script>alert("x")</script> & <b>bold</b>"#;
    let doc = serde_json::json!({"title": title, "time": "2024-03-15T14:23:45Z"}).to_string();
    let alerts = read_alerts(doc.as_bytes(), None).expect("a hostile title is still a title");
    assert_eq!(alerts[0].title, title, "neither escaped nor stripped");
    assert_eq!(alerts[0].raw, doc);
}

#[test]
fn a_10_mb_field_is_refused_by_the_per_document_cap() {
    let doc = format!(
        r#"{{"title": "big", "time": "2024-03-15T14:23:45Z", "description": "{}"}}"#,
        "A".repeat(10 << 20)
    );
    let input = format!("{GOOD}\n{doc}\n");
    let error = fails(input.as_bytes());
    assert!(
        matches!(error, AlertError::DocumentTooLarge { at: Position::Line(2), limit } if limit == MAX_DOCUMENT_BYTES),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("line 2: the alert is larger than 1048576 bytes"),
        "{error}"
    );
}

#[test]
fn input_past_the_total_cap_is_refused_before_parsing() {
    let limits = Limits {
        max_input_bytes: 100,
        ..Limits::default()
    };
    let input = format!("{GOOD}\n{GOOD}\n");
    let error = read_alerts_with(input.as_bytes(), None, limits).expect_err("over the cap");
    assert!(
        matches!(error, AlertError::InputTooLarge { limit: 100 }),
        "{error:?}"
    );
    assert!(
        read_alerts_with(GOOD.as_bytes(), None, limits).is_ok(),
        "under the cap reads"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!(
        r#"{{"title": "t", "time": "2024-03-15T14:23:45Z", "x": {}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let error = fails(deep.as_bytes());
    assert!(
        matches!(
            error,
            AlertError::TooDeep {
                at: Position::Line(1),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("nested deeper than 100 levels"),
        "{error}"
    );
    let shallow = format!(
        r#"{{"title": "t", "time": "2024-03-15T14:23:45Z", "x": {}{}}}"#,
        "[".repeat(90),
        "]".repeat(90)
    );
    assert!(
        read_alerts(shallow.as_bytes(), None).is_ok(),
        "90 levels are fine"
    );
}

#[test]
fn malformed_json_names_its_line() {
    let input = format!("{GOOD}\n\n{{\"title\": \"x\", \"time\": }}\n{GOOD}\n");
    let error = fails(input.as_bytes());
    assert!(
        matches!(
            error,
            AlertError::Json {
                at: Position::Line(3),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with("line 3: not valid JSON"),
        "{error}"
    );
}

#[test]
fn json_lines_with_a_bad_line_in_the_middle_give_nothing_and_name_the_line_and_field() {
    let bad = r#"{"title": "Beacon", "time": "yesterday"}"#;
    let input = format!("{GOOD}\n{GOOD}\n{bad}\n{GOOD}\n");
    let error = fails(input.as_bytes());
    assert_eq!(error.position(), Some(Position::Line(3)));
    assert_eq!(error.field(), Some("time"));
    assert!(
        error
            .to_string()
            .contains("`yesterday` is not a date and time"),
        "{error}"
    );
}

#[test]
fn an_array_element_is_named_by_its_index() {
    let input = format!(
        r#"[{GOOD}, {GOOD}, {{"title": "x", "time": "2024-03-15T14:23:45Z", "severity": "apocalyptic"}}]"#
    );
    let error = fails(input.as_bytes());
    assert_eq!(error.position(), Some(Position::Index(3)));
    assert_eq!(error.field(), Some("severity"));
    let ok =
        read_alerts(format!("[{GOOD},\n{GOOD}]").as_bytes(), None).expect("an array of alerts");
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[1].position, Position::Index(2));
    assert_eq!(ok[1].severity, Severity::Sev2, "high is sev2");
    assert_eq!(ok[1].raw, GOOD, "an element's raw bytes are its own");
}

#[test]
fn an_unknown_document_says_what_each_format_needs() {
    let error = fails(br#"{"hello": "world"}"#);
    assert!(
        matches!(
            error,
            AlertError::UnknownFormat {
                at: Position::Line(1),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("Wazuh `rule.level`"), "{error}");
}

#[test]
fn a_document_with_two_formats_fields_is_refused_as_ambiguous() {
    let mixed = r#"{"search_name": "s", "result": {}, "event_type": "alert", "alert": {"signature_id": 1}}"#;
    let error = fails(mixed.as_bytes());
    assert!(
        error
            .to_string()
            .contains("more than one format (splunk, suricata)"),
        "{error}"
    );
}

#[test]
fn a_suricata_event_that_is_not_an_alert_is_refused_with_its_type() {
    let flow = r#"{"timestamp":"2018-07-05T15:51:54.001329-0400","event_type":"flow","src_ip":"10.0.0.1"}"#;
    let error = fails(flow.as_bytes());
    assert_eq!(error.field(), Some("event_type"));
    assert!(
        error.to_string().contains("`flow` is not an alert"),
        "{error}"
    );
}

#[test]
fn generic_observables_are_normalised_and_an_invalid_one_names_its_element() {
    let doc = r#"{"title": "t", "time": "2024-03-15T14:23:45+02:00", "rule": "R1",
        "observables": ["Evil[.]Example", {"type": "ipv4", "value": "203.0.113.7"}]}"#;
    let alerts = read_alerts(doc.as_bytes(), Some(Format::Generic)).expect("generic");
    let values: Vec<&str> = alerts[0]
        .observables
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(values, ["evil.example", "203.0.113.7"]);
    assert_eq!(alerts[0].rule_name.as_deref(), Some("R1"));
    assert!(alerts[0].source_id_is_digest, "no source_id given");
    let bad = r#"{"title": "t", "time": "2024-03-15T14:23:45Z", "observables": ["a.example", {"type": "ipv4", "value": "300.1.1.1"}]}"#;
    let error = fails(bad.as_bytes());
    assert_eq!(error.field(), Some("observables[1]"));
}

#[test]
fn empty_non_object_and_non_utf8_input_are_refused() {
    assert!(matches!(fails(b" \n\t\n"), AlertError::Empty));
    assert!(matches!(fails(b"[]"), AlertError::Empty));
    assert!(matches!(
        fails(b"42"),
        AlertError::NotAnObject {
            found: "a number",
            ..
        }
    ));
    let error = fails(b"{\"title\": \"\xff\"}");
    assert!(
        matches!(
            error,
            AlertError::InvalidUtf8 {
                at: Position::Line(1)
            }
        ),
        "{error:?}"
    );
}
