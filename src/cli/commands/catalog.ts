/** `catalog rebuild`: recreate the catalog from the repository alone (DESIGN invariant 1). */
import type { Command } from 'commander';
import { rebuildCatalog } from '../../catalog/index.js';
import { catalogSource } from '../../engine/catalog-sync.js';
import { withWorkspace } from '../context.js';
import { printJson, printLine } from '../output.js';
import { createProgress } from '../progress.js';

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('the local index of snapshots and items');
  catalog
    .command('rebuild')
    .description('recreate the catalog from the repository alone')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        const repo = await ws.repository();
        const c = await ws.catalogForRebuild();
        try {
        const progress = createProgress('rebuild', { quiet: opts.json });
        const result = await rebuildCatalog(c, catalogSource(repo), { signal, onProgress: (p) => progress.update('snapshots', p.snapshotsDone, p.snapshotsTotal) });
        progress.stop();
        if (opts.json) printJson(result);
        else printLine(`catalog rebuilt: ${result.snapshots} snapshot(s) of ${result.profiles} profile(s), ${result.changes} item change(s)`);
        } finally {
          await c.close();
        }
      });
    });
}
