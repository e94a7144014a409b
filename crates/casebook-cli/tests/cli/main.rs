//! The real `casebook` binary on a real data directory, as a tier-1 analyst drives the alert queue from a shell.

mod alerts;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// One data directory and the binary that works on it.
pub struct Shell {
    pub dir: tempfile::TempDir,
}

impl Shell {
    /// A new data directory with a tier-1 responder's profile.
    pub fn tier1() -> Shell {
        let shell = Shell {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        shell.ok(&[
            "init",
            "--name",
            "Tia Tier-One",
            "--role",
            "responder",
            "--tier",
            "1",
        ]);
        shell
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_casebook"))
            .args(args)
            .env("CASEBOOK_DATA_DIR", self.dir.path().join("data"))
            .env_remove("CASEBOOK_USER")
            .output()
            .expect("run casebook")
    }

    /// Runs and expects success; returns standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "casebook {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs with --json and parses what it printed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let text = self.ok(&all);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {text}"))
    }

    /// Runs and expects failure; returns standard error.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "casebook {args:?} should have failed"
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// A vendored real alert sample of the parsers' crate.
pub fn sample(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../casebook-alerts/tests/samples")
        .join(path)
        .display()
        .to_string()
}
