/**
 * Fidelity of the real emulator (`startEmulator`):
 * - corpus replay: every Graph docs example whose path the emulator's route table serves is sent
 *   with substituted IDs and the answer compared with the documented one. The coverage report
 *   ("n of N served", mismatches) is written to the file named by TENANT_VAULT_CORPUS_REPORT when
 *   set, and summarised on stderr. Every mismatch must be a reviewed one (known-mismatches.ts,
 *   with its reason), and every reviewed one must still happen;
 * - schema sweep: every GET route is called (IDs resolved the same way) and every body checked
 *   against the v1.0 CSDL / beta property names. Known violations are listed below so that a new
 *   one fails the test and a fixed one asks for the list to shrink.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../../src/emulator/index.js';
import {
  coverageReport, loadCorpus, loadGraphSchema, matchTemplate, replayCorpus, ReplaySession, schemaSweepExamples, type CorpusExample, type ReplayContext, type ReplayResult, type RouteTemplate,
} from '../../../src/emulator/schema/index.js';

/** Schema violations the emulator is known to have (message → why it is tolerated for now). */
const KNOWN_VIOLATIONS: Record<string, string> = {};
import { KNOWN_MISMATCHES } from './known-mismatches.js';
import { SHARED_ROOT, SKIP_REASON } from './shared.js';

describe.skipIf(!SHARED_ROOT)('corpus replay against the emulator', () => {
  let emulator: Emulator;
  let token: string;
  let routes: RouteTemplate[];
  let corpus: CorpusExample[];
  let ctx: ReplayContext;
  const results: ReplayResult[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ tenants: [{ name: 'contoso', size: 'small', seed: 'corpus-replay' }], throttle: false });
    const tenant = emulator.tenants[0];
    if (!tenant) throw new Error('the emulator hosts no tenant');
    const res = await fetch(`${emulator.loginUrl}/${tenant.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: tenant.clientId, client_secret: tenant.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
    });
    token = ((await res.json()) as { access_token: string }).access_token;
    routes = emulator.runtime.graph.modules.flatMap((m) => m.routes.map((r) => ({ template: r.path, methods: [r.method], ...(r.versions ? { versions: r.versions } : {}) })));
    corpus = await loadCorpus();
    const served = corpus.filter((ex) => matchTemplate(routes, ex.path, { method: ex.method, version: ex.version }));
    ctx = {
      graphBaseUrl: emulator.graphUrl,
      getToken: () => token,
      routes,
      corpus,
      schemas: { 'v1.0': loadGraphSchema('v1.0'), beta: loadGraphSchema('beta') },
      domain: tenant.domain,
    };
    for await (const r of replayCorpus(served, ctx)) results.push(r);
  });

  it('every body the GET routes return uses only names the schema defines', async () => {
    const session = new ReplaySession(ctx);
    const found = new Map<string, string[]>();
    let checked = 0;
    for (const example of schemaSweepExamples(routes, ctx.schemas ?? {})) {
      const result = await session.replay(example);
      if (result.status?.actual === 200) checked++;
      for (const d of result.differences) if (d.kind === 'schemaViolation') found.set(d.detail, [...(found.get(d.detail) ?? []), `${example.version}${example.path} ${d.path}`]);
    }
    expect(checked).toBeGreaterThan(100);
    const unexpected = [...found].filter(([message]) => !(message in KNOWN_VIOLATIONS));
    expect(unexpected, 'new schema violations').toEqual([]);
    expect(Object.keys(KNOWN_VIOLATIONS).filter((m) => !found.has(m)), 'known violations that are fixed now: remove them from KNOWN_VIOLATIONS').toEqual([]);
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it(SHARED_ROOT ? 'replays every served example and reports coverage' : SKIP_REASON, () => {
    const report = coverageReport({ examples: corpus, routes, results });
    if (process.env['TENANT_VAULT_CORPUS_REPORT']) writeFileSync(process.env['TENANT_VAULT_CORPUS_REPORT'], JSON.stringify(report, null, 2));
    const ok = results.filter((r) => r.ok).length;
    console.warn(`[corpus replay] ${report.served} of ${report.total} corpus requests are served; ${ok} match the documented shape, ${report.mismatches.length} differ, ${report.setupFailures.length} could not be set up`);
    expect(report.total).toBe(corpus.length);
    expect(results).toHaveLength(report.served);
    expect(report.served).toBeGreaterThan(0);
    for (const r of results) {
      expect(r.served).toBe(true);
      if (!r.differences.some((d) => d.kind === 'setupFailed')) expect(r.status?.actual, `${r.file}#${r.index}`).toBeGreaterThanOrEqual(200);
    }
  });

  it('every mismatch with the docs is a reviewed one, and every reviewed one still happens', () => {
    const reviewed = new Map(Object.entries(KNOWN_MISMATCHES).flatMap(([reason, keys]) => keys.map((k) => [k, reason] as const)));
    const mismatching = results.filter((r) => r.served && !r.ok && !r.differences.some((d) => d.kind === 'setupFailed'));
    const unexpected = mismatching
      .filter((r) => !reviewed.has(`${r.file}#${r.index}`))
      .map((r) => ({ example: `${r.file}#${r.index}`, status: r.status, error: r.error, differences: r.differences.filter((d) => d.severity === 'mismatch') }));
    expect(unexpected, 'new mismatches with the docs: fix them, or review and list them in known-mismatches.ts').toEqual([]);
    const now = new Set(mismatching.map((r) => `${r.file}#${r.index}`));
    expect([...reviewed.keys()].filter((k) => !now.has(k)), 'reviewed mismatches that no longer happen: remove them from known-mismatches.ts').toEqual([]);
  });

  it('creates, updates and actions of the families come back in the documented shape', () => {
    const mustPass = [
      ['v1.0__conditionalaccessroot-post-namedlocations.json', 'POST'],
      ['v1.0__ipnamedlocation-update.json', 'PATCH'],
      ['v1.0__authorizationpolicy-update.json', 'PATCH'],
      ['v1.0__intune-deviceconfig-deviceconfiguration-assign.json', 'POST'],
      ['v1.0__intune-deviceconfig-windows10compliancepolicy-create.json', 'POST'],
      ['v1.0__intune-apps-manageddevicemobileappconfiguration-assign.json', 'POST'],
      ['v1.0__intune-mam-targetedmanagedappconfiguration-create.json', 'POST'],
      ['v1.0__intune-mam-iosmanagedappprotection-create.json', 'POST'],
      ['beta__intune-shared-devicemanagementscript-create.json', 'POST'],
      ['beta__intune-devices-devicehealthscript-create.json', 'POST'],
      ['beta__bitlockerrecoverykey-get.json', 'GET'],
    ] as const;
    for (const [file, method] of mustPass) {
      const mine = results.filter((r) => r.file === file && r.method === method);
      expect(mine.length, file).toBeGreaterThan(0);
      for (const r of mine) expect({ file, differences: r.differences.filter((d) => d.severity === 'mismatch' || d.kind === 'setupFailed') }).toEqual({ file, differences: [] });
    }
  });

  it('creates and updates of the core directory resources come back in the documented shape', () => {
    const mustPass = [
      ['v1.0__group-post-groups.json', 'POST'],
      ['v1.0__user-update.json', 'PATCH'],
      ['v1.0__application-addpassword.json', 'POST'],
      ['v1.0__group-post-members.json', 'POST'],
      ['v1.0__user-post-manager.json', 'PUT'],
    ] as const;
    for (const [file, method] of mustPass) {
      const mine = results.filter((r) => r.file === file && r.method === method);
      expect(mine.length, file).toBeGreaterThan(0);
      for (const r of mine) expect({ file, differences: r.differences.filter((d) => d.severity === 'mismatch') }).toEqual({ file, differences: [] });
    }
  });
});
