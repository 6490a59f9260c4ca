/**
 * The whole-set rule of Intune's replace-all lists (src/engine/restore/writers/intune/assignments.ts):
 * what a relink sends to `/assign`, `scheduleActionsForRules` or `targetApps`.
 */
import { describe, expect, it } from 'vitest';
import { intuneEntryKey, replacedSet } from '../../../src/engine/restore/writers/intune/index.js';
import { assignmentTarget } from '../../../src/engine/restore/writers/intune/assignments.js';

const group = (groupId: string, extra: Record<string, unknown> = {}) => ({ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId }, ...extra });

describe('Intune replace-all lists', () => {
  it('tells entries apart by content, without ids, bookkeeping and nulls', () => {
    const read = { id: 'p1_g1', source: 'direct', sourceId: 'p1', target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g1', deviceAndAppManagementAssignmentFilterId: null, deviceAndAppManagementAssignmentFilterType: 'none' } };
    expect(intuneEntryKey(read)).toBe(intuneEntryKey(group('g1')));
    expect(intuneEntryKey(group('g1', { intent: 'required' }))).not.toBe(intuneEntryKey(group('g1', { intent: 'available' })));
  });

  it('merge: the live set plus the added entries; an added entry replaces the live one for its target', () => {
    const live = [group('g1', { intent: 'available' }), group('g2')];
    const sent = replacedSet(live, { add: [group('g1', { intent: 'required' }), group('g3')], remove: [] }, intuneEntryKey, assignmentTarget);
    expect(sent).toEqual([group('g2'), group('g1', { intent: 'required' }), group('g3')]);
  });

  it('overwrite: removed entries leave the set', () => {
    const live = [group('g1'), group('g2'), group('extra')];
    expect(replacedSet(live, { add: [], remove: [group('extra')] }, intuneEntryKey, assignmentTarget)).toEqual([group('g1'), group('g2')]);
  });

  it('sends each target once, as Intune keeps only one', () => {
    expect(replacedSet([], { add: [group('g1'), group('g1', { intent: 'required' })], remove: [] }, intuneEntryKey, assignmentTarget)).toEqual([group('g1')]);
  });
});
