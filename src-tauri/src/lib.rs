//! Casebook's desktop app: a Tauri 2 shell around `casebook-api`.
//!
//! Architecture invariant: this crate translates. `commands` turns each IPC call into one `Casebook` method run
//! off the UI thread (`desk`); `dto` holds the boundary's input types; `bindings` writes the UI's TypeScript from
//! the Rust types; `grants` and `dialogs` keep the page from naming a file the person did not choose. No SQL and
//! no business rule live here.

use std::path::PathBuf;

use tauri::Manager;

pub mod bindings;
pub mod commands;
pub mod desk;
mod dialogs;
pub mod dto;
pub mod grants;
mod progress;
pub mod signature;

/// Starts the app.
pub fn run() {
    // WebKitGTK's accelerated compositing paints every scroll frame in software where there is no GPU (virtual
    // machines, remote desktops, Xvfb): the timeline scrolled at 60-80 ms a frame there, 16 ms without it. The app
    // draws flat 2D views, so it gives nothing up by painting directly. `WEBKIT_DISABLE_COMPOSITING_MODE=0`
    // turns compositing back on. Set before any thread starts, so nothing reads the environment concurrently.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .manage(desk::Desk::new(grants::Grants::from_env()))
        // A file dropped on the window was chosen by the person: the shell sees the drop before the page does.
        .on_webview_event(|webview, event| {
            if let tauri::WebviewEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                let desk = webview.state::<desk::Desk>();
                desk.grants()
                    .grant(paths.iter().map(PathBuf::as_path), grants::Access::Read);
            }
        })
        .setup(|app| {
            // An erase asked for before the restart (Settings, "Forget this laptop") is done before anything opens
            // the data; if it fails, opening the directory says so.
            if let Ok(dir) = desk::data_dir() {
                if let Err(e) = casebook_api::erase::finish_erase(&dir) {
                    eprintln!("Casebook could not erase its data: {e}");
                }
            }
            // Sync starts now on a plain directory; an encrypted one waits for its passphrase, a new one for
            // the first run.
            app.state::<desk::Desk>().start_agent(app.handle());
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("Casebook could not start: {e}");
            std::process::exit(1);
        });
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_plain_cargo_build_serves_the_embedded_interface() {
        // `cargo build --release` of the workspace, not only `tauri build`, must make an app that opens on its UI
        // rather than on a development server that is not running.
        assert!(
            !tauri::is_dev(),
            "casebook-desktop was built in Tauri's development mode"
        );
    }
}
