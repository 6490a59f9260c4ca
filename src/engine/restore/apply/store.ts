/**
 * Where restores are kept: encrypted named documents in the repository (repository spec §12), so
 * the repository alone is enough to resume, show or undo a restore.
 *
 * - `restores/<id>` — the record (`restore list`, `restore show`): status, safety snapshot, last
 *   report without secrets;
 * - `restore-plans/<id>` — the plan;
 * - `restore-journals/<id>/<n>` — the journal, append-only segments: steps done, creates begun,
 *   the old → new id map, what was created and restored from a recycle bin (for undo);
 * - `restore-secrets/<id>/<n>` — temporary passwords and new client secrets, written before the
 *   create that uses them, never anywhere else (not in the catalog, not in logs).
 *
 * Guarantees: a segment is written whole or not at all (the store's atomic put); segments are
 * read in order until the first missing one, so a crash between two writes loses at most the
 * entries of the segment being written (their steps run again, and every step checks before it writes).
 * Not guaranteed: two processes applying the same restore at once (the second would duplicate
 * segment numbers; `ifAbsent` makes it fail instead of overwriting).
 */
import { TenantVaultError } from '../../../errors/index.js';
import type { Repository } from '../../../repository/index.js';
import { isObject } from '../documents.js';
import type { RestorePlan, RestoreRecord } from '../model.js';
import type { SecretOutput } from '../writers/types.js';

export interface JournalSegment {
  /** Steps completed: `<operation index>:<step>`. */
  readonly done?: readonly string[];
  /** Creates sent (or about to be): `<operation index>`; a resume looks for their objects first. */
  readonly started?: readonly number[];
  /** old → new: object ids, and other keys as `key:old` (`appId:…`). */
  readonly ids?: Readonly<Record<string, string>>;
  /** Objects this restore created, for undo. */
  readonly created?: readonly { readonly index: number; readonly type: string; readonly id: string }[];
  /** Objects this restore brought back from a recycle bin, for undo. */
  readonly recycled?: readonly { readonly index: number; readonly type: string; readonly id: string }[];
  /** The safety snapshot, once taken. */
  readonly safetySnapshot?: string;
}

export interface Journal {
  readonly done: Set<string>;
  readonly started: Set<number>;
  readonly ids: Map<string, string>;
  readonly created: Array<{ index: number; type: string; id: string }>;
  readonly recycled: Array<{ index: number; type: string; id: string }>;
  safetySnapshot?: string;
  /** Segments read (the next one written gets this number). */
  segments: number;
}

export interface StoredSecret extends SecretOutput {
  readonly type: string;
  readonly id: string;
  /** The operation it belongs to. */
  readonly index: number;
  /** For a value generated before a create: the name the writer asked for (`password`). */
  readonly name?: string;
}

const RECORDS = 'restores';
const PLANS = 'restore-plans';
const JOURNALS = 'restore-journals';
const SECRETS = 'restore-secrets';

export function emptyJournal(): Journal {
  return { done: new Set(), started: new Set(), ids: new Map(), created: [], recycled: [], segments: 0 };
}

export function foldSegment(journal: Journal, segment: JournalSegment): void {
  for (const step of segment.done ?? []) journal.done.add(step);
  for (const index of segment.started ?? []) journal.started.add(index);
  for (const [k, v] of Object.entries(segment.ids ?? {})) journal.ids.set(k, v);
  journal.created.push(...(segment.created ?? []));
  journal.recycled.push(...(segment.recycled ?? []));
  if (segment.safetySnapshot) journal.safetySnapshot = segment.safetySnapshot;
}

export interface RestoreStore {
  putPlan(plan: RestorePlan, options?: { signal?: AbortSignal }): Promise<void>;
  getPlan(id: string, options?: { signal?: AbortSignal }): Promise<RestorePlan | undefined>;
  putRecord(record: RestoreRecord, options?: { signal?: AbortSignal }): Promise<void>;
  getRecord(id: string, options?: { signal?: AbortSignal }): Promise<RestoreRecord | undefined>;
  listRecords(options?: { signal?: AbortSignal }): Promise<RestoreRecord[]>;
  /** The record with this id or unique id prefix (USAGE when ambiguous, ITEM_NOT_FOUND when none). */
  findRecord(ref: string, options?: { signal?: AbortSignal }): Promise<RestoreRecord>;
  /** The newest restore of this request that was started and did not finish, if any. */
  findUnfinished(requestKey: string, options?: { signal?: AbortSignal }): Promise<RestoreRecord | undefined>;
  loadJournal(id: string, options?: { signal?: AbortSignal }): Promise<Journal>;
  /** Appends a segment; REPO_LOCKED if another process wrote that segment number first. */
  appendJournal(id: string, journal: Journal, segment: JournalSegment, options?: { signal?: AbortSignal }): Promise<void>;
  /** Every stored secret of the restore, and how many segments hold them. */
  loadSecrets(id: string, options?: { signal?: AbortSignal }): Promise<{ secrets: StoredSecret[]; segments: number }>;
  appendSecrets(id: string, number: number, secrets: readonly StoredSecret[], options?: { signal?: AbortSignal }): Promise<void>;
}

export function restoreStore(repo: Repository): RestoreStore {
  const records = repo.documents(RECORDS);
  const plans = repo.documents(PLANS);
  const journals = repo.documents(JOURNALS);
  const secrets = repo.documents(SECRETS);
  const store: RestoreStore = {
    async putPlan(plan, options = {}) {
      await plans.put(plan.id, plan, options);
    },
    async getPlan(id, options = {}) {
      return (await plans.get(id, options)) as RestorePlan | undefined;
    },
    async putRecord(record, options = {}) {
      await records.put(record.id, record, options);
    },
    async getRecord(id, options = {}) {
      return (await records.get(id, options)) as RestoreRecord | undefined;
    },
    async listRecords(options = {}) {
      const out: RestoreRecord[] = [];
      for await (const name of records.list(options)) {
        const record = (await records.get(name, options)) as RestoreRecord | undefined;
        if (record) out.push(record);
      }
      return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    },
    async findRecord(ref, options = {}) {
      const exact = await store.getRecord(ref, options);
      if (exact) return exact;
      const matches = (await store.listRecords(options)).filter((r) => r.id.startsWith(ref));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw new TenantVaultError('USAGE', `Restore id prefix ${ref} is ambiguous (${matches.length} restores)`, { hint: 'Give more characters of the id.' });
      throw new TenantVaultError('ITEM_NOT_FOUND', `No restore ${ref} in this repository`, { hint: 'List restores with `tenant-vault restore list`.' });
    },
    async findUnfinished(requestKey, options = {}) {
      return (await store.listRecords(options)).filter((r) => r.requestKey === requestKey && r.status === 'running').pop();
    },
    async loadJournal(id, options = {}) {
      const journal = emptyJournal();
      for (;;) {
        const segment = await journals.get(`${id}/${journal.segments}`, options);
        if (!isObject(segment)) break;
        foldSegment(journal, segment as JournalSegment);
        journal.segments++;
      }
      return journal;
    },
    async appendJournal(id, journal, segment, options = {}) {
      const written = await journals.put(`${id}/${journal.segments}`, segment, { ...options, ifAbsent: true });
      if (!written) {
        throw new TenantVaultError('REPO_LOCKED', `Another process is applying restore ${id}`, { hint: 'Wait for it to finish; one restore is applied by one process at a time.' });
      }
      journal.segments++;
    },
    async loadSecrets(id, options = {}) {
      const out: StoredSecret[] = [];
      let n = 0;
      for (; ; n++) {
        const segment = await secrets.get(`${id}/${n}`, options);
        if (!Array.isArray(segment)) break;
        out.push(...(segment as StoredSecret[]));
      }
      return { secrets: out, segments: n };
    },
    async appendSecrets(id, number, list, options = {}) {
      await secrets.put(`${id}/${number}`, list, options);
    },
  };
  return store;
}
