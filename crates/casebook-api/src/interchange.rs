//! Observables in and out: exporting one or every incident's observables as STIX 2.1, MISP or CSV, and importing a
//! STIX 2.1 bundle or a CSV file into an incident (every observable or none).
//!
//! `casebook-interchange` only transforms; the rules live here: who may import (those who may edit the incident),
//! how big a file may be (checked before a byte is read), that every value goes through the core's `normalize`
//! exactly as a typed-in one, and that an observable already in the incident (same type and normalized value) is not
//! added twice.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use casebook_core::model::ObservableKind;
use casebook_core::observable::{guess_kind, normalize};
use casebook_core::{EventId, ObservableId, Payload};
use casebook_interchange::{CaseInfo, CaseObservables, ObservableRecord, ReadError};
use casebook_store::append::{append_local, Origin};
use casebook_store::read::{self, IncidentFilter, IncidentRow};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{io, ErrorCode};
use crate::{Casebook, Error, Result};

/// The largest file `import_observables` reads: a STIX bundle of a few hundred thousand indicators fits.
pub const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;

/// The interchange formats, as front ends name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ObservableFormat {
    /// A STIX 2.1 bundle.
    Stix,
    /// A MISP event (export only).
    Misp,
    /// CSV with a header row.
    Csv,
}

impl From<ObservableFormat> for casebook_interchange::Format {
    fn from(f: ObservableFormat) -> Self {
        match f {
            ObservableFormat::Stix => casebook_interchange::Format::Stix,
            ObservableFormat::Misp => casebook_interchange::Format::Misp,
            ObservableFormat::Csv => casebook_interchange::Format::Csv,
        }
    }
}

/// Which observables to export.
#[derive(Debug, Clone, Default)]
pub struct ExportScope {
    /// One incident (key or id); `None` for every incident.
    pub incident: Option<String>,
    /// Only observables added at or after this time.
    pub since: Option<DateTime<Utc>>,
}

impl ExportScope {
    /// Every observable of one incident.
    pub fn incident(key_or_id: &str) -> ExportScope {
        ExportScope {
            incident: Some(key_or_id.to_string()),
            since: None,
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ObservableExport {
    pub format: ObservableFormat,
    /// Incidents with at least one observable written.
    pub incidents: u32,
    pub observables: u32,
    /// Observables the format cannot express (STIX has no object for type `other`).
    pub left_out: u32,
}

/// What an import added.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ObservableImport {
    pub incident_key: String,
    pub format: ObservableFormat,
    pub added: u32,
    /// Observables already in the incident, or stated twice in the file (same type and normalized value).
    pub duplicates: u32,
    /// Objects passed over because they are not observables, by STIX type (e.g. `identity`, `relationship`).
    pub ignored: Vec<(String, u32)>,
}

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Casebook {
    /// Writes observables to a file in the given format. A failed export removes the partial file.
    pub fn export_observables(
        &self,
        scope: &ExportScope,
        format: ObservableFormat,
        path: &Path,
    ) -> Result<ObservableExport> {
        let cases = self.cases_for_export(scope)?;
        let file = File::create(path).map_err(io(format!("cannot create {}", path.display())))?;
        let mut out = BufWriter::new(file);
        let written = casebook_interchange::write(&cases, format.into(), &mut out)
            .map_err(export_error)
            .and_then(|s| {
                out.flush()
                    .map_err(io(format!("cannot write {}", path.display())))?;
                Ok(s)
            });
        match written {
            Ok(s) => Ok(summary(format, &cases, s)),
            Err(e) => {
                drop(out);
                // Best effort: the error that matters is the one above.
                let _ = std::fs::remove_file(path);
                Err(e)
            }
        }
    }

    /// Writes observables to any writer (standard output, a test's buffer).
    pub fn write_observables(
        &self,
        scope: &ExportScope,
        format: ObservableFormat,
        out: impl Write,
    ) -> Result<ObservableExport> {
        let cases = self.cases_for_export(scope)?;
        let s = casebook_interchange::write(&cases, format.into(), out).map_err(export_error)?;
        Ok(summary(format, &cases, s))
    }

    fn cases_for_export(&self, scope: &ExportScope) -> Result<Vec<CaseObservables>> {
        let rows: Vec<IncidentRow> = match &scope.incident {
            Some(key) => vec![self.incident_by_id(self.resolve(key)?)?.row],
            None => read::incidents(self.store.conn(), &IncidentFilter::default(), i64::MAX)?,
        };
        let mut cases = Vec::with_capacity(rows.len());
        for row in rows {
            let detail = self.incident_by_id(row.id)?;
            let observables: Vec<ObservableRecord> = read::observables(self.store.conn(), row.id)?
                .into_iter()
                .filter(|o| scope.since.is_none_or(|since| o.added_at >= since))
                .map(|o| ObservableRecord {
                    id: o.id,
                    kind: o.kind,
                    value: o.value,
                    tlp: o.tlp,
                    ioc: o.ioc,
                    note: o.note,
                    first_seen: o.first_seen,
                    last_seen: o.last_seen,
                    added_at: o.added_at,
                    seen_in: o.seen_in_other_incidents,
                })
                .collect();
            if observables.is_empty() {
                continue;
            }
            let created = row
                .created_at
                .or_else(|| observables.iter().map(|o| o.added_at).min())
                .unwrap_or_default();
            cases.push(CaseObservables {
                case: CaseInfo {
                    id: row.id,
                    key: row.key,
                    title: row.title,
                    summary: detail.summary,
                    severity: row.severity,
                    tlp: row.tlp,
                    created,
                    modified: row.updated_at.unwrap_or(created),
                },
                observables,
            });
        }
        if cases.is_empty() {
            let what = match (&scope.incident, scope.since) {
                (Some(key), None) => format!("{} has no observables to export", key.trim()),
                (Some(key), Some(t)) => {
                    format!("{} has no observables added since {t}", key.trim())
                }
                (None, None) => "no incident has observables to export".to_string(),
                (None, Some(t)) => format!("no observables were added since {t}"),
            };
            return Err(Error::not_found(what));
        }
        Ok(cases)
    }

    /// Imports a STIX 2.1 bundle or a CSV file into an incident, every observable or none. The format is told from
    /// the content unless given. The file's size is checked before it is read ([`MAX_IMPORT_BYTES`]).
    /// `progress` gets the number of observables written so far.
    pub fn import_observables(
        &mut self,
        key_or_id: &str,
        path: &Path,
        format: Option<ObservableFormat>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ObservableImport> {
        let id = self.editable(key_or_id)?;
        let file = File::open(path).map_err(io(format!("cannot open {}", path.display())))?;
        let size = file
            .metadata()
            .map_err(io(format!("cannot read {}", path.display())))?
            .len();
        if size > MAX_IMPORT_BYTES {
            return Err(too_large(path, size));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        // `take` keeps the promise even if the file grows between the size check and the read.
        file.take(MAX_IMPORT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io(format!("cannot read {}", path.display())))?;
        if bytes.len() as u64 > MAX_IMPORT_BYTES {
            return Err(too_large(path, bytes.len() as u64));
        }
        self.import_observable_bytes(id, &bytes, format, progress)
    }

    fn import_observable_bytes(
        &mut self,
        id: casebook_core::IncidentId,
        bytes: &[u8],
        format: Option<ObservableFormat>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ObservableImport> {
        let detected = casebook_interchange::Format::detect(bytes);
        let format = format.unwrap_or(match detected {
            casebook_interchange::Format::Stix => ObservableFormat::Stix,
            casebook_interchange::Format::Misp => ObservableFormat::Misp,
            casebook_interchange::Format::Csv => ObservableFormat::Csv,
        });
        let outcome = casebook_interchange::read(bytes, format.into()).map_err(read_error)?;
        let incident = self.incident_by_id(id)?;
        let mut seen: HashMap<(ObservableKind, String), Option<usize>> =
            read::observables(self.store.conn(), id)?
                .into_iter()
                .map(|o| ((o.kind, o.value), None))
                .collect();
        let mut new: Vec<Payload> = Vec::new();
        let mut duplicates = 0u64;
        for r in outcome.observables {
            let kind = r.kind.unwrap_or_else(|| guess_kind(&r.value));
            // The same function as a typed-in observable: one definition of what two equal indicators are.
            let value = normalize(kind, &r.value).map_err(|e| {
                let message = format!("nothing was imported: {}: {e}", r.at);
                Error::with_source(ErrorCode::InvalidInput, message, e)
            })?;
            match seen.get(&(kind, value.clone())) {
                Some(earlier) => {
                    duplicates += 1;
                    // A value stated as a plain observable and as an indicator is one indicator.
                    if let Some(Payload::ObservableAdded { ioc, .. }) =
                        earlier.and_then(|i| new.get_mut(i))
                    {
                        *ioc |= r.ioc;
                    }
                }
                None => {
                    seen.insert((kind, value.clone()), Some(new.len()));
                    new.push(Payload::ObservableAdded {
                        observable: ObservableId(Uuid::now_v7()),
                        observable_kind: kind,
                        value,
                        tlp: r.tlp.unwrap_or(incident.row.tlp),
                        ioc: r.ioc,
                        first_seen: r.first_seen,
                        last_seen: r.last_seen,
                        note: r.note,
                    });
                }
            }
        }
        let added = new.len() as u64;
        self.append_all(id, new, progress)?;
        Ok(ObservableImport {
            incident_key: incident.row.key,
            format,
            added: count(added),
            duplicates: count(duplicates),
            ignored: outcome
                .ignored
                .into_iter()
                .map(|(t, n)| (t, count(n)))
                .collect(),
        })
    }

    /// Appends events in one transaction (all or none), reporting progress every thousand.
    fn append_all(
        &mut self,
        id: casebook_core::IncidentId,
        payloads: Vec<Payload>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<()> {
        let (actor, device) = self.actor()?;
        let origin = Origin {
            user: actor.user,
            device,
        };
        let now = self.now().timestamp_micros();
        let tx = self.store.write()?;
        for (i, p) in payloads.into_iter().enumerate() {
            append_local(&tx, origin, EventId(Uuid::now_v7()), Some(id), p, now)?;
            if (i + 1) % 1_000 == 0 {
                progress(i as u64 + 1);
            }
        }
        tx.commit().map_err(casebook_store::StoreError::from)?;
        Ok(())
    }
}

fn summary(
    format: ObservableFormat,
    cases: &[CaseObservables],
    s: casebook_interchange::WriteSummary,
) -> ObservableExport {
    ObservableExport {
        format,
        incidents: count(cases.len() as u64),
        observables: count(s.written),
        left_out: count(s.left_out),
    }
}

fn too_large(path: &Path, size: u64) -> Error {
    Error::invalid(format!(
        "{} is {:.1} MiB; Casebook imports observable files of at most {} MiB, so nothing was read. \
         Split the file and import the parts",
        path.display(),
        size as f64 / (1024.0 * 1024.0),
        MAX_IMPORT_BYTES / (1024 * 1024)
    ))
}

fn read_error(e: ReadError) -> Error {
    Error::with_source(
        ErrorCode::InvalidInput,
        format!("nothing was imported: {e}"),
        e,
    )
}

fn export_error(e: casebook_interchange::ExportError) -> Error {
    match e {
        casebook_interchange::ExportError::Empty => Error::not_found(e.to_string()),
        casebook_interchange::ExportError::Write(inner) => {
            io("cannot write the observables".to_string())(inner)
        }
    }
}
