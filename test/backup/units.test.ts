/**
 * The backup engine's pure parts: documents (annotations stripped, `@odata.type` kept, names,
 * listing hashes), folding partial delta objects and relationship changes onto the previous
 * document (facts §3.2–3.3), the on-disk delta fold (non-adjacent slices, replays, removal then
 * restore) and expand values, and the decision of which sub-resources an item needs read again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getResource } from '../../src/connectors/index.js';
import { applyRelationshipDelta, cleanDocument, foldDeltaObject, itemName, listingHash } from '../../src/engine/backup/documents.js';
import { DeltaFold } from '../../src/engine/backup/fold.js';
import { BulkValues } from '../../src/engine/backup/bulk-values.js';
import { removeStaleScratch } from '../../src/repository/index.js';
import { ChangeSignals, ParentView, RunContext, Warnings } from '../../src/engine/backup/context.js';
import { plannedReads } from '../../src/engine/backup/sub-reads.js';
import { isOptInSub, chooseTypes } from '../../src/engine/backup/session.js';
import { tenantSizeOf } from '../../src/engine/backup/index.js';
import { silentLogger } from '../../src/logging/index.js';
import type { Connection } from '../../src/engine/profiles/index.js';

const member = (id: string, removed = false) => ({ '@odata.type': '#microsoft.graph.user', id, ...(removed ? { '@removed': { reason: 'deleted' } } : {}) });

describe('documents', () => {
  it('strips response annotations at every depth and keeps @odata.type', () => {
    const raw = {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#deviceManagement/deviceConfigurations/$entity',
      '@odata.type': '#microsoft.graph.windows10GeneralConfiguration',
      id: 'c1',
      'assignments@odata.context': 'x',
      assignments: [{ id: 'a1', target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g' } }],
      nested: { 'items@odata.nextLink': 'https://next', '@odata.count': 3, keep: true },
    };
    expect(cleanDocument(raw)).toEqual({
      '@odata.type': '#microsoft.graph.windows10GeneralConfiguration', id: 'c1',
      assignments: [{ id: 'a1', target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g' } }],
      nested: { keep: true },
    });
    expect(raw['@odata.context']).toBeDefined();
  });

  it('names items for search and hashes listings independently of key order', () => {
    expect(itemName({ id: 'x', displayName: 'Alice', userPrincipalName: 'a@x' })).toBe('Alice');
    expect(itemName({ id: 'x', name: 'Policy' })).toBe('Policy');
    expect(itemName({ ExternalDirectoryObjectId: 'x', DisplayName: 'DL' })).toBe('DL');
    expect(listingHash({ a: 1, b: [1, 2] })).toBe(listingHash({ b: [1, 2], a: 1 }));
    expect(listingHash({ a: 1 })).not.toBe(listingHash({ a: 2 }));
  });

  it('applies relationship additions and removals in order', () => {
    expect(applyRelationshipDelta([member('a'), member('b')], [member('b', true), member('c'), member('a')])).toEqual([member('a'), member('c')]);
    expect(applyRelationshipDelta(undefined, [member('x')])).toEqual([member('x')]);
  });

  it('folds a partial update onto the previous document, keeping lists it does not mention', () => {
    const group = getResource('group');
    const previous = { id: 'g', displayName: 'Old', description: 'd', members: [member('a'), member('b')], owners: [member('o')] };
    expect(foldDeltaObject(group, previous, { id: 'g', displayName: 'New' })).toEqual({ ...previous, displayName: 'New' });
    expect(foldDeltaObject(group, previous, { id: 'g', 'members@delta': [member('a', true), member('c')] })).toEqual({ ...previous, members: [member('b'), member('c')] });
    // A full object: relationship lists are complete (empty when not sent); other @delta keys are dropped.
    expect(foldDeltaObject(group, undefined, { id: 'g', displayName: 'X', 'manager@delta': [member('m')] })).toEqual({ id: 'g', displayName: 'X', members: [] });
  });
});

describe('delta fold', () => {
  it('merges non-adjacent slices, lets a removal win, and an upsert after a removal restore', () => {
    const fold = new DeltaFold();
    try {
      fold.add({ kind: 'upsert', item: { id: 'g1', displayName: 'G', 'members@delta': [member('a')] } });
      fold.add({ kind: 'upsert', item: { id: 'u1', displayName: 'U' } });
      fold.add({ kind: 'upsert', item: { id: 'g1', 'members@delta': [member('b')] } });
      fold.add({ kind: 'upsert', item: { id: 'u2', displayName: 'gone soon' } });
      fold.add({ kind: 'removed', id: 'u2', reason: 'changed', item: { id: 'u2' } });
      fold.add({ kind: 'removed', id: 'u3', reason: 'deleted', item: { id: 'u3' } });
      fold.add({ kind: 'upsert', item: { id: 'u3', displayName: 'restored' } });
      for (let i = 0; i < 1200; i++) fold.add({ kind: 'upsert', item: { id: `bulk${i}` } });
      fold.add({ kind: 'upsert', item: { id: 'u1', jobTitle: 'replayed' } });
      const rows = [...fold.rows()];
      expect(rows.slice(0, 4)).toEqual([
        { kind: 'upsert', id: 'g1', item: { id: 'g1', displayName: 'G', 'members@delta': [member('a'), member('b')] } },
        { kind: 'upsert', id: 'u1', item: { id: 'u1', displayName: 'U', jobTitle: 'replayed' } },
        { kind: 'removed', id: 'u2', reason: 'changed' },
        { kind: 'upsert', id: 'u3', item: { id: 'u3', displayName: 'restored' } },
      ]);
      expect(rows).toHaveLength(1204);
      expect(fold.has('bulk7')).toBe(true);
      expect(fold.has('nope')).toBe(false);
    } finally {
      fold.close();
    }
  });
});

describe('bulk values on disk', () => {
  it('keeps every value by sub-resource and id, the last one written winning, and removes its file on close', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-bulk-'));
    try {
      const bulk = new BulkValues(dir);
      for (let i = 0; i < 1234; i++) bulk.set(i % 2 === 0 ? 'manager' : 'owners', `id-${i}`, JSON.stringify({ id: `m-${i}` }));
      bulk.set('manager', 'id-0', 'null');
      expect(readdirSync(dir)).toHaveLength(1);
      expect(bulk.get('manager', 'id-0')).toBe('null');
      expect(bulk.get('manager', 'id-1232')).toBe('{"id":"m-1232"}');
      expect(bulk.get('owners', 'id-1233')).toBe('{"id":"m-1233"}');
      expect([bulk.has('owners', 'id-2'), bulk.has('manager', 'id-2'), bulk.has('manager', 'nobody')]).toEqual([false, true, false]);
      bulk.close();
      expect(existsSync(dir) && readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scratch files', () => {
  it('removes those of dead processes only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tv-scratch-'));
    try {
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      const names = [`tenant-vault-delta-${dead}-0123456789ab.sqlite`, `tenant-vault-expand-${process.pid}-0123456789ab.sqlite`, 'other.sqlite'];
      for (const name of names) writeFileSync(join(dir, name), '');
      expect(removeStaleScratch(dir)).toBe(1);
      expect(readdirSync(dir).sort()).toEqual(names.slice(1).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sub-read decisions', () => {
  const context = (signals: ChangeSignals) => new RunContext(
    {} as Connection, new ParentView(undefined, undefined, undefined), silentLogger, new Warnings(silentLogger), signals,
    { optIn: new Set(), consentUrl: 'https://login/consent' }, () => undefined,
  );
  const sp = getResource('servicePrincipal');
  const previous = { id: 's', owners: [member('o')], appRoleAssignedTo: [{ id: 'r' }] };

  it('reads everything for a new item and reuses unchanged sub-resources when signals say nothing changed', () => {
    const signals = new ChangeSignals();
    signals.available = true;
    const ctx = context(signals);
    expect(plannedReads(ctx, sp, 's', { id: 's' }, { isNew: true, changed: true, previous: undefined }).reads.map((s) => s.name)).toEqual(['owners', 'appRoleAssignedTo']);
    const reused = plannedReads(ctx, sp, 's', { id: 's', displayName: 'x' }, { isNew: false, changed: false, previous });
    expect(reused.reads).toEqual([]);
    expect(reused.document).toEqual({ id: 's', displayName: 'x', owners: previous.owners, appRoleAssignedTo: previous.appRoleAssignedTo });
    signals.add('S');
    expect(plannedReads(ctx, sp, 's', { id: 's' }, { isNew: false, changed: false, previous }).reads.map((s) => s.name)).toEqual(['owners', 'appRoleAssignedTo']);
  });

  it('reads everyRun sub-resources again when there are no signals, and whenNew ones only once', () => {
    const ctx = context(new ChangeSignals());
    expect(plannedReads(ctx, sp, 's', { id: 's' }, { isNew: false, changed: false, previous }).reads.map((s) => s.name)).toEqual(['owners', 'appRoleAssignedTo']);
    const keys = getResource('bitlockerRecoveryKey');
    expect(plannedReads(ctx, keys, 'k', { id: 'k' }, { isNew: false, changed: true, previous: { id: 'k', key: '123' } })).toEqual({ document: { id: 'k', key: '123' }, reads: [] });
    expect(plannedReads(ctx, keys, 'k', { id: 'k' }, { isNew: true, changed: true, previous: undefined }).reads.map((s) => s.name)).toEqual(['key']);
    const scripts = getResource('deviceManagementScript');
    expect(plannedReads(ctx, scripts, 'd', { id: 'd' }, { isNew: false, changed: true, previous: { id: 'd', scriptContent: 'b64' } }).reads.map((s) => s.name)).toEqual(['content']);
    ctx.skipSub('servicePrincipal', 'owners', 'missing permission');
    expect(plannedReads(ctx, sp, 's', { id: 's' }, { isNew: true, changed: true, previous: undefined }).reads.map((s) => s.name)).toEqual(['appRoleAssignedTo']);
  });

  it('keeps slow sub-resources opt-in and sizes tenants as Graph does', () => {
    expect(getResource('user').subResources.filter(isOptInSub).map((s) => s.name)).toEqual(['authenticationMethods']);
    expect(getResource('servicePrincipal').subResources.filter(isOptInSub)).toEqual([]);
    expect([tenantSizeOf(49), tenantSizeOf(50), tenantSizeOf(500), tenantSizeOf(501)]).toEqual(['small', 'medium', 'medium', 'large']);
    expect(chooseTypes('azure', ['group', 'user']).map((d) => d.name)).toEqual(['user', 'group']);
    expect(() => chooseTypes('azure', ['nonsense'])).toThrow(/Unknown resource type/);
  });
});
