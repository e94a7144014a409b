#!/usr/bin/env bash
# Third-party validation of the observables interchange: exports a case holding one observable of every type (IOC
# and not) as STIX 2.1 and MISP with the real `casebook` binary, then has the reference tools judge the files:
# stix2-validator must find no error, the `stix2` library must parse the bundle and its indicator patterns must be
# the observables, PyMISP must load the MISP event with the expected attribute types and categories, and the STIX
# bundle imported into a fresh incident must give the same observables back.
#
# The Python tools live in a project-local virtual environment (.venv-interchange/, git-ignored), created on the
# first run and reused after; nothing is installed system-wide. Fails loudly on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-interchange
if ! "$venv/bin/python" -c 'import stix2validator, stix2, pymisp' 2>/dev/null; then
  echo "check-interchange: creating $venv (stix2-validator, stix2, pymisp)"
  python3 -m venv "$venv"
  # Pinned: the versions this check was written against; raise them on purpose, not by surprise.
  "$venv/bin/pip" install --quiet --disable-pip-version-check stix2-validator==3.3.2 stix2==3.0.2 pymisp==2.5.34.4
fi

# CASEBOOK_CLI: a binary already built (scripts/test passes its own); otherwise it is built here.
casebook="${CASEBOOK_CLI:-}"
if [ -z "$casebook" ]; then
  cargo build -p casebook-cli --locked --quiet
  casebook="${CARGO_TARGET_DIR:-target}/debug/casebook"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CASEBOOK_DATA_DIR="$work/data"
cb() { "$casebook" "$@"; }
key_of() { "$venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["key"])'; }

cb init --name "Ana Silva" --role responder --tier 2 >/dev/null
key=$(cb incident new "Phishing wave in finance" --tlp amber --summary "Credential phishing." --json | key_of)
other=$(cb incident new "Earlier intrusion" --tlp green --json | key_of)

# type, IOC value, non-IOC value (defanged input on purpose where it is usual).
while IFS='|' read -r type ioc plain; do
  cb observable add "$key" "$ioc" --type "$type" --ioc --note "IOC of type $type" >/dev/null
  cb observable add "$key" "$plain" --type "$type" --tlp green >/dev/null
done <<'VALUES'
ipv4|203.0.113[.]7|198.51.100.9
ipv6|2001:db8::1|2001:db8::2
domain|evil[.]example|cdn.example
url|hxxps://evil[.]example/login?next='home'|http://cdn.example/a.js
email|billing@evil[.]example|ceo@corp.example
md5|D41D8CD98F00B204E9800998ECF8427E|0cc175b9c0f1b6a831c399e269772661
sha1|da39a3ee5e6b4b0d3255bfef95601890afd80709|86f7e437faa5a7fce15d1ddcb9eaeaea377667b8
sha256|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855|ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb
file-name|C:\Users\o'brien\invoice.pdf.exe|report.docx
account|CORP\svc-backup|jdoe
registry-key|HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Run|HKEY_CURRENT_USER\Software\Example
other|Global\mutex-xyz|some note-worthy thing
VALUES
# The same indicator in another incident: MISP must show it as a sighting.
cb observable add "$other" 203.0.113.7 --type ipv4 >/dev/null

cb observable list "$key" --json >"$work/observables.json"
cb observable export "$key" --format stix -o "$work/case.stix.json" >/dev/null
cb observable export "$key" --format misp -o "$work/case.misp.json" >/dev/null
fresh=$(cb incident new "Fresh incident for the round trip" --tlp amber --json | key_of)
cb observable import "$fresh" "$work/case.stix.json" --json >"$work/import.json"
cb observable list "$fresh" --json >"$work/reimported.json"

"$venv/bin/python" tests/interchange/check.py "$work" "$other"
