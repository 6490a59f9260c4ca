/**
 * Finding and rewriting the references inside a stored document, as declared by its type.
 * Restore needs both: the references say what must exist first, and when an object is
 * recreated under a new ID every reference to it is rewritten through an old→new map.
 *
 * Guarantees: pure functions — the input document is never modified; `rewriteReferences`
 * returns a copy in which exactly the mapped references changed and reports the ones it could
 * not map. Values that are not references (`All`, `None`, `/` as a directory scope, null) are
 * skipped according to the declaration. Results come in declaration order, then document order.
 * Not guaranteed: that a referenced object exists; that is the restore planner's question.
 */
import { referenceSpec, splitTarget, type ReferenceSpec, type ResourceDeclaration } from './define.js';
import { parseReferencePath, type PathSegment } from './reference-path.js';
import { getResource } from './registry.js';

export interface Reference {
  /** Concrete location, e.g. `conditions.users.includeGroups[1]` or `members[0].id`. */
  readonly path: string;
  /** The declaration's path, e.g. `conditions.users.includeGroups[]`. */
  readonly declaredPath: string;
  /** Concrete type when known (`user`, `group` …); `directoryObject` when the document does not say. */
  readonly targetType: string;
  /** Property of the target the value matches: `id`, or e.g. `appId`. */
  readonly key: string;
  readonly id: string;
}

/** old → new. A function may decide per reference (e.g. keyed by target type). */
export type IdMap = ReadonlyMap<string, string> | ((ref: Reference) => string | undefined);

export interface RewriteResult<T> {
  readonly document: T;
  readonly rewritten: readonly Reference[];
  /** References whose id the map does not know: the target was kept, or restore must say it could not map them. */
  readonly unmapped: readonly Reference[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The nil GUID is a marker, never an object: CA's "MFA trusted IPs" location, the default app role. */
const NIL_GUID = '00000000-0000-0000-0000-000000000000';

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `#microsoft.graph.servicePrincipal` or `User` → `servicePrincipal` / `user`. */
export function typeNameFromOData(value: string): string {
  const last = value.slice(value.lastIndexOf('.') + 1).replace(/^#/, '');
  return last.length === 0 ? last : last[0]!.toLowerCase() + last.slice(1);
}

interface Slot {
  /** The object or array that holds the value. */
  readonly holder: JsonObject | Json[];
  readonly keyOrIndex: string | number;
  /** The object whose property (or whose array element) the value is; for type resolution. */
  readonly owner: JsonObject;
  readonly path: string;
  readonly value: string;
}

function* slots(node: Json, segments: readonly PathSegment[], index: number, path: string): Generator<Slot> {
  const segment = segments[index];
  if (segment === undefined || !isObject(node)) return;
  const value = node[segment.name];
  const here = path === '' ? segment.name : `${path}.${segment.name}`;
  const last = index === segments.length - 1;
  if (segment.each) {
    if (!Array.isArray(value)) return;
    for (let i = 0; i < value.length; i++) {
      const element = value[i];
      const elementPath = `${here}[${i}]`;
      if (last) {
        if (typeof element === 'string') yield { holder: value, keyOrIndex: i, owner: node, path: elementPath, value: element };
      } else {
        yield* slots(element, segments, index + 1, elementPath);
      }
    }
  } else if (last) {
    if (typeof value === 'string') yield { holder: node, keyOrIndex: segment.name, owner: node, path: here, value };
  } else {
    yield* slots(value, segments, index + 1, here);
  }
}

/** The id inside a value, or undefined when the value is not a reference under this spec. */
function extractId(spec: ReferenceSpec, value: string): string | undefined {
  let candidate = value;
  if (spec.template) {
    const [before, after] = spec.template.split('{id}') as [string, string | undefined];
    if (!value.startsWith(before) || !value.endsWith(after ?? '') || value.length <= before.length + (after ?? '').length) return undefined;
    candidate = value.slice(before.length, value.length - (after ?? '').length);
  }
  if (candidate.length === 0) return undefined;
  if ((spec.match ?? 'guid') === 'guid' && (!GUID.test(candidate) || candidate === NIL_GUID)) return undefined;
  return candidate;
}

function resolveType(spec: ReferenceSpec, owner: JsonObject): string {
  const { type } = splitTarget(spec.target);
  if (type !== 'directoryObject') return type;
  const named = spec.typeFrom ? owner[spec.typeFrom] : owner['@odata.type'];
  return typeof named === 'string' && named.length > 0 ? typeNameFromOData(named) : type;
}

function* eachReference(declaration: ResourceDeclaration, document: Json): Generator<{ ref: Reference; slot: Slot; spec: ReferenceSpec }> {
  for (const [declaredPath, raw] of Object.entries(declaration.references)) {
    const spec = referenceSpec(raw);
    const { key } = splitTarget(spec.target);
    for (const slot of slots(document, parseReferencePath(declaredPath), 0, '')) {
      const id = extractId(spec, slot.value);
      if (id === undefined) continue;
      yield { ref: { path: slot.path, declaredPath, targetType: resolveType(spec, slot.owner), key, id }, slot, spec };
    }
  }
}

/** A type's declaration, given itself or its name (resolved through the registry). */
export type TypeRef = ResourceDeclaration | string;

function declarationOf(type: TypeRef): ResourceDeclaration {
  return typeof type === 'string' ? getResource(type) : type;
}

export function referencesOf(type: TypeRef, document: unknown): Reference[] {
  return [...eachReference(declarationOf(type), document)].map((entry) => entry.ref);
}

function lookup(map: IdMap, ref: Reference): string | undefined {
  return typeof map === 'function' ? map(ref) : map.get(ref.id);
}

export function rewriteReferences<T>(type: TypeRef, document: T, map: IdMap): RewriteResult<T> {
  const declaration = declarationOf(type);
  const copy = structuredClone(document);
  const rewritten: Reference[] = [];
  const unmapped: Reference[] = [];
  // Collect first, then write: a rewritten value must never be read again as an old id.
  const found = [...eachReference(declaration, copy)];
  for (const { ref, slot, spec } of found) {
    const replacement = lookup(map, ref);
    if (replacement === undefined) {
      unmapped.push(ref);
      continue;
    }
    const value = spec.template ? spec.template.replace('{id}', replacement) : replacement;
    (slot.holder as Record<string | number, Json>)[slot.keyOrIndex] = value;
    if (replacement !== ref.id) rewritten.push(ref);
  }
  return { document: copy, rewritten, unmapped };
}
