/**
 * Crash safety (spec §10): a child process writing a large snapshot is killed with SIGKILL at 20
 * moments chosen by a seeded PRNG from its progress lines (the pipe lets the child run a little
 * ahead of the line that triggers the kill, so a moment is "about there", never a sleep). After each kill: check --read-data
 * passes, no partial snapshot is listed, the dead writer's lock is seen as stale and removed, and
 * the next snapshot of the same data succeeds, re-using the blobs of every pack the killed run
 * had indexed.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openRepository, type Repository, type SnapshotInfo } from '../../src/repository/index.js';
import { FsBlobStore } from '../../src/storage/index.js';
import { CRASH_OPTIONS, crashTenant, PASSWORD } from './crash-setup.js';
import { collect, newRepository, tempDir } from './helpers.js';
import { prng } from './fixtures/synthetic-tenant.js';

const ROUNDS = 20;
const ITEMS = 1000;
const SEED = 4242;
const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

interface Killed {
  readonly lines: number;
  readonly locked: boolean;
  readonly committed: string | undefined;
  readonly pid: number;
}

/** Runs the child and kills it once it has printed `killAfter` lines (or lets it finish). */
function runChild(dir: string, round: number, killAfter: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(SEED), String(ITEMS), String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let locked = false;
    let committed: string | undefined;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines++;
      if (line === 'locked') locked = true;
      if (line.startsWith('committed ')) committed = line.slice('committed '.length);
      if (lines >= killAfter) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve({ lines, locked, committed, pid: child.pid ?? -1 });
    });
  });
}

async function countIndexFiles(dir: string): Promise<number> {
  return (await collect(new FsBlobStore(dir).list('index/'))).length;
}

describe('crash safety', () => {
  it(`survives SIGKILL at ${ROUNDS} random moments of a large snapshot`, async () => {
    const tmp = tempDir('tv-crash-');
    try {
      const store = new FsBlobStore(tmp.path);
      const { repo: initial } = await newRepository(store, CRASH_OPTIONS);
      const first = await initial.startSnapshot({ profile: 'crash' });
      await first.replaceType('user', crashTenant(SEED, ITEMS, 0).items('user'));
      const committed: SnapshotInfo[] = [await first.commit()];
      const random = prng(SEED);
      let resumedWithReuse = 0;

      for (let round = 1; round <= ROUNDS; round++) {
        // Progress lines: "locked", one per item, "commit", "committed": kill anywhere among them.
        const killAfter = 1 + Math.floor(random() * (ITEMS + 3));
        const indexBefore = await countIndexFiles(tmp.path);
        const killed = await runChild(tmp.path, round, killAfter);
        const where = `round ${round}, killed after line ${killed.lines}`;

        const repo: Repository = await openRepository(store, PASSWORD, CRASH_OPTIONS);
        // No partial snapshot: what is listed is what committed, plus the killed run's snapshot if
        // it got as far as writing its file — in which case it is whole (check below reads it all).
        const listed = await collect(repo.snapshots());
        const known = new Set(committed.map((s) => s.id));
        const extra = listed.filter((s) => !known.has(s.id));
        expect(extra.length, where).toBeLessThanOrEqual(1);
        if (extra[0]) {
          // Progress lines reach us through a pipe, so the child may be ahead of what we read.
          expect((await collect(repo.entries(extra[0]))).length, where).toBe(extra[0].stats.items);
          committed.push(extra[0]);
        }

        const report = await repo.check({ readData: true });
        expect(report.errors, where).toEqual([]);
        expect(report.ok, where).toBe(true);

        // The dead writer's lock (if it got that far) is stale: its pid is gone on this host.
        const locks = await repo.listLocks();
        for (const l of locks) expect(l, where).toMatchObject({ pid: killed.pid, stale: true, staleReason: 'process-gone' });
        expect(await repo.removeStaleLocks(), where).toBe(locks.length);

        // The next snapshot of the same data succeeds and re-uses what the killed run indexed.
        const indexedByKilled = (await countIndexFiles(tmp.path)) - indexBefore;
        const writer = await repo.startSnapshot({ profile: 'crash' });
        const stats = await writer.replaceType('user', crashTenant(SEED, ITEMS, round).items('user'));
        const next = await writer.commit();
        committed.push(next);
        const documentsStored = next.stats.blobsAdded - next.stats.treeBlobsAdded;
        const documentsChanged = stats.new + stats.changed;
        expect(documentsStored, where).toBeLessThanOrEqual(documentsChanged);
        if (indexedByKilled > 0 && !extra[0]) {
          expect(documentsStored, where).toBeLessThan(documentsChanged);
          resumedWithReuse++;
        }
        expect((await collect(repo.entries(next))).length, where).toBe(next.stats.items);
        await repo.close();
      }
      // The seeded moments are spread out enough that several kills landed after an index file.
      expect(resumedWithReuse).toBeGreaterThanOrEqual(5);
      // What the killed runs left behind (indexed but unreferenced blobs, unindexed packs) is
      // exactly what prune removes; afterwards every snapshot still checks out.
      const final = await openRepository(store, PASSWORD, CRASH_OPTIONS);
      const plan = await final.planPrune();
      expect(plan.deletePacks.length + plan.repackPacks.length).toBeGreaterThan(0);
      await final.executePrune(plan);
      expect(await final.check({ readData: true })).toMatchObject({ ok: true, errors: [], warnings: [] });
      expect((await collect(final.snapshots())).length).toBe(committed.length);
    } finally {
      tmp.remove();
    }
  }, 180_000);
});
