/**
 * Child process of crash.test.ts: writes one large snapshot of a synthetic tenant into an fs
 * repository and reports its progress on stdout ("locked", "progress N" after every item,
 * "commit", "committed ID"), so the parent can SIGKILL it at chosen moments without sleeping.
 *
 * Usage: node --import tsx crash-child.ts REPO_DIR SEED ITEMS ROUND
 */
import { openRepository } from '../../src/repository/index.js';
import { FsBlobStore } from '../../src/storage/index.js';
import { CRASH_OPTIONS, crashTenant, PASSWORD } from './crash-setup.js';

const [dir, seed, items, round] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a))) as [string, number, number, number];
const repo = await openRepository(new FsBlobStore(dir), PASSWORD, CRASH_OPTIONS);
const writer = await repo.startSnapshot({ profile: 'crash' });
process.stdout.write('locked\n');
let n = 0;
const tenant = crashTenant(seed, items, round);
async function* stream(): AsyncGenerator<{ type: string; id: string; name: string; document: unknown }> {
  for (const item of tenant.items('user')) {
    yield { type: 'user', id: item.id, name: item.name, document: item.document };
    process.stdout.write(`progress ${++n}\n`);
  }
}
await writer.replaceType('user', stream());
process.stdout.write('commit\n');
const info = await writer.commit();
process.stdout.write(`committed ${info.id}\n`);
