/**
 * Envelopes (spec §3.2): the encrypted form of every file that is not a pack or key file —
 * config, index, snapshot, lock and named-document files, and the pack header.
 * `version ‖ compression ‖ nonce ‖ ciphertext ‖ tag`, with the domain, version and compression
 * flag in the associated data, so a file is only accepted in the role it was written for.
 */
import { compress, decompress } from './compression.js';
import { seal, tryOpen, type MasterKey } from './crypto.js';
import { corrupt } from './errors.js';

const ENVELOPE_VERSION = 1;

function aad(domain: string, compression: number): Buffer {
  return Buffer.concat([Buffer.from(`tv1\0${domain}`, 'utf8'), Buffer.from([ENVELOPE_VERSION, compression])]);
}

export function sealBytes(master: MasterKey, domain: string, payload: Buffer, options: { compress?: boolean } = {}): Buffer {
  const packed = options.compress === false ? { compression: 0, data: payload } : compress(payload);
  return Buffer.concat([Buffer.from([ENVELOPE_VERSION, packed.compression]), seal(master.encKey, packed.data, aad(domain, packed.compression))]);
}

/** The payload, or `undefined` if the envelope does not open under this key and domain. */
export function tryOpenBytes(master: MasterKey, domain: string, bytes: Buffer): Buffer | undefined {
  if (bytes.length < 2 || bytes[0] !== ENVELOPE_VERSION) return undefined;
  const compression = bytes[1] ?? 0;
  const payload = tryOpen(master.encKey, bytes.subarray(2), aad(domain, compression));
  if (!payload) return undefined;
  return decompress(compression, payload, undefined, `A ${domainLabel(domain)} file`);
}

export function openBytes(master: MasterKey, domain: string, bytes: Buffer, what: string): Buffer {
  const payload = tryOpenBytes(master, domain, bytes);
  if (!payload) throw corrupt(`${what} does not authenticate (damaged, or not a ${domainLabel(domain)} file of this repository)`);
  return payload;
}

export function sealJson(master: MasterKey, domain: string, value: unknown): Buffer {
  return sealBytes(master, domain, Buffer.from(JSON.stringify(value), 'utf8'));
}

export function openJson(master: MasterKey, domain: string, bytes: Buffer, what: string): unknown {
  const payload = openBytes(master, domain, bytes, what);
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch (cause) {
    throw corrupt(`${what} is not valid JSON`, {}, cause);
  }
}

function domainLabel(domain: string): string {
  return domain.split('\0')[0] ?? domain;
}
