/**
 * End to end against the emulator: a full backup; changes in the tenant (create, modify,
 * soft-delete, hard-delete, membership, manager and owner changes, a conditional-access edit and
 * an Intune assignment change where served); an incremental backup. The repository's diff between
 * the two snapshots must be exactly those changes — same (type, id) sets, same changed property
 * names — and every item of the second snapshot must equal the emulator's copy fetched through
 * Graph with the declaration's own $select/$expand (sub-resources from their own endpoints).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getResource, listResources, type ResourceDeclaration } from '../../src/connectors/index.js';
import type { BackupReport } from '../../src/engine/backup/index.js';
import type { Repository } from '../../src/repository/index.js';
import { listAll, startBench, type Bench } from './helpers.js';
import { changedProperties, embeddedNames, exchange, ids, liveExchange, liveExchangeSub, liveMain, liveSub, snapshotDocs, sortDeep, type Doc } from './snapshot-tools.js';

type Key = string;
const key = (type: string, id: string): Key => `${type}/${id}`;

describe('backup end to end', () => {
  let bench: Bench;
  let repo: Repository;
  let first: BackupReport;
  let second: BackupReport;
  let expectedChanged: Map<Key, string[]>;
  let expectedAdded: Set<Key>;
  let expectedRemoved: Set<Key>;
  /** Writes the test made, each of which the emulator records in the audit log. */
  let auditWrites: number;
  let exchangeChanged = false;
  /** Intune writes, each recorded in Intune's own audit log. */
  let intuneWrites = 0;

  beforeAll(async () => {
    bench = await startBench();
    repo = await bench.ws.repository();
    // A security group nothing refers to, to delete for good later.
    const doomed = (await bench.admin.request<Doc>('/groups', {
      method: 'POST', body: { displayName: 'E2E doomed group', mailEnabled: false, mailNickname: 'e2e-doomed', securityEnabled: true },
    })).body;
    // Users of our own that nothing else refers to, so changing them changes nothing else.
    const newUser = (name: string) => bench.admin.request<Doc>('/users', {
      method: 'POST',
      body: { accountEnabled: true, displayName: `E2E ${name}`, mailNickname: `e2e.${name}`, userPrincipalName: `e2e.${name}@${bench.tenant.domain}`, passwordProfile: { password: 'Xy!9-long-enough-password', forceChangePasswordNextSignIn: true } },
    }).then((r) => r.body);
    const own: Doc[] = [];
    for (const name of ['modified', 'soft', 'hard', 'joiner', 'manager', 'managed']) own.push(await newUser(name));
    // Microsoft 365 groups of our own (assigned membership, which Graph can change).
    const someUsers = (await bench.admin.request<{ value: Doc[] }>('/users', { query: { $select: 'id', $top: 3 } })).body.value.map((u) => String(u.id));
    const unified = (name: string, members: string[]) => bench.admin.request<Doc>('/groups', {
      method: 'POST',
      body: {
        displayName: name, mailEnabled: true, mailNickname: name.replaceAll(' ', '-'), securityEnabled: false, groupTypes: ['Unified'],
        ...(members.length > 0 ? { 'members@odata.bind': members.map((m) => `https://graph.microsoft.com/v1.0/directoryObjects/${m}`) } : {}),
      },
    }).then((r) => r.body);
    const teamA = await unified('E2E team A', someUsers.slice(0, 2));
    const teamB = await unified('E2E team B', []);
    // Only the user deleted for good is in team C: its removal comes as a `members@delta` removal.
    await unified('E2E team C', [String(own[2]!.id)]);
    first = await bench.backup();
    const docs = await snapshotDocs(repo, first.snapshot);
    const admin = bench.admin;
    const text = new Map<Key, string>();
    for (const [type, byId] of docs) for (const [id, doc] of byId) text.set(key(type, id), JSON.stringify(doc));
    /** Items (other than `except`) whose document mentions the id. */
    const mentions = (id: string, except: (k: Key) => boolean = () => false) => [...text].filter(([k, t]) => !except(k) && k !== key('user', id) && k !== key('group', id) && t.includes(id)).map(([k]) => k);
    const isAudit = (k: Key) => k.startsWith('directoryAudit/');
    const groupsWithMember = (id: string) => [...(docs.get('group') ?? new Map<string, Doc>())].filter(([, g]) => ids(g.members).includes(id)).map(([gid]) => gid);
    for (const u of own) expect(mentions(String(u.id), (k) => isAudit(k) || k.startsWith('group/')), String(u.displayName)).toEqual([]);
    expect(mentions(String(doomed.id), isAudit)).toEqual([]);

    expectedChanged = new Map();
    expectedAdded = new Set();
    expectedRemoved = new Set();
    const change = (type: string, id: string, ...props: string[]) => {
      const k = key(type, id);
      expectedChanged.set(k, [...new Set([...(expectedChanged.get(k) ?? []), ...props])].sort());
    };

    // Create.
    const created = (await admin.request<Doc>('/users', {
      method: 'POST',
      body: { accountEnabled: true, displayName: 'Nora Newhire', mailNickname: 'nora.newhire', userPrincipalName: `nora.newhire@${bench.tenant.domain}`, passwordProfile: { password: 'Xy!9-long-enough-password', forceChangePasswordNextSignIn: true } },
    })).body;
    expectedAdded.add(key('user', String(created.id)));
    // Modify.
    const [modified, softDeleted, hardDeleted, joiner, manager, managed] = own as [Doc, Doc, Doc, Doc, Doc, Doc];
    await admin.request(`/users/${modified.id}`, { method: 'PATCH', body: { jobTitle: 'Chief Backup Officer' } });
    change('user', String(modified.id), 'jobTitle');
    // Soft delete: the user goes to the recycle bin; group memberships are kept (facts §3.3).
    await admin.request(`/users/${softDeleted.id}`, { method: 'DELETE' });
    expectedRemoved.add(key('user', String(softDeleted.id)));
    // Hard delete: deleted, then purged from the recycle bin; its memberships go.
    await admin.request(`/users/${hardDeleted.id}`, { method: 'DELETE' });
    await admin.request(`/directory/deletedItems/${hardDeleted.id}`, { method: 'DELETE' });
    expectedRemoved.add(key('user', String(hardDeleted.id)));
    for (const gid of groupsWithMember(String(hardDeleted.id))) change('group', gid, 'members');
    // A security group is deleted for good at once (facts §5.1).
    const gone = doomed;
    await admin.request(`/groups/${gone.id}`, { method: 'DELETE' });
    expectedRemoved.add(key('group', String(gone.id)));
    // Membership: one joins a group, one leaves another.
    const target = teamB;
    await admin.request(`/groups/${target.id}/members/$ref`, { method: 'POST', body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${joiner.id}` } });
    change('group', String(target.id), 'members');
    const leaving = teamA;
    const leaver = someUsers[0]!;
    await admin.request(`/groups/${leaving.id}/members/${leaver}/$ref`, { method: 'DELETE' });
    change('group', String(leaving.id), 'members');
    // Manager and owner: relationships read per item.
    await admin.request(`/users/${managed.id}/manager/$ref`, { method: 'PUT', body: { '@odata.id': `https://graph.microsoft.com/v1.0/users/${manager.id}` } });
    change('user', String(managed.id), 'manager');
    const owned = teamA;
    await admin.request(`/groups/${owned.id}/owners/$ref`, { method: 'POST', body: { '@odata.id': `https://graph.microsoft.com/v1.0/users/${manager.id}` } });
    change('group', String(owned.id), 'owners');

    // Directory writes so far, each audited: create, modify, three deletes, a purge, two membership changes, manager, owner.
    auditWrites = 10;

    // A conditional-access edit and an Intune assignment change, where the emulator serves them.
    const ca = [...(docs.get('conditionalAccessPolicy')?.values() ?? [])][0];
    if (ca) {
      const path = `/identity/conditionalAccess/policies/${ca.id}`;
      const before = (await admin.request<Doc>(path)).body;
      await admin.request(path, { method: 'PATCH', body: { state: before.state === 'disabled' ? 'enabled' : 'disabled' } });
      const after = (await admin.request<Doc>(path)).body;
      change('conditionalAccessPolicy', String(ca.id), ...changedProperties(before, after).filter((p) => !p.startsWith('@')));
    }
    const config = [...(docs.get('deviceConfiguration')?.values() ?? [])][0];
    if (config) {
      const path = `/deviceManagement/deviceConfigurations/${config.id}`;
      const query = { $expand: 'assignments' };
      const before = (await admin.request<Doc>(path, { query })).body;
      intuneWrites++;
      await admin.request(`${path}/assign`, {
        method: 'POST',
        body: { assignments: [{ '@odata.type': '#microsoft.graph.deviceConfigurationAssignment', target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: target.id } }] },
      });
      const after = (await admin.request<Doc>(path, { query })).body;
      change('deviceConfiguration', String(config.id), ...changedProperties(before, after).filter((p) => !p.startsWith('@')));
    }

    // A distribution group gains a member through Exchange (where the emulator serves it).
    const dl = [...(docs.get('distributionGroup')?.values() ?? [])][0];
    if (dl) {
      const dlId = String(dl.ExternalDirectoryObjectId);
      const groupMembers = async () => ids(await listAll<Doc>(admin, `/groups/${dlId}/members`, { $select: 'id' }));
      const before = await groupMembers();
      await exchange(bench).invoke({ cmdlet: 'Add-DistributionGroupMember', parameters: { Identity: dlId, Member: String(joiner.userPrincipalName) } }).next();
      change('distributionGroup', dlId, 'members');
      // The Entra group behind it changes too when the service mirrors the membership.
      if (JSON.stringify(await groupMembers()) !== JSON.stringify(before)) change('group', dlId, 'members');
      exchangeChanged = true;
    }

    second = await bench.backup();
  }, 120_000);

  afterAll(async () => {
    await bench?.close();
  });

  it('reads delta types incrementally in the second run', () => {
    expect(first.parent).toBeNull();
    expect(second.parent).toBe(first.snapshot);
    for (const type of ['user', 'group', 'application', 'servicePrincipal', 'device']) {
      expect(first.types[type]?.mode).toBe('delta-full');
      expect(second.types[type]?.mode).toBe('delta');
    }
    expect(second.requests).toBeLessThan(first.requests);
  });

  it('diffs to exactly the changes made', async () => {
    const added = new Set<Key>();
    const removed = new Set<Key>();
    const changed = new Map<Key, string[]>();
    const newAudit = new Set<string>();
    const newIntuneEvents = new Set<string>();
    for await (const c of repo.diff(first.snapshot, second.snapshot, { withBefore: true })) {
      if (c.type === 'directoryAudit' || c.type === 'auditEvent') {
        expect(c.kind).toBe('added');
        (c.type === 'directoryAudit' ? newAudit : newIntuneEvents).add(c.id);
        continue;
      }
      if (c.kind === 'added') added.add(key(c.type, c.id));
      else if (c.kind === 'removed') removed.add(key(c.type, c.id));
      else changed.set(key(c.type, c.id), changedProperties((await repo.readDocument(c.before!)) as Doc, (await repo.readDocument(c.after!)) as Doc));
    }
    expect(added).toEqual(expectedAdded);
    expect(removed).toEqual(expectedRemoved);
    expect(Object.fromEntries([...changed].sort())).toEqual(Object.fromEntries([...expectedChanged].sort()));
    if (second.types.directoryAudit?.absent === undefined) {
      // The second snapshot adds exactly the records the log holds now and the first did not
      // (the changes above, and the key reads the first backup did after reading the log).
      const before = new Set((await snapshotDocs(repo, first.snapshot, 'directoryAudit')).get('directoryAudit')?.keys() ?? []);
      const audit = (await listAll<Doc>(bench.admin, '/auditLogs/directoryAudits', { $top: 999 })).map((a) => String(a.id)).filter((id) => !before.has(id));
      expect(audit.length).toBeGreaterThanOrEqual(auditWrites);
      expect([...newAudit].sort()).toEqual(audit.sort());
    }
    if (second.types.auditEvent?.absent === undefined) {
      // Intune keeps its own log, of the Intune writes above only.
      const events = await listAll<Doc>(bench.admin, '/deviceManagement/auditEvents');
      expect(events.length).toBe(intuneWrites);
      expect([...newIntuneEvents].sort()).toEqual(events.map((e) => String(e.id)).sort());
    }
  });

  it('stores every item equal to the emulator\'s copy', async () => {
    const docs = await snapshotDocs(repo, second.snapshot);
    const softDeleted = new Set<string>();
    for (const kind of ['user', 'group', 'application', 'servicePrincipal']) {
      for (const d of await listAll<Doc>(bench.admin, `/directory/deletedItems/microsoft.graph.${kind}`, { $select: 'id' })) softDeleted.add(String(d.id));
    }
    const compared: string[] = [];
    for (const declaration of listResources('azure') as ResourceDeclaration[]) {
      const type = declaration.name;
      if (declaration.change === 'appendOnly') continue;
      if (second.types[type]?.absent !== undefined) continue;
      const stored = docs.get(type) ?? new Map<string, Doc>();
      const live = declaration.endpoint === 'exchange' ? await liveExchange(exchange(bench), declaration) : await liveMain(bench.admin, type);
      expect([...stored.keys()].sort(), type).toEqual([...live.keys()].sort());
      const embedded = embeddedNames(declaration);
      for (const [id, doc] of stored) {
        const main = Object.fromEntries(Object.entries(doc).filter(([k]) => !embedded.includes(k)));
        expect(sortDeep(main), `${type}/${id}`).toEqual(sortDeep(live.get(id)));
        for (const sub of getResource(type).subResources.filter((s) => s.read !== 'expand')) {
          if (second.types[type]?.skippedSubResources?.[sub.name]) continue;
          const value = sub.command ? await liveExchangeSub(exchange(bench), sub, id) : await liveSub(bench.admin, declaration, sub, id);
          if (sub.kind === 'collection' && (sub.read === 'delta' || sub.select?.join() === 'id')) {
            // Soft-deleted members stay in delta member lists until purged (facts §3.3).
            const kept = ids(doc[sub.name]).filter((m) => !softDeleted.has(m) || ids(value).includes(m));
            expect(kept, `${type}/${id}.${sub.name}`).toEqual(ids(value));
          } else if (sub.kind === 'properties') {
            for (const p of sub.select ?? []) expect(doc[p], `${type}/${id}.${p}`).toEqual((value as Doc | null)?.[p]);
          } else if (sub.kind === 'object') {
            expect((doc[sub.name] as Doc | null)?.id ?? null, `${type}/${id}.${sub.name}`).toEqual((value as Doc | null)?.id ?? null);
          } else {
            expect(sortDeep(doc[sub.name]), `${type}/${id}.${sub.name}`).toEqual(sortDeep(value));
          }
        }
      }
      compared.push(type);
    }
    expect(compared).toEqual(expect.arrayContaining(['user', 'group', 'application', 'servicePrincipal', 'device', 'administrativeUnit', 'directoryRole']));
    if (exchangeChanged) expect(compared).toContain('distributionGroup');
  }, 60_000);
});
