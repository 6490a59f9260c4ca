/**
 * `tenant-vault emulator` as a process: prints a ready line once it serves, writes the
 * credentials contract (`{login}/{tenantId}/oauth2/v2.0/token` and `{graph}/v1.0/users` work),
 * exits 0 on SIGTERM; tenant arguments are validated; the emulator is only imported lazily.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTenantArg } from '../../src/cli/commands/emulator.js';

const root = join(import.meta.dirname, '..', '..');

describe('tenant-vault emulator', () => {
  it('serves, honours the credentials contract and exits cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-emulator-'));
    const file = join(dir, 'creds.json');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'emulator', '--port', '0', '--tenant', 'contoso:small', '--tenant', 'fabrikam', '--throttle', 'off', '--credentials-out', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited before ready: ${out}`)));
    });
    try {
      const creds = JSON.parse(readFileSync(file, 'utf8')) as { login: string; graph: string; tenants: { name: string; tenantId: string; domain: string; clientId: string; clientSecret: string }[] };
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(creds.tenants.map((t) => Object.keys(t).sort())).toEqual([['clientId', 'clientSecret', 'domain', 'name', 'tenantId'], ['clientId', 'clientSecret', 'domain', 'name', 'tenantId']]);
      expect(out).toContain(creds.tenants[0]?.clientSecret);
      for (const t of creds.tenants) {
        const tok = (await (await fetch(`${creds.login}/${t.tenantId}/oauth2/v2.0/token`, {
          method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
        })).json()) as { access_token: string };
        const users = await fetch(`${creds.graph}/v1.0/users?$select=userPrincipalName&$top=1`, { headers: { authorization: `Bearer ${tok.access_token}` } });
        expect(users.status).toBe(200);
        expect(((await users.json()) as { value: { userPrincipalName: string }[] }).value[0]?.userPrincipalName).toContain(`@${t.domain}`);
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('validates --tenant', () => {
    expect(parseTenantArg('Contoso:medium')).toEqual({ name: 'contoso', size: 'medium' });
    expect(parseTenantArg('fabrikam')).toEqual({ name: 'fabrikam', size: 'small' });
    expect(() => parseTenantArg('contoso:huge')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => parseTenantArg('bad name')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  it('loads the emulator lazily (no static import from the CLI)', () => {
    const source = readFileSync(join(root, 'src/cli/commands/emulator.ts'), 'utf8');
    expect(source).not.toMatch(/^import[^;]*from '\.\.\/\.\.\/emulator/m);
    expect(source).toContain("await import('../../emulator/index.js')");
  });
});
