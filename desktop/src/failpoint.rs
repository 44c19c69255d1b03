//! Crash points for the crash-safety tests. With the `failpoints` feature,
//! `SKILLMEAT_FAILPOINT=<name>` makes the process abort (like `kill -9`: no
//! destructors, no cleanup) when it reaches [`hit`]`(name)`, and
//! `<name>#<n>` when it reaches it for the n-th time (a point passed once
//! per file or rename). `<name>@pause` stops the process there instead
//! until a test lets it go on: it creates `$SKILLMEAT_FAILPOINT_FILE.reached`
//! and waits for `$SKILLMEAT_FAILPOINT_FILE` to exist (the test does
//! something meanwhile, such as restarting the database server). Without
//! the feature, [`hit`] compiles to nothing.

/// Aborts the process here if `SKILLMEAT_FAILPOINT` names this point (and
/// this is the named hit).
#[inline]
pub fn hit(name: &str) {
    #[cfg(feature = "failpoints")]
    armed::hit(name);
    let _ = name;
}

#[cfg(feature = "failpoints")]
mod armed {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static HITS: AtomicUsize = AtomicUsize::new(0);

    pub fn hit(name: &str) {
        let Ok(spec) = std::env::var("SKILLMEAT_FAILPOINT") else {
            return;
        };
        if let Some(point) = spec.strip_suffix("@pause") {
            if point == name {
                pause();
            }
            return;
        }
        let (point, nth) = match spec.split_once('#') {
            Some((p, n)) => (p, n.parse().unwrap_or(1)),
            None => (spec.as_str(), 1),
        };
        // Only the armed point is counted, so one counter is enough.
        if point == name && HITS.fetch_add(1, Ordering::SeqCst) + 1 == nth {
            std::process::abort();
        }
    }

    /// Announces the pause, then waits (blocking this thread) to be let go.
    fn pause() {
        let Ok(go) = std::env::var("SKILLMEAT_FAILPOINT_FILE") else {
            return;
        };
        let _ = std::fs::write(format!("{go}.reached"), b"");
        while !std::path::Path::new(&go).exists() {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

/// Every failpoint of a deploy or undeploy (`<op>.<point>`), in the order
/// they are reached; `staged` and `step` are reached once per file and
/// per rename or folder.
pub const DEPLOY: &[&str] = &["staged", "journal", "step", "committed", "cleaned"];

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

/// Every failpoint of a `remove`, in the order it reaches them
/// (`target_backed_up` once per current version that goes, `blob_removed`
/// once per stored file deleted).
pub const REMOVE: &[&str] = &[
    "remove.locked",
    "remove.rows_written",
    "remove.staged",
    "remove.journal_written",
    "remove.target_backed_up",
    "remove.blob_removed",
    "remove.files_moved",
    "remove.committed",
    "remove.cleaned",
];

/// Every failpoint of a `use`, in the order it reaches them.
pub const USE: &[&str] = &[
    "use.locked",
    "use.rows_written",
    "use.staged",
    "use.journal_written",
    "use.target_backed_up",
    "use.target_moved",
    "use.files_moved",
    "use.committed",
    "use.cleaned",
];
