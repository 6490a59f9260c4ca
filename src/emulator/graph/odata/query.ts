/**
 * OData system query options as the emulated Graph reads them. Parsing is lazy per option, so a
 * route that never looks at `$filter` does not fail on one it would ignore, and a syntax error
 * surfaces as Graph's 400 when a handler first reads the option.
 *
 * Keys are accepted with or without `$` and in any case (`$top`, `top`, `$TOP`), as Graph does.
 */
import { badRequest } from '../errors.js';
import { parseFilter, type ParsedFilter } from './filter.js';

export interface OrderBy {
  readonly property: string;
  readonly descending: boolean;
}

export interface ExpandItem {
  readonly property: string;
  /** `$select` inside the expand, e.g. `members($select=id,displayName)`. */
  readonly select: string[] | undefined;
  /** Names of a nested `$expand` (one level), e.g. `scheduledActionsForRule($expand=scheduledActionConfigurations)`. */
  readonly expand?: string[];
}

export interface ODataQuery {
  /** All parameters, keys lower-cased without `$`. */
  readonly params: ReadonlyMap<string, string>;
  readonly select: string[] | undefined;
  readonly filter: ParsedFilter | undefined;
  readonly top: number | undefined;
  readonly skip: number | undefined;
  readonly skipToken: string | undefined;
  readonly deltaToken: string | undefined;
  readonly count: boolean;
  readonly orderBy: OrderBy[] | undefined;
  readonly expand: ExpandItem[] | undefined;
  readonly search: string | undefined;
  has(name: string): boolean;
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur !== '') out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

export function parseQuery(rawQuery: string): ODataQuery {
  const params = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    const key = k.toLowerCase().replace(/^\$/, '');
    params.set(key, v);
  }
  const cache = new Map<string, unknown>();
  const lazy = <T>(key: string, parse: (v: string) => T): T | undefined => {
    if (cache.has(key)) return cache.get(key) as T | undefined;
    const raw = params.get(key);
    const value = raw === undefined ? undefined : parse(raw);
    cache.set(key, value);
    return value;
  };
  const int = (name: string) => (v: string): number => {
    if (!/^\d+$/.test(v.trim())) throw badRequest(`Invalid value '${v}' for $${name} query option found.`, 'BadRequest');
    return Number(v);
  };

  return {
    params,
    get select() {
      return lazy('select', (v) => v.split(',').map((s) => s.trim()).filter(Boolean));
    },
    get filter() {
      return lazy('filter', (v) => parseFilter(v));
    },
    get top() {
      return lazy('top', int('top'));
    },
    get skip() {
      return lazy('skip', int('skip'));
    },
    get skipToken() {
      return params.get('skiptoken');
    },
    get deltaToken() {
      return params.get('deltatoken');
    },
    get count() {
      return params.get('count')?.toLowerCase() === 'true';
    },
    get orderBy() {
      return lazy('orderby', (v) =>
        splitTopLevel(v).map((part) => {
          const [property, dir] = part.split(/\s+/);
          return { property: property as string, descending: dir?.toLowerCase() === 'desc' };
        }),
      );
    },
    get expand() {
      return lazy('expand', (v) =>
        splitTopLevel(v).map((part) => {
          const m = /^([\w.]+)(?:\((.*)\))?$/.exec(part);
          if (!m) throw badRequest(`Invalid $expand clause '${part}'.`, 'BadRequest');
          const inner = m[2] ? new URLSearchParams(m[2].replace(/;/g, '&')) : undefined;
          const sel = inner?.get('$select') ?? inner?.get('select');
          const nested = inner?.get('$expand') ?? inner?.get('expand');
          return {
            property: m[1] as string,
            select: sel ? sel.split(',').map((s) => s.trim()) : undefined,
            ...(nested ? { expand: nested.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
          };
        }),
      );
    },
    get search() {
      return params.get('search');
    },
    has: (name) => params.has(name.toLowerCase().replace(/^\$/, '')),
  };
}

/** Rebuilds a query string with some options replaced or removed (value `undefined`). */
export function withQuery(rawQuery: string, changes: Record<string, string | undefined>): string {
  const search = new URLSearchParams(rawQuery);
  const lowerChanges = new Map(Object.entries(changes).map(([k, v]) => [k.toLowerCase(), { k, v }]));
  const out: string[] = [];
  const seen = new Set<string>();
  for (const [k, v] of search) {
    const key = k.toLowerCase();
    const change = lowerChanges.get(key);
    if (change) {
      seen.add(key);
      if (change.v !== undefined) out.push(`${encodeKey(k)}=${encodeValue(change.v)}`);
    } else out.push(`${encodeKey(k)}=${encodeValue(v)}`);
  }
  for (const [key, { k, v }] of lowerChanges) if (!seen.has(key) && v !== undefined) out.push(`${encodeKey(k)}=${encodeValue(v)}`);
  return out.join('&');
}

// Graph's links keep `$`, `,`, `'` and `(` readable; encode only what must be.
const encodeKey = (k: string): string => encodeURIComponent(k).replace(/%24/g, '$');
const encodeValue = (v: string): string =>
  encodeURIComponent(v).replace(/%24/g, '$').replace(/%2C/g, ',').replace(/%27/g, "'").replace(/%28/g, '(').replace(/%29/g, ')').replace(/%3A/g, ':').replace(/%2F/g, '/');
