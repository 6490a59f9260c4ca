/**
 * `applyRestore`: carries out a plan (DESIGN "Restore", invariant 4).
 *
 * 1. Opens the restore's journal. A journal with entries means an interrupted or earlier run of
 *    the same restore: it continues, skipping the steps done. A fresh apply of a plan made
 *    earlier first re-reads every object the plan fingerprinted and refuses with PLAN_STALE if
 *    any changed.
 * 2. Takes the safety snapshot of every object it will touch (once per restore, recorded in the
 *    journal before any write).
 * 3. Writes in phases, each computed against the target just before writing: deletes (undo),
 *    recycle-bin restores, creates type by type in dependency order (a temporary password is
 *    stored encrypted before its user is created; a create whose answer was lost or throttled is
 *    looked for before it is sent again), property updates, then relationship and reference
 *    writes through the old → new id map. Requests of concurrent operations share `$batch`
 *    round trips within the scheduler's write budget.
 * 4. Verifies every operation by reading the target again (verify.ts), writes the report, the
 *    restore record, a catalog job and an audit event (who — OS user and profile — when, what,
 *    result). Secrets are in the returned report only (and encrypted in the repository).
 *
 * Failures: an operation that fails is reported `failed` with its error and the others go on
 * (the ones depending on it fail with a clear reason); the restore's status is then `partial`.
 * Aborts, repository and sign-in errors stop the run; applying again resumes it.
 */
import { userInfo } from 'node:os';
import { systemClock, type Clock } from '../../../connectors/index.js';
import { TenantVaultError, isTenantVaultError, toTenantVaultError } from '../../../errors/index.js';
import { silentLogger, type Logger } from '../../../logging/index.js';
import type { Repository } from '../../../repository/index.js';
import { syncCatalog } from '../../catalog-sync.js';
import type { Workspace } from '../../workspace.js';
import { fingerprint, isObject } from '../documents.js';
import type { OperationResult, PlanOperation, ReportOperation, RestorePlan, RestoreRecord, RestoreReport } from '../model.js';
import { openTarget, type ConnectionOptions, type TargetSession } from '../session.js';
import { pool } from '../pool.js';
import { writerFor } from '../writers/index.js';
import type { JsonObject } from '../writers/types.js';
import { JournalWriter, temporaryPassword } from './journal.js';
import { takeSafetySnapshot } from './safety.js';
import { mapDocument, relationshipOf } from '../plan/diff.js';
import { ApplyMap, writeLinks, writeProperties, writeRelink } from './steps.js';
import { mappingFor } from '../plan/target.js';
import { restoreStore, type StoredSecret } from './store.js';
import { verifyOperations, type DocumentAdapter } from './verify.js';

export interface ApplyProgress {
  readonly phase: 'checking' | 'safety' | 'delete' | 'recycleBin' | 'create' | 'update' | 'links' | 'verify' | 'done';
  readonly done: number;
  readonly total: number;
}

export interface ApplyOptions extends ConnectionOptions {
  /** Re-read what the plan fingerprinted and refuse if the target changed (a plan made earlier). */
  readonly checkStale?: boolean;
  /** Who applies it, for the audit trail; default `cli:<OS user>`. */
  readonly actor?: string;
  readonly onProgress?: (progress: ApplyProgress) => void;
  /** Operations in flight at once within a phase (their requests share batches). Default 64. */
  readonly concurrency?: number;
  /** An open target session: the planner's, when one run plans and applies (one scheduler per app and tenant); tests. */
  readonly session?: TargetSession;
}

const DEFAULT_CONCURRENCY = 64;
/** Attempts of a create Graph answered 429/503/504 to (each after looking for the object). */
const CREATE_ATTEMPTS = 6;

interface OpState {
  result?: OperationResult;
  newId?: string;
  error?: TenantVaultError;
  /** Steps of this operation found done by an earlier run, and steps run now. */
  doneBefore: number;
  ranNow: number;
  reason?: string;
}

export function defaultActor(profile: string): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No user database entry (containers): stay anonymous.
  }
  return `cli:${user} (profile ${profile})`;
}

function stepKey(index: number, step: 'main' | 'props' | 'links'): string {
  return `${index}:${step}`;
}

export async function applyRestore(ws: Workspace, plan: RestorePlan, options: ApplyOptions = {}): Promise<RestoreReport> {
  const clock: Clock = options.clock ?? systemClock;
  const logger = options.logger ?? ws.logger ?? silentLogger;
  const { signal } = options;
  const startedAt = clock.now();
  const repo = await ws.repository();
  await repo.removeStaleLocks({ signal });
  const store = restoreStore(repo);
  const journal = await store.loadJournal(plan.id, { signal });
  const previous = await store.getRecord(plan.id, { signal });
  const finishedBefore = previous !== undefined && previous.status !== 'planned' && previous.status !== 'running' && journal.segments > 0;
  const resumed = journal.segments > 0;
  if (!(await store.getPlan(plan.id, { signal }))) await store.putPlan(plan, { signal });

  const session = options.session ?? await openTarget(repo, plan.profile, { ...options, logger });
  const adapt = await documentAdapter(repo, session, plan, signal);
  const progress = (phase: ApplyProgress['phase'], done: number, total: number): void => options.onProgress?.({ phase, done, total });
  if (!resumed && options.checkStale) {
    progress('checking', 0, Object.keys(plan.fingerprints).length);
    await checkStale(session, plan);
  }

  const catalog = await ws.catalog();
  const actor = options.actor ?? defaultActor(plan.profile);
  const job = await catalog.createJob({ kind: plan.kind === 'undo' ? 'restore-undo' : 'restore', profile: plan.profile, status: 'running', params: { restore: plan.id, snapshot: plan.snapshot, operations: plan.operations.length } });
  const baseRecord: RestoreRecord = {
    id: plan.id, kind: plan.kind, status: 'running', createdAt: previous?.createdAt ?? plan.createdAt, updatedAt: new Date(clock.now()).toISOString(),
    snapshot: plan.snapshot, profile: plan.profile, requestKey: plan.requestKey, operations: plan.operations.length, actor,
    ...(plan.undoOf ? { undoOf: plan.undoOf } : {}), ...(previous?.undoneBy ? { undoneBy: previous.undoneBy } : {}),
    ...(journal.safetySnapshot ? { safetySnapshot: journal.safetySnapshot } : {}),
  };
  await store.putRecord(baseRecord, { signal });

  const { segments: secretSegments, secrets: storedSecrets } = await store.loadSecrets(plan.id, { signal });
  const writer = new JournalWriter(store, plan.id, journal, secretSegments, signal);
  const requestsBefore = session.batcher.sent;
  const writesBefore = session.batcher.writes;
  try {
    if (!journal.safetySnapshot) {
      progress('safety', 0, plan.operations.length);
      const safety = await takeSafetySnapshot(repo, session, plan, { time: new Date(clock.now()), ...(signal ? { signal } : {}) });
      writer.safetySnapshot(safety);
      await writer.flush();
      await syncCatalog(repo, catalog, { ...(signal ? { signal } : {}), logger });
      await store.putRecord({ ...baseRecord, safetySnapshot: safety }, { signal });
    }
    const run = new Run(plan, session, storedSecrets, writer, repo, {
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY, logger, clock, progress, adapt, ...(signal ? { signal } : {}),
    });
    await run.execute();
    await writer.flush();
    progress('verify', 0, plan.operations.length);
    const verification = await verifyOperations(plan, session, repo, run.map(), run.states, adapt, signal);
    const operations: ReportOperation[] = plan.operations.map((op, index) => {
      const state = run.states[index]!;
      const v = verification.get(index);
      const result: OperationResult = state.result ?? 'skipped';
      return {
        ...op, result: finishedBefore && earlier(state) && result === 'done' ? 'skipped' : result,
        ...(state.newId ? { newId: state.newId } : {}),
        ...(state.error ? { error: { code: state.error.code, message: state.error.message } } : {}),
        ...(finishedBefore && earlier(state) && result === 'done' ? { reason: 'Already applied by an earlier run of this restore.' } : state.reason ? { reason: state.reason } : {}),
        ...(v ? { verified: v.length === 0, ...(v.length > 0 ? { differences: v } : {}) } : {}),
      };
    });
    const counts: Record<OperationResult, number> = { done: 0, failed: 0, skipped: 0 };
    for (const op of operations) counts[op.result]++;
    const unverified = operations.some((op) => op.verified === false);
    const status: RestoreReport['status'] = counts.failed > 0 || unverified ? (counts.done > 0 || operations.some((o) => o.result === 'skipped') ? 'partial' : 'failed') : 'succeeded';
    const secrets = finishedBefore ? [] : [...storedSecrets, ...run.secrets]
      .filter((s) => journal.done.has(stepKey(s.index, 'main')))
      .map(({ index: _index, name: _name, ...s }) => s);
    const finishedAt = clock.now();
    const report: RestoreReport = {
      restore: plan.id, kind: plan.kind, profile: plan.profile, snapshot: plan.snapshot, safetySnapshot: journal.safetySnapshot ?? null, status,
      startedAt: new Date(startedAt).toISOString(), finishedAt: new Date(finishedAt).toISOString(), resumed, counts,
      requests: session.batcher.sent - requestsBefore, writes: session.batcher.writes - writesBefore, durationMs: finishedAt - startedAt, operations,
      ...(secrets.length > 0 ? { secrets } : {}), ...(plan.undoOf ? { undoOf: plan.undoOf } : {}),
    };
    const { secrets: _omit, ...withoutSecrets } = report;
    await store.putRecord({ ...baseRecord, status, updatedAt: new Date(finishedAt).toISOString(), safetySnapshot: journal.safetySnapshot!, report: withoutSecrets }, { signal });
    if (plan.undoOf && status !== 'failed') {
      const undone = await store.getRecord(plan.undoOf, { signal });
      if (undone) await store.putRecord({ ...undone, undoneBy: plan.id }, { signal });
    }
    await catalog.finishJob(job.id, { status: status === 'failed' ? 'failed' : 'succeeded', report: withoutSecrets as unknown as Record<string, unknown> });
    await catalog.appendAudit({
      actor, action: plan.kind === 'undo' ? 'restore.undo' : 'restore.apply', profile: plan.profile, target: plan.snapshot, result: status, jobId: job.id,
      details: { restore: plan.id, safetySnapshot: journal.safetySnapshot ?? null, counts, resumed, ...(plan.undoOf ? { undoOf: plan.undoOf } : {}) },
    });
    progress('done', plan.operations.length, plan.operations.length);
    return report;
  } catch (err) {
    await writer.flush().catch(() => undefined);
    const e = toTenantVaultError(err);
    const aborted = e.code === 'ABORTED' || signal?.aborted === true;
    await catalog.finishJob(job.id, { status: aborted ? 'cancelled' : 'failed', error: { code: e.code, message: e.message } }).catch(() => undefined);
    await catalog.appendAudit({ actor, action: plan.kind === 'undo' ? 'restore.undo' : 'restore.apply', profile: plan.profile, target: plan.snapshot, result: aborted ? 'interrupted' : 'failed', jobId: job.id, details: { restore: plan.id, error: e.code } }).catch(() => undefined);
    await store.putRecord({ ...baseRecord, status: 'running', updatedAt: new Date(clock.now()).toISOString(), ...(journal.safetySnapshot ? { safetySnapshot: journal.safetySnapshot } : {}) }).catch(() => undefined);
    throw aborted && e.code !== 'ABORTED' ? new TenantVaultError('ABORTED', 'The restore was interrupted; apply it again to continue', { cause: err }) : e;
  }
}

/**
 * The target mapping's document hook (`TargetMapping.adapt`) for this plan: snapshot documents are
 * written and verified as the planner showed them (another tenant's domains). Into the same tenant
 * it changes nothing; into another, the target's domains are read again (one list) — a plan file
 * applied later gets the domains the target has then.
 */
async function documentAdapter(repo: Repository, session: TargetSession, plan: RestorePlan, signal: AbortSignal | undefined): Promise<DocumentAdapter> {
  const snapshot = await repo.findSnapshot(plan.snapshot, { signal });
  const mapping = await mappingFor({ repo, snapshot, target: session }, plan.sameTenant);
  return (type, document) => mapping.adapt(type, document);
}

/** Re-reads every fingerprinted object; PLAN_STALE names those that changed. */
async function checkStale(session: TargetSession, plan: RestorePlan): Promise<void> {
  const groups = new Map<string, { type: string; how: string; relationships: string[]; ids: string[] }>();
  for (const fingerprintKey of Object.keys(plan.fingerprints)) {
    const match = /^(full|exists|bin):([^/]+)\/([^#]+)(?:#(.*))?$/.exec(fingerprintKey);
    if (!match) continue;
    const [, how, type, id, rels] = match as unknown as [string, string, string, string, string | undefined];
    const group = `${how}|${type}|${rels ?? ''}`;
    const entry = groups.get(group) ?? { type, how, relationships: rels ? rels.split(',') : [], ids: [] };
    entry.ids.push(id);
    groups.set(group, entry);
  }
  const changed: string[] = [];
  for (const { type, how, relationships, ids } of groups.values()) {
    const writer = writerFor(type);
    const stream = how === 'bin' ? writer.readDeleted(session.ctx, ids) : writer.read(session.ctx, ids, how === 'exists' ? { existenceOnly: true } : { relationships });
    for await (const item of stream) {
      const k = how === 'full' ? `full:${type}/${item.id}#${relationships.join(',')}` : `${how}:${type}/${item.id}`;
      const now = item.document ? fingerprint(item.document) : null;
      if (plan.fingerprints[k] !== now) changed.push(`${type}/${item.id}`);
    }
  }
  if (changed.length > 0) {
    throw new TenantVaultError('PLAN_STALE', `The target changed since the plan was made: ${changed.slice(0, 10).join(', ')}${changed.length > 10 ? ` and ${changed.length - 10} more` : ''}`, {
      hint: 'Make a new plan (restore … --plan) and review it; nothing was written.', details: { changed },
    });
  }
}

class Run {
  readonly states: OpState[];
  readonly secrets: StoredSecret[] = [];
  readonly #pending = new Set<string>();
  readonly #docs = new Map<number, JsonObject | undefined>();

  constructor(
    private readonly plan: RestorePlan,
    private readonly session: TargetSession,
    private readonly storedSecrets: readonly StoredSecret[],
    private readonly journal: JournalWriter,
    private readonly repo: Repository,
    private readonly options: { concurrency: number; logger: Logger; clock: Clock; signal?: AbortSignal; adapt: DocumentAdapter; progress: (phase: ApplyProgress['phase'], done: number, total: number) => void },
  ) {
    this.states = plan.operations.map(() => ({ doneBefore: 0, ranNow: 0 }));
  }

  map(): ApplyMap {
    return new ApplyMap(this.plan, this.journal.journal.ids, this.#pending);
  }

  /** An operation's snapshot document; kept only for creates (read again by their links step), others are read when needed. */
  async #snapshotDoc(index: number): Promise<JsonObject | undefined> {
    if (this.#docs.has(index)) return this.#docs.get(index);
    const op = this.plan.operations[index]!;
    const found = await this.repo.readItem(this.plan.snapshot, op.type, op.id, this.options.signal ? { signal: this.options.signal } : {});
    const doc = found && isObject(found.document) ? this.options.adapt(op.type, found.document) : undefined;
    if (op.action === 'create') this.#docs.set(index, doc);
    return doc;
  }

  async execute(): Promise<void> {
    const ops = this.plan.operations;
    const indexes = (actions: ReadonlyArray<PlanOperation['action']>) => ops.map((op, i) => (actions.includes(op.action) ? i : -1)).filter((i) => i >= 0);
    for (const [index, op] of ops.entries()) {
      if (op.action === 'skip' || op.action === 'unsupported') this.states[index]!.result = 'skipped';
    }
    // What the plan creates is unmapped until created: its id and its other keys (appId).
    for (const index of indexes(['create'])) {
      const op = ops[index]!;
      this.#pending.add(op.id);
      const doc = await this.#snapshotDoc(index);
      if (typeof doc?.appId === 'string') this.#pending.add(`appId:${doc.appId}`);
    }

    // Deletes (undo) first, in reverse dependency order: dependants go before what they depend on.
    const deletes = indexes(['delete']).reverse();
    await this.#phase('delete', deletes, 'main', (i) => this.#delete(i));
    await this.#phase('recycleBin', indexes(['recycleBin']), 'main', (i) => this.#recycle(i));
    // Creates type by type: a later type's references (an SP's appId) need the earlier ids.
    const creates = indexes(['create']);
    const types = [...new Set(creates.map((i) => ops[i]!.type))];
    for (const type of types) await this.#phase('create', creates.filter((i) => ops[i]!.type === type), 'main', (i) => this.#create(i));
    await this.#phase('update', indexes(['recycleBin', 'update']).filter((i) => (ops[i]!.properties ?? []).length > 0), 'props', (i) => this.#props(i));
    await this.#phase('links', indexes(['create', 'recycleBin', 'update', 'relink']), 'links', (i) => this.#links(i));
    for (const [index, state] of this.states.entries()) {
      if (state.result === undefined) state.result = 'done';
      void index;
    }
  }

  async #phase(phase: ApplyProgress['phase'], indexes: readonly number[], step: 'main' | 'props' | 'links', work: (index: number) => Promise<void>): Promise<void> {
    let done = 0;
    this.options.progress(phase, 0, indexes.length);
    await pool(indexes, this.options.concurrency, async (index) => {
      const state = this.states[index]!;
      const key = stepKey(index, step);
      if (state.result === 'failed') return;
      if (this.journal.journal.done.has(key)) {
        state.doneBefore++;
        this.#adoptEarlier(index);
      } else {
        state.ranNow++;
        try {
          await work(index);
          this.journal.done(key);
        } catch (err) {
          const e = toTenantVaultError(err);
          if (this.options.signal?.aborted || e.code === 'ABORTED' || e.code === 'AUTH_FAILED' || e.code === 'INTERNAL' || e.code.startsWith('REPO_') || e.code.startsWith('STORAGE_')) throw err;
          state.result = 'failed';
          state.error = e;
          this.options.logger.warn({ op: index, type: this.plan.operations[index]!.type, code: e.code }, `restore operation failed: ${e.message}`);
        }
      }
      done++;
      this.options.progress(phase, done, indexes.length);
    });
  }

  #adoptEarlier(index: number): void {
    const op = this.plan.operations[index]!;
    if (op.action === 'create') {
      const id = this.journal.journal.ids.get(op.id);
      if (id) this.states[index]!.newId = id;
    }
  }

  get #ctx() {
    return this.session.ctx;
  }

  #targetOf(index: number): string {
    const op = this.plan.operations[index]!;
    const id = op.action === 'create' ? this.journal.journal.ids.get(op.id) : op.targetId;
    if (!id) throw new TenantVaultError('RESTORE_FAILED', `${op.type}/${op.id} was not created`, { hint: 'See the failed create above; fix its cause and apply again.' });
    return id;
  }

  async #delete(index: number): Promise<void> {
    const op = this.plan.operations[index]!;
    await writerFor(op.type).remove(this.#ctx, op.targetId!);
  }

  async #recycle(index: number): Promise<void> {
    const op = this.plan.operations[index]!;
    await writerFor(op.type).restoreDeleted(this.#ctx, op.targetId!);
    this.journal.recycled(index, op.type, op.targetId!);
  }

  async #create(index: number): Promise<void> {
    const op = this.plan.operations[index]!;
    const writer = writerFor(op.type);
    const snapshot = await this.#snapshotDoc(index);
    if (!snapshot) throw new TenantVaultError('ITEM_NOT_FOUND', `${op.type}/${op.id} is not in snapshot ${this.plan.snapshot.slice(0, 8)}`);
    const map = this.map();
    const mapped = mapDocument(writer, snapshot, map.idMap);
    const blocked = mapped.unmapped.filter((ref) => relationshipOf(writer, ref) === undefined);
    if (blocked.length > 0) {
      throw new TenantVaultError('RESTORE_FAILED', `${op.type}/${op.id} references ${blocked.map((r) => `${r.targetType}/${r.id}`).join(', ')}, which is not in the target; it was not created`, {
        hint: 'An object it depends on was not restored (see the failed operations above).',
      });
    }
    const preexisting = new Set(op.preexisting ?? []);
    const ours = async (): Promise<{ id: string; keys?: Readonly<Record<string, string>> } | undefined> =>
      (await writer.findExisting(this.#ctx, mapped.document)).find((found) => !preexisting.has(found.id));

    // An earlier run may have sent this create and died before recording the answer.
    let created = this.journal.journal.started.has(index) ? await ours() : undefined;
    const secrets: Record<string, string> = {};
    if (!created) {
      const stored = Object.fromEntries(this.storedSecrets.filter((s) => s.index === index && s.name).map((s) => [s.name!, s.value]));
      for (const name of writer.secretsFor(snapshot)) {
        secrets[name] = stored[name] ?? temporaryPassword();
        if (!stored[name]) {
          const secret: StoredSecret = { type: op.type, id: op.id, index, name, kind: 'temporaryPassword', label: labelOf(snapshot, op), value: secrets[name]! };
          this.journal.secret(secret);
          this.secrets.push(secret);
        }
      }
      this.journal.started(index);
      // The password and the fact that the create was sent are stored before it is sent.
      await this.journal.flush();
    }
    for (let attempt = 0; !created; attempt++) {
      try {
        const result = await writer.create(this.#ctx, mapped.document, { secrets, newSecrets: this.plan.options.newSecrets });
        created = result;
        for (const output of result.outputs ?? []) {
          const secret: StoredSecret = { ...output, type: op.type, id: op.id, index };
          this.journal.secret(secret);
          this.secrets.push(secret);
        }
      } catch (err) {
        if (!isTenantVaultError(err, 'THROTTLED') || attempt + 1 >= CREATE_ATTEMPTS) throw err;
        const retryAfter = Number(err.details?.retryAfter);
        await this.options.clock.sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000 * 2 ** attempt, this.options.signal);
        // Throttled inside a batch does not mean it did not happen (facts §4).
        created = await ours();
      }
    }
    this.journal.mapId(op.id, created.id);
    for (const [k, v] of Object.entries(created.keys ?? {})) {
      const old = snapshot[k];
      if (typeof old === 'string' && old !== v) this.journal.mapId(`${k}:${old}`, v);
    }
    this.journal.created(index, op.type, created.id);
    this.states[index]!.newId = created.id;
  }

  async #props(index: number): Promise<void> {
    const op = this.plan.operations[index]!;
    const snapshot = await this.#snapshotDoc(index);
    if (!snapshot) throw new TenantVaultError('ITEM_NOT_FOUND', `${op.type}/${op.id} is not in snapshot ${this.plan.snapshot.slice(0, 8)}`);
    await writeProperties(writerFor(op.type), this.#ctx, op, this.#targetOf(index), snapshot, this.map());
  }

  async #links(index: number): Promise<void> {
    const op = this.plan.operations[index]!;
    const snapshot = await this.#snapshotDoc(index);
    if (!snapshot) throw new TenantVaultError('ITEM_NOT_FOUND', `${op.type}/${op.id} is not in snapshot ${this.plan.snapshot.slice(0, 8)}`);
    const writer = writerFor(op.type);
    if (op.action === 'relink') await writeRelink(writer, this.#ctx, op, this.#targetOf(index), snapshot, this.map());
    else await writeLinks(writer, this.#ctx, op, this.#targetOf(index), snapshot, this.map(), this.plan);
  }
}

/** Every step of the operation had been done by an earlier run of the restore. */
function earlier(state: OpState): boolean {
  return state.doneBefore > 0 && state.ranNow === 0;
}

function labelOf(document: JsonObject, op: PlanOperation): string {
  return String(document.userPrincipalName ?? document.displayName ?? `${op.type}/${op.id}`);
}
