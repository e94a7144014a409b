//! Post-incident reports: export a PDF, and verify one.

use std::path::{Path, PathBuf};

use casebook_api::report::{CheckResult, VerdictKind};
use casebook_api::Casebook;

use crate::cli::Template;
use crate::output::{progress, Out};

pub fn report(
    cb: &mut Casebook,
    key: &str,
    output: &Path,
    template: Template,
    key_events: bool,
    out: &Out,
) -> anyhow::Result<()> {
    let template = match template {
        Template::Technical => casebook_api::report::ReportTemplate::Technical,
        Template::Executive => casebook_api::report::ReportTemplate::Executive,
    };
    let bar = progress(Some(1), false, "rendering report");
    let r = cb.export_report(key, output, template, key_events, &mut |p| {
        bar.set_length(p.total.max(1) as u64);
        bar.set_position(p.done as u64);
    })?;
    bar.finish_and_clear();
    out.show(&r, || {
        format!(
            "Wrote {} ({} pages, {} bytes)
content digest sha256:{}",
            r.path.display(),
            r.pages,
            r.bytes,
            r.content_digest
        )
    })
}

pub fn verify(cb: &Casebook, file: PathBuf, out: &Out) -> anyhow::Result<()> {
    let v = cb.verify_report(&file)?;
    out.show(&v, || {
        let mut t = String::new();
        for c in &v.checks {
            let mark = match c.result {
                CheckResult::Ok => "ok     ",
                CheckResult::Notice => "notice ",
                CheckResult::Failure => "FAILED ",
            };
            t.push_str(&format!(
                "{mark} {}
",
                c.message
            ));
        }
        for part in &v.not_checked {
            t.push_str(&format!("not checked: {part}\n"));
        }
        t.push_str(match v.verdict {
            VerdictKind::Verified => "\nThe report is verified: it is exactly what Casebook exported from its data.",
            VerdictKind::PartlyChecked => "\nThe report is NOT verified: nothing failed, but its pages could not be re-rendered, so an edit of the page text would not show (see above).",
            VerdictKind::Failed => "\nThe report FAILED verification (see above).",
        });
        t
    })?;
    match v.verdict {
        VerdictKind::Verified => Ok(()),
        VerdictKind::PartlyChecked => Err(crate::exit::PartlyChecked(file).into()),
        VerdictKind::Failed => Err(anyhow::anyhow!("{} does not verify", file.display())),
    }
}
