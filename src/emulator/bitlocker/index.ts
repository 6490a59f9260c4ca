/**
 * BitLocker recovery keys (v1.0 and beta): `GET /informationProtection/bitlocker/recoveryKeys`
 * (list, `$filter=deviceId eq '…'`) and `GET …/recoveryKeys/{id}`.
 *
 * Rules (docs `bitlocker-list-recoverykeys`, `bitlockerrecoverykey-get`; facts §6.1):
 * - the list and a plain get return `id`, `createdDateTime`, `deviceId`, `volumeType` — never the
 *   key; only a get of one key with `$select=key` returns it (with those four, as the docs
 *   example shows), needs BitlockerKey.Read.All (the
 *   metadata needs BitlockerKey.ReadBasic.All or Read.All), and writes a directoryAudit record
 *   "Read BitLocker key" in category KeyManagement naming the device;
 * - `ocp-client-name` / `ocp-client-version` are accepted and recorded in that audit record; they
 *   are optional (the current page says "for debugging"; the 2021 beta page required them);
 * - keys cannot be written through Graph.
 * The 48-digit recovery password comes from the generator's secret (`secrets.
 * bitlockerRecoveryPassword`), derived per key and never stored on the entity.
 * `$select=key` on the list is refused [I: the pages document it on a single key only].
 */
import { entityResponse } from '../graph/collection.js';
import { badRequest, forbidden } from '../graph/errors.js';
import { defineModule } from '../graph/module.js';
import { allows, anyOf } from '../graph/permissions.js';
import { defineEntitySet, findOr404, type EntitySetSpec } from '../graph/resource.js';
import { contextFragment, project } from '../graph/projection.js';
import type { GraphContext, GraphResponse } from '../graph/types.js';
import { familyCatalog } from '../family-schema/index.js';
import type { Entity } from '../state/store.js';

const METADATA_READ = anyOf(['BitlockerKey.ReadBasic.All', 'BitlockerKey.Read.All']);
const KEY_READ = anyOf(['BitlockerKey.Read.All']);

interface BitlockerSecrets {
  readonly secrets?: { bitlockerRecoveryPassword?(keyId: string): string };
}

const KEYS: EntitySetSpec = {
  name: 'bitlockerRecoveryKeys',
  path: '/informationProtection/bitlocker/recoveryKeys',
  store: 'bitlockerRecoveryKeys',
  entityType: 'microsoft.graph.bitlockerRecoveryKey',
  contextName: 'informationProtection/bitlocker/recoveryKeys',
  permissions: { read: METADATA_READ },
  filterable: ['deviceId'],
  projection: { hidden: ['key'] },
};

function readKey(ctx: GraphContext): GraphResponse {
  const entity = findOr404(ctx, KEYS, ctx.params.id as string);
  const shape = { contextName: KEYS.contextName as string, projection: { entityType: KEYS.entityType } };
  if (!ctx.query.select?.includes('key')) return entityResponse(ctx, { ...shape, projection: { ...shape.projection, hidden: ['key'] } }, entity);
  if (!allows(KEY_READ, ctx.caller)) {
    const err = forbidden();
    err.headers['x-emulator-required-permissions'] = 'BitlockerKey.Read.All';
    throw err;
  }
  const secrets = (ctx.tenant.familyData as BitlockerSecrets | undefined)?.secrets;
  const key = secrets?.bitlockerRecoveryPassword?.(entity.id) ?? null;
  const device = findDevice(ctx, String(entity.deviceId));
  const client = [ctx.request.headers['ocp-client-name'], ctx.request.headers['ocp-client-version']].filter(Boolean).join(' ');
  ctx.audit({
    activityDisplayName: 'Read BitLocker key',
    category: 'KeyManagement',
    operationType: 'Other',
    targetResources: [{ id: device?.id ?? String(entity.deviceId), type: 'Device', displayName: (device?.displayName as string | undefined) ?? null }],
    additionalDetails: [{ key: 'RecoveryKeyId', value: entity.id }, ...(client ? [{ key: 'ClientName', value: client }] : [])],
  });
  // The docs example of `$select=key` answers with the key and the key's other properties.
  const selected = ctx.query.select ?? [];
  return {
    status: 200,
    body: {
      '@odata.context': ctx.contextUrl(`${contextFragment(shape.contextName, selected)}/$entity`),
      ...project(ctx, { ...entity, key }, shape.projection, [...new Set(['id', 'createdDateTime', 'volumeType', 'deviceId', ...selected])]),
    },
  };
}

/** The device object whose `deviceId` property the key names. */
function findDevice(ctx: GraphContext, deviceId: string): Entity | undefined {
  for (const d of ctx.tenant.store('devices').values()) if (d.deviceId === deviceId) return d;
  return undefined;
}

export const bitlockerModule = defineModule({
  name: 'bitlocker',
  routes: defineEntitySet(KEYS).map((r) => {
    if (r.method !== 'GET') return r;
    if (r.path.endsWith('/{id}')) return { ...r, handler: readKey };
    // Listing: the key is never part of a list.
    return {
      ...r,
      handler: (ctx: GraphContext) => {
        if (ctx.query.select?.includes('key')) throw badRequest("The property 'key' can be selected only when reading one recovery key.", 'BadRequest');
        return r.handler(ctx);
      },
    };
  }),
  catalog: familyCatalog,
});
