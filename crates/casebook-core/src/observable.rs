//! Observables (indicators): guessing the type of a pasted value and normalizing it, so the same indicator typed
//! two ways is recognised as one ("seen in 3 incidents"), and defanging it for display, so a value pasted into a
//! chat or a ticket cannot be clicked by accident.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::model::ObservableKind;

/// A value that cannot be an observable of the given type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind} observable: {why}")]
pub struct InvalidObservable {
    pub kind: ObservableKind,
    pub value: String,
    pub why: &'static str,
}

/// Guesses the type of a value as an analyst would paste it.
pub fn guess_kind(value: &str) -> ObservableKind {
    let v = refang(value.trim());
    let hex = !v.is_empty() && v.bytes().all(|b| b.is_ascii_hexdigit());
    if v.parse::<Ipv4Addr>().is_ok() {
        ObservableKind::Ipv4
    } else if v.parse::<Ipv6Addr>().is_ok() {
        ObservableKind::Ipv6
    } else if hex && v.len() == 64 {
        ObservableKind::Sha256
    } else if hex && v.len() == 40 {
        ObservableKind::Sha1
    } else if hex && v.len() == 32 {
        ObservableKind::Md5
    } else if v.contains("://") {
        ObservableKind::Url
    } else if v.contains('@') && !v.contains(' ') {
        ObservableKind::Email
    } else if v.to_ascii_uppercase().starts_with("HK") && v.contains('\\') {
        ObservableKind::RegistryKey
    } else if looks_like_domain(&v) {
        ObservableKind::Domain
    } else {
        ObservableKind::Other
    }
}

/// Undoes the usual defanging (`hxxp`, `[.]`, `(.)`) so a defanged paste matches the live indicator.
fn refang(v: &str) -> String {
    v.replace("[.]", ".")
        .replace("(.)", ".")
        .replace("[:]", ":")
        .replacen("hxxp", "http", 1)
        .replacen("HXXP", "http", 1)
}

fn looks_like_domain(v: &str) -> bool {
    let labels: Vec<&str> = v.trim_end_matches('.').split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(char::is_alphabetic))
}

/// The canonical form of a value of a type: what two analysts typing the same indicator both end up with.
pub fn normalize(kind: ObservableKind, value: &str) -> Result<String, InvalidObservable> {
    let raw = refang(value.trim());
    let bad = |why| InvalidObservable {
        kind,
        value: value.to_string(),
        why,
    };
    if raw.is_empty() {
        return Err(bad("it is empty"));
    }
    Ok(match kind {
        ObservableKind::Ipv4 => raw
            .parse::<Ipv4Addr>()
            .map_err(|_| bad("expected four numbers 0-255, e.g. 203.0.113.7"))?
            .to_string(),
        ObservableKind::Ipv6 => raw
            .parse::<Ipv6Addr>()
            .map_err(|_| bad("expected an IPv6 address, e.g. 2001:db8::1"))?
            .to_string(),
        ObservableKind::Md5 | ObservableKind::Sha1 | ObservableKind::Sha256 => {
            let want = match kind {
                ObservableKind::Md5 => 32,
                ObservableKind::Sha1 => 40,
                _ => 64,
            };
            if raw.len() != want || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad("wrong length or not hexadecimal"));
            }
            raw.to_ascii_lowercase()
        }
        ObservableKind::Domain => {
            let d = raw.trim_end_matches('.').to_lowercase();
            if !looks_like_domain(&d) {
                return Err(bad("expected a name like mail.example.com"));
            }
            d
        }
        ObservableKind::Email => {
            let (local, domain) = raw
                .rsplit_once('@')
                .ok_or_else(|| bad("expected name@domain"))?;
            if local.is_empty() || !looks_like_domain(domain) {
                return Err(bad("expected name@domain"));
            }
            format!("{local}@{}", domain.to_lowercase())
        }
        ObservableKind::Url => {
            let (scheme, rest) = raw
                .split_once("://")
                .ok_or_else(|| bad("expected a scheme, e.g. https://"))?;
            let (host, path) = rest
                .split_once('/')
                .map(|(h, p)| (h, format!("/{p}")))
                .unwrap_or((rest, String::new()));
            if host.is_empty() {
                return Err(bad("the URL has no host"));
            }
            format!(
                "{}://{}{}",
                scheme.to_lowercase(),
                host.to_lowercase(),
                path
            )
        }
        ObservableKind::FileName
        | ObservableKind::Account
        | ObservableKind::RegistryKey
        | ObservableKind::Other => raw,
    })
}

/// The value made harmless to paste (`hxxps://evil[.]example/login`, `203[.]0[.]113[.]7`), in the style that
/// [`normalize`] reads back: `normalize(kind, &defang(kind, v)) == v` for every normalized `v`.
///
/// Only what a program could follow is changed: the scheme and host of a URL, a domain, the domain of an e-mail
/// address, an IP address. Hashes, file names, accounts and registry keys are not live, so they stay as they are
/// (and a URL's path keeps its dots: with `hxxp` nothing will open it).
pub fn defang(kind: ObservableKind, value: &str) -> String {
    let dots = |s: &str| s.replace('.', "[.]");
    match kind {
        ObservableKind::Ipv4 | ObservableKind::Domain => dots(value),
        ObservableKind::Ipv6 => value.replace(':', "[:]"),
        ObservableKind::Email => match value.rsplit_once('@') {
            Some((local, domain)) => format!("{local}@{}", dots(domain)),
            None => value.to_string(),
        },
        ObservableKind::Url => {
            let Some((scheme, rest)) = value.split_once("://") else {
                return value.to_string();
            };
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let scheme = match scheme.to_ascii_lowercase().as_str() {
                "http" => "hxxp".to_string(),
                "https" => "hxxps".to_string(),
                _ => scheme.to_string(),
            };
            format!("{scheme}://{}{path}", dots(host))
        }
        ObservableKind::Md5
        | ObservableKind::Sha1
        | ObservableKind::Sha256
        | ObservableKind::FileName
        | ObservableKind::Account
        | ObservableKind::RegistryKey
        | ObservableKind::Other => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defanged_and_cased_values_normalize_to_one_indicator() {
        assert_eq!(
            guess_kind("hxxps://Evil[.]Example/Login"),
            ObservableKind::Url
        );
        assert_eq!(
            normalize(ObservableKind::Url, "hxxps://Evil[.]Example/Login").unwrap(),
            "https://evil.example/Login"
        );
        assert_eq!(
            normalize(ObservableKind::Domain, "MAIL.Example.com.").unwrap(),
            "mail.example.com"
        );
        assert_eq!(
            normalize(ObservableKind::Ipv4, "203.0.113[.]7").unwrap(),
            "203.0.113.7"
        );
        let h = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(guess_kind(h), ObservableKind::Sha256);
        assert_eq!(
            normalize(ObservableKind::Sha256, h).unwrap(),
            h.to_lowercase()
        );
    }

    #[test]
    fn invalid_values_say_what_was_expected() {
        let err = normalize(ObservableKind::Ipv4, "300.1.1.1").unwrap_err();
        assert!(err.to_string().contains("expected four numbers"), "{err}");
        assert!(normalize(ObservableKind::Sha256, "abc").is_err());
        assert_eq!(guess_kind("ana@corp.example"), ObservableKind::Email);
        assert_eq!(guess_kind("2001:db8::1"), ObservableKind::Ipv6);
    }

    #[test]
    fn defanged_values_cannot_be_followed_and_read_back_as_the_same_indicator() {
        let cases = [
            (
                ObservableKind::Url,
                "https://evil.example/a.php?x=1",
                "hxxps://evil[.]example/a.php?x=1",
            ),
            (
                ObservableKind::Url,
                "http://evil.example:8080",
                "hxxp://evil[.]example:8080",
            ),
            (
                ObservableKind::Domain,
                "mail.evil.example",
                "mail[.]evil[.]example",
            ),
            (ObservableKind::Ipv4, "203.0.113.7", "203[.]0[.]113[.]7"),
            (ObservableKind::Ipv6, "2001:db8::1", "2001[:]db8[:][:]1"),
            (
                ObservableKind::Email,
                "ana.silva@evil.example",
                "ana.silva@evil[.]example",
            ),
            (
                ObservableKind::FileName,
                "invoice.pdf.exe",
                "invoice.pdf.exe",
            ),
        ];
        for (kind, live, defanged) in cases {
            assert_eq!(
                defang(kind, live),
                defanged,
                "{kind} {live} must be defanged"
            );
            assert_eq!(
                normalize(kind, defanged).unwrap(),
                live,
                "a defanged {kind} pasted back must be the same indicator"
            );
        }
    }
}
