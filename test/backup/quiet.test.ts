/**
 * Quiet types (src/engine/backup/quiet.ts): an audited list or singleton type is not listed while
 * the directory audit log shows nothing that may concern it, is listed again when it does, and at
 * least once per `relistAfterMs` whatever the log says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allResources } from '../../src/connectors/index.js';
import { appendAudit } from '../../src/emulator/state/audit.js';
import type { BackupReport } from '../../src/engine/backup/index.js';
import { adminClient, listAll, startBench, type Bench } from './helpers.js';

const azure = allResources().filter((d) => d.service === 'azure');
const AUDITED = azure.filter((d) => d.audited).map((d) => d.name).sort();
const ENTRA_AUDITED = azure.filter((d) => d.audited?.log === 'directoryAudit').map((d) => d.name).sort();
const INTUNE_TYPES = azure.filter((d) => /^\/device(App)?Management\//.test(d.path) && d.change === 'list').map((d) => d.name).sort();
const POLICY_TYPES = ['authenticationMethodConfiguration', 'authenticationMethodsPolicy', 'authorizationPolicy', 'claimsMappingPolicy', 'conditionalAccessPolicy',
  'crossTenantAccessPolicy', 'crossTenantAccessPolicyConfigurationPartner', 'homeRealmDiscoveryPolicy', 'identitySecurityDefaultsEnforcementPolicy', 'namedLocation', 'tokenLifetimePolicy'];

/** Audited types by how this run read them. */
function modes(report: BackupReport): { quiet: string[]; listed: string[] } {
  const quiet = AUDITED.filter((t) => report.types[t]?.mode === 'quiet');
  return { quiet, listed: AUDITED.filter((t) => !quiet.includes(t)) };
}

describe('quiet types', () => {
  let bench: Bench;
  /**
   * Lets the records of what came before leave the audit window (it reaches 15 minutes back),
   * then takes the backup that lists what they concerned.
   */
  async function quietSpell(): Promise<void> {
    bench.clock.advance(16 * 60_000);
    bench.emulatorClock.advance(16 * 60_000);
    await bench.backup();
  }
  beforeAll(async () => {
    bench = await startBench();
    await bench.backup();
    await quietSpell();
  }, 120_000);
  afterAll(() => bench?.close());

  it('declares the Entra policies, roles, domains and the organization audited by the directory log, Intune by its own, and not the distribution groups', () => {
    expect(ENTRA_AUDITED).toEqual([...POLICY_TYPES, 'domain', 'organization', 'organizationalBranding', 'organizationalBrandingLocalization', 'unifiedRoleAssignment', 'unifiedRoleDefinition'].sort());
    expect(INTUNE_TYPES.length).toBeGreaterThan(10);
    expect(AUDITED).toEqual([...ENTRA_AUDITED, ...INTUNE_TYPES].sort());
    for (const type of INTUNE_TYPES) expect(azure.find((d) => d.name === type)?.audited).toEqual({ log: 'auditEvent', unrelated: [] });
  });

  it('lists no audited type while the log is quiet, and keeps their items', async () => {
    const report = await bench.backup();
    expect(modes(report).quiet).toEqual(AUDITED);
    for (const type of AUDITED) {
      const t = report.types[type]!;
      expect({ type, requests: t.requests, new: t.new, changed: t.changed, deleted: t.deleted }).toEqual({ type, requests: 0, new: 0, changed: 0, deleted: 0 });
      expect(t.unchanged).toBe(t.count);
    }
    // The listings the quiet run left out, the next run without them (relistAfterMs 0) finds equal.
    const relisted = await bench.backup({ relistAfterMs: 0 });
    expect(modes(relisted).quiet).toEqual([]);
    for (const type of AUDITED) expect({ type, ...relisted.types[type] }).toMatchObject({ type, new: 0, changed: 0, deleted: 0 });
  });

  it('lists the types a record may concern: a policy change lists the policies, a user change the role assignments', async () => {
    const [policy] = await listAll<{ id: string }>(bench.admin, '/identity/conditionalAccess/policies');
    await bench.admin.request(`/identity/conditionalAccess/policies/${policy!.id}`, { method: 'PATCH', body: { displayName: 'Renamed by the quiet test' } });
    const afterPolicy = await bench.backup();
    expect(modes(afterPolicy).listed).toEqual(POLICY_TYPES);
    expect(afterPolicy.types.conditionalAccessPolicy).toMatchObject({ mode: 'list', changed: 1, new: 0, deleted: 0 });
    await quietSpell();

    const [user] = await listAll<{ id: string }>(bench.admin, '/users', { $top: 1, $select: 'id' });
    await bench.admin.request(`/users/${user!.id}`, { method: 'PATCH', body: { jobTitle: 'Quiet tester' } });
    const afterUser = await bench.backup();
    expect(modes(afterUser).listed).toEqual(['unifiedRoleAssignment']);
    await quietSpell();

    // Intune keeps its own log; any record of it lists every Intune type and no Entra one.
    const [configuration] = await listAll<{ id: string }>(bench.admin, '/deviceManagement/deviceConfigurations');
    await bench.admin.request(`/deviceManagement/deviceConfigurations/${configuration!.id}`, {
      method: 'PATCH', body: { '@odata.type': (configuration as Record<string, unknown>)['@odata.type'], description: 'Changed by the quiet test' },
    });
    const afterIntune = await bench.backup();
    expect(modes(afterIntune).listed).toEqual(INTUNE_TYPES);
    expect(afterIntune.types.deviceConfiguration).toMatchObject({ mode: 'list', changed: 1, new: 0, deleted: 0 });
    expect(afterIntune.types.auditEvent?.new).toBe(1);
    await quietSpell();
  });

  it('lists every type a log audits for a record of a category it does not know, everything for --full, and without the log', async () => {
    const tenant = bench.emulator.runtime.tenant(bench.tenant.tenantId)!.state;
    appendAudit(tenant, { appId: bench.tenant.clientId, appDisplayName: 'someone', servicePrincipalId: null }, {
      activityDisplayName: 'Update something new', category: 'SomethingNew', operationType: 'Update', targetResources: [],
    });
    expect(modes(await bench.backup()).listed).toEqual(ENTRA_AUDITED);
    await quietSpell();
    expect(modes(await bench.backup()).quiet).toEqual(AUDITED);
    expect(modes(await bench.backup({ full: true })).quiet).toEqual([]);
    const withoutLog = await bench.backup({ types: ['domain', 'conditionalAccessPolicy'] });
    expect([withoutLog.types.domain?.mode, withoutLog.types.conditionalAccessPolicy?.mode]).toEqual(['list', 'list']);
  });

  it('lists a type again after a run that read its log without it', async () => {
    await quietSpell();
    // A new sign-in: the bench's admin token has expired in the emulator's time by now.
    const admin = adminClient(bench.emulator, bench.tenant);
    const [location] = await listAll<{ id: string; '@odata.type': string }>(admin, '/identity/conditionalAccess/namedLocations');
    await admin.request(`/identity/conditionalAccess/namedLocations/${location!.id}`, { method: 'PATCH', body: { '@odata.type': location!['@odata.type'], displayName: 'Renamed while left out' } });
    // The log's record of the change is read here, without the named locations…
    const partial = await bench.backup({ types: ['directoryAudit', 'user'] });
    expect(partial.types.namedLocation).toBeUndefined();
    // …and is out of the next run's window: the chain of windows is broken for every type of
    // that log the partial run left out, so they are listed. Intune's log was not read, its chain holds.
    bench.clock.advance(16 * 60_000);
    bench.emulatorClock.advance(16 * 60_000);
    const next = await bench.backup();
    expect(next.types.namedLocation).toMatchObject({ mode: 'list', changed: 1 });
    expect(modes(next).listed).toEqual(ENTRA_AUDITED);
  });

  it('finds a change the log does not record once the type is a day old, and not before', async () => {
    await bench.backup({ relistAfterMs: 0 });
    const tenant = bench.emulator.runtime.tenant(bench.tenant.tenantId)!.state;
    const domain = [...tenant.store('domains').values()].find((d) => d.isInitial !== true)!;
    const before = domain.passwordValidityPeriodInDays;
    tenant.store('domains').update(domain.id, { passwordValidityPeriodInDays: 42 });

    bench.clock.advance(23 * 3_600_000);
    const early = await bench.backup();
    expect(early.types.domain).toMatchObject({ mode: 'quiet', changed: 0 });

    bench.clock.advance(3_600_000);
    const late = await bench.backup();
    expect(late.types.domain).toMatchObject({ mode: 'list', changed: 1 });
    expect(modes(late).quiet).toEqual([]);
    tenant.store('domains').update(domain.id, { passwordValidityPeriodInDays: before });
  });
});
