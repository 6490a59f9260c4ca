/**
 * Whole-object comparison of the tenant after a restore with the snapshot it restored: the live
 * tenant is read by a new backup (the backup's own readers, independent of restore's), and each
 * document is compared with its snapshot copy after
 * - dropping server-managed properties only (the registry's `readOnly`, ids and timestamps),
 * - for recreated objects, mapping every reference through the restore's old → new id map,
 * - ordering relationship lists by their entries' keys (Graph promises no order), and dropping
 *   the server's bookkeeping inside entries (an app role assignment's id and creation time).
 */
import { getResource, rewriteReferences } from '../../src/connectors/index.js';
import { writerFor } from '../../src/engine/restore/index.js';
import { sortDeep, type Doc } from '../backup/snapshot-tools.js';

export { snapshotDocs } from '../backup/snapshot-tools.js';

const SERVER = new Set(['id', 'createdDateTime', 'lastModifiedDateTime', 'modifiedDateTime', 'deletedDateTime', 'renewedDateTime']);

function isObject(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}


/**
 * A link `{ @odata.type, id }` keeps its id (the linked object); other entries lose the server's
 * own id and times, and an identity inside one (`roleMemberInfo`) is its id — the name and UPN
 * beside it are the service's copies of the member's.
 */
function entryWithoutServerKeys(entry: unknown): unknown {
  if (!isObject(entry)) return entry;
  const link = Object.keys(entry).every((k) => k === 'id' || k === '@odata.type');
  return Object.fromEntries(Object.entries(entry).filter(([k]) => (link && k === 'id') || !SERVER.has(k))
    .map(([k, v]) => [k, k === 'roleMemberInfo' && isObject(v) ? { id: v.id } : v]));
}

/** The comparable form of a document; `map` rewrites references (old → new ids). */
export function comparable(type: string, document: Doc, map?: ReadonlyMap<string, string>): Doc {
  const declaration = getResource(type);
  const writer = writerFor(type);
  const mapped = map ? rewriteReferences(declaration, document, (ref) => map.get(ref.key === 'id' ? ref.id : `${ref.key}:${ref.id}`) ?? ref.id).document : document;
  const out: Doc = {};
  for (const [k, v] of Object.entries(mapped)) {
    if (SERVER.has(k) || declaration.readOnly.includes(k)) continue;
    const spec = writer.relationships[k];
    if (spec && Array.isArray(v)) {
      out[k] = v.filter(isObject).map((e) => entryWithoutServerKeys(e)).sort((a, b) => spec.key(a as Doc).localeCompare(spec.key(b as Doc)));
      continue;
    }
    // Graph promises no order for lists of plain values (groupTypes, businessPhones).
    out[k] = Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null) ? [...v].sort() : v;
  }
  return sortDeep(out) as Doc;
}

