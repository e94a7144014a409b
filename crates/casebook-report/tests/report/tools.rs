//! Running the PDF command-line tools the tests check the output with.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Output directory for files a person may want to look at after a test run.
pub fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report-artifacts");
    std::fs::create_dir_all(&dir).expect("create target/report-artifacts");
    dir
}

/// Writes `pdf` to a temporary file that lives as long as the returned handle.
pub fn temp_pdf(pdf: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(".pdf")
        .tempfile()
        .expect("create temp file");
    file.write_all(pdf).expect("write temp pdf");
    file.flush().expect("flush temp pdf");
    file
}

/// Runs `tool` with `args`; a missing tool fails the test naming the apt package to install.
pub fn run(tool: &str, package: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("could not run `{tool}` ({e}); install it with `apt-get install -y {package}`")
    });
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs a poppler tool (pdftotext, pdffonts, pdfinfo, pdftoppm) and requires success.
pub fn poppler(tool: &str, args: &[&str]) -> String {
    let (ok, stdout, stderr) = run(tool, "poppler-utils", args);
    assert!(ok, "`{tool} {}` failed: {stderr}", args.join(" "));
    stdout
}

/// Runs qpdf and returns (success, stdout, stderr).
pub fn qpdf(args: &[&str]) -> (bool, String, String) {
    run("qpdf", "qpdf", args)
}
