/**
 * Browsing commands: `ls`, `show`, `find`, `history` and `diff` (also `diff SNAPSHOT --live`).
 * Thin faces over src/engine/browse: they resolve snapshot references, call the engine and print
 * — JSON with `--json` (the shapes are documented in docs/browse.md; `diff --json` is issue 4's
 * contract), aligned text otherwise.
 *
 * Guarantees: `ls` streams (one catalog page in memory, stdout backpressure honoured); snapshot
 * references are a full ID, a unique prefix or `latest` (of `--profile` when given); failures are
 * TenantVaultErrors with hints (SNAPSHOT_NOT_FOUND, ITEM_NOT_FOUND, USAGE for an ambiguous
 * prefix). The backup engine is loaded only by `diff --live`.
 */
import type { Command } from 'commander';
import { TenantVaultError } from '../../errors/index.js';
import type { Repository, SnapshotInfo } from '../../repository/index.js';
import {
  collectDifferences,
  countDifferences,
  describeActor,
  diffLive,
  diffSnapshots,
  findItems,
  isLogType,
  itemHistory,
  listSnapshotItems,
  liveDiffTypes,
  parseItemRef,
  showItem,
  snapshotIncludes,
  toDiffReport,
  type Attribution,
  type ItemDifference,
  type ItemHistory,
  type LiveItemSource,
  type SkippedType,
  type SnapshotPoint,
} from '../../engine/browse/index.js';
import type { Workspace } from '../../engine/workspace.js';
import { withWorkspace } from '../context.js';
import { formatTime, shortId, table } from '../format.js';
import { printJson, printLine } from '../output.js';
import { positiveInt } from '../arguments.js';

/** Thrown by `stdoutStream().write` once the reader has gone (`ls … | head`): stop quietly. */
class OutputClosed extends Error {}

/**
 * Writes a long answer to stdout, waiting while the pipe is full (so a listing never piles up in
 * memory) and noticing when the reader closes it early, which is not an error.
 */
function stdoutStream(): { write(text: string): Promise<void>; end(): void } {
  let closed = false;
  const onError = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE') throw err;
    closed = true;
  };
  process.stdout.on('error', onError);
  return {
    async write(text) {
      if (closed || process.stdout.destroyed) throw new OutputClosed();
      if (process.stdout.write(text)) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          process.stdout.off('drain', done);
          process.stdout.off('close', done);
          resolve();
        };
        process.stdout.on('drain', done);
        process.stdout.on('close', done);
      });
    },
    end() {
      process.stdout.off('error', onError);
      // Keep swallowing EPIPE for writes still buffered when the reader left.
      if (closed) process.stdout.on('error', () => undefined);
    },
  };
}

function at(s: SnapshotPoint): string {
  return `${shortId(s.id)} ${formatTime(s.time)}`;
}

function describeSnapshot(s: SnapshotInfo): string {
  return `${shortId(s.id)} (${s.profile}, ${formatTime(s.time)})`;
}

async function resolveSnapshot(repo: Repository, ref: string, profile: string | undefined, signal: AbortSignal): Promise<SnapshotInfo> {
  return repo.findSnapshot(ref, { signal, ...(profile === undefined ? {} : { profile }) });
}

// ---- ls --------------------------------------------------------------------------------------

async function ls(ws: Workspace, ref: string, type: string | undefined, opts: { json?: boolean; profile?: string }, signal: AbortSignal): Promise<void> {
  const repo = await ws.repository();
  const snapshot = await resolveSnapshot(repo, ref, opts.profile, signal);
  const catalog = await ws.catalog();
  const items = listSnapshotItems(catalog, snapshot.id, { signal, ...(type === undefined ? {} : { type }) });
  const out = stdoutStream();
  try {
    if (opts.json) {
      let n = 0;
      await out.write('[');
      for await (const item of items) await out.write(`${n++ === 0 ? '\n' : ',\n'}  ${JSON.stringify({ type: item.type, id: item.id, name: item.name })}`);
      await out.write(n === 0 ? ']\n' : '\n]\n');
      return;
    }
    // Column widths known before the first page: the snapshot's type names, and GUID-wide IDs.
    const typeWidth = Math.max(4, ...Object.keys(snapshot.types).filter((t) => type === undefined || t === type).map((t) => t.length));
    await out.write(`${'TYPE'.padEnd(typeWidth)}  ${'ID'.padEnd(36)}  NAME\n`);
    let n = 0;
    for await (const item of items) {
      n++;
      await out.write(`${item.type.padEnd(typeWidth)}  ${item.id.padEnd(36)}  ${item.name}\n`);
    }
    await out.write(`${n} item(s) in snapshot ${describeSnapshot(snapshot)}${type === undefined ? '' : ` of type ${type}`}\n`);
  } catch (err) {
    if (!(err instanceof OutputClosed)) throw err;
  } finally {
    out.end();
  }
}

// ---- show ------------------------------------------------------------------------------------

async function show(ws: Workspace, ref: string, itemRef: string, opts: { json?: boolean; profile?: string }, signal: AbortSignal): Promise<void> {
  const item = parseItemRef(itemRef);
  const repo = await ws.repository();
  const snapshot = await resolveSnapshot(repo, ref, opts.profile, signal);
  const { entry, document } = await showItem(repo, snapshot, item, { signal });
  if (opts.json) return printJson(document);
  printLine(`# ${entry.type}/${entry.id}${entry.name ? `  ${entry.name}` : ''}  — snapshot ${describeSnapshot(snapshot)}`);
  for (const [name, chunks] of Object.entries(entry.streams ?? {})) {
    printLine(`# stream ${name}: ${chunks.reduce((sum, c) => sum + c.size, 0)} bytes`);
  }
  printJson(document);
}

// ---- find ------------------------------------------------------------------------------------

async function find(ws: Workspace, text: string, opts: { json?: boolean; profile?: string; type?: string; limit?: number }): Promise<void> {
  const catalog = await ws.catalog();
  const result = await findItems(catalog, text, { ...(opts.profile === undefined ? {} : { profile: opts.profile }), ...(opts.type === undefined ? {} : { type: opts.type }), ...(opts.limit === undefined ? {} : { limit: opts.limit }) });
  if (result.truncated) process.stderr.write(`warning: the answer stops at ${opts.limit ?? 100} versions; narrow the search or raise --limit\n`);
  if (opts.json) return printJson(result.items);
  if (result.items.length === 0) return printLine(`no item's name contains ${JSON.stringify(text)}`);
  for (const item of result.items) {
    printLine(`${item.type}/${item.id}  ${item.name}  (profile ${item.profile})`);
    const rows = item.ranges.map((r) => ['  ', at(r.first), '…', r.current ? 'current' : at(r.last), `${r.snapshots} snapshot(s)`, r.name === item.name ? '' : `as ${JSON.stringify(r.name)}`]);
    printLine(table(rows).replace(/ +$/gm, ''));
  }
}

// ---- history ---------------------------------------------------------------------------------

function printAttributions(events: readonly Attribution[]): void {
  for (const e of events) {
    const props = e.properties.length > 0 ? `: ${e.properties.join(', ')}` : '';
    printLine(`      ${formatTime(e.time)}  ${e.activity || '(activity)'} by ${describeActor(e.by)}${props}`);
  }
}

function printHistory(h: ItemHistory): void {
  type Line = { time: string; print: () => void };
  const lines: Line[] = [];
  for (const v of h.versions) {
    lines.push({
      time: v.first.time,
      print: () => {
        const what = v.properties === null ? (v.since === null ? 'in the first snapshot' : 'added') : v.change === 'added' ? `reappeared; differs in ${v.properties.join(', ') || 'nothing'}` : `changed: ${v.properties.join(', ') || '(entry only)'}`;
        printLine(`  ${at(v.first)} … ${v.current ? 'current' : at(v.last)}  ${JSON.stringify(v.name)}  ${what}`);
        if (v.changedBy.length > 0) printAttributions(v.changedBy);
        else if (v.since !== null) printLine('      (no audit record of this change in the backed-up log)');
      },
    });
  }
  for (const r of h.removals) {
    lines.push({
      time: r.removedIn.time,
      print: () => {
        printLine(`  ${at(r.removedIn)}  removed (last seen in ${shortId(r.last.id)})`);
        if (r.changedBy.length > 0) printAttributions(r.changedBy);
      },
    });
  }
  lines.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const profiles = [...new Set(h.versions.map((v) => v.profile))];
  printLine(`${h.type}/${h.id} — ${h.versions.length} version(s) in profile ${profiles.join(', ')}`);
  for (const line of lines) line.print();
}

async function history(ws: Workspace, itemRef: string, opts: { json?: boolean; profile?: string }, signal: AbortSignal): Promise<void> {
  const item = parseItemRef(itemRef);
  const catalog = await ws.catalog();
  const repository = await ws.repository();
  const h = await itemHistory({ catalog, repository }, item, { signal, ...(opts.profile === undefined ? {} : { profile: opts.profile }) });
  if (opts.json) return printJson(h);
  printHistory(h);
}

// ---- diff ------------------------------------------------------------------------------------

const MARK = { added: '+', changed: '~', removed: '-' } as const;

export function printDifferences(differences: readonly ItemDifference[], heading: string, logs: readonly ItemDifference[] = []): void {
  printLine(heading);
  if (differences.length === 0) printLine('no differences');
  const counts = countDifferences(differences);
  let type: string | undefined;
  for (const d of differences) {
    if (d.type !== type) {
      type = d.type;
      const c = counts.get(type) as Record<string, number>;
      printLine('');
      printLine(`${type}: ${[c.added ? `${c.added} added` : '', c.changed ? `${c.changed} changed` : '', c.removed ? `${c.removed} removed` : ''].filter(Boolean).join(', ')}`);
    }
    const props = d.properties ? `  [${d.properties.join(', ')}]` : '';
    printLine(`  ${MARK[d.kind]} ${d.name ?? '(no name)'}  ${d.id}${props}`);
  }
  if (differences.length > 0) {
    const total = { added: 0, changed: 0, removed: 0 };
    for (const c of counts.values()) for (const k of ['added', 'changed', 'removed'] as const) total[k] += c[k];
    printLine('');
    printLine(`${total.added} added, ${total.changed} changed, ${total.removed} removed`);
  }
  for (const [logType, c] of countDifferences(logs)) {
    printLine(`(${logType}: ${c.added} new log record(s)${c.removed ? `, ${c.removed} aged out` : ''} — not changes of the tenant; \`--type ${logType}\` lists them)`);
  }
}

/**
 * The differences between two snapshots, with the records append-only logs gained set apart
 * (the audit log growing is not a change of the tenant) unless `logs` or a `type` asks for them.
 */
export async function compareSnapshots(repo: Repository, a: SnapshotInfo, b: SnapshotInfo, options: { type?: string; logs?: boolean; signal: AbortSignal }): Promise<{ differences: ItemDifference[]; logs: ItemDifference[] }> {
  const all = await collectDifferences(diffSnapshots(repo, a, b, { signal: options.signal, ...(options.type === undefined ? {} : { type: options.type }) }));
  if (options.logs === true || options.type !== undefined) return { differences: all, logs: [] };
  return { differences: all.filter((d) => !isLogType(d.type)), logs: all.filter((d) => isLogType(d.type)) };
}

/** The live tenant of a profile, read through the backup engine (loaded only by `diff --live`). */
async function liveSource(ws: Workspace, snapshot: SnapshotInfo): Promise<LiveItemSource> {
  const { readLiveItems } = await import('../../engine/backup/index.js');
  const include = await snapshotIncludes(await ws.catalog(), snapshot);
  return (types, options) => readLiveItems(ws, snapshot.profile, { types, include, ...options });
}

interface DiffOptions {
  json?: boolean;
  live?: boolean;
  logs?: boolean;
  type?: string;
  profile?: string;
}

async function diff(ws: Workspace, refA: string, refB: string | undefined, opts: DiffOptions, signal: AbortSignal): Promise<void> {
  const repo = await ws.repository();
  if (opts.live) {
    if (refB !== undefined) throw new TenantVaultError('USAGE', 'diff --live compares one snapshot with the live tenant', { hint: 'Use `tenant-vault diff SNAPSHOT --live`, or drop --live to compare two snapshots.' });
    const snapshot = await resolveSnapshot(repo, refA, opts.profile, signal);
    if (opts.type !== undefined && !(opts.type in snapshot.types)) {
      throw new TenantVaultError('USAGE', `Snapshot ${shortId(snapshot.id)} has no ${opts.type} items to compare`, { hint: `Its types are: ${Object.keys(snapshot.types).sort().join(', ') || '(none)'}.` });
    }
    const types = liveDiffTypes(snapshot, opts.type === undefined ? undefined : [opts.type]);
    const skipped: SkippedType[] = [];
    const onSkipped = (s: SkippedType): void => {
      skipped.push(s);
      process.stderr.write(`warning: ${s.type} not compared: ${s.reason}\n`);
    };
    const differences = await collectDifferences(diffLive(repo, snapshot, await liveSource(ws, snapshot), { signal, types, onSkipped }));
    if (opts.json) return printJson(toDiffReport(differences));
    return printDifferences(differences, `diff ${describeSnapshot(snapshot)} → live tenant of profile ${snapshot.profile} (${types.length - skipped.length} of ${types.length} type(s) compared)`);
  }
  if (refB === undefined) throw new TenantVaultError('USAGE', 'diff needs two snapshots, or one with --live', { hint: 'Use `tenant-vault diff SNAPSHOT_A SNAPSHOT_B` or `tenant-vault diff SNAPSHOT --live`.' });
  const a = await resolveSnapshot(repo, refA, opts.profile, signal);
  const b = await resolveSnapshot(repo, refB, opts.profile, signal);
  const { differences, logs } = await compareSnapshots(repo, a, b, { signal, logs: opts.logs === true, ...(opts.type === undefined ? {} : { type: opts.type }) });
  if (opts.json) return printJson(toDiffReport(differences));
  printDifferences(differences, `diff ${describeSnapshot(a)} → ${describeSnapshot(b)}${opts.type === undefined ? '' : `, type ${opts.type}`}`, logs);
}

export function registerBrowseCommands(program: Command): void {
  program
    .command('ls')
    .argument('<snapshot>', 'snapshot ID, unique prefix, or `latest`')
    .argument('[type]', 'only items of this resource type (e.g. user, group)')
    .description('list the items of a snapshot: type, ID and name')
    .option('--profile <name>', 'resolve `latest` among this profile\'s snapshots')
    .option('--json', 'print an array of {type, id, name}')
    .action(async (snapshot: string, type: string | undefined, opts: { json?: boolean; profile?: string }, cmd: Command) => {
      await withWorkspace(cmd, (ws, signal) => ls(ws, snapshot, type, opts, signal));
    });

  program
    .command('show')
    .argument('<snapshot>', 'snapshot ID, unique prefix, or `latest`')
    .argument('<item>', 'TYPE/ID, e.g. user/4a1c9f0e-…')
    .description('print an item\'s document as the snapshot stores it')
    .option('--profile <name>', 'resolve `latest` among this profile\'s snapshots')
    .option('--json', 'print exactly the stored document')
    .action(async (snapshot: string, item: string, opts: { json?: boolean; profile?: string }, cmd: Command) => {
      await withWorkspace(cmd, (ws, signal) => show(ws, snapshot, item, opts, signal));
    });

  program
    .command('find')
    .argument('<text>', 'part of a name (case-insensitive)')
    .description('which items have a name containing TEXT, and in which snapshots')
    .option('--profile <name>', 'only this profile')
    .option('--type <type>', 'only this resource type')
    .option('--limit <n>', 'read at most n versions (default 100)', positiveInt)
    .option('--json', 'print an array of {profile, type, id, name, ranges: [{name, first, last, current, snapshots}]}')
    .action(async (text: string, opts: { json?: boolean; profile?: string; type?: string; limit?: number }, cmd: Command) => {
      await withWorkspace(cmd, (ws) => find(ws, text, opts));
    });

  program
    .command('history')
    .argument('<item>', 'TYPE/ID, e.g. group/0f1e…')
    .description('an item\'s versions over time, what changed, and who changed it (from the audit log)')
    .option('--profile <name>', 'only this profile')
    .option('--json', 'print {type, id, versions, removals}')
    .action(async (item: string, opts: { json?: boolean; profile?: string }, cmd: Command) => {
      await withWorkspace(cmd, (ws, signal) => history(ws, item, opts, signal));
    });

  program
    .command('diff')
    .argument('<snapshot-a>', 'the older snapshot (ID, prefix or `latest`)')
    .argument('[snapshot-b]', 'the newer snapshot')
    .description('added, removed and changed items (with the changed properties) between two snapshots, or a snapshot and the live tenant')
    .option('--live', 'compare SNAPSHOT_A with the live tenant of its profile')
    .option('--type <type>', 'only this resource type')
    .option('--logs', 'also list the records append-only logs (the directory audit log) gained')
    .option('--profile <name>', 'resolve `latest` among this profile\'s snapshots')
    .option('--json', 'print {added: [{type, id}], removed: [{type, id}], changed: [{type, id, properties}]}')
    .action(async (a: string, b: string | undefined, opts: DiffOptions, cmd: Command) => {
      await withWorkspace(cmd, (ws, signal) => diff(ws, a, b, opts, signal));
    });
}
