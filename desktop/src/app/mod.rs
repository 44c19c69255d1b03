//! The desktop app (feature `app`): a Tauri v2 shell over the engine.
//!
//! Architecture Invariant: this module is the only code that uses Tauri.
//! Commands ([`commands`]) are adapters: each calls one function of the
//! operations layer ([`crate::ops`]) with its `args` and returns its
//! transfer type, errors as [`PublicError`]; an HTTP face wraps the same
//! functions. Nothing here calls the engine's modules.

pub mod commands;
pub mod types;

use std::path::PathBuf;

use tauri::{Builder, Manager, Runtime};

pub use crate::ops::transfer::{ErrorCode, PublicError};

use crate::home::Home;
use crate::ops::{Scope, Staging};

/// The event `import_source` emits for each plugin (an
/// [`ImportProgress`](crate::ops::transfer::ImportProgress)).
pub const IMPORT_PROGRESS: &str = "import-progress";

/// Which collection the app opens.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub home: PathBuf,
    pub collection: String,
    /// The PostgreSQL database holding the collection (as the CLI's
    /// `--database`), or `None` for the home's SQLite file.
    pub database: Option<String>,
}

impl AppConfig {
    /// `$SKILLMEAT_HOME` (or `~/.skillmeat`), `--collection NAME` (else
    /// `$SKILLMEAT_COLLECTION`, else `default`) and `--database URL` (else
    /// `$SKILLMEAT_DATABASE_URL`) from the command line, as the CLI reads
    /// them.
    pub fn from_env_and_args(args: &[String]) -> crate::Result<AppConfig> {
        let home = Home::from_env()?.root().to_owned();
        let env = |name: &str| std::env::var(name).ok();
        AppConfig::from_args(home, args, env)
    }

    /// [`from_env_and_args`](Self::from_env_and_args) with the home given
    /// and `env` reading the environment.
    pub fn from_args(
        home: PathBuf,
        args: &[String],
        env: impl Fn(&str) -> Option<String>,
    ) -> crate::Result<AppConfig> {
        let mut config = AppConfig {
            home,
            collection: env("SKILLMEAT_COLLECTION")
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "default".to_owned()),
            database: env("SKILLMEAT_DATABASE_URL"),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (flag, inline) = match a.split_once('=') {
                Some((flag, value)) => (flag, Some(value.to_owned())),
                None => (a.as_str(), None),
            };
            let slot = match flag {
                "--collection" => &mut config.collection,
                "--database" => config.database.insert(String::new()),
                _ => continue,
            };
            *slot = match inline {
                Some(value) => value,
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| crate::Error::Usage(format!("{flag} needs a value")))?,
            };
        }
        config.database = config.database.filter(|url| !url.is_empty());
        Ok(config)
    }

    /// The home, with its database server if one is given.
    pub fn home(&self) -> Home {
        Home::at(self.home.clone()).with_server(self.database.clone())
    }
}

/// Managed state: the open collection and the bundle the wizard reads.
#[derive(Debug)]
pub struct AppState {
    pub scope: Scope,
    pub staging: Staging,
}

/// Registers the commands and opens the collection in `setup()`. Used by
/// the real app and by the `tauri::test` mock runtime alike.
pub fn configure<R: Runtime>(builder: Builder<R>, config: AppConfig) -> Builder<R> {
    builder
        .setup(move |app| {
            let scope =
                tauri::async_runtime::block_on(Scope::held(config.home(), &config.collection))?;
            app.manage(AppState {
                scope,
                staging: Staging::default(),
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::first_paint,
            commands::list_artifacts,
            commands::show_artifact,
            commands::list_source,
            commands::read_source_file,
            commands::preview_import,
            commands::import_source,
            commands::collection_index,
            commands::file_diff,
            commands::deploy,
            commands::undeploy,
            commands::remove_artifact,
            commands::use_version,
            commands::outdated,
            commands::update_plugins,
            commands::project_status,
            commands::export_bundle,
        ])
}

/// On Linux and the BSDs the window needs an X11 or Wayland display:
/// without `DISPLAY` or `WAYLAND_DISPLAY` (unset or empty) GTK would panic,
/// so say so instead. `var` reads the environment.
pub fn check_display(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> crate::Result<()> {
    let needs_one = cfg!(all(unix, not(target_os = "macos")));
    let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
    if needs_one && !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        return Err(crate::Error::Usage(
            "no display (DISPLAY/WAYLAND_DISPLAY unset); use the skillmeat CLI, or run under xvfb-run"
                .into(),
        ));
    }
    Ok(())
}

/// Runs the desktop app until its window closes.
pub fn run(config: AppConfig) -> tauri::Result<()> {
    configure(tauri::Builder::default(), config)
        .plugin(tauri_plugin_dialog::init())
        .run(tauri::generate_context!())
}
