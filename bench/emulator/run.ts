/**
 * Emulator benchmark: (1) simple Graph GETs per second, with the load client in a second process
 * over keep-alive connections; (2) large-tenant generation time and peak memory, in a fresh
 * process. Prints a Markdown table for the "emulator" section of docs/benchmarks.md.
 *
 * Usage: npx tsx bench/emulator/run.ts [--seconds 10] [--concurrency 16] [--size large]
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../src/emulator/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const seconds = arg('seconds', '10');
const concurrency = arg('concurrency', '16');
const size = arg('size', 'large');

function runChild(script: string, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, script), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() as string) as Record<string, unknown>) : reject(new Error(`${script} exited ${code}`))));
  });
}

const emulator = await startEmulator({ tenants: [{ name: 'contoso', size: 'small' }], throttle: false });
const t = emulator.tenants[0];
if (!t) throw new Error('no tenant');
const tokenRes = await fetch(`${emulator.url}/${t.tenantId}/oauth2/v2.0/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
});
const token = ((await tokenRes.json()) as { access_token: string }).access_token;
const users = ((await (await fetch(`${emulator.url}/v1.0/users?$select=id&$top=20`, { headers: { authorization: `Bearer ${token}` } })).json()) as { value: { id: string }[] }).value;

const byId = await runChild('load-client.ts', [emulator.url, token, concurrency, seconds, ...users.map((u) => `/v1.0/users/${u.id}`)]);
const list = await runChild('load-client.ts', [emulator.url, token, concurrency, seconds, '/v1.0/users?$top=10&$select=id,displayName']);
await emulator.close();
const gen = await runChild('large-tenant.ts', [size]);

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}`;
console.log(`Emulator benchmark — ${new Date().toISOString().slice(0, 10)}, ${machine}\n`);
console.log('| measure | value |');
console.log('|---|---|');
console.log(`| GET /v1.0/users/{id} (${concurrency} keep-alive connections, ${seconds} s) | ${byId.perSecond} req/s, p50 ${byId.p50Ms} ms, p99 ${byId.p99Ms} ms, ${byId.errors} errors |`);
console.log(`| GET /v1.0/users?$top=10&$select=id,displayName | ${list.perSecond} req/s, p50 ${list.p50Ms} ms, p99 ${list.p99Ms} ms, ${list.errors} errors |`);
console.log(`| ${size} tenant generation (directory / with families) | ${gen.directorySeconds} s / ${gen.totalSeconds} s |`);
console.log(`| ${size} tenant peak memory (RSS) / heap after generation | ${gen.peakRssMB} MB / ${gen.heapUsedMB} MB |`);
console.log(`| ${size} tenant contents | ${gen.users} users, ${gen.groups} groups, ${gen.memberships} memberships, ${gen.applications} apps, ${gen.servicePrincipals} service principals, ${gen.devices} devices, ${gen.bitlockerKeys} BitLocker keys |`);
