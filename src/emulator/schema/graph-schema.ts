/**
 * `GraphSchema`: questions about Microsoft Graph types (properties with inheritance, navigation
 * properties, complex-typed properties, enum members) and validation of JSON payloads against
 * them.
 *
 * Guarantees of `validateEntity`:
 * - every property name an object carries is checked against its effective type — the
 *   `@odata.type` it carries (which must be the given type or derive from it) or the given type;
 * - OData annotations are allowed: instance annotations (`@odata.type`, `@odata.etag`,
 *   `@microsoft.graph.tips`, `@removed` …) and property annotations (`members@delta`,
 *   `owners@odata.bind`, `assignments@odata.context` …) whose property part is a declared
 *   property or navigation property;
 * - where the schema knows the type of a property (v1.0), complex values and expanded
 *   navigation values are validated recursively, including derived types chosen by a nested
 *   `@odata.type`;
 * - open types (`OpenType="true"`, e.g. every directoryObject): open complex types accept any
 *   extra name; open entity types accept only directory extension attributes
 *   (`extension_{appId}_{name}`) unless `allowDynamicProperties` is set — Graph marks the whole
 *   directory open for those, and accepting anything would make the check worthless;
 * - with `values: true`, primitive kinds, enum members, collections-vs-single and
 *   objects-vs-scalars are checked too (never nullability: Graph returns null for unset values).
 *
 * Not guaranteed: beta payloads are checked one level deep (only property names are known for
 * beta, not their types), and required properties are not checked (the CSDL does not say
 * which are required on create).
 */
import { parseTypeRef, type SchemaModel, type SchemaTypeDef } from './model.js';

export type ViolationCode =
  | 'unknownType'
  | 'notDerived'
  | 'abstractType'
  | 'unknownProperty'
  | 'unknownAnnotatedProperty'
  | 'navigationNotAllowed'
  | 'notAnObject'
  | 'badValue';

export interface Violation {
  /** JSON path of the offending value, e.g. `conditions.users.includeUserz` or `value[3].foo`. */
  path: string;
  code: ViolationCode;
  /** The type the value was checked against (fully qualified). */
  type: string;
  property?: string;
  message: string;
}

export interface ValidateOptions {
  /** Expanded navigation properties (`assignments`, `settings`, `members`) are allowed; default true. */
  allowNavigation?: boolean;
  /** Also check value kinds and enum members; default false (names only). */
  values?: boolean;
  /** Accept any undeclared property on open entity types; default false. */
  allowDynamicProperties?: boolean;
  /** Path prefix for reported violations. */
  path?: string;
}

const PRIMITIVE_CHECKS: Record<string, (v: unknown) => boolean> = {
  'Edm.String': (v) => typeof v === 'string',
  'Edm.Boolean': (v) => typeof v === 'boolean',
  'Edm.Guid': (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  'Edm.DateTimeOffset': (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
  'Edm.Date': (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v),
  'Edm.TimeOfDay': (v) => typeof v === 'string' && /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v),
  'Edm.Duration': (v) => typeof v === 'string' && /^-?P/.test(v),
  'Edm.Binary': (v) => typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v),
  'Edm.Int16': Number.isInteger,
  'Edm.Int32': Number.isInteger,
  // Int64 may be serialised as a string by OData when IEEE754Compatible is requested.
  'Edm.Int64': (v) => Number.isInteger(v) || (typeof v === 'string' && /^-?\d+$/.test(v)),
  'Edm.Byte': Number.isInteger,
  'Edm.SByte': Number.isInteger,
  'Edm.Double': (v) => typeof v === 'number' || v === 'NaN' || v === 'INF' || v === '-INF',
  'Edm.Single': (v) => typeof v === 'number' || v === 'NaN' || v === 'INF' || v === '-INF',
  'Edm.Decimal': (v) => typeof v === 'number' || (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)),
};

const EXTENSION_ATTRIBUTE = /^extension_[0-9a-f]{32}_\w+$/i;

interface ResolvedType {
  name: string;
  def: SchemaTypeDef;
  /** All properties including inherited ones: name → type reference. */
  properties: Map<string, string>;
  navigation: Map<string, string>;
  open: boolean;
  chain: string[];
}

function joinPath(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

export class GraphSchema {
  readonly version: 'v1.0' | 'beta';
  private readonly model: SchemaModel;
  private readonly resolved = new Map<string, ResolvedType>();
  private derived: Map<string, string[]> | undefined;
  private readonly lowerNames: Map<string, string>;

  constructor(model: SchemaModel) {
    this.model = model;
    this.version = model.version;
    this.lowerNames = new Map(Object.keys(model.types).map((n) => [n.toLowerCase(), n]));
  }

  /** Fully qualified name for `user`, `#microsoft.graph.user`, `microsoft.graph.user`, `graph.user`; undefined if unknown. */
  resolveTypeName(name: string): string | undefined {
    const bare = name.startsWith('#') ? name.slice(1) : name;
    const candidates = [bare, `microsoft.graph.${bare}`];
    if (bare.startsWith('graph.')) candidates.push(`microsoft.${bare}`);
    for (const c of candidates) if (c in this.model.types) return c;
    return undefined;
  }

  isKnownType(name: string): boolean {
    return this.resolveTypeName(name) !== undefined;
  }

  typeDefinition(name: string): SchemaTypeDef | undefined {
    const full = this.resolveTypeName(name);
    return full ? this.model.types[full] : undefined;
  }

  /** The type itself followed by its base types, most derived first. */
  baseTypesOf(name: string): string[] {
    return this.resolve(name)?.chain ?? [];
  }

  isDerivedFrom(type: string, base: string): boolean {
    const b = this.resolveTypeName(base);
    return b !== undefined && this.baseTypesOf(type).includes(b);
  }

  /** Every type deriving (directly or not) from `name`, not including itself. */
  derivedTypesOf(name: string): string[] {
    const full = this.resolveTypeName(name);
    if (!full) return [];
    if (!this.derived) {
      this.derived = new Map();
      for (const [n, def] of Object.entries(this.model.types)) {
        if (!def.baseType) continue;
        const list = this.derived.get(def.baseType) ?? [];
        list.push(n);
        this.derived.set(def.baseType, list);
      }
    }
    const out: string[] = [];
    const queue = [full];
    while (queue.length > 0) {
      for (const child of this.derived.get(queue.shift() as string) ?? []) {
        out.push(child);
        queue.push(child);
      }
    }
    return out;
  }

  /** Structural property names, inherited ones included. */
  propertiesOf(name: string): string[] {
    return [...(this.resolve(name)?.properties.keys() ?? [])];
  }

  /** Navigation property names, inherited ones included. */
  navigationPropertiesOf(name: string): string[] {
    return [...(this.resolve(name)?.navigation.keys() ?? [])];
  }

  /** Declared type reference of a property or navigation property ('' when unknown, as for beta). */
  propertyTypeOf(name: string, property: string): string | undefined {
    const r = this.resolve(name);
    return r?.properties.get(property) ?? r?.navigation.get(property);
  }

  /** The complex type (fully qualified) of a complex-typed property, single or collection; v1.0 only. */
  complexTypeOf(name: string, property: string): string | undefined {
    const ref = this.resolve(name)?.properties.get(property);
    if (!ref) return undefined;
    const { type } = parseTypeRef(ref);
    return this.model.types[type]?.kind === 'complex' ? type : undefined;
  }

  enumMembersOf(name: string): string[] | undefined {
    return this.typeDefinition(name)?.members;
  }

  /** Entity type of a container entity set or singleton (`users` → `microsoft.graph.user`). */
  entitySetType(name: string): string | undefined {
    return this.model.entitySets[name] ?? this.model.singletons[name];
  }

  /**
   * The type a Graph path addresses, from the container's entity sets and singletons through
   * navigation properties, keys, type casts and `delta`: `/users/{id}/memberOf` →
   * `{ type: 'microsoft.graph.directoryObject', collection: true }`. `$ref` segments are skipped.
   * Undefined for actions, functions other than delta, `$count` and unknown segments.
   */
  typeOfPath(path: string): { type: string; collection: boolean } | undefined {
    const segments = path.split('?')[0]!.split('/').filter((x) => x.length > 0);
    const first = segments.shift();
    if (first === undefined) return undefined;
    let current: { type: string; collection: boolean } | undefined = this.model.entitySets[first]
      ? { type: this.model.entitySets[first], collection: true }
      : this.model.singletons[first]
        ? { type: this.model.singletons[first], collection: false }
        : undefined;
    for (const seg of segments) {
      if (!current) return undefined;
      if (seg === '$ref') continue;
      const cast = seg.includes('.') ? this.resolveTypeName(seg) : undefined;
      if (cast && this.isDerivedFrom(cast, current.type)) {
        current = { type: cast, collection: current.collection };
        continue;
      }
      if (current.collection) {
        if (seg === 'delta') continue;
        if (seg.startsWith('$')) return undefined;
        current = { type: current.type, collection: false };
        continue;
      }
      const ref = this.propertyTypeOf(current.type, seg);
      if (!ref) return undefined;
      const { type, collection } = parseTypeRef(ref);
      current = { type, collection };
    }
    return current;
  }

  validateEntity(typeName: string, value: unknown, options: ValidateOptions = {}): Violation[] {
    const out: Violation[] = [];
    const type = this.resolveTypeName(typeName);
    const path = options.path ?? '';
    if (!type) {
      out.push({ path, code: 'unknownType', type: typeName, message: `type ${typeName} is not in the ${this.version} schema` });
      return out;
    }
    this.checkObject(type, value, path, options, out);
    return out;
  }

  /**
   * Validates a collection response `{ "@odata.context"?, "@odata.nextLink"?, value: [...] }`:
   * only annotations and `value` at the top, and every item against `typeName`.
   */
  validateCollectionResponse(typeName: string, body: unknown, options: ValidateOptions = {}): Violation[] {
    const path = options.path ?? '';
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return [{ path, code: 'notAnObject', type: typeName, message: 'a collection response must be a JSON object' }];
    }
    const out: Violation[] = [];
    const record = body as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key === 'value' || key.startsWith('@')) continue;
      out.push({ path: joinPath(path, key), code: 'unknownProperty', type: typeName, property: key, message: `a collection response carries only value and annotations, not ${key}` });
    }
    const items = record['value'];
    if (!Array.isArray(items)) {
      out.push({ path: joinPath(path, 'value'), code: 'notAnObject', type: typeName, message: 'value must be an array' });
      return out;
    }
    items.forEach((item, i) => out.push(...this.validateEntity(typeName, item, { ...options, path: `${joinPath(path, 'value')}[${i}]` })));
    return out;
  }

  /**
   * A copy of `value` holding only what this version defines for `typeName`, recursively where
   * property types are known — how one stored object is served on v1.0 and on beta. Annotations
   * are kept. Returns undefined when the object's own `@odata.type` is unknown in this version
   * (Graph would not return such an object there).
   */
  project(typeName: string, value: unknown, options: Pick<ValidateOptions, 'allowDynamicProperties'> = {}): unknown {
    const type = this.resolveTypeName(typeName);
    if (!type) return undefined;
    return this.projectObject(type, value, options);
  }

  private projectObject(declared: string, value: unknown, options: Pick<ValidateOptions, 'allowDynamicProperties'>): unknown {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const record = value as Record<string, unknown>;
    let effective = declared;
    if (typeof record['@odata.type'] === 'string') {
      const claimed = this.resolveTypeName(record['@odata.type']);
      if (!claimed) return undefined;
      effective = claimed;
    }
    const resolved = this.resolve(effective);
    if (!resolved) return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(record)) {
      const at = key.indexOf('@');
      const name = at > 0 ? key.slice(0, at) : key;
      if (at === 0) {
        out[key] = child;
        continue;
      }
      const ref = resolved.properties.get(name) ?? resolved.navigation.get(name);
      if (ref === undefined) {
        if (this.dynamicAllowed(resolved, name, options)) out[key] = child;
        continue;
      }
      out[key] = at > 0 ? child : this.projectValue(ref, child, options);
    }
    return out;
  }

  private projectValue(ref: string, value: unknown, options: Pick<ValidateOptions, 'allowDynamicProperties'>): unknown {
    if (ref === '' || value === null || typeof value !== 'object') return value;
    const { type } = parseTypeRef(ref);
    const def = this.model.types[type];
    if (!def || (def.kind !== 'complex' && def.kind !== 'entity')) return value;
    if (Array.isArray(value)) return value.map((item) => this.projectObject(type, item, options)).filter((item) => item !== undefined);
    return this.projectObject(type, value, options);
  }

  private checkObject(declared: string, value: unknown, path: string, options: ValidateOptions, out: Violation[]): void {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      out.push({ path, code: 'notAnObject', type: declared, message: `expected an object of type ${declared}` });
      return;
    }
    const record = value as Record<string, unknown>;
    let effective = declared;
    const odataType = record['@odata.type'];
    if (typeof odataType === 'string') {
      const claimed = this.resolveTypeName(odataType);
      if (!claimed) {
        out.push({ path: joinPath(path, '@odata.type'), code: 'unknownType', type: odataType, message: `@odata.type ${odataType} is not in the ${this.version} schema` });
        return;
      }
      if (!this.baseTypesOf(claimed).includes(declared)) {
        out.push({ path: joinPath(path, '@odata.type'), code: 'notDerived', type: claimed, message: `${claimed} does not derive from ${declared}` });
        return;
      }
      effective = claimed;
    }
    const resolved = this.resolve(effective);
    if (!resolved) return;
    if (resolved.def.abstract && this.version === 'v1.0') {
      out.push({
        path,
        code: 'abstractType',
        type: effective,
        message: `${effective} is abstract; the object needs an @odata.type naming a concrete derived type`,
      });
    }
    for (const [key, child] of Object.entries(record)) {
      const at = key.indexOf('@');
      if (at === 0) continue;
      if (at > 0) {
        const target = key.slice(0, at);
        if (!resolved.properties.has(target) && !resolved.navigation.has(target) && !this.dynamicAllowed(resolved, target, options)) {
          out.push({ path: joinPath(path, key), code: 'unknownAnnotatedProperty', type: effective, property: target, message: `annotation ${key} names ${target}, which ${effective} does not define` });
        }
        continue;
      }
      const propRef = resolved.properties.get(key);
      if (propRef !== undefined) {
        this.checkValue(propRef, child, joinPath(path, key), options, out, effective, key);
        continue;
      }
      const navRef = resolved.navigation.get(key);
      if (navRef !== undefined) {
        if (options.allowNavigation === false) {
          out.push({ path: joinPath(path, key), code: 'navigationNotAllowed', type: effective, property: key, message: `${key} is a navigation property of ${effective}; it appears only when expanded` });
        } else {
          this.checkValue(navRef, child, joinPath(path, key), options, out, effective, key);
        }
        continue;
      }
      if (this.dynamicAllowed(resolved, key, options)) continue;
      out.push({ path: joinPath(path, key), code: 'unknownProperty', type: effective, property: key, message: this.unknownMessage(resolved, key) });
    }
  }

  private checkValue(ref: string, value: unknown, path: string, options: ValidateOptions, out: Violation[], owner: string, property: string): void {
    if (ref === '' || value === null || value === undefined) return;
    const { type, collection } = parseTypeRef(ref);
    if (collection) {
      if (!Array.isArray(value)) {
        if (options.values) out.push({ path, code: 'badValue', type: ref, property, message: `${owner}.${property} is a collection; expected an array` });
        return;
      }
      value.forEach((item, i) => this.checkValue(type, item, `${path}[${i}]`, options, out, owner, property));
      return;
    }
    if (Array.isArray(value)) {
      if (options.values) out.push({ path, code: 'badValue', type: ref, property, message: `${owner}.${property} is a single ${type}; got an array` });
      return;
    }
    const def = this.model.types[type];
    if (def && (def.kind === 'complex' || def.kind === 'entity')) {
      this.checkObject(type, value, path, options, out);
      return;
    }
    if (!options.values) return;
    if (def?.kind === 'enum') {
      const members = def.members ?? [];
      const parts = def.flags && typeof value === 'string' ? value.split(',').map((s) => s.trim()) : [value];
      const bad = parts.filter((p) => typeof p !== 'string' || !members.includes(p));
      if (bad.length > 0) out.push({ path, code: 'badValue', type, property, message: `${JSON.stringify(value)} is not a member of ${type} (${members.join(', ')})` });
      return;
    }
    const check = PRIMITIVE_CHECKS[type];
    if (check && !check(value)) out.push({ path, code: 'badValue', type, property, message: `${JSON.stringify(value)} is not a valid ${type}` });
  }

  private dynamicAllowed(resolved: ResolvedType, key: string, options: ValidateOptions): boolean {
    if (!resolved.open) return false;
    if (resolved.def.kind === 'complex' || options.allowDynamicProperties) return true;
    return EXTENSION_ATTRIBUTE.test(key);
  }

  private unknownMessage(resolved: ResolvedType, key: string): string {
    const lower = key.toLowerCase();
    const near = [...resolved.properties.keys(), ...resolved.navigation.keys()].find((p) => p.toLowerCase() === lower);
    return near ? `${resolved.name} has no property ${key} (did you mean ${near}?)` : `${resolved.name} has no property ${key}`;
  }

  private resolve(name: string): ResolvedType | undefined {
    const full = this.resolveTypeName(name) ?? this.lowerNames.get(name.toLowerCase());
    if (!full) return undefined;
    const cached = this.resolved.get(full);
    if (cached) return cached;
    const def = this.model.types[full] as SchemaTypeDef;
    const chain: string[] = [];
    const properties = new Map<string, string>();
    const navigation = new Map<string, string>();
    let open = false;
    // Walk base-first so derived declarations override inherited ones.
    const lineage: Array<[string, SchemaTypeDef]> = [];
    for (let cur: string | undefined = full; cur && !chain.includes(cur); cur = this.model.types[cur]?.baseType) {
      const d = this.model.types[cur];
      if (!d) break;
      chain.push(cur);
      lineage.unshift([cur, d]);
    }
    for (const [, d] of lineage) {
      for (const [k, v] of Object.entries(d.properties)) properties.set(k, v);
      for (const [k, v] of Object.entries(d.navigation)) navigation.set(k, v);
      if (d.open) open = true;
    }
    const r: ResolvedType = { name: full, def, properties, navigation, open, chain };
    this.resolved.set(full, r);
    return r;
  }
}
