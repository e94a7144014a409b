//! A synthetic Timesketch timeline, generated in memory: proxy, logon, process, file, DNS and mail events with the
//! attributes plaso writes, so the import and the full-text index see text shaped like a real case.
//!
//! The generator is deterministic (a seed gives the same bytes), which keeps runs comparable. A few terms are planted
//! at known rates so the search phase can ask for rare, common and two-word matches:
//! `mimikatz` about once per 300,000 rows, `INV-20931` once per 30,000, `posted credentials` once per 100, while words such as `opened`
//! or `logon` appear in a sixth of all rows each.

use std::io::Write;

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone, Utc};
use serde_json::{Map, Value};

/// A small deterministic generator (SplitMix64): enough for varied text, and no dependency to keep in step.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next_u64()));
        }
        s.truncate(len);
        s
    }
}

const PEOPLE: &[&str] = &[
    "asilva",
    "bnguyen",
    "cmuller",
    "dokafor",
    "epetrov",
    "fgarcia",
    "gkowalski",
    "hsato",
    "iomar",
    "jlindqvist",
    "kdubois",
    "lrossi",
    "mhansen",
    "nyilmaz",
    "opark",
    "pfernandes",
    "qli",
    "rnovak",
    "sahmed",
    "tvanderberg",
];
const DOMAINS: &[&str] = &[
    "cdn.contoso-static.example",
    "login.microsoftonline.example",
    "updates.vendor-soft.example",
    "files.sharebox.example",
    "api.telemetry-hub.example",
    "portal.northwind.test",
    "mail.northwind.test",
    "intranet.northwind.test",
    "docs.office-online.example",
    "pastebin.example",
    "bit.ly.example",
    "raw.githubusercontent.example",
];
const PROGRAMS: &[&str] = &[
    "powershell.exe",
    "cmd.exe",
    "rundll32.exe",
    "svchost.exe",
    "explorer.exe",
    "outlook.exe",
    "chrome.exe",
    "wmic.exe",
    "schtasks.exe",
    "certutil.exe",
    "msedge.exe",
    "teams.exe",
];
const SUBJECTS: &[&str] = &[
    "Quarterly results draft",
    "Your password expires today",
    "Invoice overdue - action required",
    "Team lunch on Friday",
    "Shared document: budget 2027",
    "VPN maintenance window",
    "Payroll update",
    "Delivery notification",
    "Meeting notes",
    "Security awareness training",
];
const FOLDERS: &[&str] = &[
    "C:\\Users\\Public\\Downloads",
    "C:\\Windows\\Temp",
    "C:\\ProgramData\\Updater",
    "C:\\Users\\Default\\AppData\\Roaming",
    "/var/cache/updater",
    "/home/svc/.cache",
];

/// Generates Timesketch JSONL rows, one event a line, with increasing times.
#[derive(Debug, Clone)]
pub struct TimelineWriter {
    rng: Rng,
    time_us: i64,
}

impl TimelineWriter {
    pub fn new(seed: u64) -> TimelineWriter {
        // 2026-11-01T00:00:00Z: the case's week.
        TimelineWriter {
            rng: Rng::new(seed),
            time_us: 1_793_491_200_000_000,
        }
    }

    /// `rows` lines of JSONL.
    pub fn jsonl(&mut self, rows: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(rows * 320);
        for _ in 0..rows {
            let row = self.row();
            // Writing JSON into a Vec cannot fail: the map holds only strings and numbers.
            serde_json::to_writer(&mut out, &row).unwrap_or_default();
            let _ = out.write_all(b"\n");
        }
        out
    }

    /// One event as a JSON object.
    pub fn row(&mut self) -> Map<String, Value> {
        self.time_us += 1 + self.rng.below(2_000_000) as i64;
        let r = &mut self.rng;
        let host = format!("WKS-FIN-{:03}", 1 + r.below(250));
        let ip = format!("10.{}.{}.{}", r.below(8), r.below(256), 1 + r.below(254));
        let user = r.pick(PEOPLE).to_string();
        let mut attrs: Vec<(&str, Value)> = Vec::new();
        let (desc, message, data_type, parser, hostname) = match r.below(6) {
            0 => {
                let url = format!("https://{}/{}", r.pick(DOMAINS), r.hex(10));
                let message = if r.below(17) == 0 {
                    format!("{host} posted credentials to {url}")
                } else {
                    format!("{host} opened {url}")
                };
                attrs.push(("url", url.into()));
                (
                    "Request Time",
                    message,
                    "proxy:access",
                    "proxy",
                    format!("PRX-0{}", 1 + r.below(4)),
                )
            }
            1 => {
                let kind = if r.below(4) == 0 { 10 } else { 3 };
                let outcome = if r.below(20) == 0 {
                    "Failed"
                } else {
                    "Successful"
                };
                attrs.push(("username", user.clone().into()));
                attrs.push(("source_ip", ip.clone().into()));
                attrs.push((
                    "event_identifier",
                    (if outcome == "Failed" { 4625 } else { 4624 }).into(),
                ));
                let message = format!("{outcome} logon of {user} from {ip} (logon type {kind})");
                (
                    "Content Modification Time",
                    message,
                    "windows:evtx:record",
                    "winevtx",
                    host.clone(),
                )
            }
            2 => {
                let program = if r.below(50_000) == 0 {
                    "mimikatz.exe"
                } else {
                    r.pick(PROGRAMS)
                };
                let args = if program == "powershell.exe" && r.below(3) == 0 {
                    format!("-NoProfile -EncodedCommand {}", r.hex(24))
                } else {
                    format!("/c {}", r.hex(8))
                };
                attrs.push(("username", user.clone().into()));
                attrs.push(("event_identifier", 4688.into()));
                let message = format!("Process {program} started by {user} on {host} with command line {program} {args}");
                (
                    "Creation Time",
                    message,
                    "windows:evtx:record",
                    "winevtx",
                    host.clone(),
                )
            }
            3 => {
                let path = format!(
                    "{}\\{}.{}",
                    r.pick(FOLDERS),
                    r.hex(8),
                    r.pick(&["dll", "exe", "ps1", "zip", "docx"])
                );
                let sha = r.hex(64);
                let message = format!("File {path} created on {host}, SHA256 {sha}");
                attrs.push(("filename", path.into()));
                attrs.push(("sha256_hash", sha.into()));
                (
                    "Creation Time",
                    message,
                    "fs:stat",
                    "filestat",
                    host.clone(),
                )
            }
            4 => {
                let name = format!("{}.{}", r.hex(6), r.pick(DOMAINS));
                let message = format!("DNS query for {name} from {ip} answered NOERROR");
                attrs.push(("query", name.into()));
                attrs.push(("source_ip", ip.clone().into()));
                (
                    "Event Time",
                    message,
                    "dns:query",
                    "zeek",
                    format!("DNS-0{}", 1 + r.below(2)),
                )
            }
            _ => {
                let from = if r.below(200) == 0 {
                    "billing@northwind-ledger-payments.example".to_string()
                } else {
                    format!("{}@{}", r.pick(PEOPLE), r.pick(DOMAINS))
                };
                let subject = if r.below(5_000) == 0 {
                    "Overdue invoice INV-20931 - action required today"
                } else {
                    r.pick(SUBJECTS)
                };
                let message = format!(
                    "Message from {from} to {user}@northwind.test: '{subject}' delivered to {} mailboxes",
                    1 + r.below(40)
                );
                attrs.push(("sender", from.into()));
                (
                    "Time Received",
                    message,
                    "mail:gateway",
                    "gateway",
                    format!("MX-0{}", 1 + r.below(2)),
                )
            }
        };
        let mut row = Map::new();
        row.insert(
            "datetime".into(),
            datetime(self.time_us, self.rng.below(10) == 0).into(),
        );
        row.insert("timestamp_desc".into(), desc.into());
        row.insert("message".into(), message.into());
        row.insert("data_type".into(), data_type.into());
        row.insert("hostname".into(), hostname.into());
        row.insert("parser".into(), parser.into());
        for (k, v) in attrs {
            row.insert(k.into(), v);
        }
        row
    }
}

/// RFC 3339 with microseconds, in UTC or (for a tenth of the rows) in a +02:00 local time, as plaso writes them.
fn datetime(us: i64, local: bool) -> String {
    let utc: DateTime<Utc> = Utc.timestamp_micros(us).single().unwrap_or_default();
    match FixedOffset::east_opt(2 * 3600) {
        Some(offset) if local => utc
            .with_timezone(&offset)
            .to_rfc3339_opts(SecondsFormat::Micros, false),
        _ => utc.to_rfc3339_opts(SecondsFormat::Micros, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_line_imports() {
        let bytes = TimelineWriter::new(1).jsonl(500);
        let rows: Vec<_> =
            casebook_import::read_timeline(&bytes[..], casebook_import::Format::Jsonl)
                .expect("JSONL needs no header")
                .collect::<Result<_, _>>()
                .expect("the generator must write valid Timesketch rows");
        assert_eq!(rows.len(), 500, "one row per line");
        assert!(
            rows.windows(2).all(|w| w[0].event_time < w[1].event_time),
            "times increase"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_timeline() {
        assert_eq!(
            TimelineWriter::new(9).jsonl(50),
            TimelineWriter::new(9).jsonl(50),
            "runs must be comparable"
        );
    }
}
