/**
 * A many-to-many relationship between directory handles (group → members, application → owners,
 * administrative unit → members, directory role → members), indexed both ways so that
 * `/groups/{id}/members` and `/users/{id}/memberOf` are both cheap.
 *
 * Storage: one `Set<number>` per source and per target. A million edges cost about 60 MB, an
 * order of magnitude less than an object per edge. Iteration follows insertion order, which keeps
 * paging through a large membership stable while it is not modified.
 */

const EMPTY: ReadonlySet<number> = new Set();

export class Relation {
  private forward = new Map<number, Set<number>>();
  private backward = new Map<number, Set<number>>();
  private edges = 0;

  constructor(readonly name: string) {}

  get size(): number {
    return this.edges;
  }

  /** Adds the edge; false when it already existed. */
  add(source: number, target: number): boolean {
    let targets = this.forward.get(source);
    if (!targets) {
      targets = new Set();
      this.forward.set(source, targets);
    }
    if (targets.has(target)) return false;
    targets.add(target);
    let sources = this.backward.get(target);
    if (!sources) {
      sources = new Set();
      this.backward.set(target, sources);
    }
    sources.add(source);
    this.edges++;
    return true;
  }

  remove(source: number, target: number): boolean {
    const targets = this.forward.get(source);
    if (!targets?.delete(target)) return false;
    if (targets.size === 0) this.forward.delete(source);
    const sources = this.backward.get(target);
    sources?.delete(source);
    if (sources?.size === 0) this.backward.delete(target);
    this.edges--;
    return true;
  }

  has(source: number, target: number): boolean {
    return this.forward.get(source)?.has(target) ?? false;
  }

  targets(source: number): ReadonlySet<number> {
    return this.forward.get(source) ?? EMPTY;
  }

  sources(target: number): ReadonlySet<number> {
    return this.backward.get(target) ?? EMPTY;
  }

  /** Removes every edge that touches `handle`; returns the removed pairs as [source, target]. */
  detach(handle: number): [number, number][] {
    const removed: [number, number][] = [];
    for (const t of [...this.targets(handle)]) if (this.remove(handle, t)) removed.push([handle, t]);
    for (const s of [...this.sources(handle)]) if (this.remove(s, handle)) removed.push([s, handle]);
    return removed;
  }

  clear(): void {
    this.forward.clear();
    this.backward.clear();
    this.edges = 0;
  }
}
