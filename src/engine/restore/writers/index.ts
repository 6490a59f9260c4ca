/**
 * The writer of each resource type: a registered one where a type has rules of its own, else the
 * generic `GraphWriter` built from the registry's declaration (so most types need no code).
 *
 * Registering: a family module exports its writers as a list (`directoryWriters` …) and adds
 * one line to `WRITER_FAMILIES` below; a type may be registered once. Writers are created once
 * per process (they hold no connection; the context comes with every call).
 */
import { getResource } from '../../../connectors/index.js';
import { GraphWriter } from './generic.js';
import { directoryWriters } from './directory/index.js';
import { exchangeWriters } from './exchange/index.js';
import { intuneWriters } from './intune/index.js';
import { policyWriters } from './policies/index.js';
import type { TypeWriter } from './types.js';

/** Writers with rules of their own, by family. Add a family's list here. */
const WRITER_FAMILIES: ReadonlyArray<() => readonly TypeWriter[]> = [
  directoryWriters,
  policyWriters,
  intuneWriters,
  exchangeWriters,
];

let registered: Map<string, TypeWriter> | undefined;
const generic = new Map<string, TypeWriter>();

function registry(): Map<string, TypeWriter> {
  if (registered) return registered;
  const map = new Map<string, TypeWriter>();
  for (const family of WRITER_FAMILIES) {
    for (const writer of family()) {
      if (map.has(writer.type)) throw new Error(`Two restore writers for ${writer.type}`);
      map.set(writer.type, writer);
    }
  }
  registered = map;
  return map;
}

/** The writer of a type (unknown names are USAGE, from the registry). */
export function writerFor(type: string): TypeWriter {
  const own = registry().get(type);
  if (own) return own;
  const known = generic.get(type);
  if (known) return known;
  const writer = new GraphWriter(getResource(type));
  generic.set(type, writer);
  return writer;
}

export { GraphWriter, type GraphWriterOptions, failure, isOk, alreadyLinked, quoteOData } from './generic.js';
export { CallBatcher } from './calls.js';
export type * from './types.js';
