/**
 * `IntuneWriter`: what every Intune type shares (facts §6.3, §7 "Assign semantics", §7.2).
 *
 * - Create POSTs the object with its `@odata.type` (the collections are polymorphic) and without
 *   the server-managed properties the registry lists (`version`, `isAssigned`,
 *   `supportsScopeTags`, counters); scope tag ids and filter ids are references, mapped by the
 *   planner through the id map like group ids.
 * - Assignments are one relationship written through `/assign` with the full set
 *   (assignments.ts): merge = union of live and snapshot, overwrite = the snapshot's set. An
 *   assignment to a group that no longer exists is left out of the set sent: Intune keeps such
 *   entries after the group is deleted (they reach no one), and when the group is recreated the
 *   restore writes the assignment to its new id — keeping the old entry would leave the policy
 *   pointing at the deleted id.
 * - Properties Intune returns only for one object by id (script content, settings-catalog
 *   settings) are read whenever the object is read in full, so they are compared and verified.
 * - The natural key that finds a lost create is the display name (`name` in the settings catalog).
 * Not handled here: per-type actions (scheduled actions, targeted apps, PUT) — see the subclasses.
 */
import { getResource, type SubResourceSpec } from '../../../../connectors/index.js';
import { isObject } from '../../documents.js';
import { GraphWriter, failure, isOk, type GraphWriterOptions } from '../generic.js';
import type { JsonObject, ReadOptions, RelationshipChange, RelationshipSpec, WriterContext } from '../types.js';
import { assignmentGroup, assignmentTarget, entryKey, replacedSet, writableEntry } from './assignments.js';

/** ids per `POST /directoryObjects/getByIds` (directoryobject-getbyids: up to 1,000). */
const BY_IDS_LIMIT = 1000;

const ASSIGNMENTS: RelationshipSpec = { kind: 'list', key: entryKey };

export class IntuneWriter extends GraphWriter {
  constructor(type: string, options: GraphWriterOptions = {}) {
    const declaration = getResource(type);
    super(declaration, {
      ...options,
      relationships: { ...(declaration.write?.assign ? { assignments: ASSIGNMENTS } : {}), ...options.relationships },
    });
  }

  /**
   * Properties Intune returns only by id (script content, settings-catalog settings) are read with
   * the object whenever it is read in full, even when only some relationships are asked for: they
   * are the object's properties, compared and written like any other.
   */
  protected override subsToRead(options: ReadOptions | undefined): SubResourceSpec[] {
    const subs = super.subsToRead(options);
    if (options?.existenceOnly) return subs;
    const properties = this.declaration.subResources.filter((sub) => sub.read !== 'expand' && !sub.command && !(sub.name in this.relationships) && !subs.includes(sub));
    return [...subs, ...properties];
  }

  protected override entryBody(relationship: string, entry: JsonObject, id: string): JsonObject {
    return relationship === 'assignments' ? writableEntry(entry) : super.entryBody(relationship, entry, id);
  }

  protected override async replaceAssignments(ctx: WriterContext, id: string, change: RelationshipChange, live: JsonObject | undefined): Promise<void> {
    const assign = this.declaration.write!.assign!;
    const current = Array.isArray(live?.assignments) ? live.assignments.filter(isObject) : [];
    const wanted = replacedSet(current, change, entryKey, assignmentTarget);
    const gone = await missingGroups(ctx, wanted.map(assignmentGroup).filter((g): g is string => g !== undefined));
    const all = wanted.filter((e) => !gone.has(assignmentGroup(e) ?? '')).map((e) => writableEntry(e));
    const result = await this.call(ctx, { method: 'POST', url: assign.path.replace('{id}', encodeURIComponent(id)), body: { [assign.bodyKey]: all }, idempotent: true });
    if (!isOk(result)) throw failure(result, `Assigning ${this.type}/${id}`);
  }
}

/** Which of these groups do not exist (one `getByIds` request per 1,000). */
export async function missingGroups(ctx: WriterContext, ids: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  const found = new Set<string>();
  for (let i = 0; i < unique.length; i += BY_IDS_LIMIT) {
    const chunk = unique.slice(i, i + BY_IDS_LIMIT);
    const result = await ctx.call({ method: 'POST', url: '/directoryObjects/getByIds', body: { ids: chunk, types: ['group'] }, idempotent: true, type: 'group' });
    if (!isOk(result)) throw failure(result, 'Checking the groups of Intune assignments');
    const value = isObject(result.body) && Array.isArray(result.body.value) ? result.body.value : [];
    for (const object of value) if (isObject(object) && typeof object.id === 'string') found.add(object.id);
  }
  return new Set(unique.filter((id) => !found.has(id)));
}
