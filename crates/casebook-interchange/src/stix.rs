//! STIX 2.1 bundles: writing a case's observables as indicators, cyber-observable objects, a report and TLP 2.0
//! markings; reading indicators and cyber-observable objects back as observables.
//!
//! Reading is strict where a silent guess would lose an indicator: an indicator whose pattern is not valid STIX, or
//! compares anything but `= 'string'` on a path Casebook has a type for, fails the whole file with the object's id.
//! Objects that are not observables (identities, relationships, malware, …), cyber-observables Casebook has no type
//! for (`mac-addr`, `process`, …) and custom `x-` objects are passed over and counted. An object of a type STIX does
//! not define is refused: the file is not what it claims to be.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use casebook_core::model::{ObservableKind, Tlp};
use chrono::{DateTime, Utc};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{json, Map, Value};

use crate::pattern::{self, Comparison, Literal};
use crate::{
    ids, tlp, CaseObservables, ExportError, Location, ReadError, ReadObservable, ReadOutcome,
    WriteSummary, MAX_NOTE_BYTES, MAX_OBSERVABLES, MAX_PATTERN_BYTES, MAX_VALUE_BYTES,
};

/// How an observable kind looks in STIX: its cyber-observable type, the property path of its value, and its
/// id-contributing properties.
struct Shape {
    sco_type: &'static str,
    path: &'static [&'static str],
    properties: Value,
}

fn shape(kind: ObservableKind, value: &str) -> Option<Shape> {
    let (sco_type, path): (&str, &[&str]) = match kind {
        ObservableKind::Ipv4 => ("ipv4-addr", &["value"]),
        ObservableKind::Ipv6 => ("ipv6-addr", &["value"]),
        ObservableKind::Domain => ("domain-name", &["value"]),
        ObservableKind::Url => ("url", &["value"]),
        ObservableKind::Email => ("email-addr", &["value"]),
        ObservableKind::Md5 => ("file", &["hashes", "MD5"]),
        ObservableKind::Sha1 => ("file", &["hashes", "SHA-1"]),
        ObservableKind::Sha256 => ("file", &["hashes", "SHA-256"]),
        ObservableKind::FileName => ("file", &["name"]),
        ObservableKind::Account => ("user-account", &["account_login"]),
        ObservableKind::RegistryKey => ("windows-registry-key", &["key"]),
        ObservableKind::Other => return None,
    };
    let properties = match path {
        [one] => json!({ *one: value }),
        [outer, inner] => json!({ *outer: { *inner: value } }),
        _ => unreachable!("paths have one or two steps"),
    };
    Some(Shape {
        sco_type,
        path,
        properties,
    })
}

/// The kind a pattern's path or an object's property stands for.
fn kind_of(object_type: &str, path: &[String]) -> Option<ObservableKind> {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    Some(match (object_type, path.as_slice()) {
        ("ipv4-addr", ["value"]) => ObservableKind::Ipv4,
        ("ipv6-addr", ["value"]) => ObservableKind::Ipv6,
        ("domain-name", ["value"]) => ObservableKind::Domain,
        ("url", ["value"]) => ObservableKind::Url,
        ("email-addr", ["value"]) => ObservableKind::Email,
        ("file", ["hashes", algorithm]) => hash_kind(algorithm)?,
        ("file", ["name"]) => ObservableKind::FileName,
        ("user-account", ["account_login" | "user_id"]) => ObservableKind::Account,
        ("windows-registry-key", ["key"]) => ObservableKind::RegistryKey,
        _ => return None,
    })
}

fn hash_kind(algorithm: &str) -> Option<ObservableKind> {
    match algorithm.to_ascii_uppercase().replace('-', "").as_str() {
        "MD5" => Some(ObservableKind::Md5),
        "SHA1" => Some(ObservableKind::Sha1),
        "SHA256" => Some(ObservableKind::Sha256),
        _ => None,
    }
}

/// A STIX timestamp: UTC, to the millisecond, as the specification asks of `created` and `modified`.
fn timestamp(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Writes a bundle's objects one a line as they are made, so an export never holds the whole document: indicators
/// and each incident's report first, then the cyber-observables (kept until the end, since several incidents may
/// share one), then the markings used. Order inside a bundle carries no meaning in STIX.
struct Objects<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> Objects<W> {
    fn start(mut out: W, bundle_id: &str) -> Result<Self, ExportError> {
        write!(
            out,
            "{{\"type\": \"bundle\", \"id\": \"{bundle_id}\", \"objects\": ["
        )?;
        Ok(Objects { out, first: true })
    }

    fn push(&mut self, object: &Value) -> Result<(), ExportError> {
        self.out
            .write_all(if self.first { b"\n  " } else { b",\n  " })?;
        self.first = false;
        serde_json::to_writer(&mut self.out, object)?;
        Ok(())
    }

    fn finish(mut self) -> Result<(), ExportError> {
        self.out.write_all(b"\n]}\n")?;
        Ok(())
    }
}

/// Writes one bundle holding every case given.
pub(crate) fn write(
    cases: &[CaseObservables],
    out: impl Write,
) -> Result<WriteSummary, ExportError> {
    let case_ids: Vec<String> = cases.iter().map(|c| c.case.id.to_string()).collect();
    let bundle_id = uuid::Uuid::new_v5(&ids::CASEBOOK_NAMESPACE, case_ids.join(",").as_bytes());
    let mut objects = Objects::start(out, &format!("bundle--{bundle_id}"))?;
    let mut summary = WriteSummary::default();
    let mut markings: BTreeMap<u8, Tlp> = BTreeMap::new();
    // A cyber-observable is one object however many incidents hold it; the strictest marking wins.
    let mut scos: BTreeMap<String, (Value, Tlp)> = BTreeMap::new();
    for c in cases {
        let mut refs: Vec<String> = Vec::new();
        // The same value added twice by hand is one STIX object, referred to once; a set keeps that check linear
        // (searching the list made an export of 100,000 observables take minutes).
        let mut in_report: HashSet<String> = HashSet::new();
        for o in &c.observables {
            let Some(shape) = shape(o.kind, &o.value) else {
                summary.left_out += 1;
                continue;
            };
            markings.insert(tlp::strictness(o.tlp), o.tlp);
            summary.written += 1;
            if o.ioc {
                let id = format!("indicator--{}", ids::ours("indicator", &o.id.0));
                let mut ind = json!({
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": id,
                    "created": timestamp(&o.added_at),
                    "modified": timestamp(&o.added_at),
                    "name": o.value,
                    "indicator_types": ["malicious-activity"],
                    "pattern": pattern::equality(shape.sco_type, shape.path, &o.value),
                    "pattern_type": "stix",
                    "pattern_version": "2.1",
                    "valid_from": timestamp(&o.first_seen.unwrap_or(o.added_at)),
                    "object_marking_refs": [tlp::marking_id(o.tlp)],
                });
                if !o.note.is_empty() {
                    ind["description"] = Value::String(o.note.clone());
                }
                refs.push(id);
                objects.push(&ind)?;
            } else {
                let id = ids::sco(shape.sco_type, &shape.properties);
                let entry = scos.entry(id.clone()).or_insert_with(|| {
                    let mut sco = json!({"type": shape.sco_type, "spec_version": "2.1", "id": id});
                    if let (Some(obj), Value::Object(props)) =
                        (sco.as_object_mut(), shape.properties)
                    {
                        obj.extend(props);
                    }
                    (sco, o.tlp)
                });
                if tlp::strictness(o.tlp) > tlp::strictness(entry.1) {
                    entry.1 = o.tlp;
                }
                if in_report.insert(id.clone()) {
                    refs.push(id);
                }
            }
        }
        if refs.is_empty() {
            continue;
        }
        markings.insert(tlp::strictness(c.case.tlp), c.case.tlp);
        let modified = c.case.modified.max(c.case.created);
        let mut report = json!({
            "type": "report",
            "spec_version": "2.1",
            "id": format!("report--{}", ids::ours("report", &c.case.id.0)),
            "created": timestamp(&c.case.created),
            "modified": timestamp(&modified),
            "name": format!("{}: {}", c.case.key, c.case.title),
            "report_types": ["threat-report"],
            "published": timestamp(&modified),
            "object_refs": refs,
            "object_marking_refs": [tlp::marking_id(c.case.tlp)],
            "external_references": [{"source_name": "casebook", "external_id": c.case.key}],
        });
        if !c.case.summary.is_empty() {
            report["description"] = Value::String(c.case.summary.clone());
        }
        objects.push(&report)?;
    }
    for (_, (mut sco, t)) in scos {
        sco["object_marking_refs"] = json!([tlp::marking_id(t)]);
        objects.push(&sco)?;
    }
    for t in markings.values() {
        objects.push(&tlp::marking_definition(*t))?;
    }
    objects.finish()?;
    Ok(summary)
}

/// Every object type STIX 2.1 defines, so that anything else (but custom `x-` types) can be refused.
const STIX_TYPES: [&str; 42] = [
    "attack-pattern",
    "campaign",
    "course-of-action",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "location",
    "malware",
    "malware-analysis",
    "note",
    "observed-data",
    "opinion",
    "report",
    "threat-actor",
    "tool",
    "vulnerability",
    "relationship",
    "sighting",
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
    "marking-definition",
    "language-content",
    "extension-definition",
];

/// Reads the observables of a bundle.
pub(crate) fn read(bytes: &[u8]) -> Result<ReadOutcome, ReadError> {
    let mut state = BundleState::default();
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let parsed = Bundle { state: &mut state }
        .deserialize(&mut json)
        .and_then(|()| json.end());
    // An object refused midway stops the parser with a placeholder error; the real, typed one is kept aside.
    if let Some(failure) = state.failure.take() {
        return Err(failure);
    }
    parsed.map_err(|source| ReadError::Json {
        line: source.line(),
        column: source.column(),
        source,
    })?;
    let not_bundle = |why: &str| ReadError::NotABundle { why: why.into() };
    match state.bundle_type.as_deref() {
        Some("bundle") => {}
        Some(other) => {
            return Err(not_bundle(&format!(
                "its `type` is `{other}`; a bundle's is `bundle`"
            )))
        }
        None => return Err(not_bundle("it has no `type`")),
    }
    if !state.has_objects {
        return Err(not_bundle("it has no `objects` list"));
    }
    if state.outcome.observables.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(state.outcome)
}

/// What reading a bundle has found so far. The bundle is read one object at a time (serde visitors below), so
/// memory holds one object's JSON tree, never the whole file's.
#[derive(Default)]
struct BundleState {
    outcome: ReadOutcome,
    failure: Option<ReadError>,
    bundle_type: Option<String>,
    has_objects: bool,
    index: usize,
}

struct Bundle<'a> {
    state: &'a mut BundleState,
}

impl<'de> DeserializeSeed<'de> for Bundle<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Bundle<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a STIX bundle (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => {
                    let t: Value = map.next_value()?;
                    self.state.bundle_type = Some(t.as_str().unwrap_or("(not text)").to_string());
                }
                "objects" => {
                    self.state.has_objects = true;
                    map.next_value_seed(ObjectList {
                        state: &mut *self.state,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct ObjectList<'a> {
    state: &'a mut BundleState,
}

impl<'de> DeserializeSeed<'de> for ObjectList<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ObjectList<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of STIX objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(object) = seq.next_element::<Value>()? {
            let i = self.state.index;
            self.state.index += 1;
            let mut read = match object.as_object() {
                Some(o) => read_object(o, i, &mut self.state.outcome),
                None => Err(ReadError::Object {
                    id: format!("number {} in `objects`", i + 1),
                    why: "is not a JSON object".into(),
                }),
            };
            if read.is_ok() && self.state.outcome.observables.len() > MAX_OBSERVABLES {
                read = Err(ReadError::TooMany {
                    limit: MAX_OBSERVABLES,
                });
            }
            if let Err(e) = read {
                self.state.failure = Some(e);
                return Err(serde::de::Error::custom("refused object"));
            }
        }
        Ok(())
    }
}

fn read_object(
    o: &Map<String, Value>,
    index: usize,
    outcome: &mut ReadOutcome,
) -> Result<(), ReadError> {
    let unnamed = format!("number {} in `objects`", index + 1);
    let stix_type = o
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| ReadError::Object {
            id: unnamed.clone(),
            why: "has no `type`".into(),
        })?;
    let id = o
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| ReadError::Object {
            id: unnamed,
            why: format!("(a `{stix_type}`) has no `id`"),
        })?;
    let bad = |why: String| ReadError::Object {
        id: id.chars().take(200).collect(),
        why,
    };
    let well_formed = id
        .strip_prefix(stix_type)
        .and_then(|rest| rest.strip_prefix("--"))
        .is_some_and(|u| uuid::Uuid::parse_str(u).is_ok());
    if !well_formed {
        return Err(bad(format!(
            "its id must be `{stix_type}--` followed by a UUID"
        )));
    }
    let custom = stix_type.starts_with("x-");
    if !custom && !STIX_TYPES.contains(&stix_type) {
        return Err(bad(format!(
            "unknown type `{stix_type}`: STIX 2.1 defines no such object (custom types start with `x-`)"
        )));
    }
    let text = |key: &str, max: usize| -> Result<Option<String>, ReadError> {
        match o.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.len() <= max => Ok(Some(s.clone())),
            Some(Value::String(s)) => Err(bad(format!(
                "property `{key}` is {} bytes long; Casebook reads at most {max}",
                s.len()
            ))),
            Some(_) => Err(bad(format!("property `{key}` must be a string"))),
        }
    };
    let marking = markings(o);
    let mut push =
        |kind: ObservableKind, value: String, property: &str, ioc: bool, note: String| {
            outcome.observables.push(ReadObservable {
                at: Location::Object {
                    id: id.to_string(),
                    property: property.to_string(),
                },
                kind: Some(kind),
                value,
                tlp: marking,
                ioc,
                note,
                first_seen: None,
                last_seen: None,
            });
        };
    let check_len = |value: &str, property: &str| -> Result<(), ReadError> {
        if value.len() > MAX_VALUE_BYTES {
            Err(bad(format!(
                "the value in `{property}` is {} bytes long; Casebook reads at most {MAX_VALUE_BYTES}",
                value.len()
            )))
        } else {
            Ok(())
        }
    };
    match stix_type {
        "indicator" => {
            match text("pattern_type", 64)?.as_deref() {
                Some("stix") => {}
                Some(other) => {
                    return Err(bad(format!(
                        "its pattern is `{other}`; Casebook reads STIX patterns only"
                    )))
                }
                None => return Err(bad("has no `pattern_type`".into())),
            }
            let p = text("pattern", MAX_PATTERN_BYTES)?
                .ok_or_else(|| bad("has no `pattern`".into()))?;
            let comparisons =
                pattern::parse(&p).map_err(|e| bad(format!("property `pattern`: {e}")))?;
            let note = text("description", MAX_NOTE_BYTES)?.unwrap_or_default();
            for c in comparisons {
                let (kind, value) = observable_of(&c).map_err(bad)?;
                check_len(&value, "pattern")?;
                push(kind, value, "pattern", true, note.clone());
            }
        }
        "ipv4-addr" | "ipv6-addr" | "domain-name" | "url" | "email-addr" => {
            let kind = kind_of(stix_type, &["value".to_string()]).unwrap_or(ObservableKind::Other);
            let value =
                text("value", MAX_VALUE_BYTES)?.ok_or_else(|| bad("has no `value`".into()))?;
            push(kind, value, "value", false, String::new());
        }
        "file" => {
            let mut found = false;
            if let Some(hashes) = o.get("hashes") {
                let hashes = hashes
                    .as_object()
                    .ok_or_else(|| bad("property `hashes` must be an object".into()))?;
                for (algorithm, v) in hashes {
                    let Some(kind) = hash_kind(algorithm) else {
                        *outcome
                            .ignored
                            .entry(format!("file hash {algorithm}"))
                            .or_default() += 1;
                        continue;
                    };
                    let property = format!("hashes.{algorithm}");
                    let v = v
                        .as_str()
                        .ok_or_else(|| bad(format!("property `{property}` must be a string")))?;
                    check_len(v, &property)?;
                    push(kind, v.to_string(), &property, false, String::new());
                    found = true;
                }
            }
            if let Some(name) = text("name", MAX_VALUE_BYTES)? {
                push(ObservableKind::FileName, name, "name", false, String::new());
                found = true;
            }
            if !found {
                *outcome.ignored.entry("file".into()).or_default() += 1;
            }
        }
        "user-account" => {
            let login = match text("account_login", MAX_VALUE_BYTES)? {
                Some(l) => Some(("account_login", l)),
                None => text("user_id", MAX_VALUE_BYTES)?.map(|u| ("user_id", u)),
            };
            match login {
                Some((property, value)) => {
                    push(
                        ObservableKind::Account,
                        value,
                        property,
                        false,
                        String::new(),
                    );
                }
                None => *outcome.ignored.entry("user-account".into()).or_default() += 1,
            }
        }
        "windows-registry-key" => {
            let key = text("key", MAX_VALUE_BYTES)?.ok_or_else(|| bad("has no `key`".into()))?;
            push(
                ObservableKind::RegistryKey,
                key,
                "key",
                false,
                String::new(),
            );
        }
        other => *outcome.ignored.entry(other.to_string()).or_default() += 1,
    }
    Ok(())
}

/// The strictest TLP marking among an object's `object_marking_refs`, if any is a TLP marking.
fn markings(o: &Map<String, Value>) -> Option<Tlp> {
    o.get("object_marking_refs")?
        .as_array()?
        .iter()
        .filter_map(|r| r.as_str().and_then(tlp::from_marking_id))
        .max_by_key(|t| tlp::strictness(*t))
}

/// The observable one comparison of a pattern states, or why it states none Casebook can keep.
fn observable_of(c: &Comparison) -> Result<(ObservableKind, String), String> {
    let value = match (&c.value, c.operator.as_str(), c.negated) {
        (Literal::String(s), "=" | "==", false) => s.clone(),
        _ => {
            return Err(format!(
                "property `pattern`: Casebook turns only `=` comparisons with a quoted value into observables, \
                 and the pattern has `{c}`"
            ))
        }
    };
    let kind = kind_of(&c.object_type, &c.path).ok_or_else(|| {
        format!(
            "property `pattern`: Casebook has no observable type for `{}:{}` (it reads ipv4-addr, ipv6-addr, \
             domain-name, url and email-addr values, file hashes (MD5, SHA-1, SHA-256) and names, \
             user-account logins and windows-registry-key keys)",
            c.object_type,
            c.path.join(".")
        )
    })?;
    Ok((kind, value))
}
