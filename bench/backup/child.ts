/**
 * One backup run in its own process, so its peak memory (maxRSS) is the backup's alone: reads the
 * workspace from TENANT_VAULT_HOME / _REPOSITORY / _PASSWORD, runs `runBackup` with the real clock,
 * and prints one JSON line `{report, maxRssKb, wallMs}`. Progress lines go to stderr.
 * Usage: tsx bench/backup/child.ts PROFILE [--full]
 */
import { resolveConfig } from '../../src/config/index.js';
import { openWorkspace } from '../../src/engine/workspace.js';
import { runBackup } from '../../src/engine/backup/index.js';
import { createLogger } from '../../src/logging/index.js';

const [profile, ...flags] = process.argv.slice(2);
if (!profile) throw new Error('usage: child.ts PROFILE [--full]');
const config = resolveConfig();
const ws = openWorkspace(config, { logger: createLogger({ level: 'warn' }) });
const started = Date.now();
let lastLine = 0;
try {
  const report = await runBackup(ws, profile, {
    full: flags.includes('--full'),
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastLine < 10_000 && p.phase === 'reading') return;
      lastLine = now;
      process.stderr.write(`[${((now - started) / 1000).toFixed(0)} s] ${p.phase} ${p.type ?? ''} types ${p.typesDone}/${p.typesTotal} items ${p.items} requests ${p.requests} rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB\n`);
    },
  });
  process.stdout.write(`${JSON.stringify({ report, maxRssKb: process.resourceUsage().maxRSS, wallMs: Date.now() - started })}\n`);
} finally {
  await ws.close();
}
