//! The application's errors: a closed set of codes that front ends branch on, and a message written for the person
//! who reads it (what happened, in the product's words). Where the person has a next step, a [`Hint`] names it as
//! data, and each front end says it in its own words: the CLI names its command or flag, the app names its screen.
//! Messages never name a command or a flag. Sources are kept, never flattened into the text.

use casebook_store::StoreError;
use serde::Serialize;

/// What kind of failure, for code to branch on (the CLI's exit code, the UI's error style, HTTP status later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// This data directory has no local profile yet (`casebook init`).
    NotInitialized,
    NotFound,
    /// The acting person's role does not allow it.
    Forbidden,
    /// The input is wrong; the message says how.
    InvalidInput,
    /// The change does not fit the current state (e.g. accepting a declined escalation).
    Conflict,
    /// Data written by a newer Casebook.
    NewerVersion,
    /// Another process holds the database; try again.
    Busy,
    DiskFull,
    /// A file could not be read or written.
    Io,
    /// Stored data failed a check (hash chain, evidence hash, malformed rows).
    Integrity,
    /// The team server cannot be reached: a normal state for a laptop; work waits here.
    Offline,
    /// The team server does not accept this laptop's sign-in (signed out, expired, revoked): log in again.
    Unauthenticated,
    /// The data directory is encrypted: it opens with its passphrase.
    Locked,
    /// The passphrase does not unlock this data directory; nothing changed.
    WrongPassphrase,
    Internal,
}

/// The next step for the person who met an error, as data: each front end words it (a command and its flags in the
/// CLI, a screen or a button in the app).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Hint {
    /// An input is missing or wrong; `example` is a value that would do.
    Input {
        field: Field,
        example: String,
    },
    /// The incidents of this data directory are listed elsewhere.
    ListIncidents,
    /// The incident's tasks, evidence or people are listed elsewhere.
    ListTasks {
        incident: String,
    },
    ListEvidence {
        incident: String,
    },
    ListUsers,
    /// This data directory has no profile: create one.
    CreateProfile,
    /// This data directory is taken (another profile, another team, not empty): use a new one.
    OtherDataDirectory,
    /// The laptop has not joined a team.
    JoinTeam,
    /// The team server no longer accepts this laptop's sign-in.
    SignIn {
        server: String,
        email: String,
    },
    /// An evidence file is on the team server but not here.
    FetchEvidence {
        incident: String,
        evidence: String,
    },
    /// A stored evidence file may have changed: check every file's hash.
    VerifyEvidence {
        incident: String,
    },
    /// The incident has no escalation yet.
    RequestEscalation {
        incident: String,
    },
    /// The data directory is encrypted: give its passphrase.
    Unlock,
    /// The data directory is plain: encrypt it as it is.
    EncryptDirectory,
}

/// An input a [`Hint::Input`] points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Tier,
    Title,
    Reason,
    Resolution,
    SearchWords,
    TimelineFormat,
    AlertFormat,
}

/// An application error.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub hint: Option<Hint>,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            hint: None,
            source: None,
        }
    }

    pub fn with_source(
        code: ErrorCode,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error {
            code,
            message: message.into(),
            hint: None,
            source: Some(Box::new(source)),
        }
    }

    /// The same error with a next step for the person.
    pub fn hint(mut self, hint: Hint) -> Error {
        self.hint = Some(hint);
        self
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidInput, message)
    }

    pub fn not_found(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::Conflict, message)
    }

    /// The `{code, message, hint}` form used across IPC and HTTP.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "code": self.code, "message": self.message, "hint": self.hint })
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        let (code, message) = match &e {
            StoreError::NewerSchema { .. } => (ErrorCode::NewerVersion, e.to_string()),
            StoreError::NotFound(what) => (
                ErrorCode::NotFound,
                format!("{what} was not found in this data directory"),
            ),
            StoreError::Busy(_) => (ErrorCode::Busy, e.to_string()),
            StoreError::DiskFull(_) => (ErrorCode::DiskFull, e.to_string()),
            StoreError::Decode(casebook_core::event::DecodeError::NewerVersion { .. }) => {
                (ErrorCode::NewerVersion, e.to_string())
            }
            StoreError::Decode(_) | StoreError::Corrupt(_) | StoreError::WrongKey => {
                (ErrorCode::Integrity, e.to_string())
            }
            StoreError::Io(inner) => (ErrorCode::Io, format!("{e}: {inner}")),
            StoreError::Sqlite(inner) => (ErrorCode::Internal, format!("database error: {inner}")),
            StoreError::Refused(r) => {
                let code = match r.code {
                    casebook_core::admission::RefusalCode::Forbidden
                    | casebook_core::admission::RefusalCode::UnverifiedAuthor
                    | casebook_core::admission::RefusalCode::OwnAccount => ErrorCode::Forbidden,
                    _ => ErrorCode::InvalidInput,
                };
                (code, format!("refused: {}", r.reason))
            }
        };
        Error {
            code,
            message,
            hint: None,
            source: Some(Box::new(e)),
        }
    }
}

impl From<casebook_core::authz::Denied> for Error {
    fn from(e: casebook_core::authz::Denied) -> Self {
        Error::with_source(ErrorCode::Forbidden, e.to_string(), e)
    }
}

impl From<casebook_core::escalation::InvalidTransition> for Error {
    fn from(e: casebook_core::escalation::InvalidTransition) -> Self {
        Error::with_source(ErrorCode::Conflict, e.to_string(), e)
    }
}

impl From<casebook_core::model::UnknownValue> for Error {
    fn from(e: casebook_core::model::UnknownValue) -> Self {
        Error::with_source(ErrorCode::InvalidInput, e.to_string(), e)
    }
}

impl From<casebook_store::blobs::BlobError> for Error {
    fn from(e: casebook_store::blobs::BlobError) -> Self {
        let code = if e.is_disk_full() {
            ErrorCode::DiskFull
        } else if e.source.kind() == std::io::ErrorKind::InvalidData {
            // A sealed evidence file that does not open (altered, or another key's).
            ErrorCode::Integrity
        } else {
            ErrorCode::Io
        };
        let message = if e.is_disk_full() {
            format!(
                "the disk is full while {}: nothing was saved. Free some space and try again",
                e.what
            )
        } else {
            e.to_string()
        };
        Error::with_source(code, message, e)
    }
}

/// Wraps an I/O error with what we were doing.
pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    move |e| {
        let code = if e.kind() == std::io::ErrorKind::StorageFull {
            ErrorCode::DiskFull
        } else {
            ErrorCode::Io
        };
        let what = what.into();
        Error::with_source(code, format!("{what}: {e}"), e)
    }
}
