//! Only the desktop app (feature `app`) needs a build step: tauri-build reads
//! `tauri.conf.json` and the capabilities. The CLI build does nothing here,
//! so it never needs GTK or WebKit.

fn main() {
    #[cfg(feature = "app")]
    tauri_build::build();
}
