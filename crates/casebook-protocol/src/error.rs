//! The error body of every failed request: a code from a closed set that clients branch on, and a message for the
//! person who reads it.

use serde::{Deserialize, Serialize};

casebook_core::string_enum! {
    /// What went wrong, for the client to branch on; the HTTP status follows from it.
    pub enum ErrorCode ("error code") {
        Unauthenticated => "unauthenticated",
        Forbidden => "forbidden",
        NotFound => "not_found",
        InvalidRequest => "invalid_request",
        Conflict => "conflict",
        TooLarge => "too_large",
        RateLimited => "rate_limited",
        Internal => "internal",
        Unavailable => "unavailable",
    }
}

impl ErrorCode {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::InvalidRequest => 400,
            ErrorCode::Conflict => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

/// `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code,
            message: message.into(),
        }
    }
}
