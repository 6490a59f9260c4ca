import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/index.js';
import { isTenantVaultError } from '../../src/errors/index.js';
import { BlobReader } from '../../src/repository/blob-reader.js';
import { COMPRESSION_BROTLI, COMPRESSION_NONE, compress } from '../../src/repository/compression.js';
import { KIND_DATA, KIND_TREE, MasterKey, openBlob, sealBlob } from '../../src/repository/crypto.js';
import { openJson, sealJson } from '../../src/repository/envelope.js';
import { createKeyFile, parseKeyFile, unwrapKeyFile } from '../../src/repository/keys.js';
import { MasterIndex } from '../../src/repository/master-index.js';
import { PackBuilder, packKey, readPackHeader } from '../../src/repository/pack.js';
import { MemoryBlobStore } from '../../src/storage/index.js';
import { CHEAP_KDF } from './helpers.js';

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(isTenantVaultError(err) ? err.code : err).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** A pack of two data blobs and its index, as a writer would store them. */
async function packOfTwo(master: MasterKey): Promise<{ store: MemoryBlobStore; reader: BlobReader; ids: [string, string]; plain: [Buffer, Buffer]; packId: string; bytes: Buffer }> {
  const plain: [Buffer, Buffer] = [Buffer.from(JSON.stringify({ displayName: 'Adele Vance', n: 1 }).repeat(5)), Buffer.from('second blob, stored raw')];
  const builder = new PackBuilder();
  const ids = plain.map((p) => master.contentId(p).toString('hex')) as [string, string];
  plain.forEach((p, i) => {
    const packed = compress(p);
    builder.add(KIND_DATA, ids[i] as string, packed.compression, p.length, sealBlob(master, KIND_DATA, packed.compression, Buffer.from(ids[i] as string, 'hex'), packed.data));
  });
  const { id, bytes, blobs } = builder.finish(master);
  const store = new MemoryBlobStore();
  await store.put(packKey(id), bytes);
  const index = new MasterIndex();
  index.addPack(id, bytes.length, blobs);
  return { store, reader: new BlobReader(store, master, index), ids, plain, packId: id, bytes };
}

describe('crypto', () => {
  it('round-trips blobs through a pack, compressed or raw, and verifies their keyed IDs', async () => {
    const master = MasterKey.generate();
    const { reader, ids, plain, packId, bytes } = await packOfTwo(master);
    expect(await reader.read(ids[0], KIND_DATA)).toEqual(plain[0]);
    expect(await reader.read(ids[1], KIND_DATA)).toEqual(plain[1]);
    const header = readPackHeader(master, bytes, packId);
    expect(header.map((h) => [h.id, h.compression, h.rawLength])).toEqual([[ids[0], COMPRESSION_BROTLI, plain[0].length], [ids[1], COMPRESSION_NONE, plain[1].length]]);
  });

  it('content IDs are keyed: another master key gives another ID for the same bytes', () => {
    const data = Buffer.from('same bytes');
    expect(MasterKey.generate().contentId(data).equals(MasterKey.generate().contentId(data))).toBe(false);
  });

  it('detects a flipped ciphertext byte, a flipped tag, a flipped nonce', async () => {
    const master = MasterKey.generate();
    const { store, reader, ids, packId, bytes } = await packOfTwo(master);
    const sealedLength = readPackHeader(master, bytes, packId)[0]?.length ?? 0;
    for (const at of [0 /* nonce */, 20 /* ciphertext */, sealedLength - 1 /* tag */]) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] ?? 0) ^ 0x01;
      await store.put(packKey(packId), copy);
      await expect(reader.read(ids[0], KIND_DATA)).rejects.toMatchObject({ code: 'REPO_CORRUPT', details: { blob: ids[0], pack: packId } });
      await expect(reader.read(ids[1], KIND_DATA)).resolves.toBeInstanceOf(Buffer);
    }
  });

  it('detects swapped blobs: ciphertext of blob A presented as blob B', () => {
    const master = MasterKey.generate();
    const a = Buffer.from('blob A');
    const b = Buffer.from('blob B');
    const idA = master.contentId(a);
    const idB = master.contentId(b);
    const sealedA = sealBlob(master, KIND_DATA, COMPRESSION_NONE, idA, a);
    expect(openBlob(master, KIND_DATA, COMPRESSION_NONE, idA, sealedA)).toEqual(a);
    expectCode(() => openBlob(master, KIND_DATA, COMPRESSION_NONE, idB, sealedA), 'REPO_CORRUPT');
    // …or as the same ID of another kind, or with another compression flag.
    expectCode(() => openBlob(master, KIND_TREE, COMPRESSION_NONE, idA, sealedA), 'REPO_CORRUPT');
    expectCode(() => openBlob(master, KIND_DATA, COMPRESSION_BROTLI, idA, sealedA), 'REPO_CORRUPT');
  });

  it('detects an index that points a blob ID at another blob’s bytes', async () => {
    const master = MasterKey.generate();
    const { store, ids, packId, bytes } = await packOfTwo(master);
    const [first, second] = readPackHeader(master, bytes, packId);
    const index = new MasterIndex();
    // The index claims blob 0 lives where blob 1 is.
    index.addPack(packId, bytes.length, [{ ...(second as NonNullable<typeof second>), id: ids[0] }, { ...(first as NonNullable<typeof first>), id: ids[1] }]);
    const reader = new BlobReader(store, master, index);
    await expect(reader.read(ids[0], KIND_DATA)).rejects.toMatchObject({ code: 'REPO_CORRUPT' });
    await expect(reader.read(ids[1], KIND_DATA)).rejects.toMatchObject({ code: 'REPO_CORRUPT' });
  });

  it('a wrong master key opens nothing', async () => {
    const master = MasterKey.generate();
    const { store, ids, packId, bytes } = await packOfTwo(master);
    const other = MasterKey.generate();
    const index = new MasterIndex();
    index.addPack(packId, bytes.length, readPackHeader(master, bytes, packId));
    await expect(new BlobReader(store, other, index).read(ids[0], KIND_DATA)).rejects.toMatchObject({ code: 'REPO_CORRUPT' });
    expectCode(() => readPackHeader(other, bytes, packId), 'REPO_CORRUPT');
    expectCode(() => openJson(other, 'snapshot', sealJson(master, 'snapshot', { a: 1 }), 'x'), 'REPO_CORRUPT');
  });

  it('envelopes are bound to their domain', () => {
    const master = MasterKey.generate();
    const sealed = sealJson(master, 'snapshot', { tree: 'x' });
    expect(openJson(master, 'snapshot', sealed, 'x')).toEqual({ tree: 'x' });
    expectCode(() => openJson(master, 'index', sealed, 'x'), 'REPO_CORRUPT');
  });

  it('a wrong password does not unwrap a key file; the right one gives the same master key', async () => {
    const master = MasterKey.generate();
    const key = await createKeyFile(master, new Secret('right'), CHEAP_KDF, { created: 'now', host: 'h', username: 'u' });
    const file = parseKeyFile(key.bytes, key.id);
    expect(await unwrapKeyFile(file, new Secret('wrong'))).toBeUndefined();
    expect((await unwrapKeyFile(file, new Secret('right')))?.toBytes()).toEqual(master.toBytes());
    // A key file's scrypt parameters are bounded, so a hostile file cannot exhaust memory.
    const hostile = Buffer.from(JSON.stringify({ ...JSON.parse(key.bytes.toString()), kdf: { ...file.kdf, N: 2 ** 30 } }));
    expectCode(() => parseKeyFile(hostile, 'x'), 'REPO_CORRUPT');
  });
});
