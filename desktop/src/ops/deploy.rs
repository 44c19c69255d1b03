//! Deploying into a project, taking a deployment out, a project's status.

use super::artifacts::count;
use super::path_arg;
use super::scope::{Open, Scope};
use super::transfer::{
    DeployAction, DeployArgs, DeployOperation, DeployResult, DeployedArtifact, DeployedStatus,
    Drift, ProjectArgs, ProjectStatus, UndeployArgs, UndeployResult,
};
use crate::deploy::{self, Action, Options, Outcome};
use crate::error::{Error, Result};
use crate::query;
use skillmeat_core::ArtifactKind;

/// Deploys the plugin or artifact `args.name` into `args.project` (with
/// `dry_run`, only plans it). A plan with conflicts — files it may not
/// replace — is refused, dry run or not: [`Error::DeployConflict`], which
/// carries the plan ([`conflict_plan`]).
pub async fn deploy(scope: &Scope, args: DeployArgs) -> Result<DeployResult> {
    let project = path_arg(&args.project)?;
    let c = match args.dry_run {
        true => scope.read_for(&args.name).await?,
        false => scope.existing_for(&args.name).await?,
    };
    let opts = Options {
        platform: args.platform,
        use_current: args.use_current,
        force: args.force,
        dry_run: args.dry_run,
        mode: args.mode.map(Into::into),
    };
    let outcome = match c.lookup(&args.name, None).await {
        Ok((name, kind)) => match loadable(&c, &name, kind, args.force).await {
            Ok(()) => deploy::deploy(scope.home(), &c, &name, project, &opts).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    c.close().await;
    outcome.map(result)
}

/// Refuses a plugin Claude Code would not load, unless `force`.
async fn loadable(
    c: &crate::collection::Collection,
    name: &str,
    kind: Option<ArtifactKind>,
    force: bool,
) -> Result<()> {
    if force || kind.is_some_and(|k| k != ArtifactKind::Composite) {
        return Ok(());
    }
    let verdict = crate::bundle::claude_code_verdict(c, name).await?;
    if verdict.loads() {
        return Ok(());
    }
    Err(Error::NotLoadable {
        name: name.to_owned(),
        reasons: verdict.messages(skillmeat_core::validate::Level::Load),
    })
}

/// The plan a refused deploy carries, conflicts marked: what a client shows
/// for a dry run (`None` for any other error).
pub fn conflict_plan(e: &Error) -> Option<DeployResult> {
    match e {
        Error::DeployConflict { plan, .. } => Some(result(plan.as_ref().clone())),
        _ => None,
    }
}

fn result(o: Outcome) -> DeployResult {
    DeployResult {
        name: o.name,
        kind: o.kind.into(),
        project: o.project,
        platform: o.platform,
        dry_run: o.dry_run,
        operations: o
            .operations
            .into_iter()
            .map(|o| DeployOperation {
                action: action(o.action),
                path: o.path,
                artifact: o.artifact,
                detail: o.detail,
            })
            .collect(),
        warnings: o.warnings,
        deployed: o
            .deployed
            .into_iter()
            .map(|d| DeployedArtifact {
                kind: d.kind.into(),
                name: d.name,
                parent: d.parent,
                content_hash: d.content_hash,
            })
            .collect(),
    }
}

fn action(a: Action) -> DeployAction {
    match a {
        Action::Write => DeployAction::Write,
        Action::Replace => DeployAction::Replace,
        Action::Unchanged => DeployAction::Unchanged,
        Action::Conflict => DeployAction::Conflict,
        Action::Backup => DeployAction::Backup,
        Action::MergeHook => DeployAction::MergeHook,
        Action::MergeMcpServer => DeployAction::MergeMcpServer,
        Action::Remove => DeployAction::Remove,
    }
}

/// Removes exactly what deployment `args.name` (a name, `type:name`, or
/// the id of an artifact in the collection) wrote from the project.
pub async fn undeploy(scope: &Scope, args: UndeployArgs) -> Result<UndeployResult> {
    let project = path_arg(&args.project)?;
    let c = scope.existing().await?;
    let name = match &c {
        Some(c) => deployment_name(c, &args.name).await,
        None => Ok(args.name.clone()),
    };
    let report = match name {
        Ok(name) => deploy::undeploy(scope.home(), c.as_deref(), &name, project, args.force).await,
        Err(e) => Err(e),
    };
    if let Some(c) = c {
        c.close().await;
    }
    let r = report?;
    Ok(UndeployResult {
        name: r.name,
        project: r.project,
        removed: r.removed,
        kept: r.kept,
        notes: r.notes,
        restored: r.restored,
        backed_up: r.backed_up,
        hooks_removed: count(r.hooks_removed),
        mcp_servers_removed: count(r.mcp_servers_removed),
        mcp_servers_restored: r.mcp_servers_restored,
    })
}

/// A deployment is named by kind and name in the project's record: an
/// artifact id the collection knows becomes its `type:name`; anything else
/// is looked up in the record as given.
async fn deployment_name(c: &Open<'_>, reference: &str) -> Result<String> {
    if reference.parse::<ulid::Ulid>().is_err() {
        return Ok(reference.to_owned());
    }
    let mut conn = c.pool.acquire().await?;
    match query::resolve(&mut conn, c, reference, None).await {
        Ok(found) => Ok(format!("{}:{}", found.kind.as_str(), found.name)),
        Err(Error::UnknownArtifact { .. }) => Ok(reference.to_owned()),
        Err(e) => Err(e),
    }
}

/// Every artifact deployed in the project, and whether it drifted.
pub async fn status(scope: &Scope, args: ProjectArgs) -> Result<ProjectStatus> {
    let project = path_arg(&args.project)?;
    let c = scope.read().await?;
    let r = deploy::status(scope.home(), c.as_deref(), project).await?;
    let items = r
        .items
        .into_iter()
        .map(|i| DeployedStatus {
            kind: i.kind.into(),
            name: i.name,
            parent: i.parent,
            status: match i.status {
                deploy::State::Ok => Drift::Ok,
                deploy::State::Modified => Drift::Modified,
                deploy::State::Missing => Drift::Missing,
                deploy::State::Outdated => Drift::Outdated,
            },
            deployed_hash: i.deployed_hash,
            current_hash: i.current_hash,
            deployment: i.deployment,
        })
        .collect();
    Ok(ProjectStatus {
        project: r.project,
        items,
    })
}
