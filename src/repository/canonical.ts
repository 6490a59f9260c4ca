/**
 * Canonical JSON (spec §9.1): object keys sorted by UTF-16 code units, no whitespace, members whose
 * value is undefined, a function or a symbol dropped (as JSON.stringify does), `toJSON` honoured,
 * non-finite numbers as null. Equal values give byte-equal text, so an item's document gets the
 * same blob ID whatever order its keys came in. BigInt throws, as in JSON.stringify.
 *
 * Speed matters (every document of a full listing passes through here): the common case builds a
 * key-sorted copy of only the objects that need it and lets the native JSON.stringify write it.
 * JavaScript objects cannot hold integer-like keys ("10", "9") in UTF-16 order, so a value with
 * such keys takes the slower writer that emits the text directly.
 */

/** Whether a key is an array index ("0", "17"), which JavaScript objects order numerically first. */
function isIntegerKey(key: string): boolean {
  const first = key.charCodeAt(0);
  if (first < 48 || first > 57 || (first === 48 && key.length > 1)) return false;
  for (let i = 1; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

class NeedsSlowPath extends Error {}

export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(sortedCopy(value));
  } catch (err) {
    if (!(err instanceof NeedsSlowPath)) throw err;
    text = write(value);
  }
  if (text === undefined) throw new TypeError('Cannot serialise undefined as a JSON document');
  return text;
}

/** Sorted key orders by the key order an object arrived with: documents of one type share shapes. */
const orderCache = new Map<string, readonly string[]>();
const ORDER_CACHE_LIMIT = 4096;

/** The value with every object's keys in sorted order; unchanged subtrees are shared, not copied. */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return sortedCopy(withToJson.toJSON());
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const c = sortedCopy(value[i]);
      if (c !== value[i]) (out ??= value.slice())[i] = c;
    }
    return out ?? value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (isIntegerKey(key)) throw new NeedsSlowPath();
    if (i > 0 && (keys[i - 1] as string) > key) sorted = false;
  }
  if (sorted) {
    // Copy this object only if a member had to change.
    let out: Record<string, unknown> | undefined;
    for (const key of keys) {
      const v = record[key];
      if (v === null || typeof v !== 'object') continue;
      const c = sortedCopy(v);
      if (c !== v) (out ??= { ...record })[key] = c;
    }
    return out ?? value;
  }
  const shape = keys.join('\0');
  let order = orderCache.get(shape);
  if (!order) {
    order = [...keys].sort();
    if (orderCache.size < ORDER_CACHE_LIMIT) orderCache.set(shape, order);
  }
  const out: Record<string, unknown> = {};
  for (const key of order) out[key] = sortedCopy(record[key]);
  return out;
}

function write(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return writeObject(value as object);
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return undefined;
  }
}

function writeObject(value: object): string | undefined {
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return write(withToJson.toJSON());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += write(value[i]) ?? 'null';
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = write(record[key]);
    if (member === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + member;
    first = false;
  }
  return out + '}';
}
