/**
 * Path templates and matching, shared by the coverage report and the replay harness. A route
 * table is a list of templates such as `/users/{id}/manager/$ref` (optionally with methods and
 * versions); the emulator's router publishes its table in this form.
 *
 * Matching rules:
 * - segments compare case-insensitively (Graph URL segments are case-insensitive);
 * - a `{name}` template segment matches any one segment; a template segment may also mix
 *   literal text and parameters (`roleSchedules(directoryScopeId='{scope}')`);
 * - a docs placeholder segment (`{usersId}`, `{id}`) only matches a template parameter, never a
 *   literal (`/users/{id}` is not `/users/delta`);
 * - of several matching templates the most specific wins: most literal segments, then earliest
 *   in the list — so `/users/delta` beats `/users/{id}` whatever the order.
 *
 * Not handled: OData key syntax in parentheses (`/users('id')`) — the docs corpus and the SDKs
 * use slash keys.
 */

export interface RouteTemplate {
  template: string;
  /** Upper-case HTTP methods; absent means any. */
  methods?: readonly string[];
  /** Graph versions; absent means both. */
  versions?: ReadonlyArray<'v1.0' | 'beta'>;
}

export type RouteSpec = string | RouteTemplate;

export interface TemplateMatch {
  route: RouteTemplate;
  /** Parameter values by name, as they appear in the path (decoded). */
  params: Record<string, string>;
  /** Per path segment: the parameter name it bound, or undefined for a literal segment. */
  segmentParams: Array<string | undefined>;
}

interface CompiledSegment {
  literal?: string;
  regex?: RegExp;
  names: string[];
}

interface CompiledRoute {
  route: RouteTemplate;
  segments: CompiledSegment[];
  literalCount: number;
}

const compiledCache = new WeakMap<readonly RouteSpec[], CompiledRoute[]>();

export function splitPath(path: string): string[] {
  return path.split('?')[0]!.split('/').filter((s) => s.length > 0);
}

function compileSegment(segment: string): CompiledSegment {
  const names: string[] = [];
  if (!segment.includes('{')) return { literal: segment.toLowerCase(), names };
  const escaped = segment.replace(/\{([^}]+)\}|[.*+?^$()|[\]\\]/g, (m, name: string | undefined) => {
    if (name === undefined) return `\\${m}`;
    names.push(name);
    return '(.+?)';
  });
  return { regex: new RegExp(`^${escaped}$`, 'i'), names };
}

function compile(routes: readonly RouteSpec[]): CompiledRoute[] {
  const hit = compiledCache.get(routes);
  if (hit) return hit;
  const out = routes.map((spec) => {
    const route = typeof spec === 'string' ? { template: spec } : spec;
    const segments = splitPath(route.template).map(compileSegment);
    return { route, segments, literalCount: segments.filter((s) => s.literal !== undefined).length };
  });
  compiledCache.set(routes, out);
  return out;
}

/** A path segment the docs wrote as a placeholder: `{id}`, `{usersId}`. */
export const DOC_PLACEHOLDER = /^\{[^}]*\}$/;

/** decodeURIComponent that leaves malformed escapes as they are (the docs have some). */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The most specific template matching `path` (and the method/version when given), or undefined. */
export function matchTemplate(routes: readonly RouteSpec[], path: string, request: { method?: string; version?: 'v1.0' | 'beta' } = {}): TemplateMatch | undefined {
  const segments = splitPath(path).map(safeDecode);
  let best: { compiled: CompiledRoute; params: Record<string, string>; segmentParams: Array<string | undefined> } | undefined;
  for (const compiled of compile(routes)) {
    const { route } = compiled;
    if (compiled.segments.length !== segments.length) continue;
    if (request.method && route.methods && !route.methods.includes(request.method.toUpperCase())) continue;
    if (request.version && route.versions && !route.versions.includes(request.version)) continue;
    if (best && best.compiled.literalCount >= compiled.literalCount) continue;
    const params: Record<string, string> = {};
    const segmentParams: Array<string | undefined> = [];
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const seg = segments[i] as string;
      const tpl = compiled.segments[i] as CompiledSegment;
      if (tpl.literal !== undefined) {
        ok = !DOC_PLACEHOLDER.test(seg) && tpl.literal === seg.toLowerCase();
        segmentParams.push(undefined);
        continue;
      }
      const m = tpl.regex!.exec(seg);
      if (!m) {
        ok = false;
        continue;
      }
      tpl.names.forEach((name, j) => {
        params[name] = m[j + 1] as string;
      });
      segmentParams.push(tpl.names[0]);
    }
    if (ok) best = { compiled, params, segmentParams };
  }
  return best ? { route: best.compiled.route, params: best.params, segmentParams: best.segmentParams } : undefined;
}
