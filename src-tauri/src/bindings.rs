//! Writes the UI's TypeScript bindings from the Rust types: one file per type (ts-rs) and `commands.ts`, a typed
//! function per command. `ui/src/bindings/` holds the checked-in result; the `bindings_are_current` test fails
//! when it drifts, and `scripts/bindings` (or `UPDATE_BINDINGS=1 cargo test -p casebook-desktop bindings`)
//! rewrites it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use ts_rs::ExportError;

use crate::commands::signatures;
use crate::dto::{CommandError, Progress};
use crate::signature::Exporter;

const HEADER: &str = "// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit; run scripts/bindings.\n";

/// Every file of the bindings, by file name.
pub fn generate() -> Result<BTreeMap<String, String>, ExportError> {
    // One folder per call: tests generate concurrently in one process.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let tmp = std::env::temp_dir().join(format!(
        "casebook-bindings-{}-{}",
        std::process::id(),
        CALLS.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    let sigs = signatures();
    for s in &sigs {
        (s.export)(&tmp)?;
    }
    let mut extra = Exporter::new(&tmp);
    extra.root::<CommandError>();
    extra.root::<Progress>();
    extra.finish()?;

    // JSON numbers reach JavaScript as `number`; ts-rs spells 64-bit integers `bigint`. Our 64-bit values
    // (sizes, counts, seconds) stay far below 2^53, so `number` is exact for them.
    let mut files: BTreeMap<String, String> = read_tree(&tmp)?
        .into_iter()
        .map(|(name, text)| (name, text.replace("bigint", "number")))
        .collect();
    let _ = std::fs::remove_dir_all(&tmp);

    // Types of foreign crates (e.g. `serde_json/JsonValue.ts`) sit in folders and are only used inside ours.
    let types: Vec<String> = files
        .keys()
        .filter(|f| !f.contains('/'))
        .map(|f| f.trim_end_matches(".ts").to_string())
        .collect();
    let mut out = String::from(HEADER);
    out.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
    for t in &types {
        out.push_str(&format!("import type {{ {t} }} from \"./{t}\";\n"));
    }
    out.push_str("\nexport type { ");
    out.push_str(&types.join(", "));
    out.push_str(" };\n");
    out.push_str(&closed_sets());
    for s in &sigs {
        out.push('\n');
        for line in s.doc.lines() {
            out.push_str(&format!("/**{line} */\n"));
        }
        let params: Vec<String> = s
            .args
            .iter()
            .map(|(n, t)| format!("{}: {t}", camel(n)))
            .collect();
        let args: Vec<String> = s
            .args
            .iter()
            .map(|(n, _)| match camel(n) {
                c if c == *n => c,
                c => format!("{n}: {c}"),
            })
            .collect();
        let payload = if args.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", args.join(", "))
        };
        out.push_str(&format!(
            "export function {}({}): Promise<{}> {{\n  return invoke(\"{}\"{payload});\n}}\n",
            camel(s.name),
            params.join(", "),
            s.result.replace("bigint", "number"),
            s.name,
        ));
    }
    files.insert("commands.ts".into(), out);
    Ok(files)
}

/// The closed sets the UI lists in full (menus, legends), every value in the core's order, and the names of the
/// events the shell emits: generated, so the UI never restates them by hand.
fn closed_sets() -> String {
    use casebook_core::model::{CustodyAction, EntryKind, Role, TaskStatus};
    fn set(name: &str, ty: &str, values: impl Iterator<Item = &'static str>) -> String {
        let quoted: Vec<String> = values.map(|v| format!("\"{v}\"")).collect();
        format!(
            "\nexport const {name}: readonly {ty}[] = [{}];\n",
            quoted.join(", ")
        )
    }
    let mut out = String::new();
    out.push_str(&set(
        "ENTRY_KINDS",
        "EntryKind",
        EntryKind::ALL.iter().map(|k| k.as_str()),
    ));
    out.push_str(&set(
        "CUSTODY_ACTIONS",
        "CustodyAction",
        CustodyAction::ALL.iter().map(|k| k.as_str()),
    ));
    out.push_str(&set(
        "TASK_STATUSES",
        "TaskStatus",
        TaskStatus::ALL.iter().map(|k| k.as_str()),
    ));
    out.push_str(&set("ROLES", "Role", Role::ALL.iter().map(|k| k.as_str())));
    out.push_str(&format!(
        "\n/** The events the shell emits: `progress` carries a Progress, `team` an AgentState. */\nexport const EVENTS = {{ progress: \"{}\", team: \"{}\" }} as const;\n",
        crate::dto::PROGRESS_EVENT,
        crate::dto::TEAM_EVENT
    ));
    out
}

/// Every file under `dir`, by its path relative to `dir` with `/` separators.
pub fn read_tree(dir: &Path) -> std::io::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                let name = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(name, std::fs::read_to_string(&path)?);
            }
        }
    }
    Ok(out)
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_current() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
        let want = generate().expect("the bindings generate");
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (name, text) in &want {
                let path = dir.join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
        }
        let have = read_tree(&dir).expect("ui/src/bindings exists: run scripts/bindings");
        let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(
            names(&have),
            names(&want),
            "the set of binding files drifted from the Rust types: run scripts/bindings"
        );
        for (name, text) in &want {
            assert_eq!(
                &have[name], text,
                "ui/src/bindings/{name} drifted from the Rust types: run scripts/bindings"
            );
        }
    }

    #[test]
    fn every_command_has_a_typed_function() {
        let files = generate().unwrap();
        let commands = &files["commands.ts"];
        for s in signatures() {
            assert!(
                commands.contains(&format!("invoke(\"{}\"", s.name)),
                "commands.ts must call {} so the UI never names it by hand",
                s.name
            );
        }
        assert!(
            !commands.contains("bigint"),
            "JSON numbers arrive as number, never bigint"
        );
    }

    #[test]
    fn camel_case_names() {
        assert_eq!(camel("add_evidence"), "addEvidence");
        assert_eq!(camel("me"), "me");
    }
}
