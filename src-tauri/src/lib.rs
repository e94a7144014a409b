//! Casebook's desktop app: a Tauri 2 shell around `casebook-api`.
//!
//! Architecture invariant: this crate translates. `commands` turns each IPC call into one `Casebook` method run
//! off the UI thread (`desk`); `dto` holds the boundary's input types; `bindings` writes the UI's TypeScript from
//! the Rust types. No SQL and no business rule live here.

pub mod bindings;
pub mod commands;
pub mod desk;
pub mod dto;
mod progress;

/// Starts the app.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(desk::Desk::default())
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("Casebook could not start: {e}");
            std::process::exit(1);
        });
}
