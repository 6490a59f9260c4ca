/**
 * Conditional access: policies and named locations (facts §1.4, §5.2, §7.1; v1.0
 * conditionalaccessroot-post-policies, conditionalaccesspolicy-update, ipnamedlocation-update,
 * conditionalaccesspolicy-restore).
 *
 * What differs from the generic writer:
 * - the recycle bin is conditional access's own (`identity/conditionalAccess/deletedItems/
 *   {policies|namedLocations}/{id}`, restored with `…/restore`): it holds only its own type, whose
 *   `@odata.type` names the concrete kind (`#microsoft.graph.ipNamedLocation`), so deleted items
 *   are not filtered by type name as in the directory's shared bin;
 * - references in `conditions` (users, groups, roles, applications by appId, service principals,
 *   named locations) come to `create` and `update` already mapped by the planner; an
 *   authentication strength is written as `{ id }` only — Graph returns the whole strength
 *   policy inside `grantControls` but takes its id on writes (michev.info, "Creating a
 *   Conditional access policy with Authentication strength control programmatically");
 * - updates PATCH only the changed top-level properties (`conditions`, `grantControls`,
 *   `sessionControls`, `state`, `displayName` …); a named location's PATCH names its
 *   `@odata.type` (the generic writer adds it from the live copy).
 * Throttling: every conditional-access request counts against 1 request per second per tenant
 * and a 429 there carries no Retry-After (facts §1.4). Reads and writes go through `ctx.call`, so
 * the connection's scheduler charges each one to its `conditionalAccess` bucket — but requests
 * sent together in one `$batch` reach the service at the same instant, and all but one would be
 * refused. So these writers send one conditional-access request at a time per connection: each
 * waits for the previous one's answer, travels in a batch of its own (with other types' requests
 * at most), and the scheduler spaces them a second apart.
 * Not handled: custom authentication strengths are not backed up; a policy naming one keeps
 * its id (built-in strengths have the same ids in every tenant).
 */
import { getResource } from '../../../../connectors/index.js';
import { cleanDocument } from '../../../backup/documents.js';
import { isObject } from '../../documents.js';
import { GraphWriter, failure, isOk } from '../generic.js';
import type { CallResult, JsonObject, LiveItem, WriterContext } from '../types.js';

/** Items read per window from a bin (each is one GET, batched by `ctx.call`). */
const BIN_WINDOW = 100;

/** Per connection: the last conditional-access request sent, which the next one waits for. */
const inFlight = new WeakMap<object, Promise<unknown>>();

/** Conditional-access objects: their own recycle bin, one type per bin, one request at a time. */
export class ConditionalAccessObjectWriter extends GraphWriter {
  protected override call(ctx: WriterContext, call: Parameters<GraphWriter['call']>[1]): Promise<CallResult> {
    const previous = inFlight.get(ctx.connection) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => super.call(ctx, call));
    inFlight.set(ctx.connection, next);
    return next;
  }

  override async *readDeleted(ctx: WriterContext, ids: readonly string[]): AsyncGenerator<LiveItem> {
    const bin = this.declaration.recycleBin!;
    for (let start = 0; start < ids.length; start += BIN_WINDOW) {
      const window = ids.slice(start, start + BIN_WINDOW);
      const documents = await Promise.all(window.map(async (id) => {
        const result = await this.call(ctx, { method: 'GET', url: `${bin.list}/${encodeURIComponent(id)}` });
        if (result.status === 404) return undefined;
        if (!isOk(result)) throw failure(result, `Reading deleted ${this.type}/${id}`);
        return cleanDocument(isObject(result.body) ? result.body : {});
      }));
      for (let i = 0; i < window.length; i++) yield { id: window[i]!, document: documents[i] };
    }
  }
}

/** `grantControls` as written: an authentication strength by its id alone. */
function writableGrantControls(value: unknown): unknown {
  if (!isObject(value) || !isObject(value.authenticationStrength)) return value;
  const id = value.authenticationStrength.id;
  return { ...value, authenticationStrength: typeof id === 'string' ? { id } : null };
}

export class ConditionalAccessPolicyWriter extends ConditionalAccessObjectWriter {
  constructor() {
    super(getResource('conditionalAccessPolicy'));
  }

  protected override createBody(document: JsonObject): JsonObject {
    const body = super.createBody(document);
    if ('grantControls' in body) body.grantControls = writableGrantControls(body.grantControls);
    return body;
  }

  override async update(ctx: WriterContext, id: string, patch: JsonObject, live: JsonObject | undefined): Promise<void> {
    const body = 'grantControls' in patch ? { ...patch, grantControls: writableGrantControls(patch.grantControls) } : patch;
    await super.update(ctx, id, body, live);
  }
}

export class NamedLocationWriter extends ConditionalAccessObjectWriter {
  constructor() {
    super(getResource('namedLocation'));
  }
}
