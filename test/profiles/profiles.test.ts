/**
 * App profiles: stored encrypted in the repository and validated when read; `addProfile` signs
 * in first and records the tenant GUID; certificates made for `create-app` are valid for
 * certificate sign-in; and `create-app` end to end against the emulator — device code approved
 * through the control API, app registration with exactly the manifest's requiredResourceAccess,
 * service principal, admin consent (app role assignments and an AllPrincipals grant), a
 * certificate credential — after which the stored profile signs in with the certificate and
 * `permissions` finds nothing missing. Also through the CLI, the code read from its stderr.
 */
import { spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/index.js';
import { requiredResourceAccess, SEED_PERMISSIONS } from '../../src/connectors/index.js';
import {
  addProfile, certificateFromPem, createApp, describeProfile, generateCertificate, profilePermissions, profileStore, secretFromEnv,
} from '../../src/engine/profiles/index.js';
import { isTenantVaultError } from '../../src/errors/index.js';
import type { Repository } from '../../src/repository/index.js';
import { systemClock } from '../../src/emulator/index.js';
import { listAll, startBench, type Bench } from '../backup/helpers.js';
import { filesHolding, MAIN, ROOT } from '../cli/run-cli.js';



describe('app profiles', () => {
  let bench: Bench;
  let repo: Repository;

  beforeAll(async () => {
    // Certificate sign-in checks the assertion's time against the emulator's: both on real time.
    bench = await startBench({ clock: systemClock });
    repo = await bench.ws.repository();
  }, 60_000);

  afterAll(async () => {
    await bench?.close();
  });

  it('keeps profiles encrypted in the repository and never shows their secrets', async () => {
    const store = profileStore(repo);
    const stored = await store.get('contoso');
    expect(stored.credential.kind).toBe('secret');
    expect(String(stored.credential.kind === 'secret' ? stored.credential.secret : '')).toBe('[redacted]');
    expect(JSON.stringify(describeProfile(stored))).not.toContain(bench.tenant.clientSecret);
    expect(filesHolding([bench.config.repository!], bench.tenant.clientSecret)).toEqual([]);
    await expect(store.add(stored)).rejects.toMatchObject({ code: 'PROFILE_EXISTS' });
    await expect(store.get('nobody')).rejects.toMatchObject({ code: 'PROFILE_NOT_FOUND' });
    await expect(store.get('../etc')).rejects.toMatchObject({ code: 'USAGE' });
    await repo.documents('profiles').put('damaged', { version: 1, name: 'damaged' });
    await expect(store.get('damaged')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await repo.documents('profiles').delete('damaged');
  });

  it('adds a profile by domain after one sign-in, recording the tenant GUID', async () => {
    const profile = await addProfile(repo, {
      kind: 'azure', name: 'by-domain', tenant: bench.tenant.domain, clientId: bench.tenant.clientId, cloud: bench.emulator.httpsUrl,
      caPem: bench.emulator.caCertificate, credential: secretFromEnv('S', { S: bench.tenant.clientSecret }),
    });
    expect(profile).toMatchObject({ tenant: bench.tenant.domain, tenantId: bench.tenant.tenantId, consentedVersion: 1 });
    expect((await profileStore(repo).get('by-domain')).tenantId).toBe(bench.tenant.tenantId);
    const wrong = await addProfile(repo, {
      kind: 'azure', name: 'wrong', tenant: bench.tenant.tenantId, clientId: bench.tenant.clientId, cloud: bench.emulator.httpsUrl,
      caPem: bench.emulator.caCertificate, credential: { kind: 'secret', secret: new Secret('nope') },
    }).catch((e: unknown) => e);
    expect(isTenantVaultError(wrong, 'AUTH_FAILED')).toBe(true);
    expect(await profileStore(repo).find('wrong')).toBeUndefined();
    expect(() => secretFromEnv('MISSING', {})).toThrow(/MISSING is not set/);
  });

  it('makes certificates with a matching private key that Entra accepts for sign-in', async () => {
    const cert = await generateCertificate('Tenant Vault test');
    const x509 = new X509Certificate(cert.pem);
    expect(x509.subject).toBe('CN=Tenant Vault test');
    expect(x509.fingerprint.replaceAll(':', '')).toBe(cert.thumbprint);
    expect(x509.checkPrivateKey(createPrivateKey(cert.pem))).toBe(true);
    expect(createPublicKey(cert.pem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(Buffer.from(cert.derBase64, 'base64')).toEqual(x509.raw);
    expect(certificateFromPem(cert.pem)).toMatchObject({ kind: 'certificate', thumbprint: cert.thumbprint });
    expect(() => certificateFromPem(cert.pem.replace(/-----BEGIN PRIVATE KEY-----[\s\S]*/, ''))).toThrow(/no PEM private key/);
  });

  it('creates the app registration with a device code, consents it, and stores a working profile', async () => {
    const device = bench.emulator.control.registerApp(bench.tenant.tenantId, { displayName: 'Admin tool', publicClient: true, redirectUris: ['http://localhost'] });
    const shown: string[] = [];
    const result = await createApp(repo, {
      kind: 'azure', name: 'created', tenant: bench.tenant.domain, cloud: bench.emulator.httpsUrl, caPem: bench.emulator.caCertificate, deviceClientId: device.clientId,
    }, {
      onDeviceCode: (info) => {
        shown.push(info.message);
        // The administrator opens the URL and enters the code.
        setImmediate(() => bench.emulator.control.approveDeviceCode(info.userCode));
      },
    });
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(/enter the code [A-Z0-9]+/);

    const app = (await bench.admin.request<Record<string, unknown>>(`/applications/${result.applicationId}`)).body;
    expect(app.requiredResourceAccess).toEqual(requiredResourceAccess('azure'));
    expect(app.signInAudience).toBe('AzureADMyOrg');
    expect((app.keyCredentials as Array<{ type: string; usage: string }>).map((k) => [k.type, k.usage])).toEqual([['AsymmetricX509Cert', 'Verify']]);

    const roles = await listAll<{ appRoleId: string; resourceId: string }>(bench.admin, `/servicePrincipals/${result.servicePrincipalId}/appRoleAssignments`);
    const application = SEED_PERMISSIONS.filter((p) => p.profile === 'azure' && p.type === 'Application');
    expect(roles.map((r) => r.appRoleId).sort()).toEqual(application.map((p) => p.id).sort());
    expect(result.appRoleAssignments).toBe(application.length);
    const grants = await listAll<{ consentType: string; scope: string }>(bench.admin, '/oauth2PermissionGrants', { $filter: `clientId eq '${result.servicePrincipalId}'` });
    expect(grants).toHaveLength(1);
    expect(grants[0]!.consentType).toBe('AllPrincipals');
    expect(grants[0]!.scope.split(' ').sort()).toEqual(SEED_PERMISSIONS.filter((p) => p.profile === 'azure' && p.type === 'Delegated').map((p) => p.permission).sort());

    const profile = await profileStore(repo).get('created');
    expect(profile).toMatchObject({ tenantId: bench.tenant.tenantId, clientId: String(app.appId), consentedVersion: 1, credential: { kind: 'certificate', thumbprint: result.certificateThumbprint } });
    const permissions = await profilePermissions(repo, 'created');
    expect(permissions.missing).toBe(0);
    expect(permissions.granted).toBe(SEED_PERMISSIONS.filter((p) => p.profile === 'azure').length);
    await expect(createApp(repo, { kind: 'azure', name: 'created', tenant: bench.tenant.domain }, { onDeviceCode: () => undefined })).rejects.toMatchObject({ code: 'PROFILE_EXISTS' });
  }, 60_000);

  it('runs create-app from the CLI, printing the device code to stderr', async () => {
    const device = bench.emulator.control.registerApp(bench.tenant.tenantId, { displayName: 'Admin tool (CLI)', publicClient: true, redirectUris: ['http://localhost'] });
    const caFile = join(bench.dir, 'ca.pem');
    writeFileSync(caFile, bench.emulator.caCertificate);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, TENANT_VAULT_HOME: bench.config.home, TENANT_VAULT_REPOSITORY: bench.config.repository!, TENANT_VAULT_PASSWORD: 'correct horse battery staple' };
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'profile', 'create-app', 'azure', 'from-cli', '--tenant', bench.tenant.tenantId, '--cloud', bench.emulator.httpsUrl, '--ca-file', caFile, '--device-client-id', device.clientId, '--json'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const code = /enter the code ([A-Z0-9]+)/.exec(stderr)?.[1];
      if (code && !stderr.includes('(approved)')) {
        stderr += '(approved)';
        bench.emulator.control.approveDeviceCode(code);
      }
    });
    const exit = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(exit, stderr).toBe(0);
    const result = JSON.parse(stdout) as { profile: { name: string; tenantId: string; credential: { kind: string } }; appRoleAssignments: number };
    expect(result.profile).toMatchObject({ name: 'from-cli', tenantId: bench.tenant.tenantId, credential: { kind: 'certificate' } });
    expect(result.appRoleAssignments).toBe(SEED_PERMISSIONS.filter((p) => p.profile === 'azure' && p.type === 'Application').length);
    expect(stdout).not.toContain('PRIVATE KEY');
  }, 90_000);
});
