/**
 * `diff SNAPSHOT --live` end to end: a backup of an emulated tenant, changes made through Graph,
 * then the CLI compares the snapshot with the live tenant (read by the backup engine) and
 * reports exactly those changes — and nothing once a new backup has caught up.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, Secret } from '../../src/config/index.js';
import { runBackup } from '../../src/engine/backup/index.js';
import { addProfile } from '../../src/engine/profiles/index.js';
import { openWorkspace, type Workspace } from '../../src/engine/workspace.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { parseJson } from '../cli/run-cli.js';
import { createTestRepo, PASSWORD, type TestRepo } from './helpers.js';
import { runInProcess } from './run-in-process.js';

let t: TestRepo;
let emulator: Emulator;
let ws: Workspace;
let env: Record<string, string>;
let token: string;

async function graph<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${emulator.url}/v1.0${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

beforeAll(async () => {
  t = await createTestRepo('tv-browse-live-');
  env = { TENANT_VAULT_REPOSITORY: t.repoPath, TENANT_VAULT_PASSWORD: PASSWORD, TENANT_VAULT_HOME: join(t.dir, 'home') };
  emulator = await startEmulator({ port: 0, tenants: [{ name: 'contoso', size: 'small' }], throttle: false });
  const tenant = emulator.tenants[0];
  if (!tenant) throw new Error('no tenant');
  await addProfile(t.repo, {
    kind: 'azure', name: 'contoso', tenant: tenant.tenantId, clientId: tenant.clientId, cloud: emulator.httpsUrl, caPem: emulator.caCertificate,
    credential: { kind: 'secret', secret: new Secret(tenant.clientSecret) },
  });
  ws = openWorkspace(resolveConfig({ home: env.TENANT_VAULT_HOME, repo: t.repoPath }, { TENANT_VAULT_PASSWORD: PASSWORD }));
  await runBackup(ws, 'contoso', { types: ['user', 'group'] });
  const response = await fetch(`${emulator.url}/${tenant.tenantId}/oauth2/v2.0/token`, {
    method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: tenant.clientId, client_secret: tenant.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
  });
  token = ((await response.json()) as { access_token: string }).access_token;
}, 120_000);

afterAll(async () => {
  await ws?.close();
  await emulator?.close();
  await t?.close();
});

describe('diff --live', () => {
  it('reports exactly the changes made since the snapshot, and none after a new backup', async () => {
    const users = (await graph<{ value: { id: string; displayName: string }[] }>('GET', '/users?$top=5&$select=id,displayName')).value;
    const renamed = users[2] as { id: string; displayName: string };
    await graph('PATCH', `/users/${renamed.id}`, { jobTitle: 'Chief Demo Officer' });
    // Microsoft 365 groups and assigned security groups can be deleted through Graph (mail-enabled security groups and lists cannot).
    const groups = (await graph<{ value: { id: string; groupTypes: string[]; mailEnabled: boolean }[] }>('GET', '/groups?$top=100&$select=id,groupTypes,mailEnabled')).value;
    const doomed = groups.find((g) => g.groupTypes.includes('Unified') || (!g.mailEnabled && !g.groupTypes.includes('DynamicMembership'))) as { id: string };
    await graph('DELETE', `/groups/${doomed.id}`);
    const created = await graph<{ id: string }>('POST', '/users', {
      accountEnabled: true, displayName: 'Live Newcomer', mailNickname: 'live.newcomer', userPrincipalName: `live.newcomer@${emulator.tenants[0]?.domain}`,
      passwordProfile: { password: 'Live-Test-Pw-123!' },
    });

    const live = await runInProcess(['diff', 'latest', '--live', '--json'], env);
    expect(live.code, live.stderr).toBe(0);
    expect(parseJson(live)).toEqual({
      added: [{ type: 'user', id: created.id }],
      removed: [{ type: 'group', id: doomed.id }],
      changed: [{ type: 'user', id: renamed.id, properties: ['jobTitle'] }],
    });
    const onlyUsers = await runInProcess(['diff', 'latest', '--live', '--type', 'user', '--json'], env);
    expect(parseJson(onlyUsers)).toEqual({ added: [{ type: 'user', id: created.id }], removed: [], changed: [{ type: 'user', id: renamed.id, properties: ['jobTitle'] }] });

    await runBackup(ws, 'contoso', { types: ['user', 'group'] });
    const caughtUp = await runInProcess(['diff', 'latest', '--live', '--json'], env);
    expect(parseJson(caughtUp)).toEqual({ added: [], removed: [], changed: [] });
  });
});
