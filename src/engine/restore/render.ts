/**
 * Plans and reports for people: one line per operation in plan order, then what it writes —
 * properties `from → to`, references `old → new` (or "new id after create"), what cannot be
 * restored and what is done instead — and a summary. The JSON forms are the plan and the report
 * themselves (model.ts).
 *
 * Guarantees: pure; values are shortened to one line; secrets appear only in `renderReport`'s
 * secrets section, which exists only in the report an apply returns.
 */
import { NEW_ID, type PlanOperation, type ReferenceChange, type RestorePlan, type RestoreReport } from './model.js';

const LIST_LIMIT = 8;

function short(id: string): string {
  return /^[0-9a-f-]{36}$/i.test(id) ? id.slice(0, 8) : id;
}

function value(v: unknown): string {
  if (v === undefined) return '(unset)';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function label(op: PlanOperation): string {
  return `${op.type}/${short(op.id)}${op.name ? ` (${op.name})` : ''}`;
}

function referenceLine(r: ReferenceChange): string {
  const to = r.to === null ? 'cannot be mapped: not written' : r.to === NEW_ID ? NEW_ID : r.to === r.from ? 'same id' : short(r.to);
  const sign = r.change === 'add' ? '+' : r.change === 'remove' ? '−' : '~';
  return `${sign} ${r.path}: ${r.targetType}/${short(r.from)} → ${to}${r.note ? ` (${r.note})` : ''}`;
}

function details(op: PlanOperation): string[] {
  const lines: string[] = [];
  const props = op.properties ?? [];
  if (op.action === 'create') {
    if (props.length > 0) lines.push(`properties: ${props.map((p) => p.name).join(', ')}`);
  } else if (op.action !== 'unsupported') {
    for (const p of props.slice(0, LIST_LIMIT)) lines.push(`${p.name}: ${value(p.from)} → ${value(p.to)}`);
    if (props.length > LIST_LIMIT) lines.push(`… and ${props.length - LIST_LIMIT} more properties`);
  }
  const refs = op.references ?? [];
  // Rewrites to new ids and unmappable ones first: they are what a reviewer must see.
  const ordered = [...refs].sort((a, b) => rank(a) - rank(b));
  for (const r of ordered.slice(0, LIST_LIMIT)) lines.push(referenceLine(r));
  if (refs.length > LIST_LIMIT) lines.push(`… and ${refs.length - LIST_LIMIT} more references`);
  if (op.reason) lines.push(op.reason);
  return lines;
}

function rank(r: ReferenceChange): number {
  return r.to === null ? 0 : r.to === NEW_ID ? 1 : r.to !== r.from ? 2 : 3;
}

export function renderPlan(plan: RestorePlan): string[] {
  const lines = [
    `${plan.kind === 'undo' ? `Undo plan ${plan.id} for restore ${plan.undoOf}` : `Restore plan ${plan.id}`}: snapshot ${plan.snapshot.slice(0, 8)} → profile ${plan.profile}`
    + ` (mode ${plan.options.mode}${plan.options.properties ? `, properties ${plan.options.properties.join(',')}` : ''}${plan.options.withReferences ? ', with references' : ''}${plan.sameTenant ? '' : ', another tenant'})`,
  ];
  for (const op of plan.operations) {
    lines.push(`  ${op.action.padEnd(11)} ${label(op)}${op.targetId && op.targetId !== op.id ? ` in target ${short(op.targetId)}` : ''}`);
    for (const d of details(op)) lines.push(`      ${d}`);
  }
  lines.push(`Summary: ${summary(plan.operations.map((op) => op.action))}`);
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  return lines;
}

function summary(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing to do';
}

export function renderReport(report: RestoreReport): string[] {
  const lines = [
    `${report.kind === 'undo' ? `Undo ${report.restore} of restore ${report.undoOf}` : `Restore ${report.restore}`}: ${report.status}${report.resumed ? ' (resumed)' : ''} — `
    + `${report.counts.done} done, ${report.counts.failed} failed, ${report.counts.skipped} skipped; ${report.writes} writes in ${report.requests} requests, ${(report.durationMs / 1000).toFixed(1)} s`,
  ];
  for (const op of report.operations) {
    if (op.result === 'skipped' && (op.action === 'skip' || op.action === 'unsupported')) continue;
    const verified = op.verified === false ? ` — NOT VERIFIED: ${(op.differences ?? []).join('; ')}` : '';
    lines.push(`  ${op.result.padEnd(7)} ${op.action.padEnd(11)} ${label(op)}${op.newId ? ` → ${op.newId}` : ''}${op.error ? ` — ${op.error.code}: ${op.error.message}` : ''}${verified}`);
  }
  const notRestored = report.operations.filter((op) => op.action === 'unsupported');
  if (notRestored.length > 0) {
    lines.push('Not restored (see the plan for why):');
    for (const op of notRestored) lines.push(`  ${label(op)}${op.properties?.length ? ` ${op.properties.map((p) => p.name).join(', ')}` : ''}: ${op.reason ?? ''}`);
  }
  if (report.safetySnapshot) lines.push(`Safety snapshot ${report.safetySnapshot.slice(0, 8)}; undo with: tenant-vault restore undo ${report.restore}`);
  if (report.secrets && report.secrets.length > 0) {
    lines.push('Secrets created by this restore (shown once; also stored encrypted in the repository):');
    for (const s of report.secrets) lines.push(`  ${s.kind === 'temporaryPassword' ? 'temporary password' : 'client secret'} for ${s.label}: ${s.value}`);
  }
  return lines;
}
