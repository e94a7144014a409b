//! STIX 2.1 patterning: writing the pattern of one observable, and parsing any pattern far enough to check its
//! syntax and list its comparisons.
//!
//! The parser follows the grammar of the STIX 2.1 specification, part 9: observation expressions in `[…]` joined by
//! `AND`, `OR` and `FOLLOWEDBY`, with `WITHIN`, `REPEATS` and `START … STOP` qualifiers; comparison expressions joined
//! by `AND` and `OR`, with parentheses; comparisons of an object path (`file:hashes.'SHA-256'`, `x:list[*].y`) by
//! `=`, `!=`, `<`, `<=`, `>`, `>=`, `IN`, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET` (each optionally after `NOT`),
//! or `EXISTS`. Literals: strings with `\'` and `\\` escapes, integers, floats, booleans, `t'…'`, `h'…'`, `b'…'` and
//! parenthesised sets. Which comparisons become observables is the caller's choice ([`crate::stix`]).

use std::fmt;

/// A syntax error, with the byte offset where the pattern stops making sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid STIX pattern at character {offset}: {why}")]
pub struct PatternError {
    pub offset: usize,
    pub why: String,
}

/// One comparison of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The object type, e.g. `ipv4-addr`.
    pub object_type: String,
    /// The property path after the colon, each step as written without quotes (`hashes`, `SHA-256`; `[*]` as `*`).
    pub path: Vec<String>,
    /// The operator as written in upper case (`=`, `LIKE`, `EXISTS`, …).
    pub operator: String,
    pub negated: bool,
    pub value: Literal,
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    /// Numbers, booleans, timestamps, binary and hex literals, sets, and nothing (for `EXISTS`): kept as written.
    Other(String),
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = match &self.value {
            Literal::String(s) => quote(s),
            Literal::Other(s) => s.clone(),
        };
        let not = if self.negated { "NOT " } else { "" };
        write!(
            f,
            "{}:{} {not}{} {value}",
            self.object_type,
            self.path.join("."),
            self.operator
        )
    }
}

/// A string literal with STIX escapes: `'` becomes `\'` and `\` becomes `\\`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// The pattern `[type:path = 'value']`; `path` steps that are not plain identifiers are quoted (`'SHA-256'`).
pub fn equality(object_type: &str, path: &[&str], value: &str) -> String {
    let path: Vec<String> = path
        .iter()
        .map(|p| {
            if p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                (*p).to_string()
            } else {
                quote(p)
            }
        })
        .collect();
    format!("[{object_type}:{} = {}]", path.join("."), quote(value))
}

/// Parses a pattern and returns its comparisons in order.
///
/// # Errors
/// A [`PatternError`] at the first character that breaks the grammar.
pub fn parse(pattern: &str) -> Result<Vec<Comparison>, PatternError> {
    let tokens = lex(pattern)?;
    let mut p = Parser {
        tokens,
        at: 0,
        end: pattern.len(),
        found: Vec::new(),
    };
    p.observation_or()?;
    if let Some(t) = p.tokens.get(p.at) {
        return Err(p.error_at(t.offset, format!("unexpected `{}`", t.text)));
    }
    Ok(p.found)
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Punct,
    Word,
    Str(String),
    /// `t'…'`, `h'…'`, `b'…'`.
    Prefixed,
    Number,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    text: String,
    offset: usize,
}

fn lex(s: &str) -> Result<Vec<Token>, PatternError> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |offset: usize, why: &str| PatternError {
        offset,
        why: why.to_string(),
    };
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let read_string = |mut j: usize| -> Result<(String, usize), PatternError> {
            // `j` is just after the opening quote.
            let mut value = String::new();
            let rest = &s[j..];
            let mut chars = rest.char_indices();
            while let Some((k, ch)) = chars.next() {
                match ch {
                    '\'' => {
                        j += k + 1;
                        return Ok((value, j));
                    }
                    '\\' => match chars.next() {
                        Some((_, e @ ('\'' | '\\'))) => value.push(e),
                        _ => {
                            return Err(err(
                                j + k,
                                "a backslash in a string may only escape ' or \\",
                            ))
                        }
                    },
                    other => value.push(other),
                }
            }
            Err(err(start, "a string is not closed with '"))
        };
        if c == b'\'' {
            let (value, next) = read_string(i + 1)?;
            out.push(Token {
                kind: Kind::Str(value),
                text: s[start..next].to_string(),
                offset: start,
            });
            i = next;
        } else if matches!(c, b't' | b'h' | b'b') && bytes.get(i + 1) == Some(&b'\'') {
            let (_, next) = read_string(i + 2)?;
            out.push(Token {
                kind: Kind::Prefixed,
                text: s[start..next].to_string(),
                offset: start,
            });
            i = next;
        } else if c.is_ascii_digit()
            || (c == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i += 1;
            let digits = |mut j: usize| {
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                j
            };
            i = digits(i);
            if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                i = digits(i + 1);
            }
            out.push(Token {
                kind: Kind::Number,
                text: s[start..i].to_string(),
                offset: start,
            });
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-')
            {
                i += 1;
            }
            out.push(Token {
                kind: Kind::Word,
                text: s[start..i].to_string(),
                offset: start,
            });
        } else {
            let two = s.get(i..i + 2).unwrap_or("");
            let text = if matches!(two, "!=" | "<=" | ">=" | "==") {
                two
            } else if matches!(
                c,
                b'[' | b']' | b'(' | b')' | b',' | b':' | b'.' | b'=' | b'<' | b'>' | b'*'
            ) {
                &s[i..i + 1]
            } else {
                return Err(err(i, "unexpected character"));
            };
            i += text.len();
            out.push(Token {
                kind: Kind::Punct,
                text: text.to_string(),
                offset: start,
            });
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    end: usize,
    found: Vec<Comparison>,
}

const OPERATORS: [&str; 11] = [
    "=", "==", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES", "ISSUBSET",
];

impl Parser {
    fn error_at(&self, offset: usize, why: impl Into<String>) -> PatternError {
        PatternError {
            offset,
            why: why.into(),
        }
    }

    fn here(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.offset)
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn is(&self, text: &str) -> bool {
        self.peek().is_some_and(|t| {
            (t.kind == Kind::Punct || t.kind == Kind::Word) && t.text.eq_ignore_ascii_case(text)
        })
    }

    fn eat(&mut self, text: &str) -> bool {
        if self.is(text) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, text: &str, what: &str) -> Result<(), PatternError> {
        if self.eat(text) {
            Ok(())
        } else {
            Err(self.error_at(self.here(), format!("expected {what}")))
        }
    }

    fn next(&mut self, what: &str) -> Result<Token, PatternError> {
        let t = self
            .tokens
            .get(self.at)
            .cloned()
            .ok_or_else(|| self.error_at(self.end, format!("expected {what}")))?;
        self.at += 1;
        Ok(t)
    }

    fn observation_or(&mut self) -> Result<(), PatternError> {
        self.observation_and()?;
        while self.eat("OR") {
            self.observation_and()?;
        }
        Ok(())
    }

    fn observation_and(&mut self) -> Result<(), PatternError> {
        self.observation_sequence()?;
        while self.eat("AND") {
            self.observation_sequence()?;
        }
        Ok(())
    }

    fn observation_sequence(&mut self) -> Result<(), PatternError> {
        self.observation()?;
        while self.eat("FOLLOWEDBY") {
            self.observation()?;
        }
        Ok(())
    }

    fn observation(&mut self) -> Result<(), PatternError> {
        if self.eat("[") {
            self.comparison_or()?;
            self.expect("]", "`]` to close the observation")?;
        } else if self.eat("(") {
            self.observation_or()?;
            self.expect(")", "`)`")?;
        } else {
            return Err(self.error_at(
                self.here(),
                "expected `[` to open an observation, e.g. [ipv4-addr:value = '203.0.113.7']",
            ));
        }
        self.qualifiers()
    }

    fn qualifiers(&mut self) -> Result<(), PatternError> {
        loop {
            if self.eat("WITHIN") {
                self.number("a number of seconds after WITHIN")?;
                self.expect("SECONDS", "SECONDS")?;
            } else if self.eat("REPEATS") {
                self.number("a count after REPEATS")?;
                self.expect("TIMES", "TIMES")?;
            } else if self.eat("START") {
                self.timestamp("a t'…' timestamp after START")?;
                self.expect("STOP", "STOP")?;
                self.timestamp("a t'…' timestamp after STOP")?;
            } else {
                return Ok(());
            }
        }
    }

    fn number(&mut self, what: &str) -> Result<(), PatternError> {
        let t = self.next(what)?;
        if t.kind == Kind::Number {
            Ok(())
        } else {
            Err(self.error_at(t.offset, format!("expected {what}")))
        }
    }

    fn timestamp(&mut self, what: &str) -> Result<(), PatternError> {
        let t = self.next(what)?;
        if t.kind == Kind::Prefixed && t.text.starts_with('t') {
            Ok(())
        } else {
            Err(self.error_at(t.offset, format!("expected {what}")))
        }
    }

    fn comparison_or(&mut self) -> Result<(), PatternError> {
        self.comparison_and()?;
        while self.eat("OR") {
            self.comparison_and()?;
        }
        Ok(())
    }

    fn comparison_and(&mut self) -> Result<(), PatternError> {
        self.comparison()?;
        while self.eat("AND") {
            self.comparison()?;
        }
        Ok(())
    }

    fn comparison(&mut self) -> Result<(), PatternError> {
        if self.eat("(") {
            self.comparison_or()?;
            return self.expect(")", "`)`");
        }
        if self.eat("EXISTS") {
            let (object_type, path) = self.object_path()?;
            self.found.push(Comparison {
                object_type,
                path,
                operator: "EXISTS".into(),
                negated: false,
                value: Literal::Other(String::new()),
            });
            return Ok(());
        }
        let (object_type, path) = self.object_path()?;
        let negated = self.eat("NOT");
        let op = self.next("a comparison operator such as =")?;
        let operator = op.text.to_ascii_uppercase();
        if !(OPERATORS.contains(&operator.as_str()) || operator == "ISSUPERSET")
            || matches!(op.kind, Kind::Str(_))
        {
            return Err(self.error_at(
                op.offset,
                format!("`{}` is not a comparison operator", op.text),
            ));
        }
        let value = self.literal()?;
        self.found.push(Comparison {
            object_type,
            path,
            operator,
            negated,
            value,
        });
        Ok(())
    }

    fn object_path(&mut self) -> Result<(String, Vec<String>), PatternError> {
        let t = self.next("an object path such as ipv4-addr:value")?;
        let valid_type = t.kind == Kind::Word
            && t.text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_type {
            return Err(self.error_at(
                t.offset,
                format!(
                    "expected an object type such as ipv4-addr, found `{}`",
                    t.text
                ),
            ));
        }
        self.expect(":", "`:` after the object type")?;
        let mut path = vec![self.path_step()?];
        loop {
            if self.eat(".") {
                path.push(self.path_step()?);
            } else if self.eat("[") {
                let i = self.next("a list index or *")?;
                if !(i.kind == Kind::Number || i.text == "*") {
                    return Err(self.error_at(i.offset, "expected a list index or *"));
                }
                path.push(i.text);
                self.expect("]", "`]` after the list index")?;
            } else {
                return Ok((t.text, path));
            }
        }
    }

    fn path_step(&mut self) -> Result<String, PatternError> {
        let t = self.next("a property name")?;
        match t.kind {
            Kind::Word => Ok(t.text),
            Kind::Str(s) => Ok(s),
            _ => Err(self.error_at(
                t.offset,
                format!("expected a property name, found `{}`", t.text),
            )),
        }
    }

    fn literal(&mut self) -> Result<Literal, PatternError> {
        if self.eat("(") {
            let start = self.at;
            loop {
                self.literal()?;
                if self.eat(")") {
                    break;
                }
                self.expect(",", "`,` or `)` in the set")?;
            }
            let text: Vec<String> = self.tokens[start..self.at - 1]
                .iter()
                .map(|t| t.text.clone())
                .collect();
            return Ok(Literal::Other(format!("({})", text.join(" "))));
        }
        let t = self.next("a value")?;
        match t.kind {
            Kind::Str(s) => Ok(Literal::String(s)),
            Kind::Number | Kind::Prefixed => Ok(Literal::Other(t.text)),
            Kind::Word if t.text == "true" || t.text == "false" => Ok(Literal::Other(t.text)),
            _ => Err(self.error_at(
                t.offset,
                format!("expected a value such as '203.0.113.7', found `{}`", t.text),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_patterns_parse_back_to_the_same_value() {
        let tricky = r"C:\Users\o'brien\evil.exe";
        let p = equality("file", &["name"], tricky);
        assert_eq!(p, r"[file:name = 'C:\\Users\\o\'brien\\evil.exe']");
        let c = parse(&p).unwrap();
        assert_eq!(
            c[0].value,
            Literal::String(tricky.into()),
            "escapes must round-trip"
        );
        let h = equality("file", &["hashes", "SHA-256"], "ab");
        assert_eq!(h, "[file:hashes.'SHA-256' = 'ab']");
        assert_eq!(parse(&h).unwrap()[0].path, vec!["hashes", "SHA-256"]);
    }

    #[test]
    fn the_full_grammar_is_accepted_and_every_comparison_listed() {
        let p = "([file:hashes.MD5 = 'a' OR file:size > 10] AND [x-x:list[*].y NOT LIKE 'z%']) \
                 FOLLOWEDBY [network-traffic:dst_port IN (80, 443) AND EXISTS process:pid] \
                 WITHIN 300 SECONDS START t'2024-01-01T00:00:00Z' STOP t'2024-01-02T00:00:00Z'";
        let c = parse(p).unwrap();
        let ops: Vec<&str> = c.iter().map(|c| c.operator.as_str()).collect();
        assert_eq!(ops, ["=", ">", "LIKE", "IN", "EXISTS"]);
        assert!(c[2].negated);
    }

    #[test]
    fn broken_patterns_say_where() {
        for (bad, offset) in [
            ("ipv4-addr:value = '1.2.3.4'", 0),
            ("[ipv4-addr:value = '1.2.3.4'", 28),
            ("[ipv4-addr:value = 1.2.3.4]", 22),
            ("[ipv4-addr:value = '1.2.3.4]", 19),
            ("[ipv4-addr:value ~ '1.2.3.4']", 17),
            ("[IPv4:value = '1.2.3.4']", 1),
            ("[ipv4-addr:value = '1'] junk", 24),
        ] {
            let e = parse(bad).expect_err(bad);
            assert_eq!(e.offset, offset, "{bad}: {e}");
        }
    }
}
