/**
 * Path-template routing for the emulated Graph. Templates are `/segment/{param}/segment`;
 * matching is case-insensitive on literal segments (as Graph is), prefers literals over
 * parameters (so `/users/delta` beats `/users/{id}`), and normalises the OData spellings backups
 * meet: key segments `users('id')`, alternate keys `applications(appId='…')` (param value
 * `appId=…`), function calls `delta()`, and namespace-qualified names `microsoft.graph.delta()`.
 *
 * Guarantees: one route per (version, method, template); a later `add` of the same triple
 * replaces the earlier one. Matching costs O(path segments).
 */
import type { GraphVersion, HttpMethod } from './types.js';

interface Node<R> {
  literals: Map<string, Node<R>>;
  param: { name: string; node: Node<R> } | undefined;
  routes: Map<string, { route: R; template: string }>;
}

const newNode = <R>(): Node<R> => ({ literals: new Map(), param: undefined, routes: new Map() });

export interface RouteMatch<R> {
  readonly route: R;
  readonly template: string;
  readonly params: Record<string, string>;
}

export type MatchResult<R> =
  | { readonly kind: 'match'; readonly match: RouteMatch<R> }
  | { readonly kind: 'method'; readonly allowed: HttpMethod[] }
  | { readonly kind: 'none'; readonly segment: string };

/** Splits a request path into normalised segments. */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    let seg = raw;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      // keep the raw text; the lookup will fail with a "segment not found"
    }
    const open = seg.indexOf('(');
    if (open > 0 && seg.endsWith(')')) {
      const name = seg.slice(0, open);
      const inner = seg.slice(open + 1, -1);
      out.push(name);
      if (inner !== '') out.push(unquoteKey(inner));
      continue;
    }
    out.push(seg);
  }
  return out;
}

function unquoteKey(inner: string): string {
  const eq = inner.indexOf('=');
  if (eq > 0 && !inner.startsWith("'")) {
    return `${inner.slice(0, eq)}=${stripQuotes(inner.slice(eq + 1))}`;
  }
  return stripQuotes(inner);
}

function stripQuotes(s: string): string {
  return s.length >= 2 && s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1).replace(/''/g, "'") : s;
}

export class Router<R> {
  private root: Node<R> = newNode();

  add(version: GraphVersion, method: HttpMethod, template: string, route: R): void {
    let node = this.root;
    for (const seg of template.split('/').filter(Boolean)) {
      const param = /^\{(\w+)\}$/.exec(seg);
      if (param) {
        const name = param[1] as string;
        node.param ??= { name, node: newNode() };
        if (node.param.name !== name) throw new Error(`route ${template}: parameter {${name}} conflicts with {${node.param.name}}`);
        node = node.param.node;
      } else {
        const key = seg.toLowerCase();
        let next = node.literals.get(key);
        if (!next) {
          next = newNode();
          node.literals.set(key, next);
        }
        node = next;
      }
    }
    node.routes.set(`${version} ${method}`, { route, template });
  }

  match(version: GraphVersion, method: HttpMethod, path: string): MatchResult<R> {
    const segs = splitPath(path);
    const params: Record<string, string> = {};
    let deepest = { index: -1, segment: segs[0] ?? '' };
    const walk = (node: Node<R>, i: number): Node<R> | undefined => {
      if (i === segs.length) return node.routes.size > 0 ? node : undefined;
      const seg = segs[i] as string;
      const lower = seg.toLowerCase();
      const literal = node.literals.get(lower) ?? (lower.startsWith('microsoft.graph.') ? node.literals.get(lower.slice(16)) : undefined);
      if (literal) {
        const found = walk(literal, i + 1);
        if (found) return found;
      }
      if (node.param) {
        params[node.param.name] = seg;
        const found = walk(node.param.node, i + 1);
        if (found) return found;
        delete params[node.param.name];
      }
      if (i > deepest.index) deepest = { index: i, segment: seg };
      return undefined;
    };
    const node = walk(this.root, 0);
    if (!node) return { kind: 'none', segment: deepest.segment };
    const hit = node.routes.get(`${version} ${method}`);
    if (hit) return { kind: 'match', match: { route: hit.route, template: hit.template, params: { ...params } } };
    const allowed = [...node.routes.keys()].filter((k) => k.startsWith(`${version} `)).map((k) => k.slice(version.length + 1) as HttpMethod);
    if (allowed.length === 0) return { kind: 'none', segment: segs[segs.length - 1] ?? '' };
    return { kind: 'method', allowed };
  }
}
