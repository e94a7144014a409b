use std::path::Path;

fn main() {
    // The default build embeds the built UI; say how to make it rather than let Tauri's macro fail on a missing
    // folder (or, without the feature, build a binary that opens on "Could not connect to localhost").
    let embeds_ui = std::env::var_os("CARGO_FEATURE_CUSTOM_PROTOCOL").is_some();
    let index = Path::new("../ui/dist/index.html");
    println!("cargo:rerun-if-changed=../ui/dist/index.html");
    if embeds_ui && !index.exists() {
        eprintln!(
            "\nerror: the desktop app embeds its built interface (ui/dist), which is missing.\n\
             Build it first:  npm ci && npm --workspace ui run build\n\
             (scripts/run builds and starts the app; scripts/test builds everything CI does)\n"
        );
        std::process::exit(1);
    }
    tauri_build::build()
}
