//! `skillmeat migrate`: an embedded collection copied into a database
//! server, then checked equal (the records files made from each side are
//! the same bytes, and the copy verifies).

use std::path::{Path, PathBuf};

use super::artifacts::count;
use super::transfer::{MigrateArgs, Migrated};
use crate::collection::{Collection, migrate};
use crate::error::{Error, Result};
use crate::home::Home;
use crate::{store, verify};

/// Copies collection `args.collection` of the home `args.from` (or the
/// collection folder `args.from`) into the database `args.to`. Running it
/// again copies nothing and checks again.
pub async fn migrate(args: MigrateArgs) -> Result<Migrated> {
    let (home, name) = source_of(Path::new(&args.from), &args.collection)?;
    let shown = store::server_url(&args.to)?;
    let from = Collection::open_existing(&home, &name)
        .await?
        .ok_or_else(|| not_migrated(&args.from, format!("it holds no collection {name}")))?;
    let report = verify::verify(&from).await?;
    if !report.ok {
        let first: Vec<&str> = report.problems.iter().take(5).map(String::as_str).collect();
        let reason = format!(
            "`skillmeat verify` finds {} problem(s) in collection {name}: {}",
            report.problems.len(),
            first.join("; ")
        );
        return Err(not_migrated(&args.from, reason));
    }
    let pool = store::open_server(&args.to).await?;
    let copied = migrate::copy(&from, &pool, &shown).await?;
    pool.close().await;
    let served = home.with_server(Some(args.to.clone()));
    let to = Collection::open_existing(&served, &name)
        .await?
        .ok_or_else(|| {
            Error::Internal(format!(
                "collection {name} is not on {shown} after the copy"
            ))
        })?;
    check_equal(&to).await?;
    from.close().await;
    to.close().await;
    Ok(Migrated {
        collection: name,
        to: shown,
        artifacts: count(report.artifacts),
        rows_copied: copied.rows_copied,
        rows_present: copied.rows_present,
        contents_copied: copied.contents_copied,
        contents_present: copied.contents_present,
        bytes_copied: copied.bytes_copied,
    })
}

/// The copy (checked equal before its commit) verifies: every content
/// re-hashed in the database.
async fn check_equal(to: &Collection) -> Result<()> {
    let report = verify::verify(to).await?;
    if !report.ok {
        return Err(Error::Internal(format!(
            "the migrated collection does not verify: {}",
            report.problems.join("; ")
        )));
    }
    Ok(())
}

/// A home (the folder holding `skillmeat.db`) and collection `name`, or a
/// collection folder (`<home>/collections/<name>`).
fn source_of(from: &Path, name: &str) -> Result<(Home, String)> {
    if from.join("skillmeat.db").is_file() {
        return Ok((Home::at(from.to_owned()), name.to_owned()));
    }
    let parent = from
        .parent()
        .filter(|p| p.file_name().is_some_and(|n| n == "collections"));
    let home = parent
        .and_then(Path::parent)
        .filter(|h| h.join("skillmeat.db").is_file());
    match (home, from.file_name().and_then(|n| n.to_str())) {
        (Some(home), Some(folder)) => Ok((Home::at(home.to_owned()), folder.to_owned())),
        _ => Err(not_migrated(
            &from.display().to_string(),
            "not a skillmeat home (a folder with skillmeat.db) or one of its collection folders"
                .into(),
        )),
    }
}

fn not_migrated(from: &str, reason: String) -> Error {
    Error::BadInput {
        path: PathBuf::from(from),
        reason: format!("{reason}; nothing was copied"),
    }
}
