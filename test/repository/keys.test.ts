import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/index.js';
import { sealJson } from '../../src/repository/envelope.js';
import { FORMAT_VERSION, initRepository, openRepository } from '../../src/repository/index.js';
import { parseKeyFile, unwrapKeyFile } from '../../src/repository/keys.js';
import { MemoryBlobStore } from '../../src/storage/index.js';
import { CHEAP_KDF, collect, newRepository, PASSWORD, reopen } from './helpers.js';

describe('repository keys', () => {
  it('init refuses an existing repository; open refuses a missing one and a wrong password', async () => {
    const store = new MemoryBlobStore();
    await expect(openRepository(store, PASSWORD)).rejects.toMatchObject({ code: 'REPO_NOT_FOUND' });
    const repo = await initRepository(store, PASSWORD, { kdf: CHEAP_KDF });
    await expect(initRepository(store, PASSWORD, { kdf: CHEAP_KDF })).rejects.toMatchObject({ code: 'REPO_EXISTS' });
    await expect(openRepository(store, new Secret('nope'))).rejects.toMatchObject({ code: 'REPO_WRONG_PASSWORD' });
    expect((await openRepository(store, PASSWORD)).id).toBe(repo.id);
  });

  it('adds, lists and removes keys; each password opens the repository', async () => {
    const { store, repo } = await newRepository(undefined, { packSizeBytes: 65536, lock: { hostname: 'backup-01', username: 'svc' } });
    const second = await repo.addKey(new Secret('second password'), { kdf: CHEAP_KDF, label: 'disaster recovery' });
    const keys = await repo.listKeys();
    expect(keys).toHaveLength(2);
    expect(keys.find((k) => k.current)).toMatchObject({ host: 'backup-01', username: 'svc', current: true });
    expect(keys.find((k) => k.id === second.id)).toEqual({ ...second, current: false });

    const viaSecond = await openRepository(store, new Secret('second password'));
    expect(viaSecond.id).toBe(repo.id);
    expect((await viaSecond.listKeys()).find((k) => k.current)?.id).toBe(second.id);

    // The key in use is protected unless the caller insists; the last key always is.
    const first = keys.find((k) => k.current)?.id as string;
    await expect(repo.removeKey(first)).rejects.toMatchObject({ code: 'USAGE' });
    await repo.removeKey(second.id.slice(0, 8));
    await expect(openRepository(store, new Secret('second password'))).rejects.toMatchObject({ code: 'REPO_WRONG_PASSWORD' });
    await expect(repo.removeKey(first, { allowCurrent: true })).rejects.toMatchObject({ code: 'REPO_LAST_KEY' });
    expect((await reopen(store)).id).toBe(repo.id);
  });

  it('refuses a repository written in a newer format version', async () => {
    const { store } = await newRepository();
    const [keyInfo] = await collect(store.list('keys/'));
    const id = (keyInfo?.key ?? '').slice('keys/'.length);
    const master = await unwrapKeyFile(parseKeyFile(await store.get(`keys/${id}`), id), PASSWORD);
    if (!master) throw new Error('the password must open the key');
    await store.put('config', sealJson(master, 'config', { version: FORMAT_VERSION + 1, id: 'x', created: 'now', chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 } }));
    await expect(openRepository(store, PASSWORD)).rejects.toMatchObject({ code: 'REPO_VERSION' });
  });

  it('a key file carries no readable host, user or label', async () => {
    const { store, repo } = await newRepository(undefined, { packSizeBytes: 65536, lock: { hostname: 'distinctive-host-name', username: 'distinctive-user' } });
    await repo.addKey(new Secret('x'), { kdf: CHEAP_KDF, label: 'distinctive-label' });
    for await (const info of store.list('keys/')) {
      const text = (await store.get(info.key)).toString('utf8');
      expect(text).not.toMatch(/distinctive/);
      expect(JSON.parse(text)).toMatchObject({ version: 1, kdf: { name: 'scrypt', N: CHEAP_KDF.N } });
    }
  });
});
