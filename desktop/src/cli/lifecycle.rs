//! `remove` and `use`: thin handlers over the operations layer.

use std::fmt::Write as _;

use bytesize::ByteSize;

use super::{emit, to_json};
use crate::error::{Error, Result};
use crate::ops::transfer::{RemoveArgs, RemoveResult, UseArgs};
use crate::ops::{self, Scope};

pub(super) async fn remove(scope: &Scope, args: RemoveArgs, json: bool) -> Result<i32> {
    let r = ops::remove(scope, args).await?;
    if json {
        emit(&to_json(&r)?)?;
    } else {
        emit(&removal_text(&r))?;
    }
    Ok(0)
}

fn removal_text(r: &RemoveResult) -> String {
    let mut out = String::new();
    let verb = if r.dry_run { "would remove" } else { "removed" };
    for w in &r.overridden {
        let _ = writeln!(out, "warning: --force: {w}");
    }
    for g in &r.removed {
        let versions = if g.versions == 1 {
            "version"
        } else {
            "versions"
        };
        let _ = writeln!(
            out,
            "{verb:<12} {:<10} {}  ({} {versions})",
            g.kind.as_str(),
            g.name,
            g.versions
        );
    }
    for k in &r.kept {
        let _ = writeln!(
            out,
            "{:<12} {:<10} {}  ({})",
            "kept",
            k.kind.as_str(),
            k.name,
            k.reason
        );
    }
    let freed = if r.dry_run { "would free" } else { "freed" };
    let _ = writeln!(
        out,
        "{freed} {} bytes ({}) in {} stored file{}{}",
        r.bytes_freed,
        ByteSize::b(r.bytes_freed),
        r.blobs_freed,
        if r.blobs_freed == 1 { "" } else { "s" },
        if r.dry_run {
            "; nothing was written"
        } else {
            ""
        }
    );
    out
}

/// `NAME@HASH`, split at the last `@` (a hash holds none).
pub(super) fn name_at_hash(given: &str) -> Result<UseArgs> {
    match given.rsplit_once('@') {
        Some((name, hash)) if !name.is_empty() && !hash.is_empty() => Ok(UseArgs {
            name: name.to_owned(),
            hash: hash.to_owned(),
        }),
        _ => Err(Error::Usage(format!(
            "{given:?}: give NAME@HASH (the hash as sha256:<hex> or its first 8 or more hex characters; `skillmeat show NAME` lists the versions)"
        ))),
    }
}

pub(super) async fn use_version(scope: &Scope, args: UseArgs, json: bool) -> Result<i32> {
    let r = ops::use_version(scope, args).await?;
    if json {
        emit(&to_json(&r)?)?;
        return Ok(0);
    }
    let short = |h: &str| h.get(..12).unwrap_or(h).to_owned();
    emit(&match r.changed {
        true => format!(
            "{} {}: now at {} (was {})\n",
            r.kind,
            r.name,
            short(&r.to_hash),
            short(&r.from_hash)
        ),
        false => format!(
            "{} {}: {} is already current\n",
            r.kind,
            r.name,
            short(&r.to_hash)
        ),
    })?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_hash_split_at_the_last_at() {
        let split = |s: &str| name_at_hash(s).ok().map(|a| (a.name, a.hash));
        assert_eq!(
            split("skill:x@abcdef12"),
            Some(("skill:x".into(), "abcdef12".into()))
        );
        assert_eq!(
            split("a@b@sha256:00"),
            Some(("a@b".into(), "sha256:00".into()))
        );
        assert_eq!(split("x"), None);
        assert_eq!(split("@abcdef12"), None);
        assert_eq!(split("x@"), None);
    }
}
