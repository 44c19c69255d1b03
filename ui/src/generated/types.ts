// Generated from desktop/src/ops/transfer.rs by ts-rs (desktop/src/app/types.rs).
// Do not edit: SKILLMEAT_WRITE_TYPES=1 cargo test -p skillmeat --features app-test --test app

export type ErrorCode = "bad_input" | "not_found" | "conflict" | "unauthorized" | "forbidden" | "too_large" | "busy" | "internal";

export type PublicError = { code: ErrorCode, message: string, };

export type Kind = "composite" | "skill" | "command" | "agent" | "hook" | "mcp_server" | "lsp_server";

export type Membership = "MEMBER" | "REQUIRED" | "OPTIONAL";

export type ListArgs = { 
/**
 * Only this kind.
 */
kind?: Kind, 
/**
 * Only plugins of this subtype (`plugin`).
 */
subtype?: string, 
/**
 * Part of the name, case-insensitive (`_` and a space match `-`).
 */
search?: string, 
/**
 * At most this many items (all by default).
 */
limit?: number, 
/**
 * Items skipped before the first one returned.
 */
offset?: number, };

export type ArtifactSummary = { id: string, name: string, kind: Kind, 
/**
 * A plugin's subtype (`plugin`); null for other kinds.
 */
subtype: string | null, version: string | null, 
/**
 * Children of a plugin (0 for other kinds).
 */
child_count: number, content_hash: string, created_at: string, updated_at: string, };

export type ArtifactList = { items: Array<ArtifactSummary>, 
/**
 * Artifacts matching the filter, before the page.
 */
total: number, 
/**
 * Items in this page.
 */
count: number, };

export type ShowArgs = { name_or_id: string, kind?: Kind, };

export type ArtifactDetail = { id: string, name: string, kind: Kind, subtype: string | null, version: string | null, description: string | null, source: string | null, 
/**
 * Where a plugin was last imported from: kind, URL or path, ref as
 * given, resolved commit, folder (absent for other artifacts, and for
 * plugins imported before it was recorded).
 */
origin: Origin | null, content_hash: string, created_at: string, updated_at: string, versions: Array<VersionInfo>, 
/**
 * The plugins this artifact belongs to ("Part of").
 */
parents: Array<Association>, 
/**
 * A plugin's children ("Contains").
 */
children: Array<Association>, 
/**
 * Projects it is deployed to.
 */
deployments: Array<DeploymentInfo>, 
/**
 * For a plugin: whether Claude Code loads it as stored (always true
 * for other kinds); `load_errors` say why not.
 */
loads_in_claude_code: boolean, load_errors: Array<string>, 
/**
 * What `claude plugin validate` calls an error although it loads.
 */
validation_errors: Array<string>, };

export type Origin = { 
/**
 * `folder`, `bundle`, `git` or `upload` (sent to `skillmeat serve`).
 */
kind: string, 
/**
 * The git URL, or the absolute path of the folder or bundle.
 */
url: string, 
/**
 * The ref as given (a branch, tag or commit); none for the default.
 */
ref: string | null, 
/**
 * The commit the ref resolved to (git).
 */
commit: string | null, 
/**
 * The plugin's folder inside the repository or folder (`""`: its root).
 */
path: string, 
/**
 * The marketplace the plugin was listed in, if any.
 */
marketplace: OriginMarketplace | null, };

export type OriginMarketplace = { name: string | null, kind: string, url: string, ref: string | null, commit: string | null, 
/**
 * The marketplace's folder inside the repository or folder.
 */
path: string, };

export type VersionInfo = { content_hash: string, file_count: number, created_at: string, current: boolean, };

export type Association = { artifact_id: string, artifact_name: string, artifact_type: Kind, relationship_type: Membership, 
/**
 * The version the plugin pins.
 */
pinned_version_hash: string | null, 
/**
 * The collection's current version of the artifact.
 */
current_hash: string, 
/**
 * Where the child sits inside the plugin.
 */
path: string | null, created_at: string, };

export type DeploymentInfo = { project: string, 
/**
 * The plugin it was deployed with.
 */
parent: string | null, content_hash: string, platform: string, deployed_at: string, };

export type SourceArgs = { 
/**
 * A plugin or marketplace folder, or a bundle zip.
 */
path: string, };

export type SourceListing = { 
/**
 * The folder or the zip, absolute: the `root` for `read_source_file`.
 */
path: string, 
/**
 * Discovery's root name: the folder's last component (for a bundle,
 * that of the folder the engine extracted it into).
 */
root_name: string, 
/**
 * A bundle zip: its files are read from the engine's verified copy
 * until another source is listed or it is imported.
 */
bundle: boolean, files: Array<SourceFile>, };

export type SourceFile = { 
/**
 * Relative to the folder, `/`-separated.
 */
path: string, size: number, };

export type ReadFileArgs = { 
/**
 * The `path` of the `list_source` listing (a folder or a bundle zip).
 */
root: string, 
/**
 * A path from its listing.
 */
path: string, };

export type Policy = "new-version" | "keep" | "fork";

export type PreviewArgs = { 
/**
 * A plugin or marketplace folder, a bundle zip, or a git source (a URL
 * or GitHub `owner/repo`, with `@ref` and `#path`).
 */
path: string, policy?: Policy, 
/**
 * Only these plugins of a marketplace (by name); all when absent.
 */
plugins?: Array<string>, 
/**
 * Fetch nothing: git sources come from the cache only.
 */
offline?: boolean, };

export type ImportPreview = { plugins: Array<PluginPreview>, 
/**
 * What discovery noticed about the source: a marketplace entry
 * skipped and why, a remote source not fetched, a file it could not
 * read. Empty for a plan from a client's hashes (the client's own
 * discovery has them).
 */
warnings: Array<string>, };

export type PluginPreview = { name: string, 
/**
 * The plugin's description (its manifest's, or its marketplace
 * entry's), for the picker's search; null when it has none or the
 * client planned only hashes (absent then).
 */
description?: string, buckets: Buckets, 
/**
 * Whether Claude Code loads the plugin; `load_errors` say why not.
 */
loads_in_claude_code: boolean, load_errors: Array<string>, 
/**
 * What `claude plugin validate` calls an error although it loads.
 */
validation_errors: Array<string>, };

export type Buckets = { new: Array<PreviewChild>, existing: Array<PreviewChild>, conflict: Array<PreviewChild>, };

export type PreviewChild = { kind: Kind, name: string, content_hash: string, 
/**
 * The collection's current version (for an existing name).
 */
current_hash: string | null, };

export type ImportArgs = { 
/**
 * A plugin or marketplace folder, a bundle zip, or a git source (a URL
 * or GitHub `owner/repo`, with `@ref` and `#path`).
 */
path: string, 
/**
 * Only these plugins of a marketplace (by name); all when absent.
 */
plugins?: Array<string>, 
/**
 * Fetch nothing: git sources come from the cache only.
 */
offline?: boolean, 
/**
 * For every conflict without its own choice.
 */
policy: Policy, 
/**
 * A choice per conflicting child, overriding `policy`.
 */
choices: Array<ChildChoice>, 
/**
 * Plan only: write nothing, report what an import would do.
 */
dry_run?: boolean, };

export type ChildChoice = { plugin: string, kind: Kind, name: string, policy: Policy, };

export type ImportSummary = { results: Array<PluginImport>, 
/**
 * What discovery noticed in the source (a child it read leniently …).
 */
warnings: Array<string>, };

export type PluginImport = { success: boolean, plugin_name: string, plugin_id: string | null, 
/**
 * Children that became new artifacts.
 */
children_imported: number, 
/**
 * Children linked to content already in the collection.
 */
children_reused: number, 
/**
 * Children added as a new version of an existing artifact.
 */
children_new_version: number, errors: Array<string>, transaction_id: string, 
/**
 * Planned only; nothing was written.
 */
dry_run: boolean, children: Array<StoredChild>, 
/**
 * Whether Claude Code loads the plugin (it is imported either way);
 * `load_errors` say why not.
 */
loads_in_claude_code: boolean, load_errors: Array<string>, 
/**
 * What `claude plugin validate` calls an error although it loads.
 */
validation_errors: Array<string>, };

export type StoredChild = { kind: Kind, name: string, pinned_hash: string | null, };

export type ImportProgress = { plugin: string, 
/**
 * 0-based position of the plugin.
 */
index: number, total: number, phase: ImportPhase, };

export type ImportPhase = "started" | "finished" | "failed";

export type IndexSnapshot = { artifacts: Array<SnapshotArtifact>, };

export type SnapshotArtifact = { id: string, kind: Kind, name: string, current_hash: string, 
/**
 * Every version's hash, current included.
 */
hashes: Array<string>, };

export type DiffArgs = { 
/**
 * The folder (or listed bundle) being imported.
 */
path: string, 
/**
 * The plugin in it.
 */
plugin: string, kind: Kind, name: string, };

export type FileDiff = { kind: Kind, name: string, files: Array<DiffFile>, };

export type DiffFile = { 
/**
 * Relative to the artifact (`""` for a one-file artifact).
 */
path: string, 
/**
 * The text, or null when absent, binary or larger than 1 MiB.
 */
current: string | null, incoming: string | null, change: DiffChange, };

export type DiffChange = "added" | "removed" | "changed";

export type DeployArgs = { 
/**
 * The plugin or artifact: its id, its name, or `type:name`.
 */
name: string, 
/**
 * The project's root folder.
 */
project: string, 
/**
 * Only `claude-code` in v1 (the default).
 */
platform: string, dry_run: boolean, 
/**
 * Each child's current version instead of the one the plugin pins.
 */
use_current: boolean, 
/**
 * Replace files skillmeat did not write (keeping a backup).
 */
force: boolean, 
/**
 * `plugin` (the plugin's own tree, loaded by Claude Code as
 * `<plugin>@skills-dir`; the default for a plugin) or `unpacked` (the
 * default for one artifact, and for a plugin with `use_current`).
 */
mode: DeployMode | null, };

export type DeployMode = "plugin" | "unpacked";

export type DeployAction = "write" | "replace" | "unchanged" | "conflict" | "backup" | "merge-hook" | "merge-mcp-server" | "remove";

export type DeployOperation = { action: DeployAction, 
/**
 * Relative to the project.
 */
path: string, artifact: string, detail?: string, };

export type DeployResult = { name: string, kind: Kind, project: string, platform: string, dry_run: boolean, operations: Array<DeployOperation>, warnings: Array<string>, 
/**
 * Artifacts deployed (or that would be).
 */
deployed: Array<DeployedArtifact>, };

export type DeployedArtifact = { kind: Kind, name: string, parent: string | null, content_hash: string, };

export type UndeployArgs = { 
/**
 * The deployment's name (as `status` lists it).
 */
name: string, project: string, 
/**
 * Also remove files changed since deployment (kept as backups).
 */
force: boolean, };

export type UndeployResult = { name: string, project: string, removed: Array<string>, 
/**
 * Files changed since deployment, left in place.
 */
kept: Array<string>, 
/**
 * What else the user should know (backups left, changed entries kept).
 */
notes: Array<string>, 
/**
 * The user's own files, put back from the backups `force` made.
 */
restored: Array<string>, 
/**
 * With `force`: files changed since deployment, kept as backups
 * (`path -> backup`).
 */
backed_up: Array<string>, hooks_removed: number, mcp_servers_removed: number, 
/**
 * The user's MCP servers that `force` had replaced, put back.
 */
mcp_servers_restored: Array<string>, };

export type ProjectArgs = { project: string, };

export type ProjectStatus = { project: string, items: Array<DeployedStatus>, };

export type Drift = "ok" | "modified" | "missing" | "outdated";

export type DeployedStatus = { kind: Kind, name: string, 
/**
 * The plugin it was deployed with.
 */
parent: string | null, status: Drift, deployed_hash: string, current_hash: string | null, 
/**
 * The deployment it belongs to (what `undeploy` is given).
 */
deployment: string, };

export type ExportArgs = { 
/**
 * The plugin or artifact: its id, its name, or `type:name`.
 */
name: string, 
/**
 * A file or a folder; the default is `<name>-<version>.zip` in the
 * current folder (the app passes the user's home folder).
 */
out?: string, 
/**
 * Export files that look like secrets instead of refusing.
 */
allow_secrets?: boolean, };

export type ExportResult = { path: string, 
/**
 * SHA-256 of the zip.
 */
content_hash: string, 
/**
 * Files of the plugin in the zip (`skillmeat-bundle.json` not counted).
 */
files: number, bytes: number, plugin: string, version: string | null, };

export type RemoveArgs = { 
/**
 * The plugin or artifact: its id, its name, or `type:name`.
 */
name: string, 
/**
 * A plugin's children stay in the collection.
 */
keep_children: boolean, 
/**
 * Remove an artifact that is part of a plugin, or deployed in a project.
 */
force: boolean, 
/**
 * Only say what would go; write nothing.
 */
dry_run: boolean, };

export type RemoveResult = { id: string, name: string, kind: Kind, dry_run: boolean, 
/**
 * The artifact itself first, then the children that went with it.
 */
removed: Array<RemovedArtifact>, 
/**
 * A plugin's children that stayed, and why.
 */
kept: Array<KeptArtifact>, 
/**
 * What `force` overrode (the plugins it was part of, the projects it
 * is deployed in).
 */
overridden: Array<string>, 
/**
 * Stored files deleted because no remaining version references them.
 */
blobs_freed: number, 
/**
 * Their sizes, added up.
 */
bytes_freed: number, };

export type RemovedArtifact = { id: string, kind: Kind, name: string, 
/**
 * Its stored versions, all gone.
 */
versions: number, };

export type KeptArtifact = { kind: Kind, name: string, 
/**
 * `also in plugin <name>`, or `--keep-children`.
 */
reason: string, };

export type UseArgs = { 
/**
 * The artifact: its id, its name, or `type:name`.
 */
name: string, 
/**
 * `sha256:<hex>`, or a unique prefix of at least 8 hex characters.
 */
hash: string, };

export type UseResult = { id: string, name: string, kind: Kind, 
/**
 * The version that was current.
 */
from_hash: string, 
/**
 * The version that is current now.
 */
to_hash: string, 
/**
 * False when it was current already (nothing was written).
 */
changed: boolean, };

export type OutdatedArgs = { 
/**
 * Plugins by id, name or `composite:name`; every plugin when absent or empty.
 */
names?: Array<string>, 
/**
 * Fetch nothing: git sources are read from the cache only.
 */
offline?: boolean, };

export type OutdatedState = "up_to_date" | "changed" | "unreachable" | "gone" | "untracked";

export type ChildChange = "new" | "changed" | "gone";

export type ChangedChild = { kind: Kind, name: string, change: ChildChange, 
/**
 * The hash the plugin pins (none for a new child).
 */
old_hash: string | null, 
/**
 * The source's hash (none for a child that is gone).
 */
new_hash: string | null, };

export type PluginOutdated = { id: string, name: string, state: OutdatedState, 
/**
 * The recorded source, on one line (`url#path`, or a path).
 */
source: string | null, 
/**
 * The commit recorded at import (git sources).
 */
commit: string | null, 
/**
 * The commit the source's ref resolves to now.
 */
latest_commit: string | null, 
/**
 * The plugin's stored content hash.
 */
content_hash: string, 
/**
 * Its content hash in the source now.
 */
latest_hash: string | null, 
/**
 * The children that are new, changed or gone (by kind and name).
 */
children: Array<ChangedChild>, 
/**
 * Why it is unreachable or gone.
 */
reason: string | null, };

export type OutdatedReport = { plugins: Array<PluginOutdated>, };

export type UpdateArgs = { 
/**
 * Plugins by id, name or `composite:name`; every plugin when absent or empty.
 */
names?: Array<string>, 
/**
 * Only plan: the three buckets of each changed plugin; write nothing.
 */
dry_run?: boolean, 
/**
 * What to do when a child's name exists with other content (as `add`).
 */
on_conflict?: Policy, 
/**
 * Fetch nothing: git sources are read from the cache only.
 */
offline?: boolean, };

export type UpdateResult = { dry_run: boolean, checked: Array<PluginOutdated>, 
/**
 * With `dry_run`: NEW, EXISTING and CONFLICT children of each changed plugin.
 */
previews: Array<PluginPreview>, 
/**
 * Without: the import of each changed plugin (each its own transaction).
 */
results: Array<PluginImport>, };

export type UpdateStarted = { transaction_id: string, status: JobStatus, };

export type UpdateJob = { transaction_id: string, status: JobStatus, result?: UpdateResult, error?: PublicError, };

export type VerifyReport = { ok: boolean, artifacts: number, versions: number, blobs: number, problems: Array<string>, 
/**
 * What is worth knowing but is not a problem: uploads no import used,
 * older than the time the server keeps them (the server removes them).
 */
notes?: Array<string>, };

export type Associations = { artifact_id: string, parents: Array<Association>, children: Array<Association>, };

export type ArtifactItem = { 
/**
 * The artifact's id (a ULID).
 */
id: string, 
/**
 * The same id, under the seeds' second name for it.
 */
artifact_uuid: string, name: string, type: Kind, 
/**
 * A plugin's subtype (`plugin`); null for other types.
 */
subtype: string | null, version: string | null, 
/**
 * Children of a plugin (0 for other types).
 */
child_count: number, 
/**
 * SHA-256 of the current version (the canonical tree hash).
 */
content_hash: string, created_at: string, updated_at: string, };

export type ArtifactPage = { items: Array<ArtifactItem>, 
/**
 * Artifacts matching the filters, before the page.
 */
total: number, 
/**
 * Items in this page.
 */
count: number, };

export type ArtifactInfo = { id: string, artifact_uuid: string, name: string, type: Kind, subtype: string | null, version: string | null, description: string | null, 
/**
 * Where a plugin was last imported from: kind (folder, bundle, git),
 * URL or path, ref as given, resolved commit, folder, and the
 * marketplace it was listed in; null for other artifacts (and for
 * plugins imported before skillmeat recorded it).
 */
source: Origin | null, content_hash: string, created_at: string, updated_at: string, 
/**
 * Every stored version, the current one marked.
 */
versions: Array<VersionInfo>, 
/**
 * The plugins it belongs to.
 */
parents: Array<Association>, 
/**
 * A plugin's children.
 */
children: Array<Association>, 
/**
 * Projects it is deployed to.
 */
deployments: Array<DeploymentInfo>, 
/**
 * For a plugin: whether Claude Code loads it as stored (always true
 * for other kinds); `load_errors` say why not.
 */
loads_in_claude_code: boolean, load_errors: Array<string>, 
/**
 * What `claude plugin validate` calls an error although it loads.
 */
validation_errors: Array<string>, };

export type ServerInfo = { 
/**
 * skillmeat's version.
 */
version: string, 
/**
 * The collection served.
 */
collection: string, 
/**
 * Listening on loopback without `--public`: deploy, undeploy and status
 * work (the project is a folder on the server's machine, which is the
 * client's).
 */
loopback: boolean, };

export type PlanArgs = { plugins: Array<PlanPlugin>, 
/**
 * The policy the buckets are planned under (`new-version` by default;
 * a conflict is a conflict under any policy).
 */
on_conflict?: Policy, };

export type BundlePlanArgs = { 
/**
 * The zip, uploaded first; its `path` is the zip's name.
 */
bundle: UploadedFile, 
/**
 * Only these plugins of it (all by default).
 */
plugins?: Array<string>, 
/**
 * The policy the buckets are planned under (`new-version` by default).
 */
on_conflict?: Policy, };

export type PlanPlugin = { name: string, children: Array<PlanChild>, };

export type PlanChild = { kind: Kind, name: string, 
/**
 * The child's content hash (64 hex digits), as the wasm core computes it.
 */
content_hash: string, };

export type MissingArgs = { 
/**
 * SHA-256s of file contents (64 lowercase hex digits); at most
 * 100,000.
 */
sha256: Array<string>, };

export type MissingBlobs = { 
/**
 * Each once, in the order asked.
 */
missing: Array<string>, };

export type BlobStored = { sha256: string, size: number, };

export type BlobsStored = { stored: Array<BlobStored>, };

export type CompositeImportArgs = { 
/**
 * Every file of the folder, relative to it (`/`-separated). The server
 * rebuilds the folder from the blobs, discovers and hashes it itself.
 */
files?: Array<UploadedFile>, 
/**
 * The folder's name: discovery names a plugin without a manifest after
 * it (`plugin` by default).
 */
root_name?: string, 
/**
 * Instead of `files`: a folder, marketplace or bundle zip on the
 * server's machine (refused by a `--public` server).
 */
source?: string, 
/**
 * Instead of `files`: a bundle zip uploaded as one blob (its `path` is
 * the zip's name). The server verifies and reads it as
 * `skillmeat add BUNDLE.zip` does.
 */
bundle?: UploadedFile, 
/**
 * Only these plugins of a marketplace (all by default).
 */
plugins?: Array<string>, 
/**
 * For every conflict without its own choice (`new-version` by default).
 */
on_conflict?: Policy, 
/**
 * A choice per conflicting child.
 */
conflict_choices?: Array<ChildChoice>, };

export type UploadedFile = { path: string, sha256: string, size: number, executable: boolean, };

export type ImportStarted = { transaction_id: string, status: JobStatus, parent: PendingParent, children: Array<PendingChild>, plugins: Array<PendingPlugin>, };

export type PendingPlugin = { parent: PendingParent, children: Array<PendingChild>, };

export type PendingParent = { name: string, 
/**
 * Not imported yet.
 */
pending: boolean, };

export type PendingChild = { name: string, kind: Kind, 
/**
 * `imported` (new content), `linked` (the collection has it), `kept`
 * (a conflict whose current version stays pinned), `forked` (a
 * conflict imported under `<name>--<plugin>`), `new_version` (a
 * conflict imported as a new version).
 */
status: string, 
/**
 * `new`, `existing` or `conflict`: the preview's bucket.
 */
hash_status: string, content_hash: string, 
/**
 * The collection's current version of a child that exists.
 */
existing_hash?: string, };

export type JobStatus = "in_progress" | "succeeded" | "failed";

export type ImportJob = { transaction_id: string, status: JobStatus, result?: ImportSummary, error?: PublicError, };

/** The event `import_source` emits as each plugin starts and ends. */
export const IMPORT_PROGRESS = "import-progress";

/** Every command: `invoke(name, { args })` and what it returns. */
export interface Commands {
  list_artifacts: { args: ListArgs; result: ArtifactList };
  show_artifact: { args: ShowArgs; result: ArtifactDetail };
  list_source: { args: SourceArgs; result: SourceListing };
  read_source_file: { args: ReadFileArgs; result: ArrayBuffer };
  preview_import: { args: PreviewArgs; result: ImportPreview };
  import_source: { args: ImportArgs; result: ImportSummary };
  collection_index: { args: null; result: IndexSnapshot };
  first_paint: { args: null; result: number };
  file_diff: { args: DiffArgs; result: FileDiff };
  deploy: { args: DeployArgs; result: DeployResult };
  undeploy: { args: UndeployArgs; result: UndeployResult };
  remove_artifact: { args: RemoveArgs; result: RemoveResult };
  use_version: { args: UseArgs; result: UseResult };
  outdated: { args: OutdatedArgs; result: OutdatedReport };
  update_plugins: { args: UpdateArgs; result: UpdateResult };
  project_status: { args: ProjectArgs; result: ProjectStatus };
  export_bundle: { args: ExportArgs; result: ExportResult };
}
