/**
 * Restore writers of Intune: device management (configurations, compliance, settings catalog,
 * scripts, assignment filters) and app management (apps, app protection, app configurations).
 * Intune RBAC (role definitions and assignments) and scope tags need
 * DeviceManagementRBAC.ReadWrite.All, which the seed does not grant: the generic writer reports
 * them `unsupported` naming it. Registered in `writers/index.ts`.
 */
import type { TypeWriter } from '../types.js';
import { appManagementWriters } from './apps.js';
import { deviceManagementWriters } from './device-management.js';

export function intuneWriters(): TypeWriter[] {
  return [...deviceManagementWriters(), ...appManagementWriters()];
}

export { IntuneWriter, missingGroups } from './base.js';
export { DeviceCompliancePolicyWriter, SettingsCatalogPolicyWriter, ScriptWriter } from './device-management.js';
export { MobileAppWriter, ManagedAppPolicyWriter, isPackagedApp } from './apps.js';
export { entryKey as intuneEntryKey, replacedSet } from './assignments.js';
