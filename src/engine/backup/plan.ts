/**
 * A type reader's answer: how the type goes into the snapshot — a full listing (`replace`: items
 * not in it are deleted) or changes against the parent (`patch`) — as a stream the snapshot
 * writer consumes, and the type's new state once the stream is done. Readers do whatever can
 * fail early (a delta round and its expiry) before they answer, so a type that falls back to a
 * full read does so before anything of it is written.
 */
import type { Item, ItemDeletion } from '../../repository/index.js';
import type { TypeState } from './context.js';

/** How a type was read in this run (report and logs); `quiet`: not listed, the audit log shows no change (quiet.ts). */
export type ReadMode = 'delta' | 'delta-full' | 'list' | 'singleton' | 'append' | 'quiet';

export type TypePlan =
  | { readonly write: 'replace'; readonly mode: ReadMode; readonly items: AsyncIterable<Item>; state(): TypeState | undefined }
  | { readonly write: 'patch'; readonly mode: ReadMode; readonly changes: AsyncIterable<Item | ItemDeletion>; state(): TypeState | undefined };

export interface ReadOptions {
  /** Read everything again (no delta link, no reuse of listed items). */
  readonly full: boolean;
  /** Live read: nothing is written, the parent is not consulted. */
  readonly live?: boolean;
}

export function deletion(type: string, id: string): ItemDeletion {
  return { type, id, deleted: true };
}
