/**
 * Snapshot files (spec §9.6): the encrypted description of one snapshot — time, profile, parent,
 * root tree, per-type summary, opaque connector state and statistics. The file's SHA-256 is the
 * snapshot ID, so a snapshot cannot be altered without changing its ID.
 *
 * Guarantees: `decodeSnapshot` accepts only files that authenticate under this repository's key,
 * match their name, and have the version-1 layout; anything else is REPO_CORRUPT naming the file.
 */
import { z } from 'zod';
import { type MasterKey, sha256Hex } from './crypto.js';
import { openJson, sealJson } from './envelope.js';
import { corrupt } from './errors.js';

export const SNAPSHOT_PREFIX = 'snapshots/';
const DOMAIN = 'snapshot';

export interface TypeSummary {
  /** Items of the type in this snapshot. */
  readonly count: number;
  /** Set when the type could not be read and the parent's items were carried: why. */
  readonly absent?: string;
}

export interface SnapshotStats {
  /** Items in the snapshot, all types. */
  readonly items: number;
  readonly new: number;
  readonly changed: number;
  readonly deleted: number;
  readonly unchanged: number;
  /** New blobs stored by this snapshot and their stored (encrypted) bytes, trees included. */
  readonly blobsAdded: number;
  readonly bytesAdded: number;
  readonly treeBlobsAdded: number;
  readonly treeBytesAdded: number;
  readonly packsWritten: number;
  readonly durationMs: number;
}

export interface SnapshotInfo {
  /** SHA-256 of the snapshot file (64 hex). */
  readonly id: string;
  /** ISO 8601. */
  readonly time: string;
  /** The app profile the snapshot belongs to; opaque to the repository. */
  readonly profile: string;
  readonly parent: string | null;
  /** Root tree blob ID. */
  readonly tree: string;
  readonly hostname: string;
  readonly username: string;
  readonly tags: readonly string[];
  readonly types: Readonly<Record<string, TypeSummary>>;
  /** Opaque connector state (e.g. delta links per type), visible exactly when the snapshot is. */
  readonly state: Readonly<Record<string, unknown>>;
  readonly stats: SnapshotStats;
}

const statsSchema = z.object({
  items: z.number(), new: z.number(), changed: z.number(), deleted: z.number(), unchanged: z.number(),
  blobsAdded: z.number(), bytesAdded: z.number(), treeBlobsAdded: z.number(), treeBytesAdded: z.number(),
  packsWritten: z.number(), durationMs: z.number(),
});

const fileSchema = z.object({
  version: z.literal(1),
  time: z.string(),
  profile: z.string(),
  parent: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  tree: z.string().regex(/^[0-9a-f]{64}$/),
  hostname: z.string(),
  username: z.string(),
  tags: z.array(z.string()),
  types: z.record(z.string(), z.object({ count: z.number(), absent: z.string().optional() })),
  state: z.record(z.string(), z.unknown()),
  stats: statsSchema,
});

export function encodeSnapshot(master: MasterKey, body: Omit<SnapshotInfo, 'id'>): { info: SnapshotInfo; key: string; bytes: Buffer } {
  const bytes = sealJson(master, DOMAIN, { version: 1, ...body });
  const id = sha256Hex(bytes);
  return { info: { id, ...body }, key: SNAPSHOT_PREFIX + id, bytes };
}

export function decodeSnapshot(master: MasterKey, bytes: Buffer, id: string): SnapshotInfo {
  const what = `Snapshot file ${id}`;
  if (sha256Hex(bytes) !== id) throw corrupt(`${what} does not match its name (damaged)`, { snapshot: id });
  const parsed = fileSchema.safeParse(openJson(master, DOMAIN, bytes, what));
  if (!parsed.success) throw corrupt(`${what} is malformed: ${parsed.error.issues[0]?.message ?? ''}`, { snapshot: id });
  const { version: _version, ...body } = parsed.data;
  return { id, ...body } as SnapshotInfo;
}
