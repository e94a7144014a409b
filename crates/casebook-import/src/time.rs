//! Turning `datetime` and `timestamp` values into an event time, and back; the rules are set out in the crate docs.

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Offset as _, SecondsFormat, SubsecRound,
    TimeZone, Utc,
};

use crate::error::{DateTimeError, ExportError, ImportError, MandatoryColumn, TimestampError};

/// The name of the ISO 8601 column.
pub(crate) const DATETIME: &str = "datetime";
/// The name of the epoch column.
pub(crate) const TIMESTAMP: &str = "timestamp";

/// A `timestamp` as the file holds it: CSV cells are text, JSONL values keep their JSON type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RawTimestamp<'a> {
    Text(&'a str),
    Json(&'a serde_json::Value),
}

impl RawTimestamp<'_> {
    fn describe(&self) -> String {
        match self {
            RawTimestamp::Text(text) => (*text).to_owned(),
            RawTimestamp::Json(value) => value.to_string(),
        }
    }
}

/// The event time of one row: `datetime` when given (it wins over `timestamp`), else `timestamp`.
pub(crate) fn resolve(
    row: u64,
    datetime: Option<&str>,
    timestamp: Option<RawTimestamp<'_>>,
) -> Result<(DateTime<Utc>, Option<String>), ImportError> {
    if let Some(text) = datetime {
        let parsed = parse_datetime(text).map_err(|reason| ImportError::InvalidDateTime {
            row,
            column: DATETIME.to_owned(),
            value: text.to_owned(),
            reason,
        })?;
        return Ok((
            parsed.with_timezone(&Utc),
            Some(format_offset(parsed.offset())),
        ));
    }
    if let Some(raw) = timestamp {
        let time = timestamp_to_utc(raw).map_err(|reason| ImportError::InvalidTimestamp {
            row,
            column: TIMESTAMP.to_owned(),
            value: raw.describe(),
            reason,
        })?;
        // An epoch count says nothing about the zone the source was in.
        return Ok((time, None));
    }
    Err(ImportError::MissingValue {
        row,
        field: MandatoryColumn::DateTime,
    })
}

/// Reads `YYYY-MM-DD(T| )HH:MM:SS[.f{1,6}](Z|±HH:MM|±HHMM)`; surrounding spaces are ignored.
pub(crate) fn parse_datetime(text: &str) -> Result<DateTime<FixedOffset>, DateTimeError> {
    let mut cursor = Cursor {
        bytes: text.trim().as_bytes(),
        at: 0,
    };
    let year = cursor.number(4)?;
    cursor.expect(b'-')?;
    let month = cursor.number(2)?;
    cursor.expect(b'-')?;
    let day = cursor.number(2)?;
    match cursor.next() {
        Some(b'T' | b't' | b' ') => {}
        _ => return Err(DateTimeError::NotIso8601),
    }
    let hour = cursor.number(2)?;
    cursor.expect(b':')?;
    let minute = cursor.number(2)?;
    cursor.expect(b':')?;
    let second = cursor.number(2)?;
    let micros = if matches!(cursor.peek(), Some(b'.' | b',')) {
        cursor.at += 1;
        cursor.fraction()?
    } else {
        0
    };
    let offset = cursor.offset()?;
    if cursor.peek().is_some() {
        return Err(DateTimeError::NotIso8601);
    }

    let date = i32::try_from(year)
        .ok()
        .and_then(|year| NaiveDate::from_ymd_opt(year, month, day))
        .ok_or(DateTimeError::NoSuchDateTime)?;
    // chrono would take second 59 with a fraction past one second as a leap second; we want plain clock times.
    if second > 59 {
        return Err(DateTimeError::NoSuchDateTime);
    }
    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micros)
        .ok_or(DateTimeError::NoSuchDateTime)?;
    offset
        .from_local_datetime(&date.and_time(time))
        .single()
        .ok_or(DateTimeError::NoSuchDateTime)
}

/// Reads an offset as this crate writes it into `ImportedEntry::time_zone` (`Z`, `±HH:MM` or `±HHMM`).
pub(crate) fn parse_offset(text: &str) -> Option<FixedOffset> {
    let mut cursor = Cursor {
        bytes: text.trim().as_bytes(),
        at: 0,
    };
    let offset = cursor.offset().ok()?;
    cursor.peek().is_none().then_some(offset)
}

/// `+02:00`, `-05:30`, `+00:00`: the form plaso writes, so an exported file looks like the imported one.
pub(crate) fn format_offset(offset: &FixedOffset) -> String {
    let seconds = offset.local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Writes a time as Timesketch's `datetime`, keeping microseconds and dropping anything finer.
pub(crate) fn format_datetime(datetime: &DateTime<FixedOffset>) -> Result<String, ExportError> {
    if !(0..=9999).contains(&datetime.year()) {
        return Err(ExportError::YearOutOfRange {
            datetime: datetime.to_string(),
        });
    }
    Ok(datetime
        .trunc_subsecs(6)
        .to_rfc3339_opts(SecondsFormat::AutoSi, false))
}

/// The unit of an epoch count is guessed from its size; see the crate docs for the thresholds and their price.
pub(crate) fn timestamp_to_utc(raw: RawTimestamp<'_>) -> Result<DateTime<Utc>, TimestampError> {
    let count = match raw {
        RawTimestamp::Text(text) => integer_from_text(text.trim())?,
        RawTimestamp::Json(value) => integer_from_json(value)?,
    };
    let magnitude = count.unsigned_abs();
    let micros = if magnitude < 100_000_000_000 {
        count.checked_mul(1_000_000)
    } else if magnitude < 100_000_000_000_000 {
        count.checked_mul(1_000)
    } else if magnitude < 100_000_000_000_000_000 {
        Some(count)
    } else if count % 1_000 == 0 {
        Some(count / 1_000)
    } else {
        return Err(TimestampError::FinerThanMicroseconds);
    };
    micros
        .and_then(DateTime::from_timestamp_micros)
        .ok_or(TimestampError::OutOfRange)
}

fn integer_from_text(text: &str) -> Result<i64, TimestampError> {
    // Spreadsheets and pandas often turn an integer column into floats (`1331698658276340.0`); a zero fraction is
    // still an integer, any other fraction is not.
    let whole = match text.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() && fraction.bytes().all(|b| b == b'0') => {
            whole
        }
        Some(_) => return Err(TimestampError::NotAnInteger),
        None => text,
    };
    let digits = whole.strip_prefix(['-', '+']).unwrap_or(whole);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TimestampError::NotAnInteger);
    }
    whole.parse::<i64>().map_err(|_| TimestampError::OutOfRange)
}

fn integer_from_json(value: &serde_json::Value) -> Result<i64, TimestampError> {
    match value {
        serde_json::Value::Number(number) => {
            if let Some(count) = number.as_i64() {
                Ok(count)
            } else if number.is_u64() {
                Err(TimestampError::OutOfRange)
            } else {
                Err(TimestampError::NotAnInteger)
            }
        }
        serde_json::Value::String(text) => integer_from_text(text.trim()),
        _ => Err(TimestampError::NotAnInteger),
    }
}

/// A forward-only reader over the bytes of one datetime value.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek();
        self.at += usize::from(byte.is_some());
        byte
    }

    fn expect(&mut self, wanted: u8) -> Result<(), DateTimeError> {
        match self.next() {
            Some(byte) if byte == wanted => Ok(()),
            _ => Err(DateTimeError::NotIso8601),
        }
    }

    /// Exactly `width` ASCII digits.
    fn number(&mut self, width: usize) -> Result<u32, DateTimeError> {
        let mut value = 0;
        for _ in 0..width {
            match self.next() {
                Some(digit @ b'0'..=b'9') => value = value * 10 + u32::from(digit - b'0'),
                _ => return Err(DateTimeError::NotIso8601),
            }
        }
        Ok(value)
    }

    /// The digits after the decimal mark, as microseconds. Digits past the sixth must be zeros: they carry no
    /// information, while dropping non-zero ones would change the evidence without telling anyone.
    fn fraction(&mut self) -> Result<u32, DateTimeError> {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        let digits = &self.bytes[start..self.at];
        if digits.is_empty() {
            return Err(DateTimeError::NotIso8601);
        }
        if digits.iter().skip(6).any(|&digit| digit != b'0') {
            return Err(DateTimeError::FinerThanMicroseconds);
        }
        let mut micros = 0;
        for position in 0..6 {
            let digit = digits
                .get(position)
                .map_or(0, |digit| u32::from(digit - b'0'));
            micros = micros * 10 + digit;
        }
        Ok(micros)
    }

    fn offset(&mut self) -> Result<FixedOffset, DateTimeError> {
        let sign = match self.next() {
            None => return Err(DateTimeError::MissingTimeZone),
            Some(b'Z' | b'z') => return Ok(Utc.fix()),
            Some(b'+') => 1,
            Some(b'-') => -1,
            Some(_) => return Err(DateTimeError::NotIso8601),
        };
        let hours = self.number(2)?;
        if self.peek() == Some(b':') {
            self.at += 1;
        }
        let minutes = self.number(2)?;
        if hours > 23 || minutes > 59 {
            return Err(DateTimeError::InvalidOffset);
        }
        let seconds =
            i32::try_from(hours * 3600 + minutes * 60).map_err(|_| DateTimeError::InvalidOffset)?;
        FixedOffset::east_opt(sign * seconds).ok_or(DateTimeError::InvalidOffset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> Result<String, DateTimeError> {
        parse_datetime(text).map(|time| {
            time.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Micros, true)
        })
    }

    #[test]
    fn rfc3339_and_plaso_forms_agree() {
        assert_eq!(
            utc("2012-03-14T04:17:38.276340+00:00"),
            Ok("2012-03-14T04:17:38.276340Z".into())
        );
        assert_eq!(
            utc("2012-03-14 04:17:38.276340+00:00"),
            Ok("2012-03-14T04:17:38.276340Z".into()),
            "plaso separates date and time with a space"
        );
        assert_eq!(
            utc("2012-03-14T06:17:38.27634+0200"),
            Ok("2012-03-14T04:17:38.276340Z".into())
        );
        assert_eq!(
            utc("2012-03-13T23:17:38-05:00"),
            Ok("2012-03-14T04:17:38.000000Z".into())
        );
    }

    #[test]
    fn short_fractions_are_scaled_not_read_as_microseconds() {
        assert_eq!(
            utc("2020-01-01T00:00:00.5Z"),
            Ok("2020-01-01T00:00:00.500000Z".into()),
            ".5 is half a second"
        );
    }

    #[test]
    fn digits_below_the_microsecond_must_be_zero() {
        assert_eq!(
            utc("2020-01-01T00:00:00.123456000Z"),
            Ok("2020-01-01T00:00:00.123456Z".into())
        );
        assert_eq!(
            utc("2020-01-01T00:00:00.1234567Z"),
            Err(DateTimeError::FinerThanMicroseconds)
        );
    }

    #[test]
    fn malformed_values_are_refused_with_the_right_reason() {
        assert_eq!(utc("1234 19:01:01"), Err(DateTimeError::NotIso8601));
        assert_eq!(
            utc("2017-09-24 19:01:01"),
            Err(DateTimeError::MissingTimeZone)
        );
        assert_eq!(
            utc("2017-02-30T19:01:01Z"),
            Err(DateTimeError::NoSuchDateTime)
        );
        assert_eq!(
            utc("2017-02-03T19:01:60Z"),
            Err(DateTimeError::NoSuchDateTime),
            "no leap seconds"
        );
        assert_eq!(
            utc("2017-02-03T19:01:01+24:00"),
            Err(DateTimeError::InvalidOffset)
        );
        assert_eq!(
            utc("2017-02-03T19:01:01Z trailing"),
            Err(DateTimeError::NotIso8601)
        );
        assert_eq!(utc("2017-02-03T19:01:01."), Err(DateTimeError::NotIso8601));
        assert_eq!(utc(""), Err(DateTimeError::NotIso8601));
        assert_eq!(
            utc("２０１７-02-03T19:01:01Z"),
            Err(DateTimeError::NotIso8601),
            "only ASCII digits"
        );
    }

    #[test]
    fn the_unit_of_a_timestamp_follows_its_magnitude() {
        let read = |text: &str| {
            timestamp_to_utc(RawTimestamp::Text(text))
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
        };
        assert_eq!(
            read("1658689261"),
            Ok("2022-07-24T19:01:01.000000Z".into()),
            "seconds"
        );
        assert_eq!(
            read("1658689261123"),
            Ok("2022-07-24T19:01:01.123000Z".into()),
            "milliseconds"
        );
        assert_eq!(
            read("1658689261123456"),
            Ok("2022-07-24T19:01:01.123456Z".into()),
            "microseconds"
        );
        assert_eq!(
            read("1658689261123456000"),
            Ok("2022-07-24T19:01:01.123456Z".into()),
            "nanoseconds"
        );
        assert_eq!(
            read("1658689261123456789"),
            Err(TimestampError::FinerThanMicroseconds)
        );
        assert_eq!(
            read("99999999999"),
            Ok("5138-11-16T09:46:39.000000Z".into()),
            "largest seconds value"
        );
        assert_eq!(
            read("100000000000"),
            Ok("1973-03-03T09:46:40.000000Z".into()),
            "smallest milliseconds value"
        );
        assert_eq!(
            read("99999999999999"),
            Ok("5138-11-16T09:46:39.999000Z".into()),
            "largest milliseconds value"
        );
        assert_eq!(
            read("100000000000000"),
            Ok("1973-03-03T09:46:40.000000Z".into()),
            "smallest microseconds value"
        );
        assert_eq!(
            read("99999999999999999"),
            Ok("5138-11-16T09:46:39.999999Z".into()),
            "largest microseconds"
        );
        assert_eq!(
            read("100000000000000000"),
            Ok("1973-03-03T09:46:40.000000Z".into()),
            "smallest nanoseconds"
        );
        assert_eq!(
            read("-1000000"),
            Ok("1969-12-20T10:13:20.000000Z".into()),
            "before 1970, in seconds"
        );
        assert_eq!(
            read("1331698658276340.0"),
            Ok("2012-03-14T04:17:38.276340Z".into()),
            "pandas float form"
        );
        assert_eq!(read("1.5"), Err(TimestampError::NotAnInteger));
        assert_eq!(read("abc"), Err(TimestampError::NotAnInteger));
        assert_eq!(
            read("99999999999999999999"),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!(
            read(&i64::MIN.to_string()),
            Err(TimestampError::FinerThanMicroseconds)
        );
        assert_eq!(
            read("-9223372036854775000"),
            Ok("1677-09-21T00:12:43.145225Z".into()),
            "never wraps"
        );
    }

    #[test]
    fn json_timestamps_must_be_integers() {
        let read = |value: serde_json::Value| {
            timestamp_to_utc(RawTimestamp::Json(&value)).map(|t| t.timestamp())
        };
        assert_eq!(read(serde_json::json!(1658689261)), Ok(1658689261));
        assert_eq!(
            read(serde_json::json!("1658689261")),
            Ok(1658689261),
            "a numeric string is accepted"
        );
        assert_eq!(
            read(serde_json::json!(1.5)),
            Err(TimestampError::NotAnInteger)
        );
        assert_eq!(
            read(serde_json::json!(u64::MAX)),
            Err(TimestampError::OutOfRange)
        );
        assert_eq!(
            read(serde_json::json!(true)),
            Err(TimestampError::NotAnInteger)
        );
    }

    #[test]
    fn offsets_are_written_as_plaso_writes_them() {
        let offset = |seconds| FixedOffset::east_opt(seconds).map(|offset| format_offset(&offset));
        assert_eq!(offset(0), Some("+00:00".into()));
        assert_eq!(offset(2 * 3600), Some("+02:00".into()));
        assert_eq!(offset(-(5 * 3600 + 30 * 60)), Some("-05:30".into()));
        assert_eq!(
            parse_offset("-05:30").map(|o| o.local_minus_utc()),
            Some(-(5 * 3600 + 30 * 60))
        );
        assert_eq!(parse_offset("Z").map(|o| o.local_minus_utc()), Some(0));
        assert_eq!(parse_offset("Europe/Paris"), None, "names are not offsets");
    }
}
