/**
 * Delegated permission grants, administrative units and directory RBAC (facts §6.3, §7.1;
 * oauth2permissiongrant-post, administrativeunit-post-members, directoryrole-post-directoryroles,
 * rbacapplication-post-roleassignments, rbacapplication-post-roledefinitions):
 * - a grant's client, consent type, principal and resource are set on create and never change;
 *   only `scope` is updated; it is found again by client, resource, consent type and principal;
 * - an administrative unit's members are `$ref` links (not for a dynamic unit); its scoped role
 *   members are entries `{ roleId, roleMemberInfo: { id } }` POSTed and DELETEd;
 * - a directory role cannot be created, only activated from its template (the template id is the
 *   same in every tenant); it cannot be deactivated again;
 * - a role assignment has no PATCH: a different one is another assignment; it is found again by
 *   principal, role definition and scope;
 * - built-in role definitions exist in every tenant and cannot be changed.
 */
import { getResource } from '../../../../connectors/index.js';
import { isObject } from '../../documents.js';
import { GraphWriter, failure, isOk, quoteOData } from '../generic.js';
import type { CreateOptions, CreateResult, JsonObject, RestoreContext, WriterContext } from '../types.js';

function listBody(body: unknown): JsonObject[] {
  return isObject(body) && Array.isArray(body.value) ? body.value.filter(isObject) : [];
}

export class OAuth2PermissionGrantWriter extends GraphWriter {
  constructor() {
    super(getResource('oAuth2PermissionGrant'), { createOnly: ['clientId', 'consentType', 'principalId', 'resourceId'], naturalKey: null, uniqueKey: true });
  }

  override async findExisting(ctx: WriterContext, document: JsonObject): Promise<readonly CreateResult[]> {
    if (typeof document.clientId !== 'string' || typeof document.resourceId !== 'string') return [];
    const filter = `clientId eq ${quoteOData(document.clientId)} and resourceId eq ${quoteOData(document.resourceId)}`;
    const result = await this.call(ctx, { method: 'GET', url: `/oauth2PermissionGrants?$filter=${encodeURIComponent(filter)}` });
    if (!isOk(result)) throw failure(result, 'Looking for a delegated permission grant');
    return listBody(result.body)
      .filter((g) => g.consentType === document.consentType && (g.principalId ?? null) === (document.principalId ?? null))
      .map((g) => ({ id: String(g.id), keys: {} }));
  }
}

export class AdministrativeUnitWriter extends GraphWriter {
  constructor() {
    super(getResource('administrativeUnit'), {
      relationships: {
        members: { kind: 'list', key: (e) => String(e.id), computed: (doc) => (doc.membershipType === 'Dynamic' ? 'The members of a dynamic administrative unit come from its membership rule.' : undefined) },
        scopedRoleMembers: { kind: 'list', key: (e) => `${String(e.roleId)}|${String(isObject(e.roleMemberInfo) ? e.roleMemberInfo.id : '')}` },
      },
    });
  }

  protected override entryBody(relationship: string, entry: JsonObject, id: string): JsonObject {
    if (relationship !== 'scopedRoleMembers') return super.entryBody(relationship, entry, id);
    return { roleId: entry.roleId, roleMemberInfo: { id: isObject(entry.roleMemberInfo) ? entry.roleMemberInfo.id : undefined } };
  }
}

export class DirectoryRoleWriter extends GraphWriter {
  constructor() {
    super(getResource('directoryRole'), { createOnly: ['roleTemplateId'], naturalKey: null, uniqueKey: true, relationships: { members: { kind: 'list', key: (e) => String(e.id) } } });
  }

  override cannotRestore(document: JsonObject, context: RestoreContext): string | undefined {
    const base = super.cannotRestore(document, context);
    if (base) return base;
    if (context.recreate && typeof document.roleTemplateId !== 'string') return 'A directory role is activated from its template, and this one names none.';
    return undefined;
  }

  override async findExisting(ctx: WriterContext, document: JsonObject): Promise<readonly CreateResult[]> {
    if (typeof document.roleTemplateId !== 'string') return [];
    const result = await this.call(ctx, { method: 'GET', url: `/directoryRoles(roleTemplateId=${encodeURIComponent(quoteOData(document.roleTemplateId))})?$select=id` });
    if (result.status === 404) return [];
    if (!isOk(result)) throw failure(result, `Looking for the directory role of template ${document.roleTemplateId}`);
    return isObject(result.body) && typeof result.body.id === 'string' ? [{ id: result.body.id, keys: {} }] : [];
  }

  override async create(ctx: WriterContext, document: JsonObject, _options: CreateOptions): Promise<CreateResult> {
    // Activation: the only way a directory role comes into existence (directoryrole-post-directoryroles).
    const result = await this.call(ctx, { method: 'POST', url: '/directoryRoles', body: { roleTemplateId: document.roleTemplateId } });
    if (!isOk(result)) throw failure(result, `Activating directory role ${String(document.displayName ?? document.roleTemplateId)}`);
    return { id: this.idOf(isObject(result.body) ? result.body : {}), keys: {} };
  }

  override cannotRemove(): string | undefined {
    return 'An activated directory role cannot be deactivated through Graph; it stays activated (without members).';
  }
}

export class RoleDefinitionWriter extends GraphWriter {
  constructor() {
    super(getResource('unifiedRoleDefinition'), { createOnly: ['templateId'] });
  }

  override cannotRestore(document: JsonObject, context: RestoreContext): string | undefined {
    const base = super.cannotRestore(document, context);
    if (base) return base;
    if (document.isBuiltIn === true) return 'Built-in role definitions exist in every tenant and cannot be created or changed.';
    return undefined;
  }
}

export class RoleAssignmentWriter extends GraphWriter {
  constructor() {
    super(getResource('unifiedRoleAssignment'), {
      createOnly: ['principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId'],
      // No PATCH (facts §7.1): every defining property is fixed at create.
      serverManaged: ['principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId'],
      naturalKey: null,
      uniqueKey: true,
    });
  }

  override async findExisting(ctx: WriterContext, document: JsonObject): Promise<readonly CreateResult[]> {
    if (typeof document.principalId !== 'string' || typeof document.roleDefinitionId !== 'string') return [];
    const filter = `principalId eq ${quoteOData(document.principalId)} and roleDefinitionId eq ${quoteOData(document.roleDefinitionId)}`;
    const result = await this.call(ctx, { method: 'GET', url: `/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(filter)}` });
    if (!isOk(result)) throw failure(result, 'Looking for a role assignment');
    return listBody(result.body)
      .filter((a) => (a.directoryScopeId ?? null) === (document.directoryScopeId ?? null) && (a.appScopeId ?? null) === (document.appScopeId ?? null))
      .map((a) => ({ id: String(a.id), keys: {} }));
  }
}
