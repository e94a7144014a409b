#!/usr/bin/env bash
# Architecture invariants that the compiler cannot see (see ARCHITECTURE.md): the dependency arrows point inward.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
forbid() { # crate, regex of forbidden dependencies, why
  local found
  found=$(cargo tree -p "$1" -e normal --prefix none --format '{p}' --locked 2>/dev/null | awk '{print $1}' | grep -E "^($2)$" | sort -u || true)
  if [ -n "$found" ]; then
    echo "architecture: $1 must not depend on $(echo "$found" | tr '\n' ' ')— $3"
    fail=1
  fi
}

forbid casebook-core 'rusqlite|tokio|tauri|printpdf|lopdf|axum|reqwest|casebook-store|casebook-api|casebook-import|casebook-interchange|casebook-report' \
  "the core is pure: no I/O, no database, no runtime, no UI, no PDF"
forbid casebook-import 'rusqlite|tokio|tauri|casebook-store|casebook-api' "the importer only parses and writes streams"
forbid casebook-interchange 'rusqlite|tokio|tauri|casebook-store|casebook-api|casebook-import' \
  "observable interchange only transforms what it is given"
forbid casebook-store 'tokio|tauri|printpdf|casebook-api|casebook-cli' "the store knows SQLite and files, nothing above it"
forbid casebook-report 'rusqlite|tokio|tauri|casebook-store|casebook-api' "the report renders a model it is given"
forbid casebook-api 'tauri|clap|indicatif|axum|casebook-server' "the application API serves every front end and belongs to none"
forbid casebook-protocol 'rusqlite|tokio|tauri|axum|ureq|casebook-store|casebook-api' "the protocol is wire types only"
forbid casebook-sync 'rusqlite|tauri|axum|casebook-store|casebook-api|casebook-server' \
  "the sync client plans and talks HTTP; the API applies what it brings"
forbid casebook-server-storage 'rusqlite|tokio-postgres|axum|tauri|casebook-store|casebook-api' \
  "the storage trait names no database"
forbid casebook-server-sqlite 'tokio-postgres|axum|tauri|casebook-store|casebook-api|casebook-server' "one database per implementation"
forbid casebook-server-postgres 'rusqlite|axum|tauri|casebook-store|casebook-api|casebook-server' "one database per implementation"
forbid casebook-server 'tauri|printpdf|lopdf|casebook-store|casebook-api|casebook-report|casebook-import' \
  "the server relays and admits events; it never depends on the laptop's store, reports or the desktop"

# Business rules stay out of the front ends: no SQL in the CLI or the desktop shell.
for shell in crates/casebook-cli/src src-tauri/src; do
  if [ -d "$shell" ] && grep -rnE '\b(SELECT|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM)\b' "$shell"; then
    echo "architecture: SQL found in $shell; queries belong in casebook-store"
    fail=1
  fi
done
# Direct dependencies only: the shell uses the store's view types, but never the database itself.
if cargo tree -p casebook-desktop -e normal --depth 1 --prefix none --format '{p}' --locked 2>/dev/null | awk '{print $1}' | grep -qx 'rusqlite'; then
  echo "architecture: casebook-desktop must not use rusqlite directly — it calls casebook-api"
  fail=1
fi

if [ "$fail" -eq 0 ]; then echo "architecture: invariants hold"; fi
exit "$fail"
