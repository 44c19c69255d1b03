//! Crash points for the crash-safety tests. With the `failpoints` feature,
//! `SKILLMEAT_FAILPOINT=<name>` makes the process abort (like `kill -9`: no
//! destructors, no cleanup) when it reaches [`hit`]`(name)`. Without the
//! feature, [`hit`] compiles to nothing.

/// Aborts the process here if `SKILLMEAT_FAILPOINT` names this point.
#[inline]
pub fn hit(name: &str) {
    #[cfg(feature = "failpoints")]
    if std::env::var("SKILLMEAT_FAILPOINT").is_ok_and(|v| v == name) {
        std::process::abort();
    }
    let _ = name;
}

/// Every failpoint, in the order an import reaches them.
pub const ALL: &[&str] = &[
    "import.locked",
    "import.rows_written",
    "import.staged",
    "import.journal_written",
    "import.blob_moved",
    "import.target_backed_up",
    "import.target_moved",
    "import.files_moved",
    "import.committed",
    "import.cleaned",
];
