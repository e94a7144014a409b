//! Finds the real `casebook` binary and runs it against one data directory, the way a script or a person would.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;
use tempfile::TempDir;

/// The `casebook` binary of this checkout, built once per test run.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| build_binary("casebook-cli", "casebook"))
}

/// The `casebook-server` binary of this checkout, built once per test run.
pub fn server_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| build_binary("casebook-server", "casebook-server"))
}

/// The workspace this test crate belongs to.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("{} must sit inside the workspace", manifest.display()))
}

/// Asks cargo to build `casebook` in this test's profile and says where the executable is. A test cannot name
/// another package's binary (`CARGO_BIN_EXE_*` covers only its own package), so we ask the same cargo that runs us:
/// it reads the target directory from the same environment and configuration, does nothing when the binary is fresh,
/// and so the stories never drive a stale binary after a change to the product.
///
/// `CASEBOOK_TEST_BIN_DIR` names a folder where this run's binaries were already built, with the whole workspace's
/// features (scripts/test sets it after building them): asking cargo for one package would resolve features for
/// that package alone and rebuild shared dependencies.
fn build_binary(package: &str, bin: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("CASEBOOK_TEST_BIN_DIR") {
        let exe = Path::new(&dir).join(bin);
        assert!(
            exe.is_file(),
            "CASEBOOK_TEST_BIN_DIR is set but holds no {bin} ({})",
            exe.display()
        );
        return exe;
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .current_dir(workspace_root())
        .args([
            "build",
            "--package",
            package,
            "--bin",
            bin,
            "--message-format=json-render-diagnostics",
            "--profile",
        ])
        .arg(profile())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cargo:?} to build the {bin} binary: {e}"));
    assert!(
        output.status.success(),
        "building the {bin} binary must succeed before any story runs (cargo's messages are above)"
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == bin)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo built {package} but reported no `{bin}` executable"))
}

/// The cargo profile this test was built with, read from where its executable lives (`<target>/<dir>/deps/`).
fn profile() -> String {
    let exe = std::env::current_exe()
        .unwrap_or_else(|e| panic!("the test must know its own executable: {e}"));
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(OsStr::to_str)
        .unwrap_or("debug");
    match dir {
        "debug" => "dev".to_string(),
        other => other.to_string(),
    }
}

/// How one run of the binary ended.
#[derive(Debug)]
pub struct Run {
    pub args: String,
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout and stderr together, for "the message names X" checks that do not care which stream.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// One data directory (with a working directory beside it for relative paths), driven through the binary.
pub struct DataDir {
    data: TempDir,
    work: TempDir,
}

impl DataDir {
    pub fn new() -> DataDir {
        DataDir {
            data: tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temp dir: {e}")),
            work: tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temp dir: {e}")),
        }
    }

    /// The data directory (what `--data-dir` points at).
    /// A tier-1 responder's data directory (Ana Silva) with one incident of this title; returns its key.
    pub fn with_incident(title: &str) -> (DataDir, String) {
        let cb = DataDir::new();
        cb.ok(&[
            "init",
            "--name",
            "Ana Silva",
            "--role",
            "responder",
            "--tier",
            "1",
        ]);
        let key = cb.ok(&["incident", "new", title]).trim().to_string();
        (cb, key)
    }

    pub fn path(&self) -> &Path {
        self.data.path()
    }

    /// The working directory the binary runs in, where relative file arguments resolve.
    pub fn work(&self) -> &Path {
        self.work.path()
    }

    pub fn database(&self) -> PathBuf {
        self.path().join("casebook.db")
    }

    /// The database opened directly, bypassing Casebook, to look at or tamper with what is on disk.
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.database())
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", self.database().display()))
    }

    /// A command for the binary with `--data-dir` first (a global flag before the subcommand, as scripts write it),
    /// and none of the environment variables that would point it elsewhere. Nor a session bus (the address, nor
    /// where libdbus would look for one: the runtime directory's `bus`, an X display's): the person's own keyring is
    /// never touched (the keyring story gives its own).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary());
        command
            .arg("--data-dir")
            .arg(self.path())
            .args(args)
            .current_dir(self.work())
            .env_remove("CASEBOOK_DATA_DIR")
            .env_remove("CASEBOOK_USER")
            .env_remove("CASEBOOK_PASSPHRASE_FILE")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("XDG_RUNTIME_DIR")
            .env_remove("DISPLAY")
            .stdin(Stdio::null());
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_command(self.command(args), args)
    }

    /// Runs a command made by [`DataDir::command`] for `args` (and then given more to its environment).
    pub fn run_command(&self, mut command: Command, args: &[&str]) -> Run {
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary().display()));
        Run {
            args: args.join(" "),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs a command that must succeed and returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code,
            Some(0),
            "`casebook {}` must succeed; stderr: {}",
            run.args,
            run.stderr
        );
        run.stdout
    }

    /// Runs a command with `--json` that must succeed and returns what it printed, parsed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let stdout = self.ok(&with_json);
        serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "`casebook {}` must print JSON ({e}): {stdout}",
                with_json.join(" ")
            )
        })
    }

    /// Runs a command that must fail with exit code 1 and a plain one-line message, and returns the run.
    pub fn fails(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(
            run.code,
            Some(1),
            "`casebook {}` must fail with exit code 1; stdout: {} stderr: {}",
            run.args,
            run.stdout,
            run.stderr
        );
        assert!(
            run.stderr.starts_with("error: ") && !run.stderr.contains("panicked"),
            "`casebook {}` must explain its failure in a plain `error: …` message, got: {}",
            run.args,
            run.stderr
        );
        run
    }
}

/// Whether `key` looks like an incident key: `INC-` and six characters of 0-9 and A-Z.
pub fn is_incident_key(key: &str) -> bool {
    key.strip_prefix("INC-").is_some_and(|rest| {
        rest.len() == 6
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    })
}

/// SHA-256 of bytes, computed here and not by Casebook, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The array a `--json` list command printed.
pub fn array(value: &Value) -> &Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, got {value}"))
}
