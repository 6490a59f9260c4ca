/**
 * The emulator's building blocks without HTTP: the change log (grouping, relationship changes,
 * retention), the entity store (copy-on-write, resumable scans across compaction), compact
 * relations, the router's OData path forms, and the clock.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/emulator/index.js';
import { ChangeKind, ChangeLog, DELTA_RETENTION_MS } from '../../src/emulator/state/change-log.js';
import { EntityStore } from '../../src/emulator/state/store.js';
import { Relation } from '../../src/emulator/state/relation.js';
import { Router, splitPath } from '../../src/emulator/graph/router.js';

describe('change log', () => {
  it('groups changes per object, keeps the last kind and the last link operation', () => {
    const log = new ChangeLog();
    const start = log.nextSeq;
    log.record('a', ChangeKind.upsert, 0);
    log.record('g', ChangeKind.linkAdd, 0, 'members', 'u1');
    log.record('a', ChangeKind.softDelete, 0);
    log.record('g', ChangeKind.linkAdd, 0, 'members', 'u2');
    log.record('g', ChangeKind.linkRemove, 0, 'members', 'u1');
    const changes = log.since(start);
    expect(changes.get('a')?.kind).toBe(ChangeKind.softDelete);
    expect(changes.get('g')?.kind).toBeUndefined();
    expect([...(changes.get('g')?.links?.get('members') ?? [])]).toEqual([['u2', true], ['u1', false]]);
    expect(log.since(start, start + 1).size).toBe(1);
  });

  it('drops entries older than the delta window but keeps sequence numbers', () => {
    const log = new ChangeLog();
    for (let i = 0; i < 5_000; i++) log.record(`o${i}`, ChangeKind.upsert, 0);
    const next = log.nextSeq;
    log.record('late', ChangeKind.upsert, DELTA_RETENTION_MS + 1);
    log.compact(DELTA_RETENTION_MS + 1);
    expect(log.oldestSeq).toBe(5_000);
    expect(log.nextSeq).toBe(next + 1);
    expect([...log.since(0).keys()]).toEqual(['late']);
  });
});

describe('entity store', () => {
  it('stores new objects on update and resumes scans across compaction', () => {
    const store = new EntityStore('things', { trackChanges: true, now: () => 0 });
    for (let i = 0; i < 3_000; i++) store.insert({ id: `t${i}`, n: i });
    const before = store.get('t1');
    const { after } = store.update('t1', { n: -1 }) as unknown as { after: { n: number } };
    expect(before?.n).toBe(1);
    expect(after.n).toBe(-1);
    expect(store.get('t1')).toBe(after);
    // Read a page, delete enough to compact, then resume from the last ID.
    const page = [...store.scan(0)].slice(0, 10);
    const lastId = page[9]?.[1].id as string;
    const epoch = store.epoch;
    for (let i = 0; i < 2_000; i++) if (i !== 9 && i >= 10) store.remove(`t${i}`);
    expect(store.epoch).toBeGreaterThan(epoch);
    const resumeAt = (store.ordinalOf(lastId) as number) + 1;
    expect([...store.scan(resumeAt)][0]?.[1].id).toBe('t2000');
    expect(store.size).toBe(1_010);
  });
});

describe('relation', () => {
  it('indexes both ways and detaches an object', () => {
    const r = new Relation('members');
    expect(r.add(1, 10)).toBe(true);
    expect(r.add(1, 10)).toBe(false);
    r.add(2, 10);
    r.add(1, 11);
    expect([...r.sources(10)]).toEqual([1, 2]);
    expect(r.detach(10)).toEqual([[1, 10], [2, 10]]);
    expect([...r.targets(1)]).toEqual([11]);
    expect(r.size).toBe(1);
  });
});

describe('router', () => {
  it('normalises OData path forms and prefers literals', () => {
    expect(splitPath("/users('abc')/manager")).toEqual(['users', 'abc', 'manager']);
    expect(splitPath("/servicePrincipals(appId='x-y')")).toEqual(['servicePrincipals', 'appId=x-y']);
    expect(splitPath('/users/delta()')).toEqual(['users', 'delta']);
    const router = new Router<string>();
    router.add('v1.0', 'GET', '/users/{id}', 'get');
    router.add('v1.0', 'GET', '/users/delta', 'delta');
    router.add('v1.0', 'POST', '/applications/{id}/addPassword', 'addPassword');
    const m = (path: string, method: 'GET' | 'POST' = 'GET') => router.match('v1.0', method, path);
    expect(m('/Users/DELTA')).toMatchObject({ kind: 'match', match: { route: 'delta' } });
    expect(m('/users/microsoft.graph.delta()')).toMatchObject({ kind: 'match', match: { route: 'delta' } });
    expect(m('/users/123')).toMatchObject({ kind: 'match', match: { route: 'get', params: { id: '123' } } });
    expect(m('/applications/1/microsoft.graph.addPassword', 'POST')).toMatchObject({ kind: 'match', match: { route: 'addPassword' } });
    expect(m('/users/123', 'POST')).toEqual({ kind: 'method', allowed: ['GET'] });
    expect(m('/groups')).toEqual({ kind: 'none', segment: 'groups' });
    expect(router.match('beta', 'GET', '/users/1').kind).toBe('none');
  });
});

describe('manual clock', () => {
  it('wakes sleepers in deadline order when advanced', async () => {
    const clock = new ManualClock(0);
    const woke: number[] = [];
    const a = clock.sleep(200).then(() => woke.push(200));
    const b = clock.sleep(100).then(() => woke.push(100));
    expect(clock.sleepers).toBe(2);
    clock.advance(150);
    await b;
    expect(woke).toEqual([100]);
    clock.advance(100);
    await a;
    expect(woke).toEqual([100, 200]);
    const controller = new AbortController();
    const c = clock.sleep(1_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(c).rejects.toMatchObject({ code: 'ABORTED', cause: new Error('stop') });
    expect(clock.sleepers).toBe(0);
  });
});
