//! The server's TLS: a self-signed certificate made at `init` (laptops pin it with `--ca-cert` or by its
//! fingerprint), or one the operator supplies, served with rustls.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Where a data directory keeps its certificate and key.
pub fn cert_path(data_dir: &Path) -> PathBuf {
    data_dir.join("tls").join("cert.pem")
}

pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("tls").join("key.pem")
}

/// Makes a self-signed certificate for `names` (host names or IP addresses) unless one exists; returns the
/// certificate's path and whether it was made now.
pub fn ensure_certificate(data_dir: &Path, names: &[String]) -> anyhow::Result<(PathBuf, bool)> {
    let cert = cert_path(data_dir);
    let key = key_path(data_dir);
    if cert.exists() && key.exists() {
        return Ok((cert, false));
    }
    let dir = data_dir.join("tls");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let made =
        rcgen::generate_simple_self_signed(names.to_vec()).context("making the TLS certificate")?;
    write_private(&key, made.key_pair.serialize_pem().as_bytes())?;
    std::fs::write(&cert, made.cert.pem())
        .with_context(|| format!("writing {}", cert.display()))?;
    Ok((cert, true))
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    f.sync_all()?;
    Ok(())
}

/// The fingerprint of a PEM certificate (`casebook_protocol::certificate_fingerprint`, what laptops compare).
pub fn fingerprint(cert_pem: &Path) -> anyhow::Result<String> {
    let der = CertificateDer::from_pem_file(cert_pem)
        .with_context(|| format!("reading {}", cert_pem.display()))?;
    Ok(casebook_protocol::certificate_fingerprint(der.as_ref()))
}

/// A rustls configuration from PEM files.
pub fn server_config(cert: &Path, key: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    let chain = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("reading {}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading {}", cert.display()))?;
    let key =
        PrivateKeyDer::from_pem_file(key).with_context(|| format!("reading {}", key.display()))?;
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context("the TLS certificate and key do not fit together")?;
    Ok(Arc::new(config))
}
