/**
 * What the backup and restore benchmarks share: the emulator in its own process (the
 * `tenant-vault emulator` CLI, so its CPU is not the client's), its control API, `$batch` writes
 * and the command line's `--name value` options.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BatchRequest, GraphClient } from '../src/connectors/index.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const MAIN = join(ROOT, 'src/cli/main.ts');

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** What `--credentials-out` writes. */
export interface Credentials {
  readonly control: string;
  readonly https: { readonly graph: string };
  readonly caCertificate: string;
  readonly tenants: ReadonlyArray<{ name: string; tenantId: string; domain: string; clientId: string; clientSecret: string }>;
}

/** Starts `tenant-vault emulator` with one tenant `bench` of the size given, throttling on. */
export function startEmulator(dir: string, size: string, heapMb = 4096): Promise<{ child: ChildProcess; creds: Credentials }> {
  const credsFile = join(dir, 'emulator.json');
  // BENCH_EMULATOR_NODE_ARGS: extra node flags for the emulator, e.g. `--cpu-prof --cpu-prof-dir=DIR`
  // (NODE_OPTIONS refuses --cpu-prof).
  const extra = (process.env.BENCH_EMULATOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, `--max-old-space-size=${heapMb}`, '--import', 'tsx', MAIN, 'emulator', '--port', '0', '--tenant', `bench:${size}`, '--throttle', 'on', '--credentials-out', credsFile], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TENANT_VAULT_HOME: join(dir, 'emulator-home') },
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('ready')) resolve({ child, creds: JSON.parse(readFileSync(credsFile, 'utf8')) as Credentials });
    });
    child.on('exit', (code) => reject(new Error(`the emulator exited (${code}) before it was ready`)));
  });
}

/** A call to the emulator's control API (`/_emulator`). */
export async function control<T>(creds: Credentials, path: string, method = 'GET', body?: unknown): Promise<T> {
  const response = await fetch(`${creds.control}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Writes through `$batch`, 20 at a time; returns how many succeeded. */
export async function writeAll(graph: GraphClient, requests: BatchRequest[]): Promise<number> {
  let ok = 0;
  for await (const r of graph.batch(requests)) if (!r.error) ok++;
  return ok;
}
