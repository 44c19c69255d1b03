//! `ui/src/generated/types.ts`: the TypeScript form of every command's
//! input, output and error, generated from the transfer types with ts-rs.
//! `tests/app.rs` fails when the committed file is stale
//! (`SKILLMEAT_WRITE_TYPES=1` rewrites it).

use ts_rs::TS;

use crate::ops::transfer::*;

/// Every command: its name, its `args` type (None: no arguments) and its result.
pub const COMMANDS: &[(&str, Option<&str>, &str)] = &[
    ("list_artifacts", Some("ListArgs"), "ArtifactList"),
    ("show_artifact", Some("ShowArgs"), "ArtifactDetail"),
    ("list_source", Some("SourceArgs"), "SourceListing"),
    ("read_source_file", Some("ReadFileArgs"), "ArrayBuffer"),
    ("preview_import", Some("PreviewArgs"), "ImportPreview"),
    ("import_source", Some("ImportArgs"), "ImportSummary"),
    ("collection_index", None, "IndexSnapshot"),
    ("first_paint", None, "number"),
    ("file_diff", Some("DiffArgs"), "FileDiff"),
    ("deploy", Some("DeployArgs"), "DeployResult"),
    ("undeploy", Some("UndeployArgs"), "UndeployResult"),
    ("remove_artifact", Some("RemoveArgs"), "RemoveResult"),
    ("use_version", Some("UseArgs"), "UseResult"),
    ("outdated", Some("OutdatedArgs"), "OutdatedReport"),
    ("update_plugins", Some("UpdateArgs"), "UpdateResult"),
    ("project_status", Some("ProjectArgs"), "ProjectStatus"),
    ("export_bundle", Some("ExportArgs"), "ExportResult"),
];

fn declarations() -> Vec<String> {
    vec![
        ErrorCode::decl(),
        PublicError::decl(),
        Kind::decl(),
        Membership::decl(),
        ListArgs::decl(),
        ArtifactSummary::decl(),
        ArtifactList::decl(),
        ShowArgs::decl(),
        ArtifactDetail::decl(),
        Origin::decl(),
        OriginMarketplace::decl(),
        VersionInfo::decl(),
        Association::decl(),
        DeploymentInfo::decl(),
        SourceArgs::decl(),
        SourceListing::decl(),
        SourceFile::decl(),
        ReadFileArgs::decl(),
        Policy::decl(),
        PreviewArgs::decl(),
        ImportPreview::decl(),
        PluginPreview::decl(),
        Buckets::decl(),
        PreviewChild::decl(),
        ImportArgs::decl(),
        ChildChoice::decl(),
        ImportSummary::decl(),
        PluginImport::decl(),
        StoredChild::decl(),
        ImportProgress::decl(),
        ImportPhase::decl(),
        IndexSnapshot::decl(),
        SnapshotArtifact::decl(),
        DiffArgs::decl(),
        FileDiff::decl(),
        DiffFile::decl(),
        DiffChange::decl(),
        DeployArgs::decl(),
        DeployMode::decl(),
        DeployAction::decl(),
        DeployOperation::decl(),
        DeployResult::decl(),
        DeployedArtifact::decl(),
        UndeployArgs::decl(),
        UndeployResult::decl(),
        ProjectArgs::decl(),
        ProjectStatus::decl(),
        Drift::decl(),
        DeployedStatus::decl(),
        ExportArgs::decl(),
        ExportResult::decl(),
        RemoveArgs::decl(),
        RemoveResult::decl(),
        RemovedArtifact::decl(),
        KeptArtifact::decl(),
        UseArgs::decl(),
        UseResult::decl(),
        OutdatedArgs::decl(),
        OutdatedState::decl(),
        ChildChange::decl(),
        ChangedChild::decl(),
        PluginOutdated::decl(),
        OutdatedReport::decl(),
        UpdateArgs::decl(),
        UpdateResult::decl(),
        UpdateStarted::decl(),
        UpdateJob::decl(),
        VerifyReport::decl(),
        Associations::decl(),
        // The HTTP API's own shapes (the seeds' names), for the browser's transport.
        ArtifactItem::decl(),
        ArtifactPage::decl(),
        ArtifactInfo::decl(),
        ServerInfo::decl(),
        PlanArgs::decl(),
        BundlePlanArgs::decl(),
        PlanPlugin::decl(),
        PlanChild::decl(),
        MissingArgs::decl(),
        MissingBlobs::decl(),
        BlobStored::decl(),
        BlobsStored::decl(),
        CompositeImportArgs::decl(),
        UploadedFile::decl(),
        ImportStarted::decl(),
        PendingPlugin::decl(),
        PendingParent::decl(),
        PendingChild::decl(),
        JobStatus::decl(),
        ImportJob::decl(),
    ]
}

/// The whole file.
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from desktop/src/ops/transfer.rs by ts-rs (desktop/src/app/types.rs).\n\
         // Do not edit: SKILLMEAT_WRITE_TYPES=1 cargo test -p skillmeat --features app-test --test app\n\n",
    );
    for decl in declarations() {
        let decl = match decl.strip_prefix("type ") {
            Some(rest) => format!("export type {rest}"),
            None => decl.replacen("\ntype ", "\nexport type ", 1),
        };
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.push_str(&format!(
        "/** The event `import_source` emits as each plugin starts and ends. */\n\
         export const IMPORT_PROGRESS = {:?};\n\n",
        super::IMPORT_PROGRESS
    ));
    out.push_str("/** Every command: `invoke(name, { args })` and what it returns. */\nexport interface Commands {\n");
    for (name, args, result) in COMMANDS {
        let args = args.unwrap_or("null");
        out.push_str(&format!(
            "  {name}: {{ args: {args}; result: {result} }};\n"
        ));
    }
    out.push_str("}\n");
    out
}
