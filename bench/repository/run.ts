/**
 * Repository benchmark (not a test): a synthetic tenant of Graph-like users, groups and devices,
 * N daily snapshots with a given churn, written through Tenant Vault's repository (fs store) and,
 * in the same run, through restic on a directory with one file per item. Prints a Markdown report
 * and writes the raw figures as JSON next to the work directory.
 *
 *   npx tsx bench/repository/run.ts [--items 100000] [--days 30] [--churn 0.01] [--seed 1]
 *                                   [--work DIR] [--keep] [--no-restic]
 *
 * Each snapshot runs in its own process, measured with /usr/bin/time (wall time, peak RSS):
 * restic `backup` of the directory; ours in two modes — `full` (every item streamed through
 * replaceType, as for a type listed in full) and `delta` (only the day's changes through
 * patchType, as for a type read with delta queries). `restic` comes from Debian
 * (`apt-get install -y restic`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync, unlinkSync, readdirSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem, hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SyntheticTenant, type TenantType } from '../../test/repository/fixtures/synthetic-tenant.js';

const TYPES: readonly TenantType[] = ['user', 'group', 'device'];
const HERE = fileURLToPath(new URL('.', import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}
const ITEMS = Number(arg('items', '100000'));
const DAYS = Number(arg('days', '30'));
const CHURN = Number(arg('churn', '0.01'));
const SEED = Number(arg('seed', '1'));
const KEEP = process.argv.includes('--keep');
const RESTIC = !process.argv.includes('--no-restic');
const WORK = process.argv.includes('--work') ? arg('work', '') : mkdtempSync(join(tmpdir(), 'tv-bench-'));

const dirs = { src: join(WORK, 'src'), input: join(WORK, 'input'), full: join(WORK, 'ours-full'), delta: join(WORK, 'ours-delta'), restic: join(WORK, 'restic'), cache: join(WORK, 'restic-cache') };
for (const d of [dirs.src, dirs.input, ...TYPES.map((t) => join(dirs.src, t))]) mkdirSync(d, { recursive: true });
const env = { ...process.env, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: dirs.cache, TV_BENCH_PASSWORD: 'bench' };

/**
 * Our side runs as compiled JavaScript, as the installed CLI does: TypeScript loaders (tsx) add
 * about a second of start-up that restic's Go binary does not pay. Output goes to the ignored
 * `bench/out/` so that Node resolves the project's node_modules.
 */
function compileOurs(): string {
  const root = join(HERE, '..', '..');
  const outDir = join(root, 'bench', 'out', 'js');
  const config = join(root, 'bench', 'out', 'tsconfig.bench.json');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(config, JSON.stringify({ extends: join(root, 'tsconfig.json'), compilerOptions: { outDir, rootDir: root, noEmit: false, sourceMap: false, declaration: false }, files: [join(HERE, 'ours.ts')], include: [] }));
  spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], { stdio: 'inherit' });
  return join(outDir, 'bench', 'repository', 'ours.js');
}
const OURS_JS = compileOurs();

interface Measured {
  readonly wallS: number;
  /** User + system CPU seconds: steadier than wall time on a shared machine. */
  readonly cpuS: number;
  readonly maxRssKiB: number;
  readonly stdout: string;
}

/** Runs a command under /usr/bin/time; wall and CPU seconds and peak RSS of the command. */
function timed(cmd: string, args: readonly string[]): Measured {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]), maxRssKiB: Number(m[4]), stdout: r.stdout };
}

function sizeOf(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? sizeOf(p) : statSync(p).size;
  }
  return n;
}

// ---- the tenant, materialised as files (restic's input) and NDJSON (ours) ----------------------

const tenant = new SyntheticTenant(SEED, ITEMS);
/** Serialised document per slot (the parent's working copy; the measured processes never hold it). */
const docs: (string | undefined)[] = [];
const slotType: TenantType[] = [];

function fileOf(slot: number): string {
  return join(dirs.src, slotType[slot] as string, `${tenant.idOf(slot)}.json`);
}

function materialise(slot: number): void {
  const item = tenant.item(slot);
  slotType[slot] = item.type;
  docs[slot] = JSON.stringify({ type: item.type, id: item.id, name: item.name, document: item.document });
  writeFileSync(fileOf(slot), JSON.stringify(item.document));
}

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const line of lines) if (!out.write(line + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

async function writeInputs(changes: { upserts: number[]; deleted: number[] } | undefined): Promise<void> {
  for (const type of TYPES) {
    await writeLines(join(dirs.input, `full-${type}.ndjson`), (function* () {
      for (let s = 0; s < docs.length; s++) if (docs[s] !== undefined && slotType[s] === type) yield docs[s] as string;
    })());
    await writeLines(join(dirs.input, `delta-${type}.ndjson`), (function* () {
      if (!changes) {
        for (let s = 0; s < docs.length; s++) if (docs[s] !== undefined && slotType[s] === type) yield docs[s] as string;
        return;
      }
      for (const s of changes.upserts) if (slotType[s] === type) yield docs[s] as string;
      for (const s of changes.deleted) if (slotType[s] === type) yield JSON.stringify({ type, id: tenant.idOf(s), deleted: true });
    })());
  }
}

// ---- one day ----------------------------------------------------------------------------------

interface Side {
  wallS: number;
  cpuS: number;
  maxRssKiB: number;
  sizeBytes: number;
}

interface DayResult {
  day: number;
  restic?: Side;
  full: Side & { snapshotMs: number; treeBytesAdded: number; bytesAdded: number };
  delta: Side & { snapshotMs: number };
  /** Reading and parsing the full listing alone (measured on day 1): the input's share of `full`. */
  parse?: { wallS: number; cpuS: number };
}

function ours(mode: 'full' | 'delta', day: number): Omit<DayResult['full'], 'sizeBytes'> {
  const m = timed(process.execPath, [OURS_JS, mode === 'full' ? dirs.full : dirs.delta, dirs.input, mode, String(day)]);
  const out = JSON.parse(m.stdout.trim().split('\n').pop() as string) as { snapshotMs: number; stats: { treeBytesAdded: number; bytesAdded: number } };
  return { wallS: m.wallS, cpuS: m.cpuS, maxRssKiB: m.maxRssKiB, snapshotMs: out.snapshotMs, treeBytesAdded: out.stats.treeBytesAdded, bytesAdded: out.stats.bytesAdded };
}

async function main(): Promise<void> {
  const started = Date.now();
  console.error(`work directory ${WORK}; ${ITEMS} items, ${DAYS} days, churn ${CHURN}`);
  for (let s = 0; s < ITEMS; s++) materialise(s);
  await writeInputs(undefined);
  if (RESTIC) execFileSync('restic', ['-r', dirs.restic, 'init', '--repository-version', '2'], { env, stdio: 'ignore' });

  const results: DayResult[] = [];
  for (let day = 0; day <= DAYS; day++) {
    if (day > 0) {
      const c = tenant.churn(day, CHURN);
      for (const s of [...c.modified, ...c.created]) materialise(s);
      for (const s of c.deleted) {
        unlinkSync(fileOf(s));
        docs[s] = undefined;
      }
      await writeInputs({ upserts: [...c.modified, ...c.created], deleted: [...c.deleted] });
    }
    // Same conditions for all three, one after the other.
    let restic: DayResult['restic'];
    if (RESTIC) {
      const r = timed('restic', ['-r', dirs.restic, 'backup', '--quiet', '--host', 'bench', '--pack-size', '16', dirs.src]);
      restic = { wallS: r.wallS, cpuS: r.cpuS, maxRssKiB: r.maxRssKiB, sizeBytes: sizeOf(dirs.restic) };
    }
    const full = ours('full', day);
    const delta = ours('delta', day);
    const parse = day === 1 ? timed(process.execPath, [OURS_JS, dirs.full, dirs.input, 'parse', String(day)]) : undefined;
    const result: DayResult = { day, ...(restic ? { restic } : {}), full: { ...full, sizeBytes: sizeOf(dirs.full) }, delta: { wallS: delta.wallS, cpuS: delta.cpuS, maxRssKiB: delta.maxRssKiB, snapshotMs: delta.snapshotMs, sizeBytes: sizeOf(dirs.delta) }, ...(parse ? { parse: { wallS: parse.wallS, cpuS: parse.cpuS } } : {}) };
    results.push(result);
    console.error(JSON.stringify(result));
  }
  const summary = summarise(results, Date.now() - started);
  writeFileSync(`${WORK}.json`, JSON.stringify({ items: ITEMS, days: DAYS, churn: CHURN, seed: SEED, results, summary }, null, 2));
  console.log(report(summary));
  if (!KEEP) rmSync(WORK, { recursive: true, force: true });
}

// ---- report ------------------------------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function summarise(results: DayResult[], totalMs: number) {
  const first = results[0] as DayResult;
  const last = results[results.length - 1] as DayResult;
  const inc = results.slice(1);
  const side = (pick: (r: DayResult) => Side | undefined) => {
    if (!pick(first)) return undefined;
    return {
      fullSnapshotBytes: pick(first)?.sizeBytes as number,
      finalBytes: pick(last)?.sizeBytes as number,
      firstWallS: pick(first)?.wallS as number,
      incrementalWallS: { median: median(inc.map((r) => pick(r)?.wallS as number)), mean: mean(inc.map((r) => pick(r)?.wallS as number)) },
      incrementalCpuS: { median: median(inc.map((r) => pick(r)?.cpuS as number)) },
      firstCpuS: pick(first)?.cpuS as number,
      peakRssKiB: { first: pick(first)?.maxRssKiB as number, incremental: Math.max(...inc.map((r) => pick(r)?.maxRssKiB as number)) },
    };
  };
  return {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${hostname()}`,
    node: process.version,
    restic: RESTIC ? execFileSync('restic', ['version'], { encoding: 'utf8' }).trim() : undefined,
    date: new Date().toISOString(),
    totalMinutes: totalMs / 60_000,
    items: ITEMS, days: DAYS, churn: CHURN,
    restic_: side((r) => r.restic),
    full: side((r) => r.full),
    delta: side((r) => r.delta),
    fullSnapshotMs: { median: median(inc.map((r) => r.full.snapshotMs)) },
    parseCpuS: results.find((r) => r.parse)?.parse?.cpuS,
    deltaSnapshotMs: { median: median(inc.map((r) => r.delta.snapshotMs)) },
    treeBytes: { full: first.full.treeBytesAdded, incrementalMedian: median(inc.map((r) => r.full.treeBytesAdded)), incrementalMax: Math.max(...inc.map((r) => r.full.treeBytesAdded)), incrementalTotal: inc.reduce((n, r) => n + r.full.treeBytesAdded, 0) },
  };
}

function report(s: ReturnType<typeof summarise>): string {
  const mb = (n: number): string => (n / 1e6).toFixed(1) + ' MB';
  const rows: string[] = [];
  const line = (name: string, x: ReturnType<typeof summarise>['full']): void => {
    if (!x) return;
    rows.push(`| ${name} | ${mb(x.fullSnapshotBytes)} | ${mb(x.finalBytes)} | ${(x.finalBytes / x.fullSnapshotBytes).toFixed(2)} | ${x.firstWallS.toFixed(1)} s (CPU ${x.firstCpuS.toFixed(1)} s) | ${x.incrementalWallS.median.toFixed(2)} s (mean ${x.incrementalWallS.mean.toFixed(2)}) | ${x.incrementalCpuS.median.toFixed(2)} s | ${(x.peakRssKiB.first / 1024).toFixed(0)} / ${(x.peakRssKiB.incremental / 1024).toFixed(0)} MiB |`);
  };
  line('restic (one file per item)', s.restic_);
  line('Tenant Vault, full listing (replaceType)', s.full);
  line('Tenant Vault, delta (patchType)', s.delta);
  const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? 'n/a' : (a / b).toFixed(2));
  return [
    `${s.items} items, ${s.days} daily snapshots, churn ${s.churn} — ${s.date.slice(0, 10)}, ${s.machine}, Node ${s.node}${s.restic ? `, ${s.restic}` : ''}; run took ${s.totalMinutes.toFixed(1)} min.`,
    '',
    '| | size after day 0 (one full snapshot) | size after last day | growth | first snapshot (wall) | incremental snapshot, median wall time | incremental, median CPU time | peak RSS first / incremental |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Ratios ours/restic: size after ${s.days} days ${ratio(s.full?.finalBytes, s.restic_?.finalBytes)}; incremental wall time full listing ${ratio(s.full?.incrementalWallS.median, s.restic_?.incrementalWallS.median)}, delta ${ratio(s.delta?.incrementalWallS.median, s.restic_?.incrementalWallS.median)}; incremental CPU time full listing ${ratio(s.full?.incrementalCpuS.median, s.restic_?.incrementalCpuS.median)}, delta ${ratio(s.delta?.incrementalCpuS.median, s.restic_?.incrementalCpuS.median)}; peak RSS (incremental) full ${ratio(s.full?.peakRssKiB.incremental, s.restic_?.peakRssKiB.incremental)}, delta ${ratio(s.delta?.peakRssKiB.incremental, s.restic_?.peakRssKiB.incremental)}.`,
    `Inside the process (without start-up and opening): full-listing snapshot ${(s.fullSnapshotMs.median / 1000).toFixed(2)} s, delta snapshot ${(s.deltaSnapshotMs.median / 1000).toFixed(2)} s (medians).`,
    s.parseCpuS === undefined ? '' : `Reading and parsing the full listing alone (the input, not the repository): ${s.parseCpuS.toFixed(2)} s CPU.`,
    `Tree bytes written: first snapshot ${mb(s.treeBytes.full)}; per incremental median ${mb(s.treeBytes.incrementalMedian)} (${((100 * s.treeBytes.incrementalMedian) / s.treeBytes.full).toFixed(1)} %), max ${mb(s.treeBytes.incrementalMax)} (a fold), total over ${s.days} days ${mb(s.treeBytes.incrementalTotal)}.`,
  ].join('\n');
}

await main();
