/**
 * Shared helpers for the browse tests: a repository on disk with cheap key derivation, snapshots
 * written from a plain model of items (one `replaceType` per type), the catalog kept in step
 * with `syncCatalog`, and Graph-shaped directory audit records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog, type Catalog } from '../../src/catalog/index.js';
import { Secret } from '../../src/config/index.js';
import { syncCatalog } from '../../src/engine/catalog-sync.js';
import { initRepository, type KdfParams, type Repository, type SnapshotInfo } from '../../src/repository/index.js';
import { FsBlobStore } from '../../src/storage/index.js';

export const CHEAP_KDF: KdfParams = { N: 16, r: 1, p: 1 };
export const PASSWORD = 'browse test password';

export interface ModelItem {
  readonly type: string;
  readonly id: string;
  readonly name: string;
  readonly document: Record<string, unknown>;
  readonly meta?: Record<string, unknown>;
}

export function guid(n: number, prefix = '0000'): string {
  return `${prefix.padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

export function user(n: number, overrides: Record<string, unknown> = {}): ModelItem {
  const id = guid(n, 'a');
  const document = { id, displayName: `User ${n}`, userPrincipalName: `user${n}@contoso.example`, jobTitle: 'Engineer', department: 'R&D', ...overrides };
  return { type: 'user', id, name: String(document.displayName), document };
}

export interface TestRepo {
  readonly dir: string;
  readonly repoPath: string;
  readonly repo: Repository;
  readonly catalog: Catalog;
  /** Writes a snapshot of `profile` holding exactly `items` and records it in the catalog. */
  snapshot(profile: string, time: string, items: Iterable<ModelItem>): Promise<SnapshotInfo>;
  close(): Promise<void>;
}

export async function createTestRepo(prefix = 'tv-browse-'): Promise<TestRepo> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const repoPath = join(dir, 'repo');
  const repo = await initRepository(new FsBlobStore(repoPath), new Secret(PASSWORD), { kdf: CHEAP_KDF });
  const catalog = await openCatalog(join(dir, 'catalog.sqlite'));
  return {
    dir,
    repoPath,
    repo,
    catalog,
    async snapshot(profile, time, items) {
      const byType = new Map<string, ModelItem[]>();
      for (const item of items) {
        const list = byType.get(item.type) ?? [];
        list.push(item);
        byType.set(item.type, list);
      }
      const writer = await repo.startSnapshot({ profile, time: new Date(time) });
      for (const type of Object.keys(writer.parent?.types ?? {})) if (!byType.has(type)) writer.removeType(type);
      for (const [type, list] of byType) {
        await writer.replaceType(type, list.map((i) => ({ type: i.type, id: i.id, name: i.name, document: i.document, ...(i.meta ? { meta: i.meta } : {}) })));
      }
      const info = await writer.commit();
      await syncCatalog(repo, catalog);
      return info;
    },
    async close() {
      await catalog.close();
      await repo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface AuditSpec {
  readonly id: string;
  readonly time: string;
  readonly activity: string;
  readonly operationType?: string;
  readonly targets: readonly { id: string; type?: string; properties?: readonly string[] }[];
  readonly user?: { id: string; userPrincipalName: string };
  readonly app?: { appId: string; displayName: string; servicePrincipalId: string };
}

/** A record shaped as Graph's directoryAudit (https://learn.microsoft.com/graph/api/resources/directoryaudit). */
export function auditRecord(spec: AuditSpec): ModelItem {
  const document = {
    id: spec.id,
    category: 'UserManagement',
    correlationId: guid(1, 'c0'),
    result: 'success',
    resultReason: '',
    activityDisplayName: spec.activity,
    activityDateTime: spec.time,
    loggedByService: 'Core Directory',
    operationType: spec.operationType ?? 'Update',
    initiatedBy: {
      user: spec.user ? { id: spec.user.id, displayName: null, userPrincipalName: spec.user.userPrincipalName, ipAddress: '127.0.0.1' } : null,
      app: spec.app ? { appId: spec.app.appId, displayName: spec.app.displayName, servicePrincipalId: spec.app.servicePrincipalId, servicePrincipalName: spec.app.displayName } : null,
    },
    targetResources: spec.targets.map((t) => ({
      id: t.id,
      displayName: null,
      type: t.type ?? 'User',
      userPrincipalName: null,
      groupType: null,
      modifiedProperties: [
        ...(t.properties ?? []).map((p) => ({ displayName: p, oldValue: '["old"]', newValue: '["new"]' })),
        ...(t.properties?.length ? [{ displayName: 'Included Updated Properties', oldValue: null, newValue: JSON.stringify(t.properties.join(', ')) }] : []),
      ],
    })),
    additionalDetails: [],
  };
  return { type: 'directoryAudit', id: spec.id, name: spec.activity, document };
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
