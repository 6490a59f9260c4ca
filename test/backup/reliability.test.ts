/**
 * Reliability of the backup against the emulator:
 * - 5 % injected faults (429, 500, 503, 504, connection resets) give the same snapshot content
 *   as a fault-free run — every item's document blob id equal;
 * - a delta link older than 7 days (the emulator's clock advanced 8 days) leads to a full resync
 *   with the same content and a DELTA_EXPIRED warning;
 * - an app without some permissions: exactly the types that need them are absent, with the
 *   permission, the profile and the consent URL; the others are backed up; the next run does not
 *   count the absent types' items as deleted; a 403 at run time does the same for its type;
 * - a wrong client secret fails with AUTH_FAILED and a failed job.
 * (The SIGKILL crash test runs the CLI as a child process: cli.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/index.js';
import type { BackupReport } from '../../src/engine/backup/index.js';
import { profileStore } from '../../src/engine/profiles/index.js';
import type { Repository } from '../../src/repository/index.js';
import { isTenantVaultError } from '../../src/errors/index.js';
import { SEED_PERMISSIONS } from '../../src/connectors/index.js';
import { openRepository } from '../../src/repository/index.js';
import { FsBlobStore } from '../../src/storage/index.js';
import { PASSWORD, profileFor, startBench, type Bench } from './helpers.js';

/** type/id → document blob id, for every item of a snapshot (optionally without some types). */
async function contentOf(repo: Repository, snapshot: string, without: readonly string[] = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const entry of repo.entries(snapshot)) if (!without.includes(entry.type)) out.set(`${entry.type}/${entry.id}`, entry.document.id);
  return out;
}

async function diffKinds(repo: Repository, from: string, to: string): Promise<string[]> {
  const out: string[] = [];
  for await (const c of repo.diff(from, to)) out.push(`${c.kind} ${c.type}/${c.id}`);
  return out;
}

describe('backup reliability', () => {
  let bench: Bench;
  let repo: Repository;
  let baseline: BackupReport;

  beforeAll(async () => {
    bench = await startBench();
    repo = await bench.ws.repository();
    baseline = await bench.backup();
  }, 60_000);

  afterAll(async () => {
    await bench?.close();
  });

  it('gives the same content under 5 % injected faults', async () => {
    // Faults hit direct requests (the emulator does not fault requests inside a batch), so a few
    // full runs with different seeds are needed to meet a useful number of them.
    const expected = await contentOf(repo, baseline.snapshot, ['directoryAudit']);
    let faults = 0;
    let retries = 0;
    for (const seed of [1, 2, 3, 4]) {
      bench.emulator.control.resetStats(bench.tenant.tenantId);
      bench.emulator.control.setFaults({ rate: 0.05, seed, kinds: { throttle: 1, internal: 1, unavailable: 1, timeout: 1, reset: 1 }, retryAfterSeconds: 1 });
      let faulty: BackupReport;
      try {
        faulty = await bench.backup({ full: true });
      } finally {
        bench.emulator.control.setFaults({ rate: 0 });
      }
      faults += bench.emulator.control.stats(bench.tenant.tenantId).faults;
      retries += faulty.retries;
      expect(Object.entries(faulty.types).filter(([, t]) => t.absent !== undefined).map(([k]) => k))
        .toEqual(Object.entries(baseline.types).filter(([, t]) => t.absent !== undefined).map(([k]) => k));
      // The audit log grows with the tenant's own activity; everything else must be identical.
      expect(await contentOf(repo, faulty.snapshot, ['directoryAudit'])).toEqual(expected);
    }
    expect(faults).toBeGreaterThanOrEqual(8);
    expect(retries).toBeGreaterThanOrEqual(faults);
  }, 120_000);

  it('resyncs in full with the same content when the delta links expired', async () => {
    const before = await bench.backup();
    expect(before.types.user?.mode).toBe('delta');
    bench.emulatorClock.advance(8 * 24 * 3600_000);
    const after = await bench.backup();
    for (const type of ['user', 'group', 'application', 'servicePrincipal', 'device', 'directoryRole', 'administrativeUnit', 'oAuth2PermissionGrant']) {
      expect(after.types[type]?.mode, type).toBe('delta-full');
      expect(after.warnings.some((w) => w.type === type && w.code === 'DELTA_EXPIRED'), type).toBe(true);
    }
    expect(await contentOf(repo, after.snapshot, ['directoryAudit'])).toEqual(await contentOf(repo, before.snapshot, ['directoryAudit']));
    expect((await diffKinds(repo, before.snapshot, after.snapshot)).filter((c) => !c.includes(' directoryAudit/'))).toEqual([]);
    // The next run is incremental again.
    const next = await bench.backup();
    expect(next.types.user?.mode).toBe('delta');
    expect(next.warnings.filter((w) => w.code === 'DELTA_EXPIRED')).toEqual([]);
  }, 120_000);

  it('resyncs in full when Graph resets the synchronization (410 Gone)', async () => {
    await bench.backup();
    bench.emulator.control.setDeltaReset(bench.tenant.tenantId, true);
    let reset: BackupReport;
    try {
      reset = await bench.backup({ types: ['user', 'group'] });
    } finally {
      bench.emulator.control.setDeltaReset(bench.tenant.tenantId, false);
    }
    for (const type of ['user', 'group']) {
      expect(reset.types[type]?.mode).toBe('delta-full');
      expect(reset.warnings.some((w) => w.type === type && w.code === 'DELTA_EXPIRED')).toBe(true);
      expect(reset.types[type]).toMatchObject({ new: 0, changed: 0, deleted: 0 });
    }
  }, 60_000);

  it('refuses to write under a live exclusive lock (prune) with REPO_LOCKED, and goes on once it is gone', async () => {
    const other = await openRepository(new FsBlobStore(bench.config.repository!), new Secret(PASSWORD));
    const plan = await other.planPrune();
    try {
      const err = await bench.backup({ types: ['domain'] }).catch((e: unknown) => e);
      expect(isTenantVaultError(err, 'REPO_LOCKED')).toBe(true);
    } finally {
      await other.abandonPrune(plan);
      await other.close();
    }
    expect((await bench.backup({ types: ['domain'] })).status).toBe('complete');
  }, 60_000);

  it('moves the audit window past a quiet spell instead of re-reading its last records', async () => {
    const filters: string[] = [];
    const undo = bench.emulator.control.use({
      method: 'GET', path: '/auditLogs/directoryAudits',
      handler: async (ctx) => {
        filters.push(decodeURIComponent(ctx.request.rawQuery));
        return ctx.next();
      },
    });
    try {
      const busy = await bench.backup({ types: ['directoryAudit'] });
      const audit = ((await repo.findSnapshot(busy.snapshot)).state as { types: { directoryAudit: { highWaterMark: string; settledAt: string } } }).types.directoryAudit;
      // A quiet hour: the next two reads start from later and later, not from the newest record.
      bench.emulatorClock.advance(3600_000);
      bench.clock.advance(3600_000);
      await bench.backup({ types: ['directoryAudit'] });
      await bench.backup({ types: ['directoryAudit'] });
      const starts = filters.map((f) => /activityDateTime ge ([^&\s]+)/.exec(f)?.[1]).map((t) => Date.parse(t!));
      expect(starts).toHaveLength(3);
      // The bound is never behind the newest record; each read starts 15 minutes before it.
      const settled = Date.parse(audit.settledAt);
      expect(settled).toBeGreaterThanOrEqual(Date.parse(audit.highWaterMark));
      expect(starts[1]).toBe(Math.floor((settled - 15 * 60_000) / 1000) * 1000); // whole seconds, rounded down
      expect(starts[2]!).toBeGreaterThan(settled + 3600_000 - 15 * 60_000);
    } finally {
      undo();
    }
  }, 60_000);

  it('skips only the types a missing permission disables, and never counts them deleted', async () => {
    const withheld = ['Policy.Read.All', 'DeviceManagementConfiguration.ReadWrite.All', 'DeviceManagementScripts.ReadWrite.All'];
    const granted = SEED_PERMISSIONS.filter((p) => p.profile === 'azure' && p.type === 'Application' && p.resourceAppId === '00000003-0000-0000-c000-000000000000' && !withheld.includes(p.permission)).map((p) => p.permission);
    const limited = bench.emulator.control.registerApp(bench.tenant.tenantId, { displayName: 'Limited backup app', applicationPermissions: granted });
    const store = profileStore(repo);
    const admin = await store.get('contoso');
    const full = await bench.backup();
    await store.update({ ...profileFor(bench.emulator, bench.tenant, limited), createdAt: admin.createdAt });
    try {
      const partial = await bench.backup();
      const absent = Object.entries(partial.types).filter(([, t]) => t.absent !== undefined).map(([k]) => k).sort();
      const disabled = [
        'authenticationMethodConfiguration', 'authenticationMethodsPolicy', 'authorizationPolicy', 'claimsMappingPolicy', 'conditionalAccessPolicy',
        'crossTenantAccessPolicy', 'crossTenantAccessPolicyConfigurationPartner', 'deviceAndAppManagementAssignmentFilter', 'deviceCompliancePolicy',
        'deviceConfiguration', 'deviceCustomAttributeShellScript', 'deviceHealthScript', 'deviceManagementConfigurationPolicy', 'deviceManagementScript',
        'deviceShellScript', 'homeRealmDiscoveryPolicy', 'identitySecurityDefaultsEnforcementPolicy', 'namedLocation', 'tokenLifetimePolicy',
        // Exchange.ManageAsApp was not granted to this app either.
        'distributionGroup',
      ];
      expect(absent).toEqual(expect.arrayContaining(disabled));
      for (const type of disabled) {
        const t = partial.types[type]!;
        expect(t.deleted, type).toBe(0);
        expect(t.absent, type).toMatch(/profile contoso/);
        expect(t.absent, type).toContain(`/adminconsent?client_id=${limited.clientId}`);
      }
      expect(partial.types.conditionalAccessPolicy!.absent).toContain('Policy.Read.All');
      expect(partial.types.deviceConfiguration!.absent).toContain('DeviceManagementConfiguration.ReadWrite.All');
      expect(partial.status).toBe('partial');
      // Everything readable was read: users, groups, Intune apps …
      for (const type of ['user', 'group', 'servicePrincipal', 'mobileApp', 'unifiedRoleDefinition']) expect(partial.types[type]?.absent, type).toBeUndefined();
      const info = await repo.findSnapshot(partial.snapshot);
      for (const type of disabled) {
        expect(info.types[type]?.absent, type).toBeDefined();
        expect(info.types[type]?.count, type).toBe((await repo.findSnapshot(full.snapshot)).types[type]?.count ?? 0);
      }
      expect((await diffKinds(repo, full.snapshot, partial.snapshot)).filter((c) => c.startsWith('removed'))).toEqual([]);
      // Again: still not deleted.
      const again = await bench.backup();
      expect((await diffKinds(repo, partial.snapshot, again.snapshot)).filter((c) => !c.includes(' directoryAudit/'))).toEqual([]);
    } finally {
      await store.update(admin);
    }
    // With the permissions back, the types are read again and nothing was lost meanwhile.
    const restored = await bench.backup();
    expect(restored.status).toBe(baseline.status);
    expect((await diffKinds(repo, full.snapshot, restored.snapshot)).filter((c) => !c.includes(' directoryAudit/'))).toEqual([]);
  }, 120_000);

  it('marks a type absent when Graph refuses it at run time, and goes on', async () => {
    const undo = bench.emulator.control.use({
      method: 'GET', path: '/roleManagement/directory/roleAssignments',
      handler: async () => ({ status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } }),
    });
    try {
      // Listed whatever the audit log says (a quiet run would not ask).
      const report = await bench.backup({ relistAfterMs: 0 });
      const t = report.types.unifiedRoleAssignment!;
      expect(t.absent).toContain('RoleManagement.ReadWrite.Directory');
      expect(t.absent).toContain('/adminconsent?client_id=');
      expect(t.deleted).toBe(0);
      expect(report.warnings.some((w) => w.type === 'unifiedRoleAssignment' && w.code === 'PERMISSION_MISSING')).toBe(true);
      expect(report.types.unifiedRoleDefinition?.absent).toBeUndefined();
    } finally {
      undo();
    }
  }, 60_000);

  it('fails with AUTH_FAILED on a wrong client secret and records a failed job', async () => {
    const store = profileStore(repo);
    const good = await store.get('contoso');
    await store.add({ ...good, name: 'wrong', credential: { kind: 'secret', secret: new Secret('not-the-secret') } });
    const err = await bench.backup({}, 'wrong').catch((e: unknown) => e);
    expect(isTenantVaultError(err, 'AUTH_FAILED')).toBe(true);
    expect((err as { hint: string }).hint).toMatch(/secret is wrong/);
    const catalog = await bench.ws.catalog();
    const [job] = await catalog.listJobs({ profile: 'wrong' });
    expect(job).toMatchObject({ kind: 'backup', status: 'failed', error: { code: 'AUTH_FAILED' } });
    expect(await repo.findSnapshot('latest', { profile: 'wrong' }).catch((e: unknown) => (e as { code: string }).code)).toBe('SNAPSHOT_NOT_FOUND');
  }, 60_000);
});
