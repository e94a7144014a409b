//! The architecture's invariants (ARCHITECTURE.md, "Architecture invariants") as tests, so CI fails when one breaks:
//! the dependency arrows point inward, the front ends depend on the application API alone, a front end holds no
//! SQL, and the API's messages speak of the product, never of one front end's commands or flags.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

/// The packages `krate` depends on for its normal build (not tests, not build scripts), on this machine's target:
/// all of them, or only the direct ones.
fn dependencies(krate: &str, direct_only: bool) -> BTreeSet<String> {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(workspace()).args([
        "tree", "-p", krate, "-e", "normal", "--prefix", "none", "--format", "{p}", "--locked",
    ]);
    if direct_only {
        cmd.args(["--depth", "1"]);
    }
    let out = cmd.output().expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {krate} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != krate)
        .map(str::to_string)
        .collect()
}

/// Which crates may not be reached from which, and why.
const INWARD: &[(&str, &[&str], &str)] = &[
    (
        "casebook-core",
        &["rusqlite", "tokio", "tauri", "printpdf", "lopdf", "axum", "ureq", "casebook-store", "casebook-api",
          "casebook-import", "casebook-interchange", "casebook-report"],
        "the core is pure: no I/O, no database, no runtime, no UI, no PDF",
    ),
    ("casebook-import", &["rusqlite", "tokio", "tauri", "casebook-store", "casebook-api"], "the importer only parses and writes streams"),
    ("casebook-alerts", &["rusqlite", "tokio", "tauri", "casebook-store", "casebook-api"], "the alert adapters only parse"),
    (
        "casebook-interchange",
        &["rusqlite", "tokio", "tauri", "casebook-store", "casebook-api", "casebook-import"],
        "observable interchange only transforms what it is given",
    ),
    ("casebook-store", &["tokio", "tauri", "printpdf", "casebook-api", "casebook-cli"], "the store knows SQLite and files, nothing above it"),
    ("casebook-report", &["rusqlite", "tokio", "tauri", "casebook-store", "casebook-api"], "the report renders a model it is given"),
    (
        "casebook-api",
        &["tauri", "clap", "indicatif", "axum", "casebook-server"],
        "the application API serves every front end and belongs to none",
    ),
    ("casebook-protocol", &["rusqlite", "tokio", "tauri", "axum", "ureq", "casebook-store", "casebook-api"], "the protocol is wire types only"),
    (
        "casebook-sync",
        &["rusqlite", "tauri", "axum", "casebook-store", "casebook-api", "casebook-server"],
        "the sync client plans and talks HTTP; the API applies what it brings",
    ),
    (
        "casebook-server-storage",
        &["rusqlite", "tokio-postgres", "axum", "tauri", "casebook-store", "casebook-api"],
        "the storage trait names no database",
    ),
    (
        "casebook-server-sqlite",
        &["tokio-postgres", "axum", "tauri", "casebook-store", "casebook-api", "casebook-server"],
        "one database per implementation",
    ),
    (
        "casebook-server-postgres",
        &["rusqlite", "axum", "tauri", "casebook-store", "casebook-api", "casebook-server"],
        "one database per implementation",
    ),
    (
        "casebook-server",
        &["tauri", "printpdf", "lopdf", "casebook-store", "casebook-api", "casebook-report", "casebook-import"],
        "the server relays and admits events; it never depends on the laptop's store, reports or the desktop",
    ),
];

#[test]
fn dependency_arrows_point_inward() {
    let mut broken = Vec::new();
    for (krate, forbidden, why) in INWARD {
        let deps = dependencies(krate, false);
        let found: Vec<&str> = forbidden
            .iter()
            .copied()
            .filter(|f| deps.contains(*f))
            .collect();
        if !found.is_empty() {
            broken.push(format!("{krate} depends on {found:?}: {why}"));
        }
    }
    assert!(broken.is_empty(), "architecture:\n{}", broken.join("\n"));
}

/// The front ends and their source folders.
const FRONT_ENDS: &[(&str, &str)] = &[
    ("casebook-cli", "crates/casebook-cli/src"),
    ("casebook-desktop", "src-tauri/src"),
];

/// What a front end reaches only through the API.
const BEHIND_THE_API: &[&str] = &[
    "casebook-store",
    "casebook-import",
    "casebook-report",
    "rusqlite",
];

#[test]
fn front_ends_depend_on_the_api_alone() {
    let mut broken = Vec::new();
    for (krate, src) in FRONT_ENDS {
        let direct = dependencies(krate, true);
        for name in BEHIND_THE_API {
            if direct.contains(*name) {
                broken.push(format!(
                    "{krate} depends on {name} directly: it calls casebook-api"
                ));
            }
        }
        for (file, line_no, line) in source_lines(&workspace().join(src)) {
            for name in BEHIND_THE_API {
                let path = name.replace('-', "_");
                if line.contains(&format!("{path}::")) || line.contains(&format!("use {path}")) {
                    broken.push(format!(
                        "{}:{line_no} names {path}: {}",
                        file.display(),
                        line.trim()
                    ));
                }
            }
            if ["SELECT ", "INSERT INTO", "DELETE FROM", "CREATE TABLE"]
                .iter()
                .any(|sql| line.contains(sql))
            {
                broken.push(format!(
                    "{}:{line_no} holds SQL; queries belong in casebook-store",
                    file.display()
                ));
            }
        }
    }
    assert!(broken.is_empty(), "architecture:\n{}", broken.join("\n"));
}

/// The crates whose messages reach every front end.
const SHARED: &[&str] = &[
    "crates/casebook-api/src",
    "crates/casebook-core/src",
    "crates/casebook-store/src",
    "crates/casebook-sync/src",
    "crates/casebook-import/src",
    "crates/casebook-interchange/src",
    "crates/casebook-report/src",
];

/// The CLI's commands, as a message would name them.
const CLI_WORDS: &[&str] = &[
    "casebook init",
    "casebook login",
    "casebook logout",
    "casebook incident",
    "casebook timeline",
    "casebook evidence",
    "casebook task",
    "casebook search",
    "casebook escalate",
    "casebook user",
    "casebook team",
    "casebook sync",
    "casebook report",
    "casebook bundle",
    "casebook import",
    "casebook export",
    "casebook observable",
    "casebook demo",
];

#[test]
fn shared_messages_name_no_command_or_flag() {
    let mut broken = Vec::new();
    for src in SHARED {
        for (file, line_no, line) in source_lines(&workspace().join(src)) {
            for literal in string_literals(&line) {
                let cli = CLI_WORDS.iter().any(|w| literal.contains(w));
                if cli || has_flag(&literal) {
                    broken.push(format!("{}:{line_no}: {literal:?}", shown(&file)));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "these messages name a front end's command or flag; say what happened in the product's words and give the \
         next step as an api::Hint, which each front end words:\n{}",
        broken.join("\n")
    );
}

/// `--name`-like flags: two dashes at the start of a word and a lowercase letter (an SQL comment `-- text` has a
/// space; a STIX id `marking-definition--…` has the dashes inside a word).
fn has_flag(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(2)).any(|i| {
        let starts_word = i == 0 || matches!(b[i - 1], b' ' | b'`' | b'(' | b'[' | b'\'');
        starts_word && b[i] == b'-' && b[i + 1] == b'-' && b[i + 2].is_ascii_lowercase()
    })
}

/// A file's path as the repository names it.
fn shown(file: &Path) -> String {
    file.strip_prefix(workspace())
        .unwrap_or(file)
        .display()
        .to_string()
}

/// The lines of every `.rs` file under `dir`, with comments and test modules left out (comments may name
/// commands; tests may spell inputs as a person would).
fn source_lines(dir: &Path) -> Vec<(PathBuf, usize, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("reading {}: {e}", d.display()))
        {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                for (i, line) in text.lines().enumerate() {
                    if line.trim_start() == "#[cfg(test)]" {
                        break; // test modules sit at the end of a file
                    }
                    if line.trim_start().starts_with("//") {
                        continue;
                    }
                    out.push((path.clone(), i + 1, line.to_string()));
                }
            }
        }
    }
    out
}

/// The contents of the plain `"…"` string literals on one line (raw strings, which hold SQL, are skipped).
fn string_literals(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        if c == '"' && prev != 'r' && prev != '#' && prev != '\'' {
            let mut lit = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => break,
                    _ => lit.push(c),
                }
            }
            out.push(lit);
            prev = '"';
            continue;
        }
        prev = c;
    }
    out
}

#[test]
fn the_scanners_see_what_they_look_for() {
    assert_eq!(
        string_literals(r#"Err(Error::invalid("add --reason \"x\"")) // "--not-this""#),
        vec!["add --reason x".to_string(), "--not-this".to_string()]
    );
    assert!(has_flag("use another --data-dir"));
    assert!(!has_flag("-- a comment in SQL"));
    assert!(!has_flag("marking-definition--e828b379"));
}
