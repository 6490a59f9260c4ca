/**
 * A purpose-built CSDL (OData v4 EDMX) reader for the Graph v1.0 metadata. It scans the XML
 * with one regular expression over tags instead of building a DOM, which keeps the 3.4 MB file
 * to a single pass and no dependency.
 *
 * Guarantees: every EntityType, ComplexType and EnumType of every Schema is returned under its
 * fully qualified name; `BaseType` and property types are resolved through Schema aliases
 * (`graph.entity` → `microsoft.graph.entity`, also across namespaces such as
 * `microsoft.graph.entraRecoveryServices`); Property/NavigationProperty elements inside
 * actions, functions and annotations are not mistaken for type members.
 *
 * Not handled (Graph's metadata does not use them for the types we read): XML entities inside
 * names, `edmx:Reference` includes, TypeDefinitions.
 */
import { MODEL_FORMAT, parseTypeRef, type SchemaModel, type SchemaTypeDef } from './model.js';

const TAG = /<(\/?)([A-Za-z:]+)((?:\s+[A-Za-z:]+="[^"]*")*)\s*(\/?)>/g;
const ATTR = /([A-Za-z:]+)="([^"]*)"/g;

function attributes(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of raw.matchAll(ATTR)) out[m[1] as string] = m[2] as string;
  return out;
}

const TYPE_ELEMENTS = new Set(['EntityType', 'ComplexType', 'EnumType']);

export function parseCsdl(xml: string, version: 'v1.0' | 'beta' = 'v1.0'): SchemaModel {
  const types: Record<string, SchemaTypeDef> = {};
  const entitySets: Record<string, string> = {};
  const singletons: Record<string, string> = {};
  const aliases = new Map<string, string>();

  let namespace = '';
  let current: SchemaTypeDef | undefined;
  // Depth of elements we are inside that can hold Property-like children we must ignore.
  let ignoredDepth = 0;

  for (const m of xml.matchAll(TAG)) {
    const closing = m[1] === '/';
    const name = m[2] as string;
    const selfClosing = m[4] === '/';
    if (closing) {
      if (TYPE_ELEMENTS.has(name)) current = undefined;
      else if (name === 'Action' || name === 'Function' || name === 'Annotations' || name === 'Annotation') ignoredDepth--;
      continue;
    }
    const attrs = attributes(m[3] ?? '');
    switch (name) {
      case 'Schema':
        namespace = attrs['Namespace'] ?? '';
        if (attrs['Alias']) aliases.set(attrs['Alias'], namespace);
        break;
      case 'EntityType':
      case 'ComplexType':
      case 'EnumType': {
        const def: SchemaTypeDef = {
          kind: name === 'EntityType' ? 'entity' : name === 'ComplexType' ? 'complex' : 'enum',
          properties: {},
          navigation: {},
        };
        if (attrs['BaseType']) def.baseType = attrs['BaseType'];
        if (attrs['Abstract'] === 'true') def.abstract = true;
        if (attrs['OpenType'] === 'true') def.open = true;
        if (name === 'EnumType') {
          def.members = [];
          if (attrs['IsFlags'] === 'true') def.flags = true;
        }
        types[`${namespace}.${attrs['Name'] ?? ''}`] = def;
        current = selfClosing ? undefined : def;
        break;
      }
      case 'Action':
      case 'Function':
      case 'Annotations':
      case 'Annotation':
        if (!selfClosing) ignoredDepth++;
        break;
      case 'Property':
        if (current && ignoredDepth === 0 && attrs['Name']) current.properties[attrs['Name']] = attrs['Type'] ?? '';
        break;
      case 'NavigationProperty':
        if (current && ignoredDepth === 0 && attrs['Name']) current.navigation[attrs['Name']] = attrs['Type'] ?? '';
        break;
      case 'Member':
        if (current?.members && ignoredDepth === 0 && attrs['Name']) current.members.push(attrs['Name']);
        break;
      case 'EntitySet':
        if (attrs['Name'] && attrs['EntityType']) entitySets[attrs['Name']] = attrs['EntityType'];
        break;
      case 'Singleton':
        if (attrs['Name'] && attrs['Type']) singletons[attrs['Name']] = attrs['Type'];
        break;
      default:
        break;
    }
  }

  const resolveName = (qualified: string): string => {
    const dot = qualified.indexOf('.');
    if (dot < 0) return qualified;
    const ns = aliases.get(qualified.slice(0, dot));
    return ns ? `${ns}${qualified.slice(dot)}` : qualified;
  };
  const resolveRef = (ref: string): string => {
    const { type, collection } = parseTypeRef(ref);
    const resolved = resolveName(type);
    return collection ? `Collection(${resolved})` : resolved;
  };

  for (const def of Object.values(types)) {
    if (def.baseType) def.baseType = resolveName(def.baseType);
    for (const key of Object.keys(def.properties)) def.properties[key] = resolveRef(def.properties[key] as string);
    for (const key of Object.keys(def.navigation)) def.navigation[key] = resolveRef(def.navigation[key] as string);
  }
  for (const key of Object.keys(entitySets)) entitySets[key] = resolveName(entitySets[key] as string);
  for (const key of Object.keys(singletons)) singletons[key] = resolveName(singletons[key] as string);

  return { format: MODEL_FORMAT, version, types, entitySets, singletons };
}
