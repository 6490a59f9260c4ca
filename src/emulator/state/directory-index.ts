/**
 * The tenant-wide index of directory objects. Users, groups, applications, service principals,
 * devices, administrative units, directory roles and org contacts share one ID space in Entra
 * (`/directoryObjects/{id}` finds any of them), and relationships between them (memberships,
 * owners, role members) are stored as pairs of small integers ("handles") from this index instead
 * of objects per edge — the large tenant has a million memberships.
 *
 * Guarantees: a handle, once issued for an ID, is never reused, so relationship sets stay valid
 * across deletes; `state()` says whether the object is live, soft-deleted (in the recycle bin)
 * or gone. The entity itself lives in its kind's store (or the recycle bin), not here.
 */

export const ObjectKind = {
  user: 1,
  group: 2,
  application: 3,
  servicePrincipal: 4,
  device: 5,
  administrativeUnit: 6,
  directoryRole: 7,
  orgContact: 8,
} as const;
export type ObjectKindName = keyof typeof ObjectKind;
export type ObjectKindCode = (typeof ObjectKind)[ObjectKindName];

const KIND_NAMES: readonly (ObjectKindName | undefined)[] = [
  undefined, 'user', 'group', 'application', 'servicePrincipal', 'device', 'administrativeUnit', 'directoryRole', 'orgContact',
];

export const ObjectState = { live: 0, softDeleted: 1, gone: 2 } as const;
export type ObjectStateCode = (typeof ObjectState)[keyof typeof ObjectState];

export class DirectoryIndex {
  private handles = new Map<string, number>();
  private ids: string[] = [];
  private kinds = new Uint8Array(4096);
  private states = new Uint8Array(4096);

  get size(): number {
    return this.ids.length;
  }

  /** Registers a new object, or revives a gone one with the same ID, and returns its handle. */
  register(id: string, kind: ObjectKindName): number {
    const existing = this.handles.get(id);
    if (existing !== undefined) {
      this.kinds[existing] = ObjectKind[kind];
      this.states[existing] = ObjectState.live;
      return existing;
    }
    const h = this.ids.length;
    if (h === this.kinds.length) this.grow();
    this.ids.push(id);
    this.handles.set(id, h);
    this.kinds[h] = ObjectKind[kind];
    this.states[h] = ObjectState.live;
    return h;
  }

  handle(id: string): number | undefined {
    return this.handles.get(id);
  }

  /** The handle of a live object of one of the given kinds, if any. */
  liveHandle(id: string, ...kinds: ObjectKindName[]): number | undefined {
    const h = this.handles.get(id);
    if (h === undefined || this.states[h] !== ObjectState.live) return undefined;
    if (kinds.length > 0 && !kinds.includes(this.kind(h))) return undefined;
    return h;
  }

  id(handle: number): string {
    const id = this.ids[handle];
    if (id === undefined) throw new RangeError(`unknown directory handle ${handle}`);
    return id;
  }

  kind(handle: number): ObjectKindName {
    return KIND_NAMES[this.kinds[handle] ?? 0] as ObjectKindName;
  }

  kindOf(id: string): ObjectKindName | undefined {
    const h = this.handles.get(id);
    return h === undefined ? undefined : this.kind(h);
  }

  state(handle: number): ObjectStateCode {
    return (this.states[handle] ?? ObjectState.gone) as ObjectStateCode;
  }

  isLive(handle: number): boolean {
    return this.states[handle] === ObjectState.live;
  }

  setState(handle: number, state: ObjectStateCode): void {
    this.states[handle] = state;
  }

  private grow(): void {
    const kinds = new Uint8Array(this.kinds.length * 2);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const states = new Uint8Array(this.states.length * 2);
    states.set(this.states);
    this.states = states;
  }
}
