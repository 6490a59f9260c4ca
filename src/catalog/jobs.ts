/**
 * Job records (backup, restore, check, prune, rebuild runs) and the append-only audit trail.
 * These are the catalog's own records — the repository has no copy — so a rebuild keeps them.
 *
 * Guarantees: a job moves queued → running → succeeded | failed | cancelled; a finished job is
 * never changed again (a retry is a new job). `startedAt` is the first time a job ran, so a job
 * resumed by another worker keeps it. Audit events are only ever appended; their IDs increase.
 * Times come from the catalog's clock, so tests control them.
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { TenantVaultError } from '../errors/index.js';
import { nowIso, type CatalogContext } from './context.js';
import {
  FINISHED_JOB_STATUSES,
  type AuditEvent,
  type Job,
  type JobError,
  type JobOutcome,
  type JobStatus,
  type JobUpdate,
  type ListAuditOptions,
  type ListJobsOptions,
  type NewAuditEvent,
  type NewJob,
} from './port.js';
import { toNumber, type AuditEventsTable, type JobsTable } from './schema.js';

function json(value: unknown): string {
  return JSON.stringify(value);
}

function parse<T>(text: string | null, what: string): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new TenantVaultError('CATALOG_ERROR', `The catalog holds invalid JSON in ${what}`, { cause });
  }
}

function toJob(row: Selectable<JobsTable>): Job {
  const what = (field: string): string => `the ${field} of job ${row.id}`;
  return {
    id: row.id,
    kind: row.kind,
    profile: row.profile,
    status: row.status as JobStatus,
    params: parse<Record<string, unknown>>(row.params, what('params')) ?? {},
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    progress: parse<Record<string, unknown>>(row.progress, what('progress')),
    report: parse<Record<string, unknown>>(row.report, what('report')),
    error: parse<JobError>(row.error, what('error')),
  };
}

function limitOf(limit: number | undefined, fallback: number): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > 1_000) throw new TenantVaultError('USAGE', `A limit must be an integer from 1 to 1000, got ${value}`);
  return value;
}

function jobNotFound(id: string): TenantVaultError {
  return new TenantVaultError('CATALOG_ERROR', `No job ${id} in the catalog`, { hint: 'List jobs with `tenant-vault jobs`.', details: { job: id } });
}

export async function getJob(ctx: CatalogContext, id: string, db = ctx.reader): Promise<Job | undefined> {
  const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toJob(row);
}

export async function createJob(ctx: CatalogContext, job: NewJob): Promise<Job> {
  const now = nowIso(ctx);
  const status = job.status ?? 'queued';
  if (status !== 'queued' && status !== 'running') throw new TenantVaultError('INTERNAL', `A new job cannot have status ${String(status)}`);
  const row: Selectable<JobsTable> = {
    id: job.id ?? randomUUID(),
    kind: job.kind,
    profile: job.profile ?? null,
    status,
    params: json(job.params ?? {}),
    created_at: now,
    updated_at: now,
    started_at: status === 'running' ? now : null,
    finished_at: null,
    progress: null,
    report: null,
    error: null,
  };
  await ctx.db.insertInto('jobs').values(row).execute();
  return toJob(row);
}

async function unfinished(ctx: CatalogContext, id: string): Promise<Selectable<JobsTable>> {
  const row = await ctx.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) throw jobNotFound(id);
  if ((FINISHED_JOB_STATUSES as readonly string[]).includes(row.status)) {
    throw new TenantVaultError('CATALOG_ERROR', `Job ${id} already ended (${row.status}) and cannot change`, {
      hint: 'Start a new job to run it again.',
      details: { job: id, status: row.status },
    });
  }
  return row;
}

/** Applies `changes` only while the job is still unfinished, so two writers cannot both finish it. */
async function writeUnfinished(ctx: CatalogContext, row: Selectable<JobsTable>, changes: Partial<Selectable<JobsTable>>): Promise<Job> {
  const result = await ctx.db
    .updateTable('jobs')
    .set(changes)
    .where('id', '=', row.id)
    .where('status', 'not in', [...FINISHED_JOB_STATUSES])
    .executeTakeFirst();
  if (toNumber(result.numUpdatedRows) !== 1) await unfinished(ctx, row.id); // throws the precise reason
  const updated = await getJob(ctx, row.id, ctx.db);
  if (updated === undefined) throw jobNotFound(row.id);
  return updated;
}

export async function updateJob(ctx: CatalogContext, id: string, update: JobUpdate): Promise<Job> {
  const row = await unfinished(ctx, id);
  const now = nowIso(ctx);
  const changes: Partial<Selectable<JobsTable>> = { updated_at: now };
  if (update.status !== undefined) {
    if (update.status !== 'queued' && update.status !== 'running') {
      throw new TenantVaultError('INTERNAL', `updateJob cannot set status ${String(update.status)}; use finishJob`);
    }
    changes.status = update.status;
    if (update.status === 'running' && row.started_at === null) changes.started_at = now;
  }
  if (update.progress !== undefined) changes.progress = json(update.progress);
  return writeUnfinished(ctx, row, changes);
}

export async function finishJob(ctx: CatalogContext, id: string, outcome: JobOutcome): Promise<Job> {
  if (!(FINISHED_JOB_STATUSES as readonly string[]).includes(outcome.status)) {
    throw new TenantVaultError('INTERNAL', `finishJob needs one of ${FINISHED_JOB_STATUSES.join(', ')}, got ${String(outcome.status)}`);
  }
  const row = await unfinished(ctx, id);
  const now = nowIso(ctx);
  const error = outcome.error;
  return writeUnfinished(ctx, row, {
    status: outcome.status,
    updated_at: now,
    finished_at: now,
    report: outcome.report === undefined ? null : json(outcome.report),
    // Only the fields a report shows: a TenantVaultError also carries a cause and a stack.
    error:
      error === undefined
        ? null
        : json({ code: error.code, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }), ...(error.details === undefined ? {} : { details: error.details }) }),
  });
}

export async function listJobs(ctx: CatalogContext, options: ListJobsOptions = {}): Promise<Job[]> {
  let query = ctx.reader.selectFrom('jobs').selectAll();
  if (options.kind !== undefined) query = query.where('kind', '=', options.kind);
  if (options.profile !== undefined) query = query.where('profile', '=', options.profile);
  if (options.status !== undefined) query = query.where('status', '=', options.status);
  if (options.before !== undefined) {
    const before = await ctx.reader.selectFrom('jobs').select(['created_at', 'id']).where('id', '=', options.before).executeTakeFirst();
    if (before === undefined) throw jobNotFound(options.before);
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(before.created_at, before.id)));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limitOf(options.limit, 50)).execute();
  return rows.map(toJob);
}

function toAudit(row: Selectable<AuditEventsTable>): AuditEvent {
  const id = toNumber(row.id);
  return {
    id,
    time: row.time,
    actor: row.actor,
    action: row.action,
    profile: row.profile,
    target: row.target,
    result: row.result,
    jobId: row.job_id,
    details: parse<Record<string, unknown>>(row.details, `the details of audit event ${id}`) ?? {},
  };
}

export async function appendAudit(ctx: CatalogContext, event: NewAuditEvent): Promise<AuditEvent> {
  for (const field of ['actor', 'action', 'target', 'result'] as const) {
    if (typeof event[field] !== 'string' || event[field].length === 0) throw new TenantVaultError('INTERNAL', `An audit event needs a non-empty ${field}`);
  }
  const row = await ctx.db
    .insertInto('audit_events')
    .values({
      time: nowIso(ctx),
      actor: event.actor,
      action: event.action,
      profile: event.profile ?? null,
      target: event.target,
      result: event.result,
      job_id: event.jobId ?? null,
      details: json(event.details ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAudit(row);
}

export async function listAudit(ctx: CatalogContext, options: ListAuditOptions = {}): Promise<AuditEvent[]> {
  let query = ctx.reader.selectFrom('audit_events').selectAll();
  if (options.actor !== undefined) query = query.where('actor', '=', options.actor);
  if (options.action !== undefined) query = query.where('action', '=', options.action);
  if (options.profile !== undefined) query = query.where('profile', '=', options.profile);
  if (options.target !== undefined) query = query.where('target', '=', options.target);
  if (options.jobId !== undefined) query = query.where('job_id', '=', options.jobId);
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  const rows = await query.orderBy('id', 'desc').limit(limitOf(options.limit, 100)).execute();
  return rows.map(toAudit);
}
