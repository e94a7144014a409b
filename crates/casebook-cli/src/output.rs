//! How results reach the terminal: aligned tables for people, JSON for scripts, progress bars only on a terminal.
//!
//! Titles, names and messages come from other people's bundles and timelines, so everything printed for people
//! passes through [`visible`]: a terminal escape sequence in an evidence name must not be able to erase or recolour
//! a FAILED line. JSON needs no such step, since serde_json escapes control characters itself.

use std::borrow::Cow;

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// Prints either JSON or the human form.
pub struct Out {
    pub json: bool,
}

impl Out {
    pub fn show<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        let text = if self.json {
            serde_json::to_string_pretty(value)?
        } else {
            visible(human().trim_end()).into_owned()
        };
        if text.is_empty() {
            return Ok(());
        }
        let mut stdout = std::io::stdout().lock();
        match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
            // The reader stopped early (`casebook … | head`): what it wanted is delivered; `println!` would panic.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(e.into()),
            Ok(()) => Ok(()),
        }
    }
}

impl Out {
    /// Prints, as one JSON array, every item `page(offset)` gives, a page at a time until a page comes back empty:
    /// memory stays flat however long the list. One item per line.
    pub fn stream_json<T: Serialize>(
        &self,
        mut page: impl FnMut(i64) -> anyhow::Result<Vec<T>>,
    ) -> anyhow::Result<()> {
        let mut w = std::io::BufWriter::new(std::io::stdout().lock());
        let mut written = 0i64;
        let result = (|| -> anyhow::Result<()> {
            w.write_all(b"[")?;
            loop {
                let items = page(written)?;
                if items.is_empty() {
                    break;
                }
                for item in &items {
                    w.write_all(if written == 0 { b"\n  " } else { b",\n  " })?;
                    serde_json::to_writer(&mut w, item)?;
                    written += 1;
                }
            }
            w.write_all(if written == 0 { b"]\n" } else { b"\n]\n" })?;
            w.flush()?;
            Ok(())
        })();
        match result {
            // As in `show`: a reader that stopped early got what it wanted.
            Err(e)
                if e.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
            {
                Ok(())
            }
            other => other,
        }
    }
}

/// Columns padded to their widest cell; the last column is not padded.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let n = cells.len();
        let mut out = String::new();
        for (i, c) in cells.into_iter().enumerate() {
            out.push_str(c);
            if i + 1 < n {
                out.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        out.trim_end().to_string()
    };
    let mut out = line(headers.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// Shortens text for a table cell.
pub fn clip(s: &str, max: usize) -> String {
    let one_line = s.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut t: String = one_line.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

pub fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn opt_time(t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.as_ref().map(time).unwrap_or_else(|| "—".into())
}

/// A progress bar on standard error when it is a terminal; hidden when piped, so scripts get clean output.
pub fn progress(len: Option<u64>, bytes: bool, message: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    let template = match (len.is_some(), bytes) {
        (true, true) => "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        (true, false) => "{msg} [{bar:30}] {pos}/{len} eta {eta}",
        (false, true) => "{spinner} {msg} {bytes} {bytes_per_sec}",
        (false, false) => "{spinner} {msg} {pos}",
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// Shows control characters as escapes (`\u{1b}`) instead of letting the terminal obey them: C0 and C1 controls,
/// DEL, and the bidirectional overrides that reorder what a line appears to say. Line breaks and tabs stay.
pub fn visible(text: &str) -> Cow<'_, str> {
    let hidden = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        let name = "report.pdf\u{1b}[1A\u{1b}[2Kok      all good\r";
        let shown = visible(name);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\r'),
            "no escape or carriage return reaches the terminal: {shown:?}"
        );
        assert_eq!(
            shown,
            "report.pdf\\u{1b}[1A\\u{1b}[2Kok      all good\\u{d}"
        );
    }

    #[test]
    fn bidirectional_overrides_and_c1_controls_are_shown() {
        assert_eq!(visible("abc\u{202e}fdp.exe"), "abc\\u{202e}fdp.exe");
        assert_eq!(
            visible("x\u{9b}31m"),
            "x\\u{9b}31m",
            "a one-byte CSI is a control too"
        );
    }

    #[test]
    fn ordinary_text_passes_unchanged() {
        let text = "Title\twith tab\nand a line — ünïcode ✓";
        assert!(
            matches!(visible(text), Cow::Borrowed(_)),
            "nothing to escape, nothing copied"
        );
    }
}
