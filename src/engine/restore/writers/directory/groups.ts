/**
 * Groups (group-post-groups, group-post-members, groups-overview; facts §5.1, §7.1, §8.1):
 * - members and owners are added 20 at a time with `PATCH /groups/{id}` and `members@odata.bind`
 *   / `owners@odata.bind` (Graph's limit per request); when Graph refuses a chunk because one of
 *   them is already there, that chunk is added one `$ref` at a time (an existing one is fine);
 * - members of a dynamic group come from its rule and are never written;
 * - distribution lists and mail-enabled security groups are read-only in Graph and are restored
 *   through Exchange (`distributionGroup`);
 * - only Microsoft 365 groups go to the recycle bin on delete; other groups are deleted for good.
 * The natural key is `mailNickname` (unique for mail-enabled groups; for others the applier
 * ignores groups that had the nickname before the restore began).
 */
import { getResource } from '../../../../connectors/index.js';
import { entryId, isObject } from '../../documents.js';
import { GraphWriter, alreadyLinked, failure, isOk } from '../generic.js';
import type { JsonObject, RelationshipChange, RestoreContext, WriterContext } from '../types.js';

/** `@odata.bind` references per request (facts §7.1). */
export const BINDS_PER_REQUEST = 20;

function isDynamic(document: JsonObject): boolean {
  return Array.isArray(document.groupTypes) && document.groupTypes.includes('DynamicMembership');
}

function isUnified(document: JsonObject): boolean {
  return Array.isArray(document.groupTypes) && document.groupTypes.includes('Unified');
}

export class GroupWriter extends GraphWriter {
  constructor() {
    super(getResource('group'), {
      naturalKey: 'mailNickname',
      relationships: {
        members: { kind: 'list', key: (e) => String(e.id), computed: (doc) => (isDynamic(doc) ? 'The members of a dynamic group come from its membership rule.' : undefined) },
        owners: { kind: 'list', key: (e) => String(e.id) },
      },
    });
  }

  /** Mail nicknames are unique among mail-enabled groups only. */
  override identifiesUniquely(document: JsonObject): boolean {
    return document.mailEnabled === true;
  }

  override cannotRestore(document: JsonObject, context: RestoreContext): string | undefined {
    const base = super.cannotRestore(document, context);
    if (base) return base;
    if (document.onPremisesSyncEnabled === true) return 'The group is synchronised from on-premises Active Directory; restore it there.';
    if (document.mailEnabled === true && !isUnified(document)) {
      return 'Distribution lists and mail-enabled security groups are read-only in Graph; they are restored through Exchange (type distributionGroup).';
    }
    return undefined;
  }

  override async relink(ctx: WriterContext, id: string, relationship: string, change: RelationshipChange, live: JsonObject | undefined): Promise<void> {
    if (relationship !== 'members' && relationship !== 'owners') return super.relink(ctx, id, relationship, change, live);
    await Promise.all(change.remove.map((entry) => this.removeRef(ctx, id, relationship, entry)));
    const ids = change.add.map((e) => entryId(e)).filter((v): v is string => v !== undefined);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += BINDS_PER_REQUEST) chunks.push(ids.slice(i, i + BINDS_PER_REQUEST));
    await Promise.all(chunks.map((chunk) => this.#bind(ctx, id, relationship, chunk)));
  }

  async #bind(ctx: WriterContext, id: string, relationship: string, ids: readonly string[]): Promise<void> {
    const root = `${ctx.connection.cloud.graph}/v1.0/directoryObjects`;
    const result = await this.call(ctx, {
      method: 'PATCH', url: `/groups/${encodeURIComponent(id)}`, idempotent: true,
      body: { [`${relationship}@odata.bind`]: ids.map((m) => `${root}/${m}`) },
    });
    if (isOk(result)) return;
    // One of them is already there (an earlier attempt, or someone else): one at a time.
    if (alreadyLinked(result)) {
      await Promise.all(ids.map((m) => this.addRef(ctx, id, relationship, { id: m })));
      return;
    }
    throw failure(result, `Adding ${ids.length} ${relationship} to group ${id}`);
  }

  override async remove(ctx: WriterContext, id: string): Promise<'recycleBin' | 'deleted'> {
    const read = await this.call(ctx, { method: 'GET', url: `/groups/${encodeURIComponent(id)}?$select=id,groupTypes` });
    const unified = isOk(read) && isObject(read.body) && isUnified(read.body);
    await super.remove(ctx, id);
    return unified ? 'recycleBin' : 'deleted';
  }
}
