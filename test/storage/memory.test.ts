import { describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '../../src/storage/index.js';
import { describeBlobStoreConformance } from './conformance.js';

describeBlobStoreConformance('MemoryBlobStore', async () => ({ store: new MemoryBlobStore(), cleanup: async () => {} }));

describe('MemoryBlobStore', () => {
  it('keeps stores apart and names itself', async () => {
    const a = new MemoryBlobStore('a');
    const b = new MemoryBlobStore();
    await a.put('k', Buffer.from('x'));
    expect(await b.stat('k')).toBeUndefined();
    expect([a.description, b.description]).toEqual(['memory:a', 'memory:']);
  });

  it('lists a key deleted and put again during the listing at most once', async () => {
    const store = new MemoryBlobStore();
    for (const k of ['a', 'b', 'c']) await store.put(k, Buffer.from(k));
    const seen: string[] = [];
    for await (const { key } of store.list('')) {
      seen.push(key);
      if (key === 'a') {
        await store.delete('a');
        await store.put('a', Buffer.from('again'));
      }
    }
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});
