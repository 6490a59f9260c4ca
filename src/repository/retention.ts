/**
 * Retention policies for `forget` (spec §14.2), with restic's semantics: within one group,
 * snapshots newest first; each rule keeps a snapshot whose calendar bucket differs from the last
 * bucket that rule kept, while the rule has count left — so the newest snapshot of each of the N
 * most recent buckets is kept. A snapshot kept by any rule is kept, with all its reasons.
 *
 * Pure: no I/O, no clock. Buckets use calendar time in a named IANA time zone (default: the
 * process's), computed with Intl so that tests are independent of the machine's zone.
 */

export interface RetentionPolicy {
  readonly keepLast?: number;
  readonly keepHourly?: number;
  readonly keepDaily?: number;
  readonly keepWeekly?: number;
  readonly keepMonthly?: number;
  readonly keepYearly?: number;
}

export type RetentionRule = 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

const RULES: readonly [RetentionRule, keyof RetentionPolicy][] = [
  ['last', 'keepLast'], ['hourly', 'keepHourly'], ['daily', 'keepDaily'], ['weekly', 'keepWeekly'], ['monthly', 'keepMonthly'], ['yearly', 'keepYearly'],
];

export interface RetentionDecision<T> {
  readonly keep: { readonly snapshot: T; readonly reasons: readonly string[] }[];
  readonly remove: T[];
}

export function isEmptyPolicy(policy: RetentionPolicy): boolean {
  return RULES.every(([, key]) => !(policy[key] ?? 0));
}

export function validatePolicy(policy: RetentionPolicy): void {
  for (const [, key] of RULES) {
    const n = policy[key];
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new TypeError(`${key} must be a non-negative integer, not ${String(n)}`);
  }
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
}

function calendarParts(ms: number, timeZone: string): Parts {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', hourCycle: 'h23' }).formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') };
}

/** ISO 8601 week of a calendar date: `YYYY-Www`. */
function isoWeek({ year, month, day }: Parts): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const weekYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}

function bucket(rule: RetentionRule, p: Parts, index: number): string {
  switch (rule) {
    case 'last': return String(index);
    case 'hourly': return `${p.year}-${p.month}-${p.day}T${p.hour}`;
    case 'daily': return `${p.year}-${p.month}-${p.day}`;
    case 'weekly': return isoWeek(p);
    case 'monthly': return `${p.year}-${p.month}`;
    case 'yearly': return String(p.year);
  }
}

/** Applies a policy to one group of snapshots (any order); `time` gives each one's ISO time. */
export function applyRetention<T>(snapshots: readonly T[], time: (s: T) => string, policy: RetentionPolicy, timeZone?: string): RetentionDecision<T> {
  validatePolicy(policy);
  const zone = timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const newestFirst = [...snapshots].sort((a, b) => Date.parse(time(b)) - Date.parse(time(a)));
  const state = RULES.map(([rule, key]) => ({ rule, left: policy[key] ?? 0, last: undefined as string | undefined }));
  const keep: { snapshot: T; reasons: string[] }[] = [];
  const remove: T[] = [];
  newestFirst.forEach((snapshot, index) => {
    const parts = calendarParts(Date.parse(time(snapshot)), zone);
    const reasons: string[] = [];
    for (const s of state) {
      if (s.left <= 0) continue;
      const value = bucket(s.rule, parts, index);
      if (value === s.last) continue;
      s.last = value;
      s.left--;
      reasons.push(s.rule === 'last' ? 'last snapshot' : `${s.rule} snapshot`);
    }
    if (reasons.length > 0) keep.push({ snapshot, reasons });
    else remove.push(snapshot);
  });
  return { keep, remove };
}
