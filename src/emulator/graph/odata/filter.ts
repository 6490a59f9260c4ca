/**
 * The `$filter` subset backups and restores use, parsed into a small AST and evaluated against
 * in-memory entities:
 * - comparisons `eq ne gt ge lt le` between a property path (`a/b`) and a literal (string, number,
 *   boolean, null, GUID, date-time), `prop in ('a','b')`;
 * - `startswith(p,'x')`, `endswith(p,'x')`, `contains(p,'x')` (case-insensitive, as Entra compares);
 * - lambdas `groupTypes/any(c:c eq 'Unified')`, `identities/any(i:i/issuer eq 'x' and ...)`, `all`;
 * - `p/$count eq 0`; `and`, `or`, `not`, parentheses.
 * `usesAdvanced` tells the caller whether Entra would demand advanced-query parameters
 * (`ne`, `not`, `endswith`, `/$count`) — facts §2.4.
 *
 * String comparisons are case-insensitive, like the directory's. Not supported: arithmetic,
 * functions other than the above, `$it`.
 */
import { badRequest } from '../errors.js';

export type FilterNode =
  | { type: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; operand: FilterNode }
  | { type: 'cmp'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; left: Operand; right: Operand }
  | { type: 'in'; operand: Operand; values: unknown[] }
  | { type: 'fn'; name: 'startswith' | 'endswith' | 'contains'; args: Operand[] }
  | { type: 'lambda'; kind: 'any' | 'all'; path: string[]; variable: string; body: FilterNode | undefined };

export type Operand =
  | { type: 'path'; path: string[]; count?: boolean }
  | { type: 'literal'; value: unknown };

export interface ParsedFilter {
  readonly root: FilterNode;
  /** The property paths referenced at top level (first segment), for "unsupported property" checks. */
  readonly properties: ReadonlySet<string>;
  /** True when Entra needs `ConsistencyLevel: eventual` + `$count=true` for this filter. */
  readonly usesAdvanced: boolean;
  readonly operators: ReadonlySet<string>;
}

interface Token {
  kind: 'id' | 'str' | 'num' | 'op' | 'eof';
  text: string;
  value?: unknown;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATETIME = /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})?$/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw invalid(text);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += text[i];
        i++;
      }
      tokens.push({ kind: 'str', text: s, value: s });
      continue;
    }
    if ('(),:'.includes(ch)) {
      tokens.push({ kind: 'op', text: ch });
      i++;
      continue;
    }
    const m = /^[A-Za-z0-9_.$@/+\-:]+/.exec(text.slice(i));
    if (!m) throw invalid(text);
    let word = m[0];
    // A lambda variable is followed by ':' — split "c:c" style tokens.
    const colon = word.indexOf(':');
    if (colon > 0 && !DATETIME.test(word)) word = word.slice(0, colon);
    i += word.length;
    if (/^-?\d+(\.\d+)?$/.test(word)) tokens.push({ kind: 'num', text: word, value: Number(word) });
    else tokens.push({ kind: 'id', text: word });
  }
  tokens.push({ kind: 'eof', text: '' });
  return tokens;
}

function invalid(text: string): Error {
  return badRequest(`Invalid filter clause: syntax error in '${text}'.`, 'BadRequest');
}

export function parseFilter(text: string): ParsedFilter {
  const tokens = tokenize(text);
  let pos = 0;
  const properties = new Set<string>();
  const operators = new Set<string>();
  let usesAdvanced = false;
  const lambdaVars: string[] = [];

  const peek = (): Token => tokens[pos] as Token;
  const take = (): Token => tokens[pos++] as Token;
  const isWord = (w: string): boolean => peek().kind === 'id' && peek().text.toLowerCase() === w;
  const expect = (t: string): void => {
    if (take().text !== t) throw invalid(text);
  };

  const operand = (): Operand => {
    const t = take();
    if (t.kind === 'str' || t.kind === 'num') return { type: 'literal', value: t.value };
    if (t.kind !== 'id') throw invalid(text);
    const lower = t.text.toLowerCase();
    if (lower === 'true') return { type: 'literal', value: true };
    if (lower === 'false') return { type: 'literal', value: false };
    if (lower === 'null') return { type: 'literal', value: null };
    if (GUID.test(t.text) || DATETIME.test(t.text)) return { type: 'literal', value: t.text };
    const parts = t.text.split('/');
    let count = false;
    if (parts[parts.length - 1] === '$count') {
      parts.pop();
      count = true;
      usesAdvanced = true;
    }
    if (!lambdaVars.includes(parts[0] as string)) properties.add(parts[0] as string);
    return { type: 'path', path: parts, count };
  };

  const primary = (): FilterNode => {
    if (peek().text === '(') {
      take();
      const inner = orExpr();
      expect(')');
      return inner;
    }
    if (isWord('not')) {
      take();
      operators.add('not');
      usesAdvanced = true;
      return { type: 'not', operand: primary() };
    }
    const t = peek();
    const fnName = t.kind === 'id' ? t.text.toLowerCase() : '';
    if ((fnName === 'startswith' || fnName === 'endswith' || fnName === 'contains') && tokens[pos + 1]?.text === '(') {
      take();
      take();
      const args = [operand()];
      expect(',');
      args.push(operand());
      expect(')');
      operators.add(fnName);
      if (fnName === 'endswith') usesAdvanced = true;
      return { type: 'fn', name: fnName, args };
    }
    // Lambda: path/any(v:body)
    if (t.kind === 'id' && /\/(any|all)$/i.test(t.text) && tokens[pos + 1]?.text === '(') {
      take();
      take();
      const parts = t.text.split('/');
      const kind = (parts.pop() as string).toLowerCase() as 'any' | 'all';
      if (!lambdaVars.includes(parts[0] as string)) properties.add(parts[0] as string);
      operators.add(kind);
      if (peek().text === ')') {
        take();
        return { type: 'lambda', kind, path: parts, variable: '', body: undefined };
      }
      const variable = take().text;
      expect(':');
      lambdaVars.push(variable);
      const body = orExpr();
      lambdaVars.pop();
      expect(')');
      return { type: 'lambda', kind, path: parts, variable, body };
    }
    const left = operand();
    const opTok = take();
    const op = opTok.text.toLowerCase();
    if (op === 'in') {
      expect('(');
      const values: unknown[] = [];
      while (peek().text !== ')') {
        const v = operand();
        if (v.type !== 'literal') throw invalid(text);
        values.push(v.value);
        if (peek().text === ',') take();
      }
      expect(')');
      operators.add('in');
      return { type: 'in', operand: left, values };
    }
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op)) throw invalid(text);
    operators.add(op);
    if (op === 'ne') usesAdvanced = true;
    return { type: 'cmp', op: op as 'eq', left, right: operand() };
  };

  const andExpr = (): FilterNode => {
    let left = primary();
    while (isWord('and')) {
      take();
      left = { type: 'and', left, right: primary() };
    }
    return left;
  };
  const orExpr = (): FilterNode => {
    let left = andExpr();
    while (isWord('or')) {
      take();
      left = { type: 'or', left, right: andExpr() };
    }
    return left;
  };

  const root = orExpr();
  if (peek().kind !== 'eof') throw invalid(text);
  return { root, properties, usesAdvanced, operators };
}

function resolve(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function norm(v: unknown): unknown {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

function compare(a: unknown, b: unknown): number {
  // Timestamps compare as instants: Graph writes 7 fractional digits, clients send 0 or 3.
  if (typeof a === 'string' && typeof b === 'string' && DATETIME.test(a) && DATETIME.test(b)) {
    const d = Date.parse(a) - Date.parse(b);
    if (!Number.isNaN(d)) return Math.sign(d);
  }
  const x = norm(a);
  const y = norm(b);
  if (x === y) return 0;
  if (x === null || x === undefined) return -1;
  if (y === null || y === undefined) return 1;
  return (x as number) < (y as number) ? -1 : 1;
}

/** Evaluates the filter against one entity. */
export function matches(node: FilterNode, entity: unknown, scope: Record<string, unknown> = {}): boolean {
  const value = (o: Operand): unknown => {
    if (o.type === 'literal') return o.value;
    const [head, ...rest] = o.path;
    const base = head !== undefined && head in scope ? resolve(scope[head], rest) : resolve(entity, o.path);
    if (o.count) return Array.isArray(base) ? base.length : 0;
    return base;
  };
  switch (node.type) {
    case 'and':
      return matches(node.left, entity, scope) && matches(node.right, entity, scope);
    case 'or':
      return matches(node.left, entity, scope) || matches(node.right, entity, scope);
    case 'not':
      return !matches(node.operand, entity, scope);
    case 'cmp': {
      const l = value(node.left);
      const r = value(node.right);
      const c = compare(l, r);
      switch (node.op) {
        case 'eq': return c === 0;
        case 'ne': return c !== 0;
        case 'gt': return l !== null && l !== undefined && c > 0;
        case 'ge': return l !== null && l !== undefined && c >= 0;
        case 'lt': return l !== null && l !== undefined && c < 0;
        case 'le': return l !== null && l !== undefined && c <= 0;
      }
      return false;
    }
    case 'in': {
      const v = norm(value(node.operand));
      return node.values.some((x) => norm(x) === v);
    }
    case 'fn': {
      const [a, b] = node.args.map(value);
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      const s = a.toLowerCase();
      const t = b.toLowerCase();
      return node.name === 'startswith' ? s.startsWith(t) : node.name === 'endswith' ? s.endsWith(t) : s.includes(t);
    }
    case 'lambda': {
      const [head, ...rest] = node.path;
      const coll = head !== undefined && head in scope ? resolve(scope[head], rest) : resolve(entity, node.path);
      if (!Array.isArray(coll)) return node.kind === 'all';
      if (!node.body) return coll.length > 0;
      const body = node.body;
      const test = (item: unknown): boolean => matches(body, entity, { ...scope, [node.variable]: item });
      return node.kind === 'any' ? coll.some(test) : coll.every(test);
    }
  }
}

/** Collects the values of `id eq '…'` / `id in (…)` clauses joined by `or` (delta's only filter form). */
export function idsFromFilter(node: FilterNode): string[] | undefined {
  if (node.type === 'or') {
    const l = idsFromFilter(node.left);
    const r = idsFromFilter(node.right);
    return l && r ? [...l, ...r] : undefined;
  }
  if (node.type === 'cmp' && node.op === 'eq' && node.left.type === 'path' && node.left.path.join('/') === 'id' && node.right.type === 'literal') {
    return [String(node.right.value)];
  }
  if (node.type === 'in' && node.operand.type === 'path' && node.operand.path.join('/') === 'id') return node.values.map(String);
  return undefined;
}
