//! Cuts the input into documents, keeping each one's exact bytes: a lone object, the elements of a top-level array,
//! or JSON lines (any run of values separated by white space, so a pretty-printed object spanning lines is one
//! document). The scan only tracks strings and brackets; serde_json then parses each piece and reports what is wrong.

use crate::error::{AlertError, Position};
use crate::Limits;

/// Arrays and objects nested past this are refused before serde_json sees them. Below serde_json's own recursion
/// limit (128), so the caller always gets our message; real alerts nest about ten levels.
pub const MAX_NESTING: usize = 100;

/// One document of the input, as written.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    pub at: Position,
    /// The line of the input where the document starts (for errors inside an array element).
    pub line: u64,
    pub text: &'a str,
}

pub(crate) fn split<'a>(text: &'a str, limits: &Limits) -> Result<Vec<Document<'a>>, AlertError> {
    let bytes = text.as_bytes();
    let mut cursor = Cursor {
        bytes,
        pos: 0,
        line: 1,
    };
    cursor.skip_space();
    if cursor.at_end() {
        return Err(AlertError::Empty);
    }
    let mut documents = Vec::new();
    if bytes[cursor.pos] == b'[' {
        cursor.pos += 1;
        let mut index = 0;
        loop {
            cursor.skip_space();
            if cursor.peek() == Some(b']') && index == 0 {
                cursor.pos += 1;
                break;
            }
            index += 1;
            let at = Position::Index(index);
            if cursor.at_end() {
                return Err(json(at, "the array is never closed with `]`"));
            }
            let (start, line) = (cursor.pos, cursor.line);
            cursor.value(at, limits)?;
            documents.push(Document {
                at,
                line,
                text: &text[start..cursor.pos],
            });
            cursor.skip_space();
            match cursor.peek() {
                Some(b',') => cursor.pos += 1,
                Some(b']') => {
                    cursor.pos += 1;
                    break;
                }
                _ => return Err(json(at, "expected `,` or `]` after the element")),
            }
        }
        cursor.skip_space();
        if !cursor.at_end() {
            let at = Position::Line(cursor.line);
            return Err(json(at, "text after the closing `]` of the array"));
        }
    } else {
        while !cursor.at_end() {
            let (start, line) = (cursor.pos, cursor.line);
            let at = Position::Line(line);
            cursor.value(at, limits)?;
            documents.push(Document {
                at,
                line,
                text: &text[start..cursor.pos],
            });
            cursor.skip_space();
        }
    }
    if documents.is_empty() {
        return Err(AlertError::Empty);
    }
    Ok(documents)
}

fn json(at: Position, detail: &str) -> AlertError {
    AlertError::Json {
        at,
        detail: detail.to_string(),
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl Cursor<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.pos += 1;
        }
    }

    /// Steps over one value: a bracketed one to its matching bracket, a string to its closing quote, anything else
    /// to the next white space or delimiter. Unbalanced input runs to the end; serde_json then names the fault.
    fn value(&mut self, at: Position, limits: &Limits) -> Result<(), AlertError> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let first = self.bytes[start];
        while let Some(b) = self.peek() {
            if (self.pos - start) as u64 >= limits.max_document_bytes {
                return Err(AlertError::DocumentTooLarge {
                    at,
                    limit: limits.max_document_bytes,
                });
            }
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                    if depth == 0 {
                        self.pos += 1;
                        return Ok(());
                    }
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => {
                        depth += 1;
                        if depth > MAX_NESTING {
                            return Err(AlertError::TooDeep {
                                at,
                                limit: MAX_NESTING,
                            });
                        }
                    }
                    b'}' | b']' if depth > 0 => {
                        depth -= 1;
                        if depth == 0 {
                            self.pos += 1;
                            return Ok(());
                        }
                    }
                    b' ' | b'\t' | b'\r' | b'\n' | b',' | b']' | b'}'
                        if depth == 0 && first != b'"' =>
                    {
                        if self.pos == start {
                            self.pos += 1;
                        }
                        return Ok(());
                    }
                    _ => {}
                }
            }
            if b == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
        Ok(())
    }
}
