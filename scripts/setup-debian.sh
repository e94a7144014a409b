#!/usr/bin/env bash
# Installs the Debian 12 packages that Casebook's build and tests need. Idempotent: installs only what is missing,
# and runs `apt-get update` only when something is.
set -euo pipefail

packages=(
  build-essential pkg-config   # the bundled SQLite and other C parts
  libssl-dev                   # SQLCipher (encryption at rest) links the system's libcrypto; also the desktop's TLS
  qpdf poppler-utils           # report tests check real PDFs with qpdf, pdftotext, pdffonts, pdfinfo, pdftoppm
  # the desktop app (Tauri 2 on WebKitGTK 4.1) and its .deb bundle
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev file
  # end-to-end tests drive the real webview: WebKitWebDriver under a virtual X display
  webkit2gtk-driver xvfb xauth fonts-dejavu-core
  # "remember on this computer": the keyring story runs GNOME Keyring on a private session bus
  gnome-keyring dbus-daemon dbus-bin
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
