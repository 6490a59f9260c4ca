/**
 * `tenant-vault backup PROFILE [--types LIST] [--full] [--include LIST] [--relist-after HOURS] [--json]`: one backup run
 * (src/engine/backup). `--json` prints the report as one object (the contract: `snapshot`,
 * `requests`, `resourceUnits`, `types.{TYPE}.{new,changed,deleted,unchanged}`); otherwise a table
 * per type and the warnings. Progress goes to stderr: a bar on a terminal, plain lines otherwise.
 * A snapshot with absent types (missing permissions) still exits 0; its report says `partial`.
 */
import type { Command } from 'commander';
import { runBackup, type BackupReport } from '../../engine/backup/index.js';
import { withWorkspace } from '../context.js';
import { printJson, printLine } from '../output.js';
import { createProgress } from '../progress.js';
import { shortId, table } from '../format.js';
import { nonNegativeNumber } from '../arguments.js';

function list(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s.length > 0)];
}

function printReport(report: BackupReport): void {
  printLine(table([
    ['TYPE', 'MODE', 'NEW', 'CHANGED', 'DELETED', 'UNCHANGED', 'REQUESTS', 'NOTE'],
    ...Object.entries(report.types).map(([type, t]) => [
      type, t.mode ?? '-', String(t.new), String(t.changed), String(t.deleted), String(t.unchanged), String(t.requests),
      t.absent ? `absent: ${t.absent.length > 100 ? `${t.absent.slice(0, 97)}…` : t.absent}` : '',
    ]),
  ]));
  const sum = (k: 'new' | 'changed' | 'deleted') => Object.values(report.types).reduce((n, t) => n + t[k], 0);
  printLine(`snapshot ${shortId(report.snapshot)} (${report.status}): ${sum('new')} new, ${sum('changed')} changed, ${sum('deleted')} deleted; `
    + `${report.requests} requests, ${report.resourceUnits} resource units, ${report.throttled} throttled, ${(report.durationMs / 1000).toFixed(1)} s`);
  for (const w of report.warnings) printLine(`warning ${w.code}${w.type ? ` (${w.type})` : ''}: ${w.message}${w.hint ? `\n  hint: ${w.hint}` : ''}`);
}

export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .argument('<profile>', 'profile name')
    .option('--types <list>', 'comma-separated resource types (default: all of the profile\'s kind)', list)
    .option('--full', 'read everything again instead of incrementally')
    .option('--include <list>', 'opt-in sub-resources, e.g. user.authenticationMethods (slow: 5 requests per 10 s)', list)
    .option('--relist-after <hours>', 'list types the audit log shows no change of at least this often (default 24; 0: every run)', nonNegativeNumber)
    .option('--json', 'print the report as one JSON object')
    .description('take a snapshot of everything the profile can read')
    .action(async (profile: string, opts: { types?: string[]; full?: boolean; include?: string[]; relistAfter?: number; json?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        const progress = createProgress('backup', { quiet: opts.json === true && !process.stderr.isTTY });
        let report: BackupReport;
        try {
          report = await runBackup(ws, profile, {
            signal, logger: ws.logger,
            ...(opts.types ? { types: opts.types } : {}), ...(opts.full ? { full: true } : {}), ...(opts.include ? { include: opts.include } : {}),
            ...(opts.relistAfter !== undefined ? { relistAfterMs: opts.relistAfter * 3_600_000 } : {}),
            onProgress: (p) => progress.update(p.type ? `${p.phase} ${p.type} (${p.items} items)` : p.phase, p.typesDone, Math.max(1, p.typesTotal)),
          });
        } finally {
          progress.stop();
        }
        if (opts.json) printJson(report);
        else printReport(report);
      });
    });
}
