/**
 * Users' authentication methods (`/users/{id}/authentication/…`), per facts §6.2
 * (authenticationmethods-overview.md):
 *
 * | method | list/get | create | update | delete |
 * |---|---|---|---|---|
 * | phoneMethods (mobile, alternateMobile, office) | ✓ | ✓ | ✓ | ✓ |
 * | emailMethods | ✓ | ✓ | ✓ | ✓ |
 * | temporaryAccessPassMethods (pass shown only on create) | ✓ | ✓ | – | ✓ |
 * | passwordMethods (no value) | ✓ | – | – | – |
 * | fido2Methods, microsoftAuthenticatorMethods, softwareOathMethods, windowsHelloForBusinessMethods | ✓ | – | – | ✓ |
 *
 * Phone, email and password methods have fixed IDs per type, as in Graph (phoneauthenticationmethod.md:
 * mobile `3179e48a-…`, alternateMobile `b6332ec1-…`, office `e37fc753-…`; email `3ddfcfc8-…`;
 * password `28c10230-…`). Stored per user as one entity `{id: userId, methods: [...]}`.
 * Every route counts against the reports limit (below), as the throttling page lists them.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { entityResponse, listResponse, type CollectionSpec } from '../graph/collection.js';
import { GraphError, badRequest, notFound } from '../graph/errors.js';
import { P } from '../graph/permissions.js';
import { route } from '../graph/resource.js';
import type { GraphContext, RouteSpec } from '../graph/types.js';
import { parseWrite } from '../graph/writes.js';
import type { Entity } from '../state/store.js';
import { userOr404 } from './users.js';

export const AUTH_METHODS_STORE = 'authenticationMethods';
export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
export const EMAIL_METHOD_ID = '3ddfcfc8-9383-446f-83cc-3ab9be4be18f';
export const PHONE_METHOD_IDS = {
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
} as const;

interface MethodKind {
  /** URL segment, e.g. `phoneMethods`. */
  readonly segment: string;
  readonly type: string;
  readonly create: boolean;
  readonly update: boolean;
  readonly remove: boolean;
}

const KINDS: readonly MethodKind[] = [
  { segment: 'phoneMethods', type: 'phoneAuthenticationMethod', create: true, update: true, remove: true },
  { segment: 'emailMethods', type: 'emailAuthenticationMethod', create: true, update: true, remove: true },
  { segment: 'temporaryAccessPassMethods', type: 'temporaryAccessPassAuthenticationMethod', create: true, update: false, remove: true },
  { segment: 'passwordMethods', type: 'passwordAuthenticationMethod', create: false, update: false, remove: false },
  { segment: 'fido2Methods', type: 'fido2AuthenticationMethod', create: false, update: false, remove: true },
  { segment: 'microsoftAuthenticatorMethods', type: 'microsoftAuthenticatorAuthenticationMethod', create: false, update: false, remove: true },
  { segment: 'softwareOathMethods', type: 'softwareOathAuthenticationMethod', create: false, update: false, remove: true },
  { segment: 'windowsHelloForBusinessMethods', type: 'windowsHelloForBusinessAuthenticationMethod', create: false, update: false, remove: true },
];

function methodsOf(ctx: GraphContext, userId: string): Entity[] {
  return (ctx.tenant.store(AUTH_METHODS_STORE).get(userId)?.methods as Entity[] | undefined) ?? [];
}

function saveMethods(ctx: GraphContext, userId: string, methods: Entity[]): void {
  const store = ctx.tenant.store(AUTH_METHODS_STORE);
  if (store.has(userId)) store.update(userId, { methods });
  else store.insert({ id: userId, methods });
}

const ofType = (m: Entity, type: string): boolean => m['@odata.type'] === `#microsoft.graph.${type}`;

function shape(ctx: GraphContext, kind: MethodKind | undefined): CollectionSpec {
  return {
    source: () => [],
    contextName: kind ? `users('${ctx.params.id}')/authentication/${kind.segment}` : `users('${ctx.params.id}')/authentication/methods`,
    paging: 'none',
    projection: { entityType: kind ? `microsoft.graph.${kind.type}` : 'microsoft.graph.authenticationMethod', includeType: !kind },
  };
}

const TYPE_LABEL: Record<string, string> = {
  phoneAuthenticationMethod: 'Phone', emailAuthenticationMethod: 'Email', temporaryAccessPassAuthenticationMethod: 'Temporary Access Pass',
  fido2AuthenticationMethod: 'FIDO2 security key', microsoftAuthenticatorAuthenticationMethod: 'Microsoft Authenticator',
};

function auditMethod(ctx: GraphContext, user: Entity, verb: 'registered' | 'updated' | 'deleted', type: string): void {
  ctx.audit({
    activityDisplayName: `Admin ${verb} security info`, category: 'UserManagement', operationType: verb === 'registered' ? 'Add' : verb === 'updated' ? 'Update' : 'Delete',
    targetResources: [{ id: user.id, type: 'User', displayName: user.displayName as string, userPrincipalName: user.userPrincipalName as string }],
    additionalDetails: [{ key: 'Method', value: TYPE_LABEL[type] ?? type }],
  });
}

function createMethod(ctx: GraphContext, kind: MethodKind, user: Entity): Entity {
  const write = parseWrite(ctx, ctx.request.body, { entityType: `microsoft.graph.${kind.type}`, resourceName: kind.type, readOnly: ['id', 'createdDateTime'] }, 'create');
  const p = write.props;
  const methods = methodsOf(ctx, user.id);
  const now = ctx.tenant.nowIso();
  let method: Entity;
  switch (kind.type) {
    case 'phoneAuthenticationMethod': {
      const phoneType = p.phoneType as keyof typeof PHONE_METHOD_IDS;
      if (!(phoneType in PHONE_METHOD_IDS)) throw badRequest("A value is required for property 'phoneType' of resource 'PhoneAuthenticationMethod'.");
      if (typeof p.phoneNumber !== 'string') throw badRequest("A value is required for property 'phoneNumber' of resource 'PhoneAuthenticationMethod'.");
      if (methods.some((m) => m.id === PHONE_METHOD_IDS[phoneType])) throw new GraphError(400, 'badRequest', `A phone method of type '${phoneType}' already exists for this user.`);
      method = { '@odata.type': '#microsoft.graph.phoneAuthenticationMethod', id: PHONE_METHOD_IDS[phoneType], phoneNumber: p.phoneNumber, phoneType, smsSignInState: phoneType === 'office' ? 'notSupported' : 'notAllowedByPolicy' };
      break;
    }
    case 'emailAuthenticationMethod':
      if (typeof p.emailAddress !== 'string') throw badRequest("A value is required for property 'emailAddress' of resource 'EmailAuthenticationMethod'.");
      if (methods.some((m) => m.id === EMAIL_METHOD_ID)) throw new GraphError(400, 'badRequest', 'An email method already exists for this user.');
      method = { '@odata.type': '#microsoft.graph.emailAuthenticationMethod', id: EMAIL_METHOD_ID, emailAddress: p.emailAddress };
      break;
    default: {
      if (methods.some((m) => ofType(m, 'temporaryAccessPassAuthenticationMethod'))) throw new GraphError(400, 'badRequest', 'A Temporary Access Pass already exists for this user.');
      const lifetime = typeof p.lifetimeInMinutes === 'number' ? p.lifetimeInMinutes : 60;
      if (lifetime < 10 || lifetime > 43_200) throw badRequest('lifetimeInMinutes must be between 10 and 43200.');
      const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#$%&*';
      let pass = '';
      for (let i = 0; i < 8; i++) pass += alphabet[randomInt(alphabet.length)];
      method = {
        '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod', id: randomUUID(), createdDateTime: now,
        startDateTime: typeof p.startDateTime === 'string' ? p.startDateTime : now, lifetimeInMinutes: lifetime, isUsableOnce: p.isUsableOnce ?? false,
        isUsable: true, methodUsabilityReason: 'EnabledByPolicy', temporaryAccessPass: pass,
      };
    }
  }
  // The pass is shown once; what is stored has it blanked.
  saveMethods(ctx, user.id, [...methods, method.temporaryAccessPass ? { ...method, temporaryAccessPass: null } : method]);
  auditMethod(ctx, user, 'registered', kind.type);
  return method;
}

/**
 * authenticationMethod is one of the resources under "Identity and access reports service limits"
 * (five requests per 10 s per app and tenant; contrib includes/throttling-entra-logs-reports.md
 * @161a8feb and @293254bb), not the directory's resource units; the connectors' cost model agrees.
 */
const REPORTS = { throttle: 'reports' } as const;

export function authMethodRoutes(): RouteSpec[] {
  const base = '/users/{id}/authentication';
  const routes: RouteSpec[] = [
    route('GET', `${base}/methods`, { ...REPORTS, permissions: P.authMethodRead, name: 'authentication.methods.list' }, (ctx) => {
      const user = userOr404(ctx, ctx.params.id as string);
      return listResponse(ctx, { ...shape(ctx, undefined), source: () => methodsOf(ctx, user.id) });
    }),
    route('GET', `${base}/methods/{methodId}`, { ...REPORTS, permissions: P.authMethodRead, name: 'authentication.methods.get' }, (ctx) => {
      const user = userOr404(ctx, ctx.params.id as string);
      const m = methodsOf(ctx, user.id).find((x) => x.id === ctx.params.methodId);
      if (!m) throw notFound(ctx.params.methodId as string);
      return entityResponse(ctx, shape(ctx, undefined), m);
    }),
  ];
  for (const kind of KINDS) {
    const path = `${base}/${kind.segment}`;
    const find = (ctx: GraphContext): { user: Entity; method: Entity } => {
      const user = userOr404(ctx, ctx.params.id as string);
      const method = methodsOf(ctx, user.id).find((m) => m.id === ctx.params.methodId && ofType(m, kind.type));
      if (!method) throw notFound(ctx.params.methodId as string);
      return { user, method };
    };
    routes.push(
      route('GET', path, { ...REPORTS, permissions: P.authMethodRead, name: `authentication.${kind.segment}.list` }, (ctx) => {
        const user = userOr404(ctx, ctx.params.id as string);
        return listResponse(ctx, { ...shape(ctx, kind), source: () => methodsOf(ctx, user.id).filter((m) => ofType(m, kind.type)) });
      }),
      route('GET', `${path}/{methodId}`, { ...REPORTS, permissions: P.authMethodRead, name: `authentication.${kind.segment}.get` }, (ctx) =>
        entityResponse(ctx, shape(ctx, kind), find(ctx).method),
      ),
    );
    if (kind.create) {
      routes.push(route('POST', path, { ...REPORTS, permissions: P.authMethodWrite, name: `authentication.${kind.segment}.create` }, (ctx) => {
        const user = userOr404(ctx, ctx.params.id as string);
        return entityResponse(ctx, shape(ctx, kind), createMethod(ctx, kind, user), 201);
      }));
    }
    if (kind.update) {
      routes.push(route('PATCH', `${path}/{methodId}`, { ...REPORTS, permissions: P.authMethodWrite, name: `authentication.${kind.segment}.update` }, (ctx) => {
        const { user, method } = find(ctx);
        const write = parseWrite(ctx, ctx.request.body, { entityType: `microsoft.graph.${kind.type}`, resourceName: kind.type, readOnly: ['createdDateTime', 'phoneType', 'smsSignInState'] }, 'update', method.id);
        saveMethods(ctx, user.id, methodsOf(ctx, user.id).map((m) => (m === method ? { ...m, ...write.props } : m)));
        auditMethod(ctx, user, 'updated', kind.type);
        return { status: 204 };
      }));
    }
    if (kind.remove) {
      routes.push(route('DELETE', `${path}/{methodId}`, { ...REPORTS, permissions: P.authMethodWrite, name: `authentication.${kind.segment}.delete` }, (ctx) => {
        const { user, method } = find(ctx);
        saveMethods(ctx, user.id, methodsOf(ctx, user.id).filter((m) => m !== method));
        auditMethod(ctx, user, 'deleted', kind.type);
        return { status: 204 };
      }));
    }
  }
  return routes;
}
