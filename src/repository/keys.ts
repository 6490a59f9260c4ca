/**
 * Key files (spec §6): a password-derived key (scrypt) wraps the master key with AES-256-GCM;
 * the key's descriptive info (created, host, user, label) is sealed with the master key so it is
 * only readable once the repository is open.
 *
 * Guarantees: a wrong password and a damaged `wrapped` field are indistinguishable by design (both
 * fail authentication) and yield `undefined`, so `openRepository` can try every key file. KDF
 * parameters read from a file are bounded, so a hostile key file cannot make us allocate gigabytes.
 * Not here: which key files exist and the last-key rules (repository.ts).
 */
import { randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import type { Secret } from '../config/index.js';
import { MasterKey, seal, sha256Hex, tryOpen } from './crypto.js';
import { openJson, sealJson } from './envelope.js';
import { corrupt, throwIfAborted } from './errors.js';

export interface KdfParams {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** 32 MiB and about 0.1 s per attempt on a current CPU; what `init` and `key add` use by default. */
export const DEFAULT_KDF: KdfParams = { N: 2 ** 15, r: 8, p: 1 };

/** The bounds a key file's parameters must respect (the default's 64× in memory). */
const MAX_N = 2 ** 21;
const MAX_R = 32;
const MAX_P = 16;

export interface KeyMeta {
  readonly created: string;
  readonly host: string;
  readonly username: string;
  readonly label?: string;
}

const keyFileSchema = z.object({
  version: z.literal(1),
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z.number().int().min(2).max(MAX_N).refine((n) => (n & (n - 1)) === 0, 'N must be a power of two'),
    r: z.number().int().min(1).max(MAX_R),
    p: z.number().int().min(1).max(MAX_P),
    salt: z.string().min(1),
  }),
  wrapped: z.string().min(1),
  info: z.string().min(1),
});

type KeyFile = z.infer<typeof keyFileSchema>;

const metaSchema = z.object({ created: z.string(), host: z.string(), username: z.string(), label: z.string().optional() });

const WRAP_AAD = Buffer.from('tv1\0key', 'latin1');
const INFO_DOMAIN = 'key-info';

export function validateKdf(params: KdfParams): void {
  const ok = Number.isInteger(params.N) && params.N >= 2 && params.N <= MAX_N && (params.N & (params.N - 1)) === 0
    && Number.isInteger(params.r) && params.r >= 1 && params.r <= MAX_R && Number.isInteger(params.p) && params.p >= 1 && params.p <= MAX_P;
  if (!ok) throw new TypeError(`Invalid scrypt parameters ${JSON.stringify(params)}: N a power of two ≤ 2^21, r ≤ 32, p ≤ 16`);
}

async function deriveKek(password: Secret, salt: Buffer, params: KdfParams, signal?: AbortSignal): Promise<Buffer> {
  throwIfAborted(signal);
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  const kek = await new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password.reveal().normalize('NFC'), salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
  throwIfAborted(signal);
  return kek;
}

/** A new key file wrapping `master`; returns its storage key and bytes. */
export async function createKeyFile(master: MasterKey, password: Secret, params: KdfParams, meta: KeyMeta, signal?: AbortSignal): Promise<{ key: string; id: string; bytes: Buffer }> {
  validateKdf(params);
  const salt = randomBytes(32);
  const kek = await deriveKek(password, salt, params, signal);
  const file: KeyFile = {
    version: 1,
    kdf: { name: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64') },
    wrapped: seal(kek, master.toBytes(), WRAP_AAD).toString('base64'),
    info: sealJson(master, INFO_DOMAIN, meta).toString('base64'),
  };
  const bytes = Buffer.from(JSON.stringify(file, null, 2) + '\n', 'utf8');
  const id = sha256Hex(bytes);
  return { key: `keys/${id}`, id, bytes };
}

export function parseKeyFile(bytes: Buffer, id: string): KeyFile {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw corrupt(`Key file ${id} is not valid JSON`, { key: id }, cause);
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) throw corrupt(`Key file ${id} is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { key: id });
  return parsed.data;
}

/** The master key if `password` opens this key file, otherwise `undefined`. */
export async function unwrapKeyFile(file: KeyFile, password: Secret, signal?: AbortSignal): Promise<MasterKey | undefined> {
  const kek = await deriveKek(password, Buffer.from(file.kdf.salt, 'base64'), file.kdf, signal);
  const bytes = tryOpen(kek, Buffer.from(file.wrapped, 'base64'), WRAP_AAD);
  return bytes ? MasterKey.fromBytes(bytes) : undefined;
}

export function readKeyMeta(master: MasterKey, file: KeyFile, id: string): KeyMeta {
  const json = openJson(master, INFO_DOMAIN, Buffer.from(file.info, 'base64'), `The info of key ${id}`);
  const parsed = metaSchema.safeParse(json);
  if (!parsed.success) throw corrupt(`The info of key ${id} is malformed`, { key: id });
  return parsed.data;
}
