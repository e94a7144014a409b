//! What the writers write, the readers read back as the same entries, whatever the text holds.

use casebook_import::{
    write_csv, write_jsonl, CsvTimelineWriter, ExportEntry, ExportError, Format, ImportedEntry,
};
use chrono::{DateTime, FixedOffset, Offset as _, Utc};
use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::import;

/// Text that stresses CSV and JSON quoting: separators, quotes, line breaks, and characters beyond ASCII.
fn awkward_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z ,;\"'\\\\\n\r\té€😀\u{2028}]{0,24}",
        Just(String::new()),
        Just("\"".to_owned()),
        Just("\r\n".to_owned()),
    ]
}

fn attribute_name() -> impl Strategy<Value = String> {
    "[a-z_ ,\"\n€]{1,10}".prop_filter("the format's own columns are not attributes", |name| {
        !["message", "datetime", "timestamp", "timestamp_desc"].contains(&name.as_str())
    })
}

/// Times from year 1 to 9998 in whole-minute offsets, so the written local year stays within 0000–9999.
fn datetime() -> impl Strategy<Value = DateTime<FixedOffset>> {
    let micros = -62_135_596_800_000_000i64..253_370_764_800_000_000i64;
    (micros, -1439i32..=1439).prop_map(|(micros, minutes)| {
        let utc = DateTime::from_timestamp_micros(micros).unwrap_or_default();
        let offset = FixedOffset::east_opt(minutes * 60).unwrap_or_else(|| Utc.fix());
        utc.with_timezone(&offset)
    })
}

fn entry(attribute_value: impl Strategy<Value = Value>) -> impl Strategy<Value = ExportEntry> {
    (
        datetime(),
        awkward_text(),
        awkward_text(),
        prop::collection::vec((attribute_name(), attribute_value), 0..4),
    )
        .prop_map(
            |(datetime, timestamp_desc, message, attributes)| ExportEntry {
                datetime,
                timestamp_desc,
                message,
                attributes: attributes.into_iter().collect(),
            },
        )
}

/// CSV keeps strings, and an empty cell means "no attribute", so CSV attributes are non-empty text.
fn csv_value() -> impl Strategy<Value = Value> {
    awkward_text()
        .prop_filter("empty cells are dropped", |text| !text.is_empty())
        .prop_map(Value::String)
}

/// JSONL keeps JSON types. Floats are left out: serde_json does not promise to read every float back bit for bit.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        awkward_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z\"]{0,5}", inner), 0..4)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The checks shared by both formats: the reader gives back exactly what was exported.
fn assert_read_back(written: &[ExportEntry], read: &[ImportedEntry]) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        read.len(),
        written.len(),
        "every written entry is read back, none merged or split"
    );
    for (index, (exported, imported)) in written.iter().zip(read).enumerate() {
        prop_assert_eq!(imported.row, index as u64 + 1);
        prop_assert_eq!(
            imported.event_time,
            exported.datetime.with_timezone(&Utc),
            "the instant, to the µs"
        );
        let offset = exported.datetime.offset().local_minus_utc();
        let zone = format!(
            "{}{:02}:{:02}",
            if offset < 0 { '-' } else { '+' },
            offset.abs() / 3600,
            offset.abs() / 60 % 60
        );
        prop_assert_eq!(
            imported.time_zone.as_deref(),
            Some(zone.as_str()),
            "the source's offset"
        );
        prop_assert_eq!(&imported.message, &exported.message);
        prop_assert_eq!(&imported.timestamp_desc, &exported.timestamp_desc);
        prop_assert_eq!(&imported.attributes, &exported.attributes);
        // chrono's `==` on DateTime compares instants only, so the offset is checked on its own as well.
        let again = ExportEntry::from(imported.clone());
        prop_assert_eq!(
            again.datetime.offset(),
            exported.datetime.offset(),
            "converting back restores the zone"
        );
        prop_assert_eq!(
            &again,
            exported,
            "read, then converted back, the entry is the one exported"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn csv_export_reads_back_identically(entries in prop::collection::vec(entry(csv_value()), 1..6)) {
        let mut out = Vec::new();
        prop_assert!(write_csv(&entries, &mut out).is_ok());
        let read = import(&out, Format::Csv);
        prop_assert!(read.is_ok(), "the export must import: {:?}\n{}", read, String::from_utf8_lossy(&out));
        assert_read_back(&entries, &read.unwrap_or_default())?;
    }

    #[test]
    fn jsonl_export_reads_back_identically(entries in prop::collection::vec(entry(json_value()), 1..6)) {
        let mut out = Vec::new();
        prop_assert!(write_jsonl(&entries, &mut out).is_ok());
        let read = import(&out, Format::Jsonl);
        prop_assert!(read.is_ok(), "the export must import: {:?}\n{}", read, String::from_utf8_lossy(&out));
        assert_read_back(&entries, &read.unwrap_or_default())?;
    }
}

fn sample(attributes: Value) -> ExportEntry {
    let datetime =
        DateTime::parse_from_rfc3339("2024-07-24T12:57:02.877297+02:00").unwrap_or_default();
    let attributes = match attributes {
        Value::Object(attributes) => attributes,
        other => panic!("attributes must be an object, got {other}"),
    };
    ExportEntry {
        datetime,
        timestamp_desc: "Write time".into(),
        message: "m".into(),
        attributes,
    }
}

#[test]
fn the_csv_looks_like_a_plaso_export() {
    let mut out = Vec::new();
    let written = write_csv(
        &[sample(serde_json::json!({"host": "wks-1", "count": 3}))],
        &mut out,
    );
    assert!(written.is_ok(), "{written:?}");
    assert_eq!(
        String::from_utf8_lossy(&out),
        "message,datetime,timestamp,timestamp_desc,host,count\n\
         m,2024-07-24T12:57:02.877297+02:00,1721818622877297,Write time,wks-1,3\n",
        "format columns first, the offset kept, timestamp in microseconds, non-string attributes as JSON text"
    );
}

#[test]
fn the_jsonl_keeps_types_and_field_order() {
    let mut out = Vec::new();
    let written = write_jsonl(&[sample(serde_json::json!({"count": 3}))], &mut out);
    assert!(written.is_ok(), "{written:?}");
    assert_eq!(
        String::from_utf8_lossy(&out),
        "{\"message\":\"m\",\"datetime\":\"2024-07-24T12:57:02.877297+02:00\",\"timestamp\":1721818622877297,\
         \"timestamp_desc\":\"Write time\",\"count\":3}\n"
    );
}

#[test]
fn writers_refuse_what_could_not_be_read_back() {
    let reserved = sample(serde_json::json!({"timestamp": "1"}));
    let refused = write_csv(std::slice::from_ref(&reserved), Vec::new());
    assert!(
        matches!(refused, Err(ExportError::ReservedAttribute { name }) if name == "timestamp"),
        "an attribute named like a format column would be confused with it"
    );
    assert!(matches!(
        write_jsonl(&[reserved], Vec::new()),
        Err(ExportError::ReservedAttribute { .. })
    ));

    let mut far = sample(serde_json::json!({}));
    far.datetime = DateTime::from_timestamp_micros(253_402_300_800_000_000)
        .unwrap_or_default()
        .fixed_offset();
    assert!(
        matches!(
            write_jsonl(&[far], Vec::new()),
            Err(ExportError::YearOutOfRange { .. })
        ),
        "year 10000"
    );

    let writer = CsvTimelineWriter::new(Vec::new(), vec!["host".into()]);
    let Ok(mut writer) = writer else {
        panic!("a plain column list is accepted")
    };
    let unknown = writer.write(&sample(serde_json::json!({"user": "x"})));
    assert!(
        matches!(unknown, Err(ExportError::UnknownAttribute { name }) if name == "user"),
        "a streaming CSV writer cannot add a column after the header"
    );
    assert!(matches!(
        CsvTimelineWriter::new(Vec::new(), vec!["a".into(), "a".into()]),
        Err(ExportError::DuplicateAttribute { .. })
    ));
}
