/**
 * Shared helpers for the emulator tests: start an emulator on a free port with a manual clock,
 * sign in over plain HTTP with raw requests, call Graph, and trust the emulator's TLS certificate
 * in `fetch` (for SDKs that insist on https).
 */
import { afterAll, beforeAll } from 'vitest';
import { ManualClock, startEmulator, type Emulator, type EmulatorOptions, type TenantInfo } from '../../src/emulator/index.js';

export interface TestEmulator extends Emulator {
  readonly clock: ManualClock;
  readonly t: TenantInfo;
}

export async function startTest(options: Partial<EmulatorOptions> = {}): Promise<TestEmulator> {
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock(Date.UTC(2025, 0, 15, 9));
  const em = await startEmulator({ tenants: [{ name: 'contoso', size: 'small' }], throttle: false, ...options, clock });
  return Object.assign(em, { clock, t: em.tenants[0] as TenantInfo });
}

/** Starts a small test emulator before the suite (with the admin app's token) and closes it after. */
export function useTestEmulator(ready: (em: TestEmulator, token: string) => void, options: Partial<EmulatorOptions> = {}): void {
  let em: TestEmulator | undefined;
  beforeAll(async () => {
    em = await startTest(options);
    ready(em, await clientToken(em, em.t));
  });
  afterAll(async () => {
    await em?.close();
  });
}

export async function clientToken(em: Emulator, t: { tenantId: string; clientId: string; clientSecret: string }, scope = 'https://graph.microsoft.com/.default'): Promise<string> {
  const res = await fetch(`${em.url}/${t.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret, scope }),
  });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(`sign-in failed: ${res.status} ${body.error_description ?? ''}`);
  return body.access_token;
}

export interface GraphCall {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function graph(em: Emulator, token: string, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<GraphCall> {
  const url = path.startsWith('http') ? path : `${em.url}${path.startsWith('/v1.0') || path.startsWith('/beta') ? '' : '/v1.0'}${path}`;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // plain text ($count)
  }
  return { status: res.status, headers: res.headers, body };
}

/** Follows `@odata.nextLink` and returns every item. */
export async function all(em: Emulator, token: string, path: string, headers: Record<string, string> = {}): Promise<any[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const out: unknown[] = [];
  let next: string | undefined = path;
  while (next) {
    const page = await graph(em, token, next, { headers });
    if (page.status !== 200) throw new Error(`${page.status} ${JSON.stringify(page.body)}`);
    out.push(...(page.body.value as unknown[]));
    next = page.body['@odata.nextLink'];
  }
  return out as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * An undici dispatcher that trusts `ca`, for `fetch(url, { dispatcher })`. Node 20 bundles undici
 * without exporting it; the global dispatcher's constructor is its `Agent`. Test-only.
 */
export async function trustingDispatcher(ca: string): Promise<unknown> {
  const key = Symbol.for('undici.globalDispatcher.1');
  let current = (globalThis as Record<symbol, unknown>)[key];
  if (!current) {
    await fetch('http://127.0.0.1:1').catch(() => undefined);
    current = (globalThis as Record<symbol, unknown>)[key];
  }
  const Agent = (current as { constructor: new (o: unknown) => unknown }).constructor;
  return new Agent({ connect: { ca } });
}
