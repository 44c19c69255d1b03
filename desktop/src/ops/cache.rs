//! Answers to repeated reads, kept while the collection does not change:
//! the server and the desktop app hold one collection open and are asked
//! the same questions again and again (a plugin's associations under
//! load). Only for an embedded (SQLite) collection held open: whether it
//! changed is SQLite's `PRAGMA data_version` on one connection kept for
//! that, which moves when any other connection of any process commits.
//!
//! An answer is used only when a check that started after the request
//! arrived found the version it was kept at, so a request never sees less
//! than what was committed before it came: concurrent requests share one
//! check (each waits for a check that started after it arrived) instead of
//! each asking the database.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::AnyConnection;

use crate::collection::Collection;

/// At most this many answers of one kind are kept; then all are dropped.
const ENTRIES: usize = 1024;

/// The version check and the answers kept (see the module doc).
#[derive(Debug, Default)]
pub struct Cache {
    watch: tokio::sync::Mutex<Watch>,
    /// Numbers the arrivals of requests and the starts of checks.
    ticket: AtomicU64,
    pub(super) associations: Answers<AssociationsKey, super::transfer::Associations>,
    /// How many artifacts a list's filters select.
    pub(super) totals: Answers<TotalKey, u64>,
}

/// A collection's version: which watching connection read it (a new one
/// counts from its own start), and `data_version` on that connection.
pub(super) type Version = (u64, i64);

/// The connection that watches the version, and its last check.
#[derive(Debug, Default)]
struct Watch {
    conn: Option<AnyConnection>,
    /// How many watching connections were opened: the first half of a
    /// [`Version`], so that values read on an earlier one never match.
    opened: u64,
    /// The ticket when the last check started, and what it found.
    last: Option<(u64, Version)>,
}

/// An associations question as asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct AssociationsKey {
    pub id: String,
    pub parents: bool,
    pub children: bool,
    pub relationship: Option<&'static str>,
}

/// A list's filters (its page aside).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct TotalKey {
    pub kind: Option<&'static str>,
    pub subtype: Option<String>,
    pub search: Option<String>,
}

impl Cache {
    /// The collection's version as of now (a check that started after this
    /// call), or `None` when answers must not be kept: a collection on a
    /// database server, or the check failed.
    pub(super) async fn version(&self, collection: &Collection) -> Option<Version> {
        if collection.in_database() {
            return None;
        }
        let arrived = self.ticket.fetch_add(1, Ordering::SeqCst);
        let mut watch = self.watch.lock().await;
        if let Some((started, version)) = watch.last
            && started > arrived
        {
            return Some(version);
        }
        let started = self.ticket.fetch_add(1, Ordering::SeqCst);
        let found = watch.check(collection).await;
        watch.last = found.map(|v| (started, v));
        found
    }
}

impl Watch {
    async fn check(&mut self, collection: &Collection) -> Option<Version> {
        if self.conn.is_none() {
            // Its own connection: `data_version` counts the commits of the
            // others, and this one never writes. Only an idle one: waiting
            // here for a busy pool would hold every request behind it.
            self.conn = Some(collection.pool.try_acquire()?.detach());
            self.opened += 1;
        }
        let opened = self.opened;
        let conn = self.conn.as_mut()?;
        let found = sqlx::query_scalar::<_, i64>("PRAGMA data_version")
            .fetch_one(conn)
            .await;
        if found.is_err() {
            self.conn = None;
        }
        found.ok().map(|v| (opened, v))
    }
}

/// Answers of one kind, each with the version it was read at.
#[derive(Debug)]
pub(super) struct Answers<K, V> {
    kept: Mutex<HashMap<K, (Version, V)>>,
}

impl<K, V> Default for Answers<K, V> {
    fn default() -> Self {
        Answers {
            kept: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Answers<K, V> {
    /// The answer to `key` read at `version`, if kept.
    pub(super) fn get(&self, key: &K, version: Option<Version>) -> Option<V> {
        let version = version?;
        let kept = self.kept.lock().ok()?;
        let (at, value) = kept.get(key)?;
        (*at == version).then(|| value.clone())
    }

    /// Keeps `value` as the answer to `key` at `version` (read after the
    /// check that found it).
    pub(super) fn put(&self, key: K, version: Option<Version>, value: &V) {
        let (Some(version), Ok(mut kept)) = (version, self.kept.lock()) else {
            return;
        };
        if kept.len() >= ENTRIES {
            kept.clear();
        }
        kept.insert(key, (version, value.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::Answers;

    /// An answer is used only at the version it was read at; a version
    /// read on another watching connection never matches, whatever its
    /// number (each connection counts from its own start).
    #[test]
    fn an_answer_is_used_only_at_its_version() {
        let kept: Answers<&str, u32> = Answers::default();
        kept.put("a", Some((1, 5)), &7);
        let cases = [
            (Some((1, 5)), Some(7)),
            (Some((1, 6)), None),
            (Some((2, 5)), None),
            (None, None),
        ];
        for (version, expected) in cases {
            assert_eq!(kept.get(&"a", version), expected, "{version:?}");
        }
        kept.put("b", None, &1);
        assert_eq!(
            kept.get(&"b", Some((1, 5))),
            None,
            "nothing kept without a version"
        );
    }
}
