/**
 * `runBackup`: one backup of an app profile into a new snapshot, as a job.
 *
 * 1. Connect through the profile and decide from the token which chosen types can be read
 *    (session.ts); unreadable ones are marked absent with the permission, profile and consent URL,
 *    so the snapshot carries their items and the next one does not count them deleted (invariant 6).
 * 2. One scheduler for the app and tenant, its directory budget sized from the user count (facts
 *    §1.2: S < 50, M ≤ 500, L above).
 * 3. Types in three phases: append-only logs first (the audit log is the change signal for
 *    sub-resources nothing else reports and for the types it shows quiet, quiet.ts), then delta
 *    types (whose rounds signal changed objects to the others), then lists, singletons and
 *    Exchange — several types at a time within a phase.
 * 4. Commit (packs → index → snapshot; the repository guarantees a crash leaves no partial
 *    snapshot and the next run reuses what was uploaded), record it in the catalog, finish the job
 *    with the report.
 *
 * A type that fails (a 403 at run time, a service error after retries) is marked absent with the
 * reason and a warning, and the others go on; if every type fails the backup fails with the first
 * error. Sign-in failures and aborts fail the whole run; an aborted run writes no snapshot.
 */
import { mkdirSync } from 'node:fs';
import type { TokenCredential } from '@azure/identity';
import { systemClock, type Clock, type ResourceDeclaration, type SchedulerOptions, type TenantSize } from '../../connectors/index.js';
import { TenantVaultError, isTenantVaultError, toTenantVaultError } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../logging/index.js';
import { removeStaleScratch, type SnapshotWriter } from '../../repository/index.js';
import type { Catalog, Job } from '../../catalog/index.js';
import { syncCatalog } from '../catalog-sync.js';
import type { Workspace } from '../workspace.js';
import type { Profile } from '../profiles/index.js';
import { ChangeSignals, ParentView, RunContext, Warnings, readState, type TypeState } from './context.js';
import { auditGivesSignals } from './read-audit.js';
import { readType } from './read-type.js';
import { emptyTypeReport, serviceRequests, type BackupReport, type TypeReport } from './report.js';
import { openSession, type Session } from './session.js';

export interface BackupProgress {
  readonly phase: 'connecting' | 'reading' | 'committing' | 'done';
  /** The type whose items were just counted. */
  readonly type?: string;
  readonly typesDone: number;
  readonly typesTotal: number;
  /** Items read and handed to the repository so far in this run (unchanged listed items are skipped, not counted). */
  readonly items: number;
  readonly requests: number;
}

export interface BackupOptions {
  /** Type names; default every type of the profile's kind. */
  readonly types?: readonly string[];
  /** Read everything again: no delta links, no reuse of listed items' sub-resources (immutable ones excepted). */
  readonly full?: boolean;
  /** Opt-in sub-resources, as `type.name` (`user.authenticationMethods`). */
  readonly include?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BackupProgress) => void;
  /** The clock of every wait and of the snapshot's time (tests inject a virtual one). */
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Replaces the profile's credential (tests). */
  readonly credential?: TokenCredential;
  readonly requestTimeoutMs?: number;
  readonly scheduler?: Omit<SchedulerOptions, 'clock' | 'logger' | 'tenantSize'>;
  /** Types read at the same time within a phase (default 4; delta types at most 2). */
  readonly typeConcurrency?: number;
  /** How long a type the audit log shows no change of may go without being listed (quiet.ts; default a day). */
  readonly relistAfterMs?: number;
}

/** facts §1.2: S under 50 users, M 50–500, L over 500. */
export function tenantSizeOf(users: number): TenantSize {
  return users < 50 ? 'small' : users <= 500 ? 'medium' : 'large';
}

async function userCount(session: Session, parent: ParentView, signal: AbortSignal | undefined): Promise<number | undefined> {
  const known = parent.count('user');
  if (known !== undefined) return known;
  try {
    const response = await session.connection.graph.request<unknown>('/users/$count', {
      type: 'user', headers: { ConsistencyLevel: 'eventual' }, ...(signal ? { signal } : {}),
    });
    const n = Number(typeof response.body === 'string' ? response.body.trim() : response.body);
    return Number.isFinite(n) ? n : undefined;
  } catch (err) {
    if (isTenantVaultError(err) && err.code !== 'ABORTED' && err.code !== 'AUTH_FAILED') return undefined;
    throw err;
  }
}

/** Runs `work` over `items` with at most `limit` at a time; the first failure is thrown after all settle. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length && errors.length === 0) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}

export async function runBackup(ws: Workspace, profileOrName: string | Profile, options: BackupOptions = {}): Promise<BackupReport> {
  const { signal } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? ws.logger ?? silentLogger;
  const started = clock.now();
  const repo = await ws.repository();
  await repo.removeStaleLocks({ signal });
  const profileName = typeof profileOrName === 'string' ? profileOrName : profileOrName.name;
  const catalog = await ws.catalog();
  const job = await catalog.createJob({ kind: 'backup', profile: profileName, status: 'running', params: { types: options.types ?? null, full: options.full === true, include: options.include ?? [] } });
  let writer: SnapshotWriter | undefined;
  const jobUpdates = { last: Promise.resolve() };
  try {
    const report = await backup(ws, catalog, job, profileOrName, { ...options, clock, logger }, started, (w) => (writer = w), jobUpdates);
    await jobUpdates.last;
    await catalog.finishJob(job.id, { status: 'succeeded', report: report as unknown as Record<string, unknown> });
    return report;
  } catch (err) {
    await writer?.abort().catch(() => undefined);
    await jobUpdates.last;
    const e = toTenantVaultError(err);
    const aborted = e.code === 'ABORTED' || signal?.aborted === true;
    await catalog.finishJob(job.id, { status: aborted ? 'cancelled' : 'failed', error: e.toJSON() as { code: string; message: string } }).catch((finishErr: unknown) => {
      logger.warn({ err: String(finishErr) }, 'could not record the failed backup job');
    });
    throw aborted && e.code !== 'ABORTED' ? new TenantVaultError('ABORTED', 'The backup was interrupted; no snapshot was written', { cause: err }) : e;
  }
}

async function backup(
  ws: Workspace, catalog: Catalog, job: Job, profileOrName: string | Profile,
  options: BackupOptions & { clock: Clock; logger: Logger }, started: number, onWriter: (w: SnapshotWriter) => void,
  jobUpdates: { last: Promise<void> },
): Promise<BackupReport> {
  const { signal, clock, logger } = options;
  const repo = await ws.repository();
  let typesDone = 0;
  let items = 0;
  let lastProgressAt = -Infinity;
  // Progress may be reported before the session exists.
  const current: { session?: Session } = {};
  const progress = (phase: BackupProgress['phase'], type?: string, force = false): void => {
    const now = clock.now();
    const snapshot: BackupProgress = {
      phase, ...(type ? { type } : {}), typesDone, typesTotal: current.session?.types.length ?? 0, items,
      requests: current.session ? serviceRequests(current.session.connection.scheduler.stats().total) : 0,
    };
    options.onProgress?.(snapshot);
    if (force || now - lastProgressAt >= 2_000) {
      lastProgressAt = now;
      // Chained, so updates land in order and all of them before the job is finished.
      jobUpdates.last = jobUpdates.last.then(() => catalog.updateJob(job.id, { progress: snapshot as unknown as Record<string, unknown> })).then(() => undefined, () => undefined);
    }
  };
  progress('connecting', undefined, true);
  const session = await openSession(repo, profileOrName, {
    ...(options.types ? { types: options.types } : {}), ...(options.include ? { include: options.include } : {}),
    logger, clock, ...(options.credential ? { credential: options.credential } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}), ...(signal ? { signal } : {}),
  });
  current.session = session;
  const { profile, connection } = session;

  const writer = await repo.startSnapshot({ profile: profile.name, time: new Date(clock.now()), signal });
  onWriter(writer);
  const parent = new ParentView(repo, writer.parent, signal);
  const warnings = new Warnings(logger);
  const signals = new ChangeSignals();
  mkdirSync(ws.config.home, { recursive: true, mode: 0o700 });
  const stale = removeStaleScratch(ws.config.home);
  if (stale > 0) logger.info({ files: stale }, 'removed scratch files a killed backup left');
  const ctx = new RunContext(
    connection, parent, logger, warnings, signals,
    {
      optIn: new Set(options.include ?? []), consentUrl: session.consentUrl, tempDir: ws.config.home,
      ...(options.relistAfterMs !== undefined ? { relistAfterMs: options.relistAfterMs } : {}), ...(signal ? { signal } : {}),
    },
    (type, n) => {
      items += n;
      progress('reading', type);
    },
  );

  const users = await userCount(session, parent, signal);
  if (users !== undefined) connection.scheduler.setTenantSize(tenantSizeOf(users));

  const reports: Record<string, TypeReport> = {};
  const states: Record<string, TypeState | undefined> = {};
  const failures: TenantVaultError[] = [];
  for (const unreadable of session.unreadable) {
    writer.markAbsent(unreadable.type, unreadable.reason);
    reports[unreadable.type] = { ...emptyTypeReport(), count: parent.count(unreadable.type) ?? 0, absent: unreadable.reason };
    warnings.add({
      type: unreadable.type, code: 'PERMISSION_MISSING',
      message: `${unreadable.type} is not backed up: ${unreadable.reason}`,
      hint: 'Grant admin consent for the missing permission; see `tenant-vault permissions PROFILE`.',
    });
    typesDone++;
  }
  for (const skipped of session.skippedSubs) {
    ctx.skipSub(skipped.type, skipped.sub, skipped.reason);
    if (skipped.permission) warnings.add({ type: skipped.type, code: 'PERMISSION_MISSING', message: `${skipped.type}.${skipped.sub} is not backed up: ${skipped.reason}` });
  }

  const full = options.full === true;
  const backupType = async (declaration: ResourceDeclaration): Promise<void> => {
    const type = declaration.name;
    const typeStarted = clock.now();
    try {
      const plan = await readType(ctx, declaration, { full });
      const stats = plan.write === 'replace'
        ? await writer.replaceType(type, plan.items, { signal })
        : await writer.patchType(type, plan.changes, { signal });
      states[type] = plan.state();
      ctx.completed.add(type);
      const counters = connection.scheduler.stats().byType[type];
      const skippedSubs = ctx.skippedSubs(type);
      reports[type] = {
        new: stats.new, changed: stats.changed, deleted: stats.deleted, unchanged: stats.unchanged, count: stats.count, mode: plan.mode,
        requests: serviceRequests(counters), resourceUnits: counters?.resourceUnits ?? 0, throttled: counters?.throttled ?? 0,
        durationMs: clock.now() - typeStarted,
        ...(Object.keys(skippedSubs).length > 0 ? { skippedSubResources: skippedSubs } : {}),
      };
    } catch (err) {
      const e = toTenantVaultError(err);
      if (signal?.aborted || e.code === 'ABORTED' || e.code === 'AUTH_FAILED' || e.code === 'INTERNAL' || e.code.startsWith('REPO_') || e.code.startsWith('STORAGE_')) throw err;
      const reason = e.code === 'PERMISSION_MISSING' ? `${e.message} — ${e.hint}` : `could not be read: ${e.code}: ${e.message}`;
      writer.markAbsent(type, reason);
      failures.push(e);
      const counters = connection.scheduler.stats().byType[type];
      reports[type] = {
        ...emptyTypeReport(), count: parent.count(type) ?? 0, requests: serviceRequests(counters), resourceUnits: counters?.resourceUnits ?? 0,
        throttled: counters?.throttled ?? 0, durationMs: clock.now() - typeStarted, absent: reason,
      };
      warnings.add({ type, code: e.code, message: `${type} is not backed up in this snapshot (its previous items are kept): ${e.message}`, hint: e.hint });
    } finally {
      typesDone++;
      progress('reading', type, true);
    }
  };

  const concurrency = options.typeConcurrency ?? 4;
  const readable = session.readable;
  const logs = readable.filter((d) => d.change === 'appendOnly');
  const deltas = readable.filter((d) => d.change === 'delta');
  const others = readable.filter((d) => d.change !== 'appendOnly' && d.change !== 'delta');
  // Exchange has its own budget and, in a read of everything (`--full` or the first snapshot),
  // needs no change signals from the Graph phases: it runs beside them from the start, since its
  // one call per distribution group is the longest part of a large tenant's full backup.
  const readsAll = full || parent.snapshot === undefined;
  const beside = readsAll ? others.filter((d) => d.endpoint === 'exchange') : [];
  const rest = others.filter((d) => !beside.includes(d));
  const besideDone = inParallel(beside, concurrency, backupType);
  try {
    for (const declaration of logs) {
      await backupType(declaration);
      if (reports[declaration.name]?.absent !== undefined) continue;
      signals.logsRead.set(declaration.name, states[declaration.name]?.readAtMs);
      if (declaration.name === 'directoryAudit') signals.available = auditGivesSignals(ctx, declaration, { full });
    }
    // Delta types share one limit (identity and access) and hold the largest rounds (a tenant's
    // users, its groups with their members): two at a time keep the budget busy at half the memory.
    await inParallel(deltas, Math.min(concurrency, 2), backupType);
    await inParallel(rest, concurrency, backupType);
  } finally {
    await besideDone.catch(() => undefined);
  }
  await besideDone;

  const attempted = readable.length;
  if (attempted > 0 && failures.length === attempted) throw failures[0]!;

  const previousState = readState(writer.parent);
  const nextTypes: Record<string, TypeState> = { ...previousState.types };
  for (const [type, state] of Object.entries(states)) if (state !== undefined) nextTypes[type] = state;
  writer.setState({ version: 1, types: nextTypes });
  progress('committing', undefined, true);
  const info = await writer.commit();
  await syncCatalog(repo, catalog, { signal, logger });

  const total = connection.scheduler.stats().total;
  const ordered: Record<string, TypeReport> = {};
  for (const declaration of session.types) {
    const r = reports[declaration.name];
    if (r) ordered[declaration.name] = r;
  }
  const absent = Object.values(ordered).some((r) => r.absent !== undefined);
  progress('done', undefined, true);
  return {
    snapshot: info.id,
    profile: profile.name,
    parent: info.parent,
    time: info.time,
    job: job.id,
    status: absent ? 'partial' : 'complete',
    full,
    requests: serviceRequests(total),
    roundTrips: total.requests,
    resourceUnits: total.resourceUnits,
    throttled: total.throttled,
    retries: total.retries,
    durationMs: clock.now() - started,
    types: ordered,
    warnings: warnings.list,
  };
}
