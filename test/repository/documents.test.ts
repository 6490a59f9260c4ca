import { describe, expect, it } from 'vitest';
import { allObjects, collect, newRepository, reopen } from './helpers.js';

describe('named documents', () => {
  it('round-trips, lists names, honours ifAbsent, deletes', async () => {
    const { store, repo } = await newRepository();
    const profiles = repo.documents('profiles');
    expect(await profiles.get('contoso-azure')).toBeUndefined();
    expect(await profiles.put('contoso-azure', { tenant: 'contoso.onmicrosoft.com', clientSecret: 's3cr3t', scopes: ['a', 'b'] })).toBe(true);
    expect(await profiles.put('contoso-azure', { other: true }, { ifAbsent: true })).toBe(false);
    await profiles.put('fabrikam-b2c', { tenant: 'fabrikam' });
    await repo.documents('restore-journals').put('contoso-azure', { step: 3 });
    expect(await profiles.get('contoso-azure')).toEqual({ tenant: 'contoso.onmicrosoft.com', clientSecret: 's3cr3t', scopes: ['a', 'b'] });
    expect((await collect(profiles.list())).sort()).toEqual(['contoso-azure', 'fabrikam-b2c']);

    await profiles.put('fabrikam-b2c', { tenant: 'fabrikam', version: 2 });
    const fresh = (await reopen(store)).documents('profiles');
    expect(await fresh.get('fabrikam-b2c')).toEqual({ tenant: 'fabrikam', version: 2 });
    await fresh.delete('fabrikam-b2c');
    await fresh.delete('fabrikam-b2c'); // idempotent
    expect(await collect(profiles.list())).toEqual(['contoso-azure']);
    expect(await repo.documents('restore-journals').get('contoso-azure')).toEqual({ step: 3 });
    expect(() => repo.documents('Bad Kind')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('detects a document file moved to another name or kind', async () => {
    const { store, repo } = await newRepository();
    await repo.documents('profiles').put('alpha', { secret: 1 });
    await repo.documents('profiles').put('beta', { secret: 2 });
    await repo.documents('plans').put('alpha', { plan: true });
    const keys = [...(await allObjects(store)).keys()].filter((k) => k.startsWith('docs/'));
    const key = async (kind: string, name: string): Promise<string> => {
      for (const k of keys.filter((x) => x.startsWith(`docs/${kind}/`))) {
        const copy = await store.get(k);
        // Identify the file by moving it aside and seeing which name disappears.
        await store.delete(k);
        const gone = (await repo.documents(kind).get(name)) === undefined;
        await store.put(k, copy);
        if (gone) return k;
      }
      throw new Error('not found');
    };
    const alpha = await key('profiles', 'alpha');
    const beta = await key('profiles', 'beta');
    const planAlpha = await key('plans', 'alpha');
    await store.put(beta, await store.get(alpha)); // beta's file now holds alpha's bytes
    await expect(repo.documents('profiles').get('beta')).rejects.toMatchObject({ code: 'REPO_CORRUPT' });
    await expect(collect(repo.documents('profiles').list())).rejects.toMatchObject({ code: 'REPO_CORRUPT' });
    await store.put(planAlpha, await store.get(alpha)); // another kind, same name
    await expect(repo.documents('plans').get('alpha')).rejects.toMatchObject({ code: 'REPO_CORRUPT' });
    expect(await repo.documents('profiles').get('alpha')).toEqual({ secret: 1 });
  });
});
