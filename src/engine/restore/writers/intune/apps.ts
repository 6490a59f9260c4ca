/**
 * Intune app management (facts §6.1, §6.3, §7.2; docs intune-apps-mobileapp-create/-assign,
 * intune-mam-iosmanagedappprotection-create/-targetapps, intune-mam-targetedmanagedappconfiguration-create/-targetapps):
 * - mobile apps: the metadata is restored (create with `@odata.type`; `packageId`, `bundleId`,
 *   `appStoreUrl` and `appIdentifier` are set on create and immutable afterwards). Line-of-business
 *   binaries (`.intunewin`, `.ipa`, `.apk`, `.msi`, …) cannot be read through Graph, so a recreated
 *   LOB app has no content until its package is uploaded again — declared as a limitation;
 * - app protection (iOS, Android) and managed-app configurations: the targeted apps are a
 *   relationship written as a whole with `POST …/{id}/targetApps` (with the policy's
 *   `appGroupType`), after the policy exists; assignments through `/assign` (base.ts);
 * - managed-device app configurations: the shared rules; `targetedMobileApps` names mobile apps
 *   by id, mapped like any reference.
 */
import { isObject, odataTypeName } from '../../documents.js';
import { failure, isOk } from '../generic.js';
import type { JsonObject, Limitation, RelationshipChange, RestoreContext, WriterContext } from '../types.js';
import { replacedSet } from './assignments.js';
import { IntuneWriter } from './base.js';

/** App types whose content is an uploaded package (mobileApp subtypes in the v1.0 CSDL). */
const PACKAGE_TYPES = new Set([
  'win32LobApp', 'windowsMobileMSI', 'windowsAppX', 'windowsUniversalAppX', 'iosLobApp', 'androidLobApp', 'macOSLobApp',
  'macOSDmgApp', 'macOSPkgApp', 'windowsPhone81AppX', 'windowsPhone81AppXBundle', 'windowsPhoneXAP', 'win32CatalogApp',
]);

export function isPackagedApp(document: JsonObject): boolean {
  const type = odataTypeName(document['@odata.type']);
  return type !== undefined && (PACKAGE_TYPES.has(type) || type.endsWith('LobApp'));
}

export class MobileAppWriter extends IntuneWriter {
  constructor() {
    super('mobileApp', { createOnly: ['packageId', 'appIdentifier', 'appStoreUrl', 'bundleId'] });
  }

  override limitations(document: JsonObject, context: RestoreContext): Limitation[] {
    if (!context.recreate || !isPackagedApp(document)) return [];
    return [{
      property: 'content',
      reason: 'The app\'s package (its binary) cannot be downloaded through Graph, so it is not in the backup.',
      action: 'the app\'s metadata and assignments are recreated; upload the original package again to publish it',
    }];
  }
}

/** A targeted app is told apart by its identifier (bundle id, package id, Windows app id) and platform. */
function appKey(entry: JsonObject): string {
  const identifier = isObject(entry.mobileAppIdentifier) ? entry.mobileAppIdentifier : {};
  const platform = String(identifier['@odata.type'] ?? '').replace(/^#/, '').toLowerCase();
  return `${platform}|${String(identifier.bundleId ?? identifier.packageId ?? identifier.windowsAppId ?? entry.id ?? '')}`;
}

/** A targeted app as `targetApps` takes it. */
function writableApp(entry: JsonObject): JsonObject {
  const out: JsonObject = { mobileAppIdentifier: entry.mobileAppIdentifier };
  if (typeof entry.id === 'string') out.id = entry.id;
  if (typeof entry.version === 'string') out.version = entry.version;
  return out;
}

export class ManagedAppPolicyWriter extends IntuneWriter {
  constructor(type: string) {
    super(type, { relationships: { apps: { kind: 'list', key: appKey } } });
  }

  override async relink(ctx: WriterContext, id: string, relationship: string, change: RelationshipChange, live: JsonObject | undefined): Promise<void> {
    if (relationship !== 'apps') return super.relink(ctx, id, relationship, change, live);
    const current = Array.isArray(live?.apps) ? live.apps.filter(isObject) : [];
    const apps = replacedSet(current, change, appKey, appKey).map(writableApp);
    const path = this.declaration.write!.actions!.targetApps!.replace('{id}', encodeURIComponent(id));
    const appGroupType = live?.appGroupType;
    const body = { apps, ...(typeof appGroupType === 'string' ? { appGroupType } : {}) };
    const result = await this.call(ctx, { method: 'POST', url: path, body, idempotent: true });
    if (!isOk(result)) throw failure(result, `Targeting the apps of ${this.type}/${id}`);
  }
}

export function appManagementWriters(): IntuneWriter[] {
  return [
    new MobileAppWriter(),
    new ManagedAppPolicyWriter('iosManagedAppProtection'),
    new ManagedAppPolicyWriter('androidManagedAppProtection'),
    new ManagedAppPolicyWriter('targetedManagedAppConfiguration'),
    new IntuneWriter('managedDeviceMobileAppConfiguration'),
  ];
}
