/**
 * Child process of bench/emulator/run.ts: generates one tenant of the given size (directory and,
 * when present, the families' data) and prints one JSON line with the time taken and the peak
 * resident memory of this process (`process.resourceUsage().maxRSS`).
 *
 * Usage: node --import tsx bench/emulator/large-tenant.ts [small|medium|large]
 */
import { ManualClock, generateTenant } from '../../src/emulator/index.js';
import { loadFamilies } from '../../src/emulator/generate/families-hook.js';
import { silentLogger } from '../../src/logging/index.js';

const size = (process.argv[2] ?? 'large') as 'small' | 'medium' | 'large';
const started = performance.now();
const generated = generateTenant({ name: 'bench', size }, new ManualClock());
const directoryMs = performance.now() - started;
await loadFamilies(generated.state, generated.context, silentLogger);
const totalMs = performance.now() - started;
const s = generated.state;
process.stdout.write(`${JSON.stringify({
  size,
  directorySeconds: Math.round(directoryMs / 100) / 10,
  totalSeconds: Math.round(totalMs / 100) / 10,
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1e6),
  users: s.store('users').size,
  groups: s.store('groups').size,
  memberships: s.relations.members.size,
  applications: s.store('applications').size,
  servicePrincipals: s.store('servicePrincipals').size,
  devices: s.store('devices').size,
  bitlockerKeys: s.store('bitlockerRecoveryKeys').size,
})}\n`);
