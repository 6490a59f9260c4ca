/**
 * Repository commands: init, snapshots, check, forget, prune, locks/unlock and key add|list|remove.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Secret } from '../../config/index.js';
import { TenantVaultError } from '../../errors/index.js';
import type { CheckReport, RetentionPolicy, SnapshotInfo, SnapshotWarning, PrunePlan } from '../../repository/index.js';
import { initWorkspaceRepository } from '../../engine/workspace.js';
import { withWorkspace } from '../context.js';
import { configFrom } from '../program.js';
import { printJson, printLine } from '../output.js';
import { createProgress } from '../progress.js';
import { formatBytes, formatTime, shortId, table } from '../format.js';
import { nonNegativeInt } from '../arguments.js';

/** The JSON shape of a snapshot in every listing: `id`, `profile`, `time` first (the contract). */
export function snapshotJson(s: SnapshotInfo): Record<string, unknown> {
  return { id: s.id, profile: s.profile, time: s.time, parent: s.parent, hostname: s.hostname, tags: s.tags, types: s.types, stats: s.stats };
}

function partialTypes(s: SnapshotInfo): string[] {
  return Object.entries(s.types).filter(([, t]) => t.absent !== undefined).map(([name]) => name);
}

function printCheck(report: CheckReport): void {
  for (const e of report.errors) {
    printLine(`error ${e.kind}: ${e.message}`);
    if (e.blob) printLine(`  blob ${e.blob}${e.pack ? ` in pack ${e.pack}` : ''}`);
    else if (e.pack) printLine(`  pack ${e.pack}`);
    if (e.snapshots.length > 0) printLine(`  snapshots: ${e.snapshots.map(shortId).join(', ')}`);
    for (const item of e.items.slice(0, 20)) printLine(`  item ${item.type}/${item.id}${item.snapshots ? ` (snapshots ${item.snapshots.map(shortId).join(', ')})` : ''}`);
    if (e.items.length > 20) printLine(`  … and ${e.items.length - 20} more items`);
  }
  for (const w of report.warnings) printLine(`warning ${w.kind}: ${w.message}`);
  const s = report.stats;
  printLine(`${report.ok ? 'no errors' : `${report.errors.length} error(s)`}: ${s.snapshots} snapshots, ${s.packs} packs, ${s.blobs} blobs${report.readData ? `, ${formatBytes(s.bytesRead)} read and verified` : ''}`);
}

function printPrunePlan(plan: PrunePlan): void {
  printLine(`blobs: ${plan.blobs.used} used, ${plan.blobs.unused} unused, ${plan.blobs.duplicates} duplicates`);
  printLine(`packs: ${plan.packs.total} total, ${plan.packs.keep} kept, ${plan.packs.repack} to repack, ${plan.packs.delete} to delete, ${plan.packs.unindexed} unindexed, ${plan.packs.missing} missing`);
  printLine(`size:  ${formatBytes(plan.bytes.total)} now, ${formatBytes(plan.bytes.after)} after (${formatBytes(plan.bytes.delete)} deleted, ${formatBytes(plan.bytes.repack)} repacked)`);
}

function readNewPassword(file: string | undefined): Secret {
  if (file) return new Secret(readFileSync(file, 'utf8').replace(/\r?\n$/, ''));
  const env = process.env.TENANT_VAULT_NEW_PASSWORD;
  if (env === undefined || env === '') throw new TenantVaultError('PASSWORD_MISSING', 'No new password given', { hint: 'Pass --new-password-file FILE or set TENANT_VAULT_NEW_PASSWORD.' });
  return new Secret(env);
}

export function registerRepositoryCommands(program: Command): void {
  program
    .command('init')
    .description('create a new encrypted repository at --repo / TENANT_VAULT_REPOSITORY')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      const repo = await initWorkspaceRepository(config);
      try {
        if (opts.json) printJson({ id: repo.id, location: repo.location });
        else printLine(`created repository ${shortId(repo.id)} at ${repo.location}\nKeep the password safe: without it the backups cannot be read.`);
      } finally {
        await repo.close();
      }
    });

  program
    .command('snapshots')
    .argument('[profile]', 'only this profile\'s snapshots')
    .description('list snapshots, oldest first')
    .option('--json', 'print an array of {id, profile, time, …}, newest last')
    .action(async (profile: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        const repo = await ws.repository();
        const list: SnapshotInfo[] = [];
        // A damaged snapshot file is skipped, not fatal; say so on stderr (stdout stays the listing).
        const onWarning = (w: SnapshotWarning): void => void process.stderr.write(`warning ${w.kind}: ${w.message}\n`);
        for await (const s of repo.snapshots({ profile, signal, onWarning })) list.push(s);
        if (opts.json) return printJson(list.map(snapshotJson));
        if (list.length === 0) return printLine('no snapshots');
        printLine(table([
          ['ID', 'TIME', 'PROFILE', 'ITEMS', 'NEW', 'CHANGED', 'DELETED', 'ADDED', 'NOTE'],
          ...list.map((s) => {
            const absent = partialTypes(s);
            return [shortId(s.id), formatTime(s.time), s.profile, String(s.stats.items), String(s.stats.new), String(s.stats.changed), String(s.stats.deleted), formatBytes(s.stats.bytesAdded), absent.length ? `partial: ${absent.length} type(s) absent` : ''];
          }),
        ]));
      });
    });

  program
    .command('check')
    .description('verify the repository structure; with --read-data also decrypt and verify every blob')
    .option('--read-data', 'download, decrypt and verify all data')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { readData?: boolean; json?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        const repo = await ws.repository();
        const progress = createProgress('check', { quiet: opts.json });
        const report = await repo.check({ readData: opts.readData, signal, onProgress: (p) => progress.update(p.phase, p.done, p.total) });
        progress.stop();
        if (opts.json) printJson(report);
        else printCheck(report);
        if (!report.ok) {
          const first = report.errors[0];
          throw new TenantVaultError('CHECK_FAILED', `check found ${report.errors.length} error(s)${first?.blob ? `; first damaged blob ${first.blob}` : ''}`, { details: { errors: report.errors.length } });
        }
      });
    });

  program
    .command('forget')
    .description('remove snapshots by a retention policy (the data stays until `prune`)')
    .option('--keep-last <n>', 'keep the n most recent snapshots', nonNegativeInt)
    .option('--keep-hourly <n>', 'keep the newest snapshot of each of the last n hours', nonNegativeInt)
    .option('--keep-daily <n>', 'keep the newest snapshot of each of the last n days', nonNegativeInt)
    .option('--keep-weekly <n>', 'keep the newest snapshot of each of the last n weeks', nonNegativeInt)
    .option('--keep-monthly <n>', 'keep the newest snapshot of each of the last n months', nonNegativeInt)
    .option('--keep-yearly <n>', 'keep the newest snapshot of each of the last n years', nonNegativeInt)
    .option('--profile <name>', 'only this profile\'s snapshots')
    .option('--dry-run', 'show what would be removed, remove nothing')
    .option('--json', 'print the result as JSON')
    .action(async (opts: RetentionPolicy & { profile?: string; dryRun?: boolean; json?: boolean }, cmd: Command) => {
      const policy: RetentionPolicy = { keepLast: opts.keepLast, keepHourly: opts.keepHourly, keepDaily: opts.keepDaily, keepWeekly: opts.keepWeekly, keepMonthly: opts.keepMonthly, keepYearly: opts.keepYearly };
      if (Object.values(policy).every((v) => v === undefined)) {
        throw new TenantVaultError('USAGE', 'forget needs at least one --keep-* option', { hint: 'For example: tenant-vault forget --keep-daily 7 --keep-weekly 5 --keep-monthly 12' });
      }
      await withWorkspace(cmd, async (ws, signal) => {
        const repo = await ws.repository();
        const result = await repo.forget(policy, { dryRun: opts.dryRun, profile: opts.profile, signal });
        if (!opts.dryRun) await ws.catalog();
        if (opts.json) {
          return printJson({
            dryRun: result.dryRun,
            removed: result.removed,
            groups: result.groups.map((g) => ({ profile: g.profile, keep: g.keep.map((k) => ({ id: k.snapshot.id, time: k.snapshot.time, reasons: k.reasons })), remove: g.remove.map((s) => ({ id: s.id, time: s.time })) })),
          });
        }
        for (const g of result.groups) {
          printLine(`profile ${g.profile}: keep ${g.keep.length}, remove ${g.remove.length}`);
          for (const k of g.keep) printLine(`  keep   ${shortId(k.snapshot.id)}  ${formatTime(k.snapshot.time)}  ${k.reasons.join(', ')}`);
          for (const s of g.remove) printLine(`  remove ${shortId(s.id)}  ${formatTime(s.time)}`);
        }
        printLine(result.dryRun ? `dry run: ${result.removed.length} snapshot(s) would be removed` : `${result.removed.length} snapshot(s) removed; run \`tenant-vault prune\` to free their data`);
      });
    });

  program
    .command('prune')
    .description('delete data no snapshot references and repack partly used packs (plan, then execute)')
    .option('--dry-run', 'show the plan, change nothing')
    .option('--json', 'print the plan and result as JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        const repo = await ws.repository();
        const plan = await repo.planPrune({ signal });
        if (opts.dryRun || plan.empty) {
          await repo.abandonPrune(plan);
          if (opts.json) return printJson({ plan, executed: false });
          printPrunePlan(plan);
          return printLine(plan.empty ? 'nothing to prune' : 'dry run: nothing changed');
        }
        if (!opts.json) printPrunePlan(plan);
        const progress = createProgress('prune', { quiet: opts.json });
        const result = await repo.executePrune(plan, { signal, onProgress: (p) => progress.update(p.phase, p.done, p.total) });
        progress.stop();
        if (opts.json) return printJson({ plan, executed: true, result });
        printLine(`deleted ${result.packsDeleted} pack(s) (${formatBytes(result.bytesDeleted)}), wrote ${result.packsWritten} (${formatBytes(result.bytesWritten)})`);
      });
    });

  program
    .command('locks')
    .description('list the repository\'s locks')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        const locks = await (await ws.repository()).listLocks({ signal });
        if (opts.json) return printJson(locks);
        if (locks.length === 0) return printLine('no locks');
        printLine(table([
          ['ID', 'KIND', 'OPERATION', 'HOLDER', 'AGE', 'STALE'],
          ...locks.map((l) => [shortId(l.id), l.exclusive ? 'exclusive' : 'shared', l.operation, `${l.username}@${l.hostname} pid ${l.pid}`, `${Math.round(l.ageMs / 1000)} s`, l.stale ? (l.staleReason ?? 'yes') : '']),
        ]));
      });
    });

  program
    .command('unlock')
    .description('remove stale locks (of dead processes or not refreshed for too long)')
    .option('--all', 'remove every lock, also live ones — only when you know no other process uses the repository')
    .action(async (opts: { all?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        const repo = await ws.repository();
        const n = opts.all ? await repo.removeAllLocks({ signal }) : await repo.removeStaleLocks({ signal });
        printLine(`removed ${n} lock(s)`);
      });
    });

  const key = program.command('key').description('manage the passwords that open the repository');
  key
    .command('add')
    .description('add a password (read from --new-password-file or TENANT_VAULT_NEW_PASSWORD)')
    .option('--new-password-file <file>', 'file holding the new password')
    .option('--label <text>', 'a label to recognise the key by')
    .option('--json', 'print the new key as JSON')
    .action(async (opts: { newPasswordFile?: string; label?: string; json?: boolean }, cmd: Command) => {
      const password = readNewPassword(opts.newPasswordFile);
      await withWorkspace(cmd, async (ws, signal) => {
        const info = await (await ws.repository()).addKey(password, { label: opts.label, signal });
        if (opts.json) printJson(info);
        else printLine(`added key ${shortId(info.id)}`);
      });
    });
  key
    .command('list')
    .description('list the keys')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        const keys = await (await ws.repository()).listKeys({ signal });
        if (opts.json) return printJson(keys);
        printLine(table([['', 'ID', 'CREATED', 'USER', 'LABEL'], ...keys.map((k) => [k.current ? '*' : '', shortId(k.id), formatTime(k.created), `${k.username}@${k.host}`, k.label ?? ''])]));
      });
    });
  key
    .command('remove')
    .argument('<id>', 'key ID or unique prefix')
    .description('remove a key (never the last one)')
    .option('--allow-current', 'also remove the key this command opened the repository with')
    .action(async (id: string, opts: { allowCurrent?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        await (await ws.repository()).removeKey(id, { allowCurrent: opts.allowCurrent, signal });
        printLine(`removed key ${id}`);
      });
    });
}

