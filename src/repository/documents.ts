/**
 * Named documents (spec §12): a small encrypted key-value store inside the repository for the
 * product's own records (app profiles with their secrets, restore journals, safety-snapshot
 * bookkeeping), so that the repository alone is enough to recover everything.
 *
 * Guarantees: a document is stored at `docs/<kind>/<nameId>` with nameId = HMAC(documentNameKey,
 * kind 0 name), sealed with kind and nameId in the associated data and the name inside, so neither
 * the name nor the value is readable without the key, and a file moved to another name or kind
 * fails with REPO_CORRUPT. `put` replaces
 * atomically (the store's put); `ifAbsent` uses the store's create-only put.
 * Not guaranteed: isolation between concurrent read-modify-write cycles (last writer wins).
 */
import { createHmac } from 'node:crypto';
import type { BlobStore } from '../storage/index.js';
import type { Clock } from '../clock.js';
import type { MasterKey } from './crypto.js';
import { openJson, sealJson } from './envelope.js';
import { corrupt, isExists, isNotFound, usage } from './errors.js';

export interface DocumentStore {
  /** Stores `value` (JSON) under `name`. With `ifAbsent`, returns false and changes nothing if the name exists. */
  put(name: string, value: unknown, options?: { ifAbsent?: boolean; signal?: AbortSignal }): Promise<boolean>;
  get(name: string, options?: { signal?: AbortSignal }): Promise<unknown>;
  /** The names of every document of this kind, in no particular order. */
  list(options?: { signal?: AbortSignal }): AsyncIterable<string>;
  delete(name: string, options?: { signal?: AbortSignal }): Promise<void>;
}

const KIND = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function documentStore(store: BlobStore, master: MasterKey, clock: Clock, kind: string): DocumentStore {
  if (!KIND.test(kind)) throw usage(`Invalid document kind ${JSON.stringify(kind)}`, 'A document kind is 1–64 characters of a-z, 0-9 and -.');
  const prefix = `docs/${kind}/`;
  const nameIdOf = (name: string): string => createHmac('sha256', master.documentNameKey).update(kind, 'utf8').update('\0').update(name, 'utf8').digest('hex');
  // The name ID, not the name, is bound: list() must open a file knowing only its key.
  const domainOf = (nameId: string): string => `doc\0${kind}\0${nameId}`;
  const open = (key: string, bytes: Buffer): { name: string; value: unknown } => {
    const nameId = key.slice(prefix.length);
    const doc = openJson(master, domainOf(nameId), bytes, `Document ${key}`) as { name?: unknown; value?: unknown };
    if (typeof doc.name !== 'string' || nameIdOf(doc.name) !== nameId) throw corrupt(`Document ${key} holds another name`, { document: key });
    return { name: doc.name, value: doc.value };
  };
  const checkName = (name: string): void => {
    if (typeof name !== 'string' || name.length === 0) throw usage('A document name must be a non-empty string');
  };

  return {
    async put(name, value, options = {}) {
      checkName(name);
      const nameId = nameIdOf(name);
      const bytes = sealJson(master, domainOf(nameId), { name, value, time: new Date(clock.now()).toISOString() });
      try {
        await store.put(prefix + nameId, bytes, { ifNotExists: options.ifAbsent === true, signal: options.signal });
        return true;
      } catch (err) {
        if (options.ifAbsent && isExists(err)) return false;
        throw err;
      }
    },

    async get(name, options = {}) {
      checkName(name);
      const key = prefix + nameIdOf(name);
      let bytes: Buffer;
      try {
        bytes = await store.get(key, options);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      return open(key, bytes).value;
    },

    async *list(options = {}) {
      for await (const info of store.list(prefix, options)) {
        let bytes: Buffer;
        try {
          bytes = await store.get(info.key, options);
        } catch (err) {
          if (isNotFound(err)) continue; // deleted while listing
          throw err;
        }
        yield open(info.key, bytes).name;
      }
    },

    async delete(name, options = {}) {
      checkName(name);
      await store.delete(prefix + nameIdOf(name), options);
    },
  };
}
