// Compiled with `tsc --noEmit --strict` by `make test-wasm`: proves that the
// generated wasm/pkg/skillmeat_wasm.d.ts types the API (an `any` would make
// every `@ts-expect-error` below unused, which is an error).

import init, {
  type ChildReport,
  type IndexSnapshot,
  type InspectReport,
  type Preview,
  FileHasher,
  TreeHasher,
  discover,
  hashFile,
  planImport,
} from '../pkg/skillmeat_wasm.js';

export async function typed(): Promise<void> {
  await init();
  const bytes = new Uint8Array([1, 2, 3]);
  const hex: string = hashFile(bytes);
  const f = new FileHasher();
  f.update(bytes);
  const fileHex: string = f.finish();
  const t = new TreeHasher();
  const counted: boolean = t.addFile('a.md', bytes);
  t.beginFile('b.md');
  t.update(bytes);
  t.finishFile();
  const n: number = t.files;
  const treeHex: string = t.finish();

  const report: InspectReport = discover(['a.md'], (p: string) => (p ? bytes : undefined), { 'a.md': hex }, 'root');
  const child: ChildReport | undefined = report.plugins[0]?.children[0];
  const kind: 'skill' | 'command' | 'agent' | 'hook' | 'mcp_server' | 'lsp_server' | 'composite' | undefined = child?.kind;
  const description: string | null | undefined = child?.description;
  // @ts-expect-error: a report has no such field
  void report.nothing;
  // @ts-expect-error: readSmall must return bytes
  discover([], () => 'text', {});

  const index: IndexSnapshot = { artifacts: [] };
  const plugin = report.plugins[0];
  if (plugin) {
    const preview: Preview = planImport(plugin, index);
    const again: Preview = planImport(plugin, index, 'fork');
    const current: string | null | undefined = preview.buckets.conflict[0]?.current_hash;
    // @ts-expect-error: not a conflict policy
    planImport(plugin, index, 'merge');
    // @ts-expect-error: an index needs artifacts
    planImport(plugin, {});
    void [again, current];
  }
  void [fileHex, counted, n, treeHex, kind, description];
}
