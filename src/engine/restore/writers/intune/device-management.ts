/**
 * Intune device management (facts §6.3, §7.2; docs intune-deviceconfig-devicecompliancepolicy-create,
 * -schedulactionsforrules, intune-deviceconfigv2-devicemanagementconfigurationpolicy-create/-update,
 * intune-shared-devicemanagementscript-create):
 * - device configurations, scripts and assignment filters: the shared Intune rules (base.ts);
 *   script content (`scriptContent`, `detectionScriptContent`, `remediationScriptContent`, base64)
 *   is an ordinary property, read by id and written on create and PATCH;
 * - compliance policies: `scheduledActionsForRule` (what happens to a non-compliant device, and
 *   when) is sent inline on create — Intune requires it there — and replaced as a whole later
 *   with `POST …/{id}/scheduleActionsForRules`, never by PATCH. It is kept as a relationship
 *   keyed by content (rule and actions, ids aside: the service gives rules new ids), so a second
 *   apply finds nothing to do, and a changed rule replaces the rule of the same name;
 * - settings-catalog policies: `settings` are sent inline on create, and every update is a PUT of
 *   the whole policy with its settings (PATCH of a setting fails, facts §7.2), so an update that
 *   does not change the settings sends the live ones back; the natural key is `name`;
 * - Microsoft's global health scripts (`isGlobalScript`) cannot be recreated (facts §7.2).
 */
import { TenantVaultError } from '../../../../errors/index.js';
import { isObject } from '../../documents.js';
import { failure, isOk } from '../generic.js';
import type { JsonObject, RelationshipChange, RestoreContext, WriterContext } from '../types.js';
import { entryKey, replacedSet, writableEntry } from './assignments.js';
import { IntuneWriter } from './base.js';

const SCHEDULED_ACTIONS = 'scheduledActionsForRule';

/** A scheduled-action rule is identified by its rule name (one per rule; `PasswordRequired` in practice). */
const ruleName = (entry: JsonObject): string => String(entry.ruleName ?? '');

/** A rule as sent: no ids at any depth, no response bookkeeping. */
function writableRule(entry: JsonObject): JsonObject {
  return writableEntry(entry);
}

export class DeviceCompliancePolicyWriter extends IntuneWriter {
  constructor() {
    super('deviceCompliancePolicy', { relationships: { [SCHEDULED_ACTIONS]: { kind: 'list', key: entryKey } } });
  }

  protected override createBody(document: JsonObject): JsonObject {
    const body = super.createBody(document);
    const rules = Array.isArray(document[SCHEDULED_ACTIONS]) ? document[SCHEDULED_ACTIONS].filter(isObject) : [];
    body[SCHEDULED_ACTIONS] = rules.map(writableRule);
    return body;
  }

  override async relink(ctx: WriterContext, id: string, relationship: string, change: RelationshipChange, live: JsonObject | undefined): Promise<void> {
    if (relationship !== SCHEDULED_ACTIONS) return super.relink(ctx, id, relationship, change, live);
    const current = Array.isArray(live?.[SCHEDULED_ACTIONS]) ? (live[SCHEDULED_ACTIONS] as unknown[]).filter(isObject) : [];
    const rules = replacedSet(current, change, entryKey, ruleName).map(writableRule);
    const path = this.declaration.write!.actions!.scheduleActionsForRules!.replace('{id}', encodeURIComponent(id));
    const result = await this.call(ctx, { method: 'POST', url: path, body: { deviceComplianceScheduledActionForRules: rules }, idempotent: true });
    if (!isOk(result)) throw failure(result, `Scheduling the compliance actions of ${this.type}/${id}`);
  }
}

export class SettingsCatalogPolicyWriter extends IntuneWriter {
  constructor() {
    super('deviceManagementConfigurationPolicy', { naturalKey: 'name' });
  }

  override async update(ctx: WriterContext, id: string, patch: JsonObject, live: JsonObject | undefined): Promise<void> {
    if (Object.keys(patch).length === 0) return;
    // A PUT replaces the settings too: without them in the patch, the live ones go back.
    let current = live;
    if (!current || !('settings' in current)) {
      for await (const item of this.read(ctx, [id], { relationships: ['settings'] })) current = item.document;
      if (!current) throw new TenantVaultError('RESTORE_FAILED', `${this.type}/${id} is gone from the target`, { hint: 'Plan the restore again.' });
    }
    await super.update(ctx, id, patch, current);
  }
}

export class ScriptWriter extends IntuneWriter {
  override cannotRestore(document: JsonObject, context: RestoreContext): string | undefined {
    const base = super.cannotRestore(document, context);
    if (base) return base;
    if (context.recreate && document.isGlobalScript === true) return 'A global script is published by Microsoft and cannot be recreated in a tenant.';
    return undefined;
  }
}

export function deviceManagementWriters(): IntuneWriter[] {
  return [
    // Device configurations and filters need nothing beyond the shared rules.
    new IntuneWriter('deviceConfiguration'),
    new DeviceCompliancePolicyWriter(),
    new SettingsCatalogPolicyWriter(),
    new ScriptWriter('deviceManagementScript'),
    new ScriptWriter('deviceShellScript'),
    new ScriptWriter('deviceHealthScript'),
    new ScriptWriter('deviceCustomAttributeShellScript'),
    new IntuneWriter('deviceAndAppManagementAssignmentFilter'),
  ];
}
