//! Compiles Casebook's SQLCipher crypto provider (`csrc/page_crypto.c`) against the system's OpenSSL, the library
//! SQLCipher itself is built with here.

fn main() {
    println!("cargo:rerun-if-changed=csrc/page_crypto.c");
    cc::Build::new()
        .file("csrc/page_crypto.c")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        // The link lines are written below.
        .cargo_metadata(false)
        .compile("casebook_page_crypto");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rustc-link-search=native={out}");
    // Nothing in Rust calls into the provider: it installs itself from a constructor, which the linker would leave
    // out with the rest of an archive no symbol is taken from.
    println!("cargo:rustc-link-lib=static:+whole-archive=casebook_page_crypto");
    println!("cargo:rustc-link-lib=dylib=crypto");
}
