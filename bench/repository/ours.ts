/**
 * One snapshot of the benchmark through Tenant Vault's repository, in its own process so that its
 * peak memory can be measured. Reads the day's items from NDJSON files (one per type) written by
 * run.ts, streams them into the repository and prints one JSON line of results.
 *
 * Usage: node --import tsx bench/repository/ours.ts REPO_DIR INPUT_DIR full|delta|parse DAY
 *   full:  replaceType with every item of the type (a type listed in full)
 *   delta: patchType with the day's changes (a type read through delta queries)
 *   parse: only read and parse the full listing, to tell the input's cost from the repository's
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Secret } from '../../src/config/index.js';
import { initRepository, openRepository, type Item, type ItemDeletion } from '../../src/repository/index.js';
import { FsBlobStore } from '../../src/storage/index.js';

export const BENCH_TYPES = ['user', 'group', 'device'] as const;

/**
 * NDJSON items, parsed one line at a time. Lines are found in the bytes and each is decoded on its
 * own: a plain splitter (readline costs a second per 100,000 lines), and no string decoder or
 * joined chunk text, which cost a few tenths of a second more — the input's cost is what the
 * `parse` mode measures, and it should be the parsing, not the splitting.
 */
async function* lines(path: string): AsyncGenerator<Item | ItemDeletion> {
  if (!existsSync(path)) return;
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    if (rest.length > 0) {
      // Only the line split across chunks is copied, not the chunk.
      const end = chunk.indexOf(10);
      if (end < 0) {
        rest = Buffer.concat([rest, chunk]);
        continue;
      }
      const line = Buffer.concat([rest, chunk.subarray(0, end)]);
      if (line.length > 0) yield JSON.parse(line.toString('utf8')) as Item | ItemDeletion;
      start = end + 1;
    }
    for (let end = chunk.indexOf(10, start); end >= 0; end = chunk.indexOf(10, start)) {
      if (end > start) yield JSON.parse(chunk.toString('utf8', start, end)) as Item | ItemDeletion;
      start = end + 1;
    }
    rest = Buffer.from(chunk.subarray(start));
  }
  if (rest.length > 0 && rest.toString('utf8').trim()) yield JSON.parse(rest.toString('utf8')) as Item | ItemDeletion;
}

const [repoDir, inputDir, mode, dayText] = process.argv.slice(2) as [string, string, 'full' | 'delta' | 'parse', string];
const day = Number(dayText);
if (mode === 'parse') {
  let n = 0;
  for (const type of BENCH_TYPES) for await (const _ of lines(join(inputDir, `full-${type}.ndjson`))) n++;
  process.stdout.write(JSON.stringify({ items: n, maxRssKiB: process.resourceUsage().maxRSS }) + '\n');
  process.exit(0);
}
const password = new Secret(process.env.TV_BENCH_PASSWORD ?? 'bench');
const store = new FsBlobStore(repoDir);
const started = performance.now();
const repo = day === 0 ? await initRepository(store, password) : await openRepository(store, password);
const opened = performance.now();
const writer = await repo.startSnapshot({ profile: 'bench', time: new Date(Date.UTC(2026, 0, 1) + day * 86_400_000) });
const perType: Record<string, unknown> = {};
for (const type of BENCH_TYPES) {
  const file = join(inputDir, `${mode}-${type}.ndjson`);
  perType[type] = mode === 'full' ? await writer.replaceType(type, lines(file) as AsyncIterable<Item>) : await writer.patchType(type, lines(file));
}
const snapshot = await writer.commit();
const done = performance.now();
await repo.close();
process.stdout.write(JSON.stringify({ openMs: opened - started, snapshotMs: done - opened, maxRssKiB: process.resourceUsage().maxRSS, stats: snapshot.stats, perType }) + '\n');
