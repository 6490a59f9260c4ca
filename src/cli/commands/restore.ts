/**
 * `tenant-vault restore` (issue #5; src/engine/restore, docs/restore.md):
 * - `restore SNAPSHOT [SELECTOR ...] [--to PROFILE] [--mode skip|merge|overwrite] [--properties LIST]
 *   [--with-references] [--new-secrets] [--changed-since SNAPSHOT] --plan [--json] [--out PLAN]` — show the plan;
 * - `restore SNAPSHOT [SELECTOR ...] … --apply [--yes] [--json]`, or `restore --apply --plan-file PLAN
 *   [--yes] [--json]` — apply it (a plan file is refused with PLAN_STALE if the tenant changed);
 *   running the same apply again after an interruption resumes it;
 * - `restore list`, `restore show ID [--secrets]`, `restore undo ID [--plan] [--yes] [--json]`.
 * Without `--yes`, `--apply` shows the plan and asks on a terminal, and refuses (USAGE) elsewhere.
 * `--json` prints the plan / report objects (the contract); text otherwise. A restore with failed
 * or unverified operations prints its report, then exits with RESTORE_FAILED.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { TenantVaultError } from '../../errors/index.js';
import {
  RESTORE_MODES, applyRestore, openRequestTarget, openTarget, planRestore, planUndo, renderPlan, renderReport, resolveRequestKey, restoreStore,
  type RestoreMode, type RestorePlan, type RestoreReport, type RestoreRequest, type TargetSession,
} from '../../engine/restore/index.js';
import type { Workspace } from '../../engine/workspace.js';
import { withWorkspace } from '../context.js';
import { formatTime, shortId, table } from '../format.js';
import { printJson, printLine } from '../output.js';
import { createProgress } from '../progress.js';

interface RestoreOptions {
  to?: string;
  mode?: string;
  properties?: string[];
  withReferences?: boolean;
  newSecrets?: boolean;
  changedSince?: string;
  plan?: boolean;
  apply?: boolean;
  planFile?: string;
  out?: string;
  yes?: boolean;
  json?: boolean;
}

function list(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s.length > 0)];
}

function parseMode(value: string | undefined): RestoreMode | undefined {
  if (value === undefined) return undefined;
  if (!(RESTORE_MODES as readonly string[]).includes(value)) {
    throw new TenantVaultError('USAGE', `Unknown mode ${JSON.stringify(value)}`, { hint: `Use one of ${RESTORE_MODES.join(', ')}.` });
  }
  return value as RestoreMode;
}

function readPlanFile(path: string): RestorePlan {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new TenantVaultError('USAGE', `Cannot read the plan file ${path}: ${(err as Error).message}`, { hint: 'Pass a file written by `restore … --plan --out PLAN`.' });
  }
  const plan = parsed as Partial<RestorePlan>;
  if (plan.version !== 1 || typeof plan.id !== 'string' || typeof plan.snapshot !== 'string' || typeof plan.profile !== 'string' || !Array.isArray(plan.operations) || typeof plan.fingerprints !== 'object') {
    throw new TenantVaultError('USAGE', `${path} is not a restore plan`, { hint: 'Pass a file written by `restore … --plan --out PLAN`.' });
  }
  return plan as RestorePlan;
}

function printPlan(plan: RestorePlan, json: boolean): void {
  if (json) printJson(plan);
  else for (const line of renderPlan(plan)) printLine(line);
}

/** Asks on a terminal; refuses elsewhere unless `--yes`. */
async function confirm(plan: RestorePlan, opts: RestoreOptions): Promise<boolean> {
  if (opts.yes) return true;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new TenantVaultError('USAGE', 'Refusing to write to the tenant without confirmation: this is not an interactive terminal', {
      hint: 'Review the plan (--plan), then apply with --yes.',
    });
  }
  for (const line of renderPlan(plan)) process.stderr.write(`${line}\n`);
  const writes = plan.operations.filter((op) => op.action !== 'skip' && op.action !== 'unsupported').length;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Apply ${writes} operation(s) to profile ${plan.profile}? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** `session`: the one the plan was made with, when this run planned it (one scheduler for both). */
async function apply(ws: Workspace, plan: RestorePlan, opts: RestoreOptions, signal: AbortSignal, checkStale: boolean, session?: TargetSession): Promise<void> {
  if (!(await confirm(plan, opts))) {
    process.stderr.write('Nothing was written.\n');
    return;
  }
  const progress = createProgress('restore', { quiet: opts.json === true && !process.stderr.isTTY });
  let report: RestoreReport;
  try {
    report = await applyRestore(ws, plan, {
      signal, logger: ws.logger, checkStale, ...(session ? { session } : {}), onProgress: (p) => progress.update(p.phase, p.done, Math.max(1, p.total)),
    });
  } finally {
    progress.stop();
  }
  if (opts.json) printJson(report);
  else for (const line of renderReport(report)) printLine(line);
  if (report.status !== 'succeeded') {
    throw new TenantVaultError('RESTORE_FAILED', `Restore ${report.restore}: ${report.counts.failed} operation(s) failed${report.operations.some((op) => op.verified === false) ? ', some not verified' : ''}`);
  }
}

function request(snapshot: string, selectors: readonly string[], opts: RestoreOptions): RestoreRequest {
  const mode = parseMode(opts.mode);
  return {
    snapshot, selectors: [...selectors],
    ...(opts.to ? { to: opts.to } : {}), ...(mode ? { mode } : {}), ...(opts.properties ? { properties: opts.properties } : {}),
    ...(opts.withReferences ? { withReferences: true } : {}), ...(opts.newSecrets ? { newSecrets: true } : {}),
    ...(opts.changedSince ? { changedSince: opts.changedSince } : {}),
  };
}

async function runRestore(ws: Workspace, snapshot: string | undefined, selectors: readonly string[], opts: RestoreOptions, signal: AbortSignal): Promise<void> {
  if (opts.plan === opts.apply) {
    throw new TenantVaultError('USAGE', opts.plan ? 'Choose --plan or --apply, not both' : 'Say what to do: --plan shows the plan, --apply applies it', {
      hint: 'Review with `restore SNAPSHOT … --plan`, then `restore SNAPSHOT … --apply` (or --apply --plan-file PLAN).',
    });
  }
  if (opts.planFile) {
    if (!opts.apply) throw new TenantVaultError('USAGE', '--plan-file goes with --apply');
    if (snapshot !== undefined) throw new TenantVaultError('USAGE', 'A plan file says what to restore: give no snapshot or selectors with --plan-file');
    await apply(ws, readPlanFile(opts.planFile), opts, signal, true);
    return;
  }
  if (snapshot === undefined) throw new TenantVaultError('USAGE', 'Name the snapshot to restore from', { hint: 'List snapshots with `tenant-vault snapshots`.' });
  const req = request(snapshot, selectors, opts);
  if (opts.apply) {
    // An interrupted apply of the same request continues where it stopped.
    const store = restoreStore(await ws.repository());
    const unfinished = await store.findUnfinished(await resolveRequestKey(ws, req, { signal }), { signal });
    const stored = unfinished ? await store.getPlan(unfinished.id, { signal }) : undefined;
    if (stored) {
      process.stderr.write(`Resuming restore ${stored.id}, interrupted on ${formatTime(unfinished!.updatedAt)}.\n`);
      await apply(ws, stored, { ...opts, yes: true }, signal, false);
      return;
    }
  }
  // Planning and applying in one run share one connection: one scheduler, one budget per app and tenant.
  const session = opts.apply ? await openRequestTarget(ws, req, { signal, logger: ws.logger }) : undefined;
  const plan = await planRestore(ws, req, { signal, logger: ws.logger, ...(session ? { session } : {}) });
  if (opts.out) writeFileSync(opts.out, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
  if (opts.plan) {
    printPlan(plan, opts.json === true);
    return;
  }
  await apply(ws, plan, opts, signal, false, session);
}

export function registerRestoreCommand(program: Command): void {
  const restore = program
    .command('restore')
    .description('plan, apply, list, show and undo restores of a snapshot\'s items into a tenant')
    .argument('[snapshot]', 'snapshot ID or prefix to restore from')
    .argument('[selectors...]', 'TYPE, TYPE/ID or TYPE:property=value (default: every item)')
    .option('--to <profile>', 'target profile (default: the snapshot\'s)')
    .option('--mode <mode>', 'existing items: skip | merge (default) | overwrite')
    .option('--properties <list>', 'restore only these properties and relationships of existing items', list)
    .option('--with-references', 'also restore what the chosen items reference and the target lacks')
    .option('--new-secrets', 'create new client secrets for recreated applications (shown once)')
    .option('--changed-since <snapshot>', 'only items that differ between SNAPSHOT and this snapshot')
    .option('--plan', 'show the plan; write nothing')
    .option('--apply', 'apply (after a safety snapshot); asks unless --yes')
    .option('--plan-file <file>', 'with --apply: the plan written by --plan --out')
    .option('--out <file>', 'also write the plan as JSON to this file (it holds tenant data)')
    .option('--yes', 'apply without asking')
    .option('--json', 'print the plan or report as JSON')
    .action(async (snapshot: string | undefined, selectors: string[], opts: RestoreOptions, cmd: Command) => {
      await withWorkspace(cmd, (ws, signal) => runRestore(ws, snapshot, selectors, opts, signal));
    });

  restore
    .command('list')
    .description('restores and undos recorded in the repository')
    .option('--json', 'print as JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      // `--json` is also an option of `restore` itself, which commander gives it.
      const opts = cmd.optsWithGlobals<{ json?: boolean }>();
      await withWorkspace(cmd, async (ws, signal) => {
        const records = await restoreStore(await ws.repository()).listRecords({ signal });
        if (opts.json) {
          printJson({ restores: records.map(({ report: _r, ...r }) => ({ ...r, ...(r.status !== 'planned' && _r ? { counts: _r.counts } : {}) })) });
          return;
        }
        if (records.length === 0) {
          printLine('No restores yet.');
          return;
        }
        printLine(table([
          ['ID', 'KIND', 'STATUS', 'CREATED', 'SNAPSHOT', 'PROFILE', 'OPS', 'DONE', 'FAILED', 'NOTE'],
          ...records.map((r) => [
            r.id, r.kind, r.status, formatTime(r.createdAt), shortId(r.snapshot), r.profile, String(r.operations),
            String(r.report?.counts.done ?? '-'), String(r.report?.counts.failed ?? '-'),
            r.undoneBy ? `undone by ${r.undoneBy}` : r.undoOf ? `undoes ${r.undoOf}` : '',
          ]),
        ]));
      });
    });

  restore
    .command('show')
    .argument('<id>', 'restore ID or prefix')
    .description('a restore\'s plan and last report')
    .option('--secrets', 'also print the temporary passwords and client secrets it created')
    .option('--json', 'print as JSON')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ json?: boolean; secrets?: boolean }>();
      await withWorkspace(cmd, async (ws, signal) => {
        const store = restoreStore(await ws.repository());
        const record = await store.findRecord(id, { signal });
        const plan = await store.getPlan(record.id, { signal });
        const secrets = opts.secrets ? (await store.loadSecrets(record.id, { signal })).secrets.map(({ index: _i, name: _n, ...s }) => s) : undefined;
        if (opts.json) {
          printJson({ ...record, ...(plan ? { plan } : {}), ...(secrets ? { secrets } : {}) });
          return;
        }
        printLine(`${record.kind} ${record.id}: ${record.status}, created ${formatTime(record.createdAt)}${record.actor ? ` by ${record.actor}` : ''}`);
        if (record.safetySnapshot) printLine(`safety snapshot ${record.safetySnapshot}`);
        if (record.undoneBy) printLine(`undone by ${record.undoneBy}`);
        if (plan) for (const line of renderPlan(plan)) printLine(line);
        if (record.report) for (const line of renderReport(record.report)) printLine(line);
        for (const s of secrets ?? []) printLine(`${s.kind === 'temporaryPassword' ? 'temporary password' : 'client secret'} for ${s.label}: ${s.value}`);
      });
    });

  restore
    .command('undo')
    .argument('<id>', 'restore ID or prefix')
    .description('return the tenant to its state before a restore (from its safety snapshot)')
    .option('--plan', 'show the undo plan; write nothing')
    .option('--yes', 'apply without asking')
    .option('--json', 'print the plan or report as JSON')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const opts = cmd.optsWithGlobals<{ plan?: boolean; yes?: boolean; json?: boolean }>();
      await withWorkspace(cmd, async (ws, signal) => {
        const repo = await ws.repository();
        const store = restoreStore(repo);
        let session: TargetSession | undefined;
        if (!opts.plan) {
          // An interrupted undo of this restore continues where it stopped.
          const record = await store.findRecord(id, { signal });
          const unfinished = (await store.listRecords({ signal })).filter((r) => r.undoOf === record.id && r.status === 'running').pop();
          const stored = unfinished ? await store.getPlan(unfinished.id, { signal }) : undefined;
          if (stored) {
            process.stderr.write(`Resuming undo ${stored.id}, interrupted on ${formatTime(unfinished!.updatedAt)}.\n`);
            await apply(ws, stored, { yes: true, ...(opts.json ? { json: true } : {}) }, signal, false);
            return;
          }
          // Planning and applying the undo share one connection (one scheduler), as for a restore.
          session = await openTarget(repo, record.profile, { signal, logger: ws.logger });
        }
        const plan = await planUndo(ws, id, { signal, logger: ws.logger, ...(session ? { session } : {}) });
        if (opts.plan) {
          printPlan(plan, opts.json === true);
          return;
        }
        await apply(ws, plan, { ...(opts.yes ? { yes: true } : {}), ...(opts.json ? { json: true } : {}) }, signal, false, session);
      });
    });
}
