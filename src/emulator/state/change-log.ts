/**
 * A per-collection change log: the one thing delta queries read. Each change gets the next
 * sequence number of its collection; a delta link only needs to remember a sequence number.
 *
 * Guarantees:
 * - Sequence numbers are monotonic per log and never reused, even after compaction.
 * - `since(seq)` reports, per object, the last kind of change after `seq`, and for relationship
 *   changes (group members) the last add/remove per (object, navigation, target).
 * - Entries older than the retention (7 days by default, the delta-token lifetime) may be dropped:
 *   a delta token that old is expired anyway, so nothing can ask for them. `oldestSeq` says how
 *   far back the log still reaches; the delta handler treats older tokens as expired.
 * Storage is compact: parallel typed arrays plus one array of id strings (which are shared with
 * the entities, so each entry costs about 30 bytes).
 */

export const ChangeKind = {
  /** Created, updated or restored: reported with the object's current state. */
  upsert: 1,
  /** Soft-deleted (restorable): `@removed: {reason: "changed"}`. */
  softDelete: 2,
  /** Hard-deleted: `@removed: {reason: "deleted"}`. */
  hardDelete: 3,
  /** A relationship target was added (e.g. a member). */
  linkAdd: 4,
  /** A relationship target was removed. */
  linkRemove: 5,
} as const;
export type ChangeKindCode = (typeof ChangeKind)[keyof typeof ChangeKind];

export interface ObjectChange {
  readonly id: string;
  /** The last object-level change (upsert, softDelete, hardDelete), if any. */
  readonly kind: ChangeKindCode | undefined;
  /** Relationship changes by navigation name, then target id → true (added) / false (removed). */
  readonly links: ReadonlyMap<string, ReadonlyMap<string, boolean>> | undefined;
}

export const DELTA_RETENTION_MS = 7 * 24 * 3600 * 1000;

export class ChangeLog {
  /** Sequence number of entry 0. */
  private base = 0;
  private length = 0;
  private ids: string[] = [];
  private aux: (string | undefined)[] = [];
  private navs: (string | undefined)[] = [];
  private kinds = new Uint8Array(1024);
  private times = new Float64Array(1024);

  constructor(private readonly retentionMs = DELTA_RETENTION_MS) {}

  /** The sequence number the next change will get; a delta link issued now stores this. */
  get nextSeq(): number {
    return this.base + this.length;
  }

  /** The oldest sequence number still answerable. */
  get oldestSeq(): number {
    return this.base;
  }

  get entries(): number {
    return this.length;
  }

  record(id: string, kind: ChangeKindCode, nowMs: number, nav?: string, target?: string): number {
    if (this.length === this.kinds.length) this.grow();
    const i = this.length++;
    this.ids[i] = id;
    this.navs[i] = nav;
    this.aux[i] = target;
    this.kinds[i] = kind;
    this.times[i] = nowMs;
    return this.base + i;
  }

  /** Changes in [`seq`, `end`), grouped by object, in first-seen order. */
  since(seq: number, end = this.nextSeq): Map<string, ObjectChange> {
    const out = new Map<string, { id: string; kind: ChangeKindCode | undefined; links: Map<string, Map<string, boolean>> | undefined }>();
    const start = Math.max(0, seq - this.base);
    const stop = Math.min(this.length, end - this.base);
    for (let i = start; i < stop; i++) {
      const id = this.ids[i] as string;
      let entry = out.get(id);
      if (!entry) {
        entry = { id, kind: undefined, links: undefined };
        out.set(id, entry);
      }
      const kind = this.kinds[i] as ChangeKindCode;
      if (kind === ChangeKind.linkAdd || kind === ChangeKind.linkRemove) {
        const nav = this.navs[i] as string;
        entry.links ??= new Map();
        let targets = entry.links.get(nav);
        if (!targets) {
          targets = new Map();
          entry.links.set(nav, targets);
        }
        const target = this.aux[i] as string;
        targets.delete(target); // keep the latest position
        targets.set(target, kind === ChangeKind.linkAdd);
      } else {
        entry.kind = kind;
        // A hard delete makes earlier relationship changes moot.
        if (kind === ChangeKind.hardDelete) entry.links = undefined;
      }
    }
    return out;
  }

  /** Drops entries older than the retention; cheap enough to call on every write. */
  compact(nowMs: number): void {
    if (this.length < 4096) return;
    const cutoff = nowMs - this.retentionMs;
    let drop = 0;
    while (drop < this.length && (this.times[drop] as number) < cutoff) drop++;
    if (drop < this.length / 2) return;
    this.ids = this.ids.slice(drop);
    this.navs = this.navs.slice(drop);
    this.aux = this.aux.slice(drop);
    this.kinds.copyWithin(0, drop, this.length);
    this.times.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.base += drop;
  }

  private grow(): void {
    const kinds = new Uint8Array(this.kinds.length * 2);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
  }
}
