//! What search does with a matching row's text: the snippet people read and the score that ranks a few matches,
//! both from the text itself, so a query's hits cost one walk of the full-text index (see `read::search`).
//!
//! Words are split as the index's tokenizer (unicode61) splits them: runs of letters, digits and private-use
//! characters; they are compared without case.

/// Words a snippet shows, as FTS5's `snippet(…, 12)` would.
pub(crate) const SNIPPET_TOKENS: usize = 12;

/// A word of a query as the snippet and the score look for it: lowercase, and whether it is a prefix.
pub(crate) type Word = (String, bool);

fn is_token_char(c: char) -> bool {
    c.is_alphanumeric() || ('\u{E000}'..='\u{F8FF}').contains(&c)
}

/// Byte ranges of the text's words.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_token_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Which query word each of the text's words is, if any.
fn hits(text: &str, tokens: &[(usize, usize)], words: &[Word]) -> Vec<Option<usize>> {
    tokens
        .iter()
        .map(|&(a, b)| {
            words
                .iter()
                .position(|(w, prefix)| matches(&text[a..b], w, *prefix))
        })
        .collect()
}

/// Whether `token` is `word` (lowercase), or starts with it when `prefix`, without case and without allocating:
/// ranking compares every word of up to `RANK_WINDOW` texts.
fn matches(token: &str, word: &str, prefix: bool) -> bool {
    let mut have = token.chars().flat_map(char::to_lowercase);
    let mut want = word.chars();
    loop {
        match (want.next(), have.next()) {
            (None, None) => return true,
            (None, Some(_)) => return prefix,
            (Some(w), Some(h)) if w == h => {}
            _ => return false,
        }
    }
}

/// A fragment of `text` of at most [`SNIPPET_TOKENS`] words around the most query words, each word matched between
/// `[` and `]`, `…` where text was cut (what FTS5's `snippet()` gives, without a second query to get it).
pub(crate) fn snippet(text: &str, words: &[Word]) -> String {
    let tokens = tokens(text);
    let hit = hits(text, &tokens, words);
    let n = tokens.len();
    if n == 0 {
        return text.to_string();
    }
    let window = SNIPPET_TOKENS.min(n);
    // The window with the most distinct words, then the most hits; the earliest of equals.
    let mut best = ((0, 0), 0);
    for from in 0..=n - window {
        let mut distinct = vec![false; words.len()];
        let mut count = 0;
        for w in hit[from..from + window].iter().flatten() {
            distinct[*w] = true;
            count += 1;
        }
        let score = (distinct.iter().filter(|d| **d).count(), count);
        if score > best.0 {
            best = (score, from);
        }
    }
    let mut from = best.1;
    // The hits in the middle of the window, so the words around them show too.
    let mut inside = (from..from + window).filter(|i| hit[*i].is_some());
    if let Some(first) = inside.next() {
        let last = inside.next_back().unwrap_or(first);
        let slack = window - (last - first + 1);
        from = first.saturating_sub(slack / 2).min(n - window);
    }
    let end = from + window;
    let mut out = String::with_capacity(text.len().min(512) + 8);
    let mut at = if from == 0 {
        0
    } else {
        out.push('…');
        tokens[from].0
    };
    for (&(a, b), h) in tokens[from..end].iter().zip(&hit[from..end]) {
        out.push_str(&text[at..a]);
        if h.is_some() {
            out.push('[');
            out.push_str(&text[a..b]);
            out.push(']');
        } else {
            out.push_str(&text[a..b]);
        }
        at = b;
    }
    if end < n {
        out.push('…');
    } else {
        out.push_str(&text[at..]);
    }
    out
}

/// How well each text matches, best highest: bm25's term-frequency part (k1 = 1.2, b = 0.75) summed over the
/// words, against the texts' average length. bm25's per-word weight (how rare the word is in the whole index) is
/// left out: computing it walks every match of every word, which for a common word is the whole cost of a search.
/// Every text ranked holds every word, so the order differs from bm25 only in how words weigh against each other.
pub(crate) fn scores(texts: &[String], words: &[Word]) -> Vec<f64> {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    let counted: Vec<(usize, Vec<u32>)> = texts
        .iter()
        .map(|text| {
            let tokens = tokens(text);
            let mut tf = vec![0u32; words.len()];
            for w in hits(text, &tokens, words).into_iter().flatten() {
                tf[w] += 1;
            }
            (tokens.len(), tf)
        })
        .collect();
    let average =
        counted.iter().map(|(len, _)| *len).sum::<usize>() as f64 / counted.len().max(1) as f64;
    counted
        .iter()
        .map(|(len, tf)| {
            let norm = K1 * (1.0 - B + B * *len as f64 / average.max(1.0));
            tf.iter()
                .map(|&f| f64::from(f) * (K1 + 1.0) / (f64::from(f) + norm))
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[(&str, bool)]) -> Vec<Word> {
        w.iter().map(|(s, p)| (s.to_string(), *p)).collect()
    }

    #[test]
    fn a_snippet_marks_the_words_and_cuts_around_them() {
        let w = words(&[("failed", false), ("logon", true)]);
        assert_eq!(
            snippet("Failed logon of asilva on WKS-FIN-010.", &w),
            "[Failed] [logon] of asilva on WKS-FIN-010.",
            "a short text is shown whole"
        );
        let long =
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen \
                    failed logons here fifteen sixteen seventeen eighteen nineteen twenty";
        assert_eq!(
            snippet(long, &w),
            "…ten eleven twelve thirteen fourteen [failed] [logons] here fifteen sixteen seventeen eighteen…",
            "twelve words, the hits in the middle, the prefix matching a longer word"
        );
        assert_eq!(
            snippet(
                "no such words at all in this text of more than twelve words, really, quite long",
                &w
            ),
            "no such words at all in this text of more than twelve…",
            "no hit (an identifier matched): the start"
        );
        assert_eq!(snippet("", &w), "");
    }

    #[test]
    fn more_of_the_words_in_a_shorter_text_scores_higher() {
        let w = words(&[("logon", false)]);
        let texts = [
            "LOGON failed, logon again",
            "logon failed once more here",
            "logon failed once more here and then a long tail of other words",
            "logons only",
        ]
        .map(String::from);
        let s = scores(&texts, &w);
        assert!(s[0] > s[1] && s[1] > s[2], "{s:?}");
        assert_eq!(s[3], 0.0, "a whole word is no prefix");
    }
}
