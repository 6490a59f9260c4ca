/**
 * The Graph docs corpus (`corpus/graph-docs/*.json`, one file per reference page, each
 * `{ source, examples: [{ request: {method, url, headers, body}, response: {status, body} }] }`)
 * loaded and normalised into `CorpusExample`s the replay harness and the coverage report use.
 *
 * Guarantees:
 * - every example of every file is returned, in file-name order, through an async iterable
 *   (files are read a few dozen ahead); `loadCorpus` collects them once per process — the corpus
 *   is 2,792 files, 2,884 examples, ~3 MB;
 * - the URL is split into version (`v1.0`|`beta`, from the URL or else the file name), a path
 *   relative to the version (`/users/{id}/manager/$ref`, placeholders kept as the docs wrote
 *   them) and the query options;
 * - each body is classified: `none`, `json` (already structured), `recovered` (a string the docs
 *   wrote loosely — HTTP header lines before the JSON, non-breaking spaces, `//` comments,
 *   trailing commas, several requests run together — that parses once cleaned), `nonJson`
 *   (binary, base64, XML or `<Image>` placeholders) or `malformed` (JSON with errors in the
 *   docs themselves, e.g. a missing comma). Only `json` and `recovered` bodies are usable.
 *
 * Not done here: matching paths to routes (`routes.ts`) and replaying (`replay.ts`).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TenantVaultError } from '../../errors/index.js';
import { findSharedRoot, SHARED_MISSING_HINT } from './paths.js';
import { safeDecode } from './routes.js';

export type BodyStatus = 'none' | 'json' | 'recovered' | 'nonJson' | 'malformed';

export interface CorpusExample {
  /** Corpus file name, e.g. `v1.0__user-get.json`. */
  file: string;
  /** Index of the example within its file. */
  index: number;
  /** The docs page it came from. */
  source: string;
  version: 'v1.0' | 'beta';
  method: string;
  /** Path relative to the version root, starting with `/`, placeholders as written by the docs. */
  path: string;
  query: Record<string, string>;
  /** Request headers the docs show (ConsistencyLevel, Accept-Language …). */
  headers: Record<string, string>;
  body: unknown;
  bodyStatus: BodyStatus;
  expected: { status: number; body: unknown; bodyStatus: BodyStatus };
}

interface RawFile {
  source?: string;
  examples?: Array<{
    request?: { method?: string; url?: string; headers?: Record<string, string> | null; body?: unknown };
    response?: { status?: number; body?: unknown };
  }>;
}

/** Drops `//` comments outside strings. */
function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

/** The first complete JSON object or array in `text`, by bracket matching outside strings. */
function firstJsonValue(text: string): string | undefined {
  const start = text.search(/[[{]/);
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return undefined;
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Classifies (and where possible parses) a body as the docs wrote it. */
export function parseDocBody(body: unknown): { status: BodyStatus; value: unknown } {
  if (body === null || body === undefined || body === '') return { status: 'none', value: undefined };
  if (typeof body !== 'string') return { status: 'json', value: body };
  const withoutHeaders = body.replace(/^(?:[A-Za-z-]+:[^\n]*\n)+\s*\n/, '').replace(/\u00a0/g, ' ').trim();
  if (!/^[[{]/.test(withoutHeaders)) return { status: 'nonJson', value: body };
  const cleaned = stripComments(withoutHeaders).replace(/,(\s*[}\]])/g, '$1');
  for (const candidate of [withoutHeaders, cleaned, firstJsonValue(cleaned)]) {
    if (candidate === undefined) continue;
    const parsed = tryParse(candidate);
    if (parsed.ok) return { status: 'recovered', value: parsed.value };
  }
  return { status: 'malformed', value: body };
}

/** Splits a docs URL into version, path and query. Relative URLs take the file's version. */
export function splitDocUrl(url: string, fallbackVersion: 'v1.0' | 'beta'): { version: 'v1.0' | 'beta'; path: string; query: Record<string, string> } {
  const trimmed = url.trim();
  const qAt = trimmed.indexOf('?');
  let pathPart = qAt >= 0 ? trimmed.slice(0, qAt) : trimmed;
  const queryPart = qAt >= 0 ? trimmed.slice(qAt + 1) : '';
  pathPart = pathPart.replace(/^https?:\/\/[^/]+/i, '');
  if (!pathPart.startsWith('/')) pathPart = `/${pathPart}`;
  let version = fallbackVersion;
  const m = /^\/(v1\.0|beta)(?=\/|$)/i.exec(pathPart);
  if (m) {
    version = (m[1] as string).toLowerCase() === 'beta' ? 'beta' : 'v1.0';
    pathPart = pathPart.slice(m[0].length) || '/';
  }
  const query: Record<string, string> = {};
  if (queryPart) {
    for (const pair of queryPart.split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const key = eq >= 0 ? pair.slice(0, eq) : pair;
      const value = eq >= 0 ? pair.slice(eq + 1) : '';
      query[safeDecode(key)] = safeDecode(value.replace(/\+/g, ' '));
    }
  }
  return { version, path: pathPart.length > 1 ? pathPart.replace(/\/+$/, '') : pathPart, query };
}

export function normaliseFile(file: string, raw: RawFile): CorpusExample[] {
  const fileVersion = file.startsWith('beta__') ? 'beta' : 'v1.0';
  return (raw.examples ?? []).map((ex, index) => {
    const req = ex.request ?? {};
    const res = ex.response ?? {};
    const { version, path, query } = splitDocUrl(req.url ?? '', fileVersion);
    const body = parseDocBody(req.body);
    const expected = parseDocBody(res.body);
    return {
      file,
      index,
      source: raw.source ?? file,
      version,
      method: (req.method ?? 'GET').toUpperCase(),
      path,
      query,
      headers: { ...(req.headers ?? {}) },
      body: body.value,
      bodyStatus: body.status,
      expected: { status: res.status ?? 200, body: expected.value, bodyStatus: expected.status },
    };
  });
}

export interface CorpusOptions {
  /** The shared folder (holding `corpus/graph-docs`); default TENANT_VAULT_SHARED or ../shared. */
  root?: string;
  signal?: AbortSignal;
}

export function corpusDirectory(options: CorpusOptions = {}): string {
  const shared = findSharedRoot(options.root === undefined ? {} : { root: options.root });
  if (!shared) throw new TenantVaultError('CONFIG_INVALID', 'The shared corpus folder was not found', { hint: SHARED_MISSING_HINT });
  return join(shared, 'corpus', 'graph-docs');
}

/** Every corpus example, file by file, in file-name order. */
export async function* iterateCorpus(options: CorpusOptions = {}): AsyncGenerator<CorpusExample> {
  const dir = corpusDirectory(options);
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch (cause) {
    throw new TenantVaultError('CONFIG_INVALID', `Cannot read the Graph docs corpus at ${dir}`, { hint: SHARED_MISSING_HINT, cause });
  }
  // Read ahead a few files at a time (in order): 2,800 small files are I/O-latency bound.
  const readAhead = 32;
  const pending: Array<Promise<string>> = [];
  for (let i = 0; i < files.length; i++) {
    options.signal?.throwIfAborted();
    while (pending.length < readAhead && i + pending.length < files.length) {
      const read = readFile(join(dir, files[i + pending.length] as string), 'utf8');
      read.catch(() => undefined);
      pending.push(read);
    }
    const file = files[i] as string;
    const raw = JSON.parse(await (pending.shift() as Promise<string>)) as RawFile;
    yield* normaliseFile(file, raw);
  }
}

let cached: { dir: string; examples: Promise<CorpusExample[]> } | undefined;

/** All examples (cached per corpus folder; the whole corpus is ~3 MB). */
export function loadCorpus(options: CorpusOptions = {}): Promise<CorpusExample[]> {
  const dir = corpusDirectory(options);
  if (cached?.dir === dir) return cached.examples;
  const examples = (async () => {
    const out: CorpusExample[] = [];
    for await (const ex of iterateCorpus(options)) out.push(ex);
    return out;
  })();
  cached = { dir, examples };
  examples.catch(() => {
    if (cached?.examples === examples) cached = undefined;
  });
  return examples;
}

/** Whether a body of this status is parsed JSON (as the docs gave it, or recovered). */
export function isUsableBody(status: BodyStatus): boolean {
  return status === 'json' || status === 'recovered';
}
