//! The desktop app (feature `app`) needs a build step: tauri-build reads
//! `tauri.conf.json` and the capabilities. The CLI build never needs GTK or
//! WebKit.
//!
//! A release build embeds `ui/dist` (the browser UI of `skillmeat serve`,
//! `src/serve/ui.rs`): it is built again once `ui/dist/index.html` appears
//! or changes, so a binary built before `make ui-build` does not keep an
//! empty UI. Debug builds read `ui/dist` at run time.
//!
//! The migrations are embedded by `sqlx::migrate!`, which cannot ask cargo
//! to watch its folder on stable Rust: a new migration file rebuilds too.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=migrations");
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        println!("cargo::rerun-if-changed=../ui/dist/index.html");
    }
    #[cfg(feature = "app")]
    tauri_build::build();
}
