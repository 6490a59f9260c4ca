/**
 * Where app profiles live: the repository's encrypted named documents of kind `profiles`
 * (repository spec §12), so the repository alone is enough to recover everything and no secret
 * is ever written in plaintext — the local home holds nothing about profiles.
 *
 * Guarantees: `add` refuses an existing name (PROFILE_EXISTS) atomically (create-only put);
 * `get` of an unknown name is PROFILE_NOT_FOUND; `list` is sorted by name.
 * Not guaranteed: isolation between two processes updating the same profile (last writer wins,
 * as the document store says) — profiles change rarely and only by hand.
 */
import type { Repository } from '../../repository/index.js';
import { TenantVaultError } from '../../errors/index.js';
import { checkProfileName, fromStored, toStored, type Profile } from './model.js';

export const PROFILE_DOCUMENTS = 'profiles';

export interface ProfileStore {
  add(profile: Profile, options?: { signal?: AbortSignal }): Promise<void>;
  /** Replaces a stored profile (same name). */
  update(profile: Profile, options?: { signal?: AbortSignal }): Promise<void>;
  get(name: string, options?: { signal?: AbortSignal }): Promise<Profile>;
  find(name: string, options?: { signal?: AbortSignal }): Promise<Profile | undefined>;
  list(options?: { signal?: AbortSignal }): Promise<Profile[]>;
  remove(name: string, options?: { signal?: AbortSignal }): Promise<void>;
}

function notFound(name: string): TenantVaultError {
  return new TenantVaultError('PROFILE_NOT_FOUND', `No profile named ${name} in this repository`, { details: { profile: name } });
}

export function profileStore(repo: Repository): ProfileStore {
  const docs = repo.documents(PROFILE_DOCUMENTS);
  const find = async (name: string, options: { signal?: AbortSignal } = {}): Promise<Profile | undefined> => {
    const value = await docs.get(checkProfileName(name), options);
    return value === undefined ? undefined : fromStored(name, value);
  };
  return {
    async add(profile, options = {}) {
      const added = await docs.put(checkProfileName(profile.name), toStored(profile), { ifAbsent: true, ...options });
      if (!added) {
        throw new TenantVaultError('PROFILE_EXISTS', `A profile named ${profile.name} already exists`, {
          hint: 'Choose another name, or remove it first with `tenant-vault profile remove NAME`.',
          details: { profile: profile.name },
        });
      }
    },
    async update(profile, options = {}) {
      if ((await find(profile.name, options)) === undefined) throw notFound(profile.name);
      await docs.put(profile.name, toStored(profile), options);
    },
    async get(name, options = {}) {
      const profile = await find(name, options);
      if (!profile) throw notFound(name);
      return profile;
    },
    find,
    async list(options = {}) {
      const out: Profile[] = [];
      for await (const name of docs.list(options)) {
        const value = await docs.get(name, options);
        if (value !== undefined) out.push(fromStored(name, value));
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
    async remove(name, options = {}) {
      if ((await find(name, options)) === undefined) throw notFound(name);
      await docs.delete(name, options);
    },
  };
}
