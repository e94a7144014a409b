//! Case bundles: an incident with its evidence, out to a file and in from one.

use std::path::Path;

use casebook_api::Casebook;

use crate::output::{progress, Out};

pub fn export(cb: &mut Casebook, key: &str, output: &Path, out: &Out) -> anyhow::Result<()> {
    let bar = progress(None, true, "exporting evidence");
    let m = cb.export_bundle(key, output, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    out.show(&m, || {
        format!(
            "Exported {} ({} events, {} evidence files) to {}",
            m.incident_key,
            m.events,
            m.blobs.len(),
            output.display()
        )
    })
}

pub fn import(
    cb: &mut Casebook,
    file: &Path,
    trust_device: &[String],
    out: &Out,
) -> anyhow::Result<()> {
    let bar = progress(None, true, "importing evidence");
    let r = cb.import_bundle(file, trust_device, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    out.show(&r, || {
        let mut text = format!(
            "Imported {}: {} events admitted, {} already here, {} refused, {} evidence files, {} claims about people and devices",
            r.incident_key, r.admitted, r.already_present, r.refused, r.blobs, r.claims
        );
        if r.forks + r.reused_ids > 0 {
            text.push_str(&format!(
                "\n{} forked event(s) and {} event(s) reusing an id with other content kept aside (see `casebook log verify`)",
                r.forks, r.reused_ids
            ));
        }
        for f in &r.refusals {
            text.push_str(&format!("\n  refused {} ({}): {}", f.kind, f.code, f.reason));
        }
        if r.refused as usize > r.refusals.len() {
            text.push_str("\n  … `casebook log refused` lists them all");
        }
        for d in &r.unverified_devices {
            text.push_str(&format!(
                "\nUnverified device {} (claims to be {}), fingerprint {}: its events were imported for reading only.\n  If its owner confirms that fingerprint, import again with --trust-device {}",
                d.device,
                d.users.join(", "),
                d.fingerprint,
                d.fingerprint
            ));
        }
        text
    })?;
    if r.all_refused() {
        anyhow::bail!(
            "every new event of {} was refused; nothing in this data directory changed",
            file.display()
        );
    }
    Ok(())
}
