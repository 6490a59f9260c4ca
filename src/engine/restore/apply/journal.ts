/**
 * The applier's journal writer: what a running restore has done, kept in memory at once (so later
 * steps see new ids immediately) and written to the repository in segments by group commit —
 * every caller waiting on `flush` shares the next write. Secrets go first, in their own documents,
 * so a temporary password is stored before the create that sets it is sent.
 *
 * Guarantees: `flush()` resolves once everything recorded before the call is stored; writes are
 * serialised (segment numbers never collide within a process); `started` entries and secrets are
 * flushed before a create is sent (the applier awaits `flush`). Entries recorded but not flushed
 * when a process dies are redone on resume — each step checks state before writing.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { JournalSegment, Journal, RestoreStore, StoredSecret } from './store.js';

/** Entries waiting for the next segment beyond which a flush starts by itself. */
const FLUSH_EVERY = 64;

export class JournalWriter {
  #pending: { done: string[]; started: number[]; ids: Record<string, string>; created: Array<{ index: number; type: string; id: string }>; recycled: Array<{ index: number; type: string; id: string }>; safetySnapshot?: string } = emptyPending();
  #pendingSecrets: StoredSecret[] = [];
  #count = 0;
  #chain: Promise<void> = Promise.resolve();
  #secretSegments: number;

  constructor(
    private readonly store: RestoreStore,
    private readonly id: string,
    readonly journal: Journal,
    secretSegments: number,
    private readonly signal?: AbortSignal,
  ) {
    this.#secretSegments = secretSegments;
  }

  done(step: string): void {
    this.journal.done.add(step);
    this.#pending.done.push(step);
    this.#bump();
  }

  started(index: number): void {
    this.journal.started.add(index);
    this.#pending.started.push(index);
    this.#bump();
  }

  mapId(from: string, to: string): void {
    this.journal.ids.set(from, to);
    this.#pending.ids[from] = to;
    this.#bump();
  }

  created(index: number, type: string, id: string): void {
    this.journal.created.push({ index, type, id });
    this.#pending.created.push({ index, type, id });
    this.#bump();
  }

  recycled(index: number, type: string, id: string): void {
    this.journal.recycled.push({ index, type, id });
    this.#pending.recycled.push({ index, type, id });
    this.#bump();
  }

  safetySnapshot(id: string): void {
    this.journal.safetySnapshot = id;
    this.#pending.safetySnapshot = id;
    this.#bump();
  }

  secret(secret: StoredSecret): void {
    this.#pendingSecrets.push(secret);
  }

  #bump(): void {
    this.#count++;
    if (this.#count >= FLUSH_EVERY) void this.flush().catch(() => undefined);
  }

  /** Stores everything recorded so far (one write of secrets, one of the journal). */
  flush(): Promise<void> {
    const next = this.#chain.then(() => this.#write());
    // A failed write fails its waiters; the chain goes on for later ones.
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #write(): Promise<void> {
    const secrets = this.#pendingSecrets;
    const segment = this.#pending;
    this.#pendingSecrets = [];
    this.#pending = emptyPending();
    this.#count = 0;
    const options = this.signal ? { signal: this.signal } : {};
    if (secrets.length > 0) {
      await this.store.appendSecrets(this.id, this.#secretSegments, secrets, options);
      this.#secretSegments++;
    }
    if (isEmpty(segment)) return;
    const out: JournalSegment = {
      ...(segment.done.length ? { done: segment.done } : {}), ...(segment.started.length ? { started: segment.started } : {}),
      ...(Object.keys(segment.ids).length ? { ids: segment.ids } : {}), ...(segment.created.length ? { created: segment.created } : {}),
      ...(segment.recycled.length ? { recycled: segment.recycled } : {}), ...(segment.safetySnapshot ? { safetySnapshot: segment.safetySnapshot } : {}),
    };
    await this.store.appendJournal(this.id, this.journal, out, options);
  }
}

function emptyPending(): { done: string[]; started: number[]; ids: Record<string, string>; created: Array<{ index: number; type: string; id: string }>; recycled: Array<{ index: number; type: string; id: string }>; safetySnapshot?: string } {
  return { done: [], started: [], ids: {}, created: [], recycled: [] };
}

function isEmpty(segment: ReturnType<typeof emptyPending>): boolean {
  return segment.done.length === 0 && segment.started.length === 0 && Object.keys(segment.ids).length === 0
    && segment.created.length === 0 && segment.recycled.length === 0 && segment.safetySnapshot === undefined;
}

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!#%+-=?@';

/**
 * A temporary password that meets Entra's complexity rule (three of upper, lower, digit, symbol;
 * 8–256 characters): 20 random characters with at least one of each class.
 */
export function temporaryPassword(): string {
  const all = LOWER + UPPER + DIGITS + SYMBOLS;
  const chars = [LOWER, UPPER, DIGITS, SYMBOLS].map((set) => set[randomInt(set.length)]!);
  for (const byte of randomBytes(16)) chars.push(all[byte % all.length]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
