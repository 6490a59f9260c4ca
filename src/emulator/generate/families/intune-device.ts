/**
 * Intune `deviceManagement`: device configuration profiles (Windows general, endpoint
 * protection and custom OMA-URI, iOS, Android work profile, macOS), compliance policies with
 * their scheduled actions, settings-catalog policies with `settingInstance` trees (choice,
 * simple, simple collection and group collection), PowerShell, shell, remediation and
 * custom-attribute scripts (base64 `scriptContent`), Intune RBAC (role definitions, role
 * assignments), scope tags with auto-assignments, and assignment filters — each with its
 * assignments.
 *
 * Shapes follow the docs examples in the corpus (`intune-deviceconfig-*-create`,
 * `intune-deviceconfigv2-devicemanagementconfigurationpolicy-get`, `intune-shared-
 * devicemanagementscript-create`, `intune-devices-devicehealthscript-create`, `intune-rbac-*`)
 * and the schemas: v1.0 types carry beta-only properties (`roleScopeTagIds`, filters on targets)
 * because one object serves both versions; `GraphSchema.project` strips them for v1.0.
 */
import type { FamilyContext } from '../context.js';
import { assignmentTargets, scopeTagIds, stamps, target, type IntuneBasics } from './intune-common.js';
import { addChild, type FamilyPart } from './output.js';
import { base64, bySize, distinct, fixedGuid, odataType, pickGroupIds, type GraphEntity, type JsonObject } from './util.js';

type Maker = (ctx: FamilyContext, b: IntuneBasics, n: number) => GraphEntity;

function base(ctx: FamilyContext, b: IntuneBasics, type: string, displayName: string, description: string | null): GraphEntity {
  return {
    '@odata.type': odataType(type),
    id: b.random.uuid(),
    displayName,
    description,
    ...stamps(ctx, b.random),
    version: b.random.between(1, 12),
    roleScopeTagIds: scopeTagIds(b),
    // Only configuration profiles say whether they support scope tags and carry applicability rules (beta).
    ...(type.endsWith('CompliancePolicy')
      ? {}
      : { supportsScopeTags: true, deviceManagementApplicabilityRuleOsEdition: null, deviceManagementApplicabilityRuleOsVersion: null, deviceManagementApplicabilityRuleDeviceMode: null }),
  };
}

const DEVICE_CONFIGURATIONS: Array<[string, Maker]> = [
  [
    'windows10GeneralConfiguration',
    (ctx, b, n) => ({
      ...base(ctx, b, 'windows10GeneralConfiguration', `WIN - Device restrictions ${n}`, 'Baseline device restrictions for corporate Windows devices'),
      passwordRequired: true,
      passwordRequiredType: 'alphanumeric',
      passwordMinimumLength: b.random.pick([8, 10, 12, 14]),
      passwordMinutesOfInactivityBeforeScreenTimeout: 15,
      passwordBlockSimple: true,
      passwordExpirationDays: b.random.pick([0, 90, 180]),
      cameraBlocked: b.random.chance(0.1),
      storageRequireMobileDeviceEncryption: true,
      defenderRequireRealTimeMonitoring: true,
      defenderRequireBehaviorMonitoring: true,
      defenderRequireCloudProtection: true,
      defenderScanType: 'quick',
      defenderScheduledScanTime: '02:00:00.0000000',
      defenderSystemScanSchedule: 'everyday',
      defenderCloudBlockLevel: b.random.pick(['notConfigured', 'high']),
      edgeBlockPasswordManager: b.random.chance(0.3),
      edgeRequireSmartScreen: true,
      smartScreenEnableAppInstallControl: b.random.chance(0.5),
      diagnosticsDataSubmissionMode: 'basic',
      microsoftAccountBlocked: b.random.chance(0.5),
      oneDriveDisableFileSync: false,
      usbBlocked: false,
      bluetoothBlocked: false,
      lockScreenBlockToastNotifications: true,
    }),
  ],
  [
    'windows10EndpointProtectionConfiguration',
    (ctx, b, n) => {
      const profile = (enabled: boolean): JsonObject => ({
        firewallEnabled: enabled ? 'allowed' : 'notConfigured',
        stealthModeBlocked: false,
        incomingTrafficBlocked: false,
        unicastResponsesToMulticastBroadcastsBlocked: true,
        inboundNotificationsBlocked: true,
        authorizedApplicationRulesFromGroupPolicyMerged: false,
        globalPortRulesFromGroupPolicyMerged: false,
        connectionSecurityRulesFromGroupPolicyMerged: false,
        outboundConnectionsBlocked: false,
        inboundConnectionsBlocked: true,
        securedPacketExemptionAllowed: false,
        policyRulesFromGroupPolicyMerged: false,
      });
      return {
        ...base(ctx, b, 'windows10EndpointProtectionConfiguration', `WIN - Endpoint protection ${n}`, 'Firewall, BitLocker and Application Guard'),
        firewallBlockStatefulFTP: true,
        firewallIdleTimeoutForSecurityAssociationInSeconds: 300,
        firewallPreSharedKeyEncodingMethod: 'utF8',
        firewallIPSecExemptionsAllowNeighborDiscovery: true,
        firewallIPSecExemptionsAllowICMP: true,
        firewallIPSecExemptionsAllowRouterDiscovery: true,
        firewallIPSecExemptionsAllowDHCP: true,
        firewallCertificateRevocationListCheckMethod: 'deviceDefault',
        firewallMergeKeyingModuleSettings: false,
        firewallPacketQueueingMethod: 'deviceDefault',
        firewallProfileDomain: profile(true),
        firewallProfilePrivate: profile(true),
        firewallProfilePublic: profile(true),
        bitLockerEncryptDevice: true,
        bitLockerDisableWarningForOtherDiskEncryption: true,
        bitLockerEnableStorageCardEncryptionOnMobile: false,
        applicationGuardEnabled: b.random.chance(0.3),
        applicationGuardBlockClipboardSharing: 'blockBoth',
        applicationGuardBlockFileTransfer: 'blockImageAndTextFile',
        smartScreenEnableInShell: true,
        smartScreenBlockOverrideForFiles: true,
        defenderAttackSurfaceReductionExcludedPaths: [],
        defenderGuardedFoldersAllowedAppPaths: [],
        defenderAdditionalGuardedFolders: [],
      };
    },
  ],
  [
    'windows10CustomConfiguration',
    (ctx, b, n) => ({
      ...base(ctx, b, 'windows10CustomConfiguration', `WIN - Custom OMA-URI ${n}`, 'Settings not yet in the settings catalog'),
      omaSettings: [
        { '@odata.type': odataType('omaSettingInteger'), displayName: 'Disable Windows Spotlight', description: null, omaUri: './User/Vendor/MSFT/Policy/Config/Experience/AllowWindowsSpotlight', value: 0 },
        { '@odata.type': odataType('omaSettingString'), displayName: 'Time zone', description: null, omaUri: './Device/Vendor/MSFT/Policy/Config/TimeLanguageSettings/ConfigureTimeZone', value: b.random.pick(['W. Europe Standard Time', 'Pacific Standard Time', 'GMT Standard Time']) },
        { '@odata.type': odataType('omaSettingBoolean'), displayName: 'Block consumer features', description: 'Registry-backed', omaUri: './Device/Vendor/MSFT/Policy/Config/Experience/AllowWindowsConsumerFeatures', value: false },
      ],
    }),
  ],
  [
    'iosGeneralDeviceConfiguration',
    (ctx, b, n) => ({
      ...base(ctx, b, 'iosGeneralDeviceConfiguration', `iOS - Device restrictions ${n}`, 'Supervised iPhone and iPad restrictions'),
      passcodeRequired: true,
      passcodeRequiredType: 'numeric',
      passcodeMinimumLength: 6,
      passcodeBlockSimple: true,
      passcodeMinutesOfInactivityBeforeLock: 5,
      passcodeSignInFailureCountBeforeWipe: 10,
      cameraBlocked: false,
      iCloudBlockBackup: b.random.chance(0.5),
      iCloudBlockDocumentSync: b.random.chance(0.5),
      appStoreBlockInAppPurchases: true,
      documentsBlockManagedDocumentsInUnmanagedApps: true,
      safariRequireFraudWarning: true,
      screenCaptureBlocked: false,
      compliantAppsList: [],
      appsSingleAppModeList: [],
      appsVisibilityList: [],
      emailInDomainSuffixes: [ctx.domain],
      safariManagedDomains: [],
      safariPasswordAutoFillDomains: [],
      networkUsageRules: [],
    }),
  ],
  [
    'androidWorkProfileGeneralDeviceConfiguration',
    (ctx, b, n) => ({
      ...base(ctx, b, 'androidWorkProfileGeneralDeviceConfiguration', `AND - Work profile restrictions ${n}`, 'Personally owned Android devices with a work profile'),
      passwordMinimumLength: 6,
      passwordRequiredType: 'atLeastNumeric',
      passwordMinutesOfInactivityBeforeScreenTimeout: 15,
      workProfileRequirePassword: true,
      workProfilePasswordMinimumLength: 6,
      workProfilePasswordRequiredType: 'atLeastNumeric',
      workProfileBlockScreenCapture: true,
      workProfileBlockCrossProfileCopyPaste: true,
      workProfileDataSharingType: 'preventAny',
      workProfileDefaultAppPermissionPolicy: 'prompt',
      workProfileBlockCamera: false,
      securityRequireVerifyApps: true,
    }),
  ],
  [
    'macOSGeneralDeviceConfiguration',
    (ctx, b, n) => ({
      ...base(ctx, b, 'macOSGeneralDeviceConfiguration', `MAC - Device restrictions ${n}`, null),
      passwordRequired: true,
      passwordRequiredType: 'alphanumeric',
      passwordMinimumLength: 10,
      passwordMinutesOfInactivityBeforeLock: 5,
      passwordMinutesOfInactivityBeforeScreenTimeout: 10,
      passwordBlockSimple: true,
      compliantAppListType: 'none',
      compliantAppsList: [],
      emailInDomainSuffixes: [],
    }),
  ],
];

const COMPLIANCE: Array<[string, Maker]> = [
  [
    'windows10CompliancePolicy',
    (ctx, b, n) => ({
      ...base(ctx, b, 'windows10CompliancePolicy', `WIN - Compliance ${n}`, 'BitLocker, Secure Boot and a minimum OS build'),
      passwordRequired: true,
      passwordBlockSimple: true,
      passwordRequiredToUnlockFromIdle: true,
      passwordMinutesOfInactivityBeforeLock: 15,
      passwordMinimumLength: 8,
      passwordRequiredType: 'alphanumeric',
      passwordExpirationDays: null,
      passwordMinimumCharacterSetCount: null,
      passwordPreviousPasswordBlockCount: null,
      requireHealthyDeviceReport: true,
      mobileOsMinimumVersion: null,
      mobileOsMaximumVersion: null,
      osMinimumVersion: b.random.pick(['10.0.19045', '10.0.22621', '10.0.22631']),
      osMaximumVersion: null,
      earlyLaunchAntiMalwareDriverEnabled: false,
      bitLockerEnabled: true,
      secureBootEnabled: true,
      codeIntegrityEnabled: true,
      storageRequireEncryption: true,
    }),
  ],
  [
    'iosCompliancePolicy',
    (ctx, b, n) => ({
      ...base(ctx, b, 'iosCompliancePolicy', `iOS - Compliance ${n}`, null),
      passcodeRequired: true,
      passcodeBlockSimple: true,
      passcodeMinimumLength: 6,
      passcodeRequiredType: 'numeric',
      passcodeMinutesOfInactivityBeforeLock: 5,
      passcodeExpirationDays: null,
      passcodePreviousPasscodeBlockCount: null,
      passcodeMinimumCharacterSetCount: null,
      osMinimumVersion: b.random.pick(['16.0', '17.0']),
      osMaximumVersion: null,
      securityBlockJailbrokenDevices: true,
      deviceThreatProtectionEnabled: false,
      deviceThreatProtectionRequiredSecurityLevel: 'unavailable',
      managedEmailProfileRequired: false,
    }),
  ],
  [
    'androidWorkProfileCompliancePolicy',
    (ctx, b, n) => ({
      ...base(ctx, b, 'androidWorkProfileCompliancePolicy', `AND - Work profile compliance ${n}`, null),
      passwordRequired: true,
      passwordMinimumLength: 6,
      passwordRequiredType: 'numericComplex',
      passwordMinutesOfInactivityBeforeLock: 15,
      passwordExpirationDays: null,
      passwordPreviousPasswordBlockCount: null,
      osMinimumVersion: '11.0',
      osMaximumVersion: null,
      minAndroidSecurityPatchLevel: '2024-01-01',
      securityDisableUsbDebugging: true,
      securityRequireVerifyApps: true,
      securityRequireUpToDateSecurityProviders: false,
      securityBlockJailbrokenDevices: true,
      securityPreventInstallAppsFromUnknownSources: true,
      securityRequireSafetyNetAttestationBasicIntegrity: true,
      securityRequireSafetyNetAttestationCertifiedDevice: true,
      securityRequireGooglePlayServices: true,
      securityRequireCompanyPortalAppIntegrity: true,
      storageRequireEncryption: true,
      deviceThreatProtectionEnabled: false,
      deviceThreatProtectionRequiredSecurityLevel: 'unavailable',
    }),
  ],
];

function scheduledActions(b: IntuneBasics): JsonObject[] {
  const actions: JsonObject[] = [{ id: b.random.uuid(), actionType: 'block', gracePeriodHours: b.random.pick([0, 24, 72]), notificationTemplateId: '00000000-0000-0000-0000-000000000000', notificationMessageCCList: [] }];
  if (b.random.chance(0.4)) actions.push({ id: b.random.uuid(), actionType: 'retire', gracePeriodHours: 24 * b.random.pick([30, 60, 90]), notificationTemplateId: '00000000-0000-0000-0000-000000000000', notificationMessageCCList: [] });
  return [{ id: b.random.uuid(), ruleName: 'PasswordRequired', scheduledActionConfigurations: actions }];
}

// ---- Settings catalog ------------------------------------------------------------------------

const choice = (definitionId: string, value: string, children: JsonObject[] = []): JsonObject => ({
  '@odata.type': odataType('deviceManagementConfigurationChoiceSettingInstance'),
  settingDefinitionId: definitionId,
  settingInstanceTemplateReference: null,
  choiceSettingValue: { '@odata.type': odataType('deviceManagementConfigurationChoiceSettingValue'), settingValueTemplateReference: null, value: `${definitionId}_${value}`, children },
});
const simpleValue = (value: string | number): JsonObject =>
  typeof value === 'number'
    ? { '@odata.type': odataType('deviceManagementConfigurationIntegerSettingValue'), settingValueTemplateReference: null, value }
    : { '@odata.type': odataType('deviceManagementConfigurationStringSettingValue'), settingValueTemplateReference: null, value };
const simple = (definitionId: string, value: string | number): JsonObject => ({
  '@odata.type': odataType('deviceManagementConfigurationSimpleSettingInstance'),
  settingDefinitionId: definitionId,
  settingInstanceTemplateReference: null,
  simpleSettingValue: simpleValue(value),
});
const simpleCollection = (definitionId: string, values: string[]): JsonObject => ({
  '@odata.type': odataType('deviceManagementConfigurationSimpleSettingCollectionInstance'),
  settingDefinitionId: definitionId,
  settingInstanceTemplateReference: null,
  simpleSettingCollectionValue: values.map(simpleValue),
});
const groupCollection = (definitionId: string, items: JsonObject[][]): JsonObject => ({
  '@odata.type': odataType('deviceManagementConfigurationGroupSettingCollectionInstance'),
  settingDefinitionId: definitionId,
  settingInstanceTemplateReference: null,
  groupSettingCollectionValue: items.map((children) => ({ settingValueTemplateReference: null, children })),
});

const DEFENDER = 'device_vendor_msft_policy_config_defender';
const FIREWALL_RULE = 'vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}';

/** Setting-catalog policy archetypes: name, platform, technologies, settings. */
const CATALOG: Array<{ name: string; platforms: string; technologies: string; settings: (b: IntuneBasics) => JsonObject[] }> = [
  {
    name: 'Defender Antivirus baseline',
    platforms: 'windows10',
    technologies: 'mdm,microsoftSense',
    settings: (b) => [
      choice(`${DEFENDER}_allowrealtimemonitoring`, '1'),
      choice(`${DEFENDER}_allowcloudprotection`, '1'),
      choice(`${DEFENDER}_cloudblocklevel`, b.random.pick(['2', '4', '6'])),
      simple(`${DEFENDER}_avgcpuloadfactor`, b.random.pick([30, 50])),
      simpleCollection(`${DEFENDER}_excludedextensions`, ['.log', '.tmp']),
    ],
  },
  {
    name: 'BitLocker silent encryption',
    platforms: 'windows10',
    technologies: 'mdm',
    settings: () => [
      choice('device_vendor_msft_bitlocker_requiredeviceencryption', '1', [choice('device_vendor_msft_bitlocker_allowwarningforotherdiskencryption', '0', [choice('device_vendor_msft_bitlocker_allowstandarduserencryption', '1')])]),
      choice('device_vendor_msft_bitlocker_encryptionmethodbydrivetype', '1', [
        choice('device_vendor_msft_bitlocker_encryptionmethodbydrivetype_encryptionmethodwithxtsosdropdown_name', '7'),
        choice('device_vendor_msft_bitlocker_encryptionmethodbydrivetype_encryptionmethodwithxtsfdvdropdown_name', '7'),
      ]),
    ],
  },
  {
    name: 'Firewall rules',
    platforms: 'windows10',
    technologies: 'mdm,microsoftSense',
    settings: (b) => [
      groupCollection(
        FIREWALL_RULE,
        Array.from({ length: b.random.between(1, 3) }, (_, i) => [
          simple(`${FIREWALL_RULE}_name`, ['Allow RDP from jump hosts', 'Block SMB outbound', 'Allow line-of-business API'][i] ?? `Rule ${i}`),
          choice(`${FIREWALL_RULE}_direction`, b.random.pick(['in', 'out'])),
          choice(`${FIREWALL_RULE}_action_type`, b.random.pick(['0', '1'])),
          simpleCollection(`${FIREWALL_RULE}_localportranges`, [b.random.pick(['3389', '445', '8443'])]),
        ]),
      ),
    ],
  },
  {
    name: 'Edge security',
    platforms: 'windows10',
    technologies: 'mdm',
    settings: (b) => [
      choice('device_vendor_msft_policy_config_microsoft_edgev92~policy~microsoft_edge_passwordmanagerenabled', b.random.pick(['0', '1'])),
      choice('device_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge~smartscreen_smartscreenenabled', '1'),
      simpleCollection('device_vendor_msft_policy_config_microsoft_edge~policy~microsoft_edge~startup_restoreonstartupurls', ['https://intranet.example/']),
    ],
  },
  {
    name: 'macOS FileVault',
    platforms: 'macOS',
    technologies: 'mdm,appleRemoteManagement',
    settings: () => [
      choice('com.apple.mcx.filevault2_enable', '0'),
      simple('com.apple.mcx.filevault2_deferforceatuserloginmaxbypassattempts', 0),
    ],
  },
];

// ---- Scripts --------------------------------------------------------------------------------

const POWERSHELL: Array<[string, string, string]> = [
  ['Set-TimeZone.ps1', 'Set time zone', "Set-TimeZone -Id 'W. Europe Standard Time'\n"],
  ['Remove-Bloatware.ps1', 'Remove consumer apps', "Get-AppxPackage -AllUsers *XboxApp* | Remove-AppxPackage -AllUsers\n"],
  ['Map-Drives.ps1', 'Map network drives', "New-PSDrive -Name S -PSProvider FileSystem -Root '\\\\files\\shared' -Persist\n"],
  ['Enable-WinRM.ps1', 'Enable WinRM', 'Enable-PSRemoting -Force\n'],
];
const SHELL: Array<[string, string, string]> = [
  ['install-rosetta.sh', 'Install Rosetta 2', '#!/bin/zsh\n/usr/sbin/softwareupdate --install-rosetta --agree-to-license\n'],
  ['set-dock.sh', 'Configure the Dock', '#!/bin/zsh\ndefaults write com.apple.dock autohide -bool true\nkillall Dock\n'],
  ['rename-mac.sh', 'Rename Mac from serial', '#!/bin/zsh\nserial=$(ioreg -l | awk -F\\" \'/IOPlatformSerialNumber/ {print $4}\')\nscutil --set ComputerName "MAC-$serial"\n'],
];
const HEALTH: Array<[string, string, string]> = [
  ['Restart stale devices', "$uptime = (Get-Date) - (Get-CimInstance Win32_OperatingSystem).LastBootUpTime\nif ($uptime.Days -gt 14) { exit 1 } else { exit 0 }\n", 'shutdown /r /t 3600 /c "Your device restarts in one hour"\n'],
  ['Clear Teams cache', "if (Test-Path \"$env:APPDATA\\Microsoft\\Teams\\Cache\") { exit 1 }\nexit 0\n", 'Remove-Item "$env:APPDATA\\Microsoft\\Teams\\Cache\\*" -Recurse -Force\n'],
  ['Disk cleanup', 'if ((Get-PSDrive C).Free -lt 10GB) { exit 1 }\nexit 0\n', 'cleanmgr /sagerun:1\n'],
];
const CUSTOM_ATTRIBUTES: Array<[string, string, string]> = [
  ['BatteryCycleCount', 'integer', "#!/bin/zsh\nsystem_profiler SPPowerDataType | awk '/Cycle Count/ {print $3}'\n"],
  ['FileVaultStatus', 'string', '#!/bin/zsh\nfdesetup status\n'],
  ['LastUpdateCheck', 'dateTime', "#!/bin/zsh\ndefaults read /Library/Preferences/com.apple.SoftwareUpdate LastSuccessfulDate\n"],
];

// ---- Intune RBAC ----------------------------------------------------------------------------

const BUILT_IN_ROLES: Array<[string, string, string[]]> = [
  ['Policy and Profile manager', 'Manages compliance policy, configuration profiles, Apple enrollment, corporate device identifiers, and security baselines.', ['Microsoft.Intune_DeviceConfigurations_Read', 'Microsoft.Intune_DeviceConfigurations_Create', 'Microsoft.Intune_DeviceConfigurations_Update', 'Microsoft.Intune_DeviceConfigurations_Delete', 'Microsoft.Intune_DeviceConfigurations_Assign', 'Microsoft.Intune_DeviceCompliancePolices_Read', 'Microsoft.Intune_DeviceCompliancePolices_Update']],
  ['Help Desk Operator', 'Performs remote tasks on users and devices, and can assign applications or policies to users or devices.', ['Microsoft.Intune_ManagedDevices_Read', 'Microsoft.Intune_RemoteTasks_RebootNow', 'Microsoft.Intune_RemoteTasks_RemoteLock', 'Microsoft.Intune_RemoteTasks_SyncDevice', 'Microsoft.Intune_MobileApps_Read']],
  ['Read Only Operator', 'Views user, device, enrollment, configuration, and application information. Cannot make changes to Intune.', ['Microsoft.Intune_ManagedDevices_Read', 'Microsoft.Intune_DeviceConfigurations_Read', 'Microsoft.Intune_MobileApps_Read', 'Microsoft.Intune_Organization_Read']],
  ['Application Manager', 'Manages mobile and managed applications, can read device information and can view device configuration profiles.', ['Microsoft.Intune_MobileApps_Read', 'Microsoft.Intune_MobileApps_Create', 'Microsoft.Intune_MobileApps_Update', 'Microsoft.Intune_MobileApps_Delete', 'Microsoft.Intune_MobileApps_Assign', 'Microsoft.Intune_ManagedApps_Read']],
  ['Endpoint Security Manager', 'Manages security and compliance features such as security baselines, device compliance, conditional access, and Microsoft Defender for Endpoint.', ['Microsoft.Intune_SecurityBaselines_Read', 'Microsoft.Intune_SecurityBaselines_Update', 'Microsoft.Intune_SecurityBaselines_Assign', 'Microsoft.Intune_DeviceCompliancePolices_Read']],
  ['Intune Role Administrator', 'Manages custom Intune roles and adds assignments for built-in Intune roles.', ['Microsoft.Intune_Roles_Read', 'Microsoft.Intune_Roles_Create', 'Microsoft.Intune_Roles_Update', 'Microsoft.Intune_Roles_Delete', 'Microsoft.Intune_Roles_Assign']],
];

export function generateIntuneDevice(ctx: FamilyContext, b: IntuneBasics): FamilyPart {
  const { random } = b;
  const part: FamilyPart = { stores: { roleScopeTags: b.scopeTags, assignmentFilters: b.filters } };
  const assign = (child: string, id: string, options: Parameters<typeof assignmentTargets>[3], extra: (t: JsonObject) => JsonObject = () => ({})): void => {
    const items = assignmentTargets(ctx, b, id, options).map((a) => ({ id: a.id, ...extra(a.target), target: a.target }));
    addChild(part, child, id, items);
  };

  const configs: GraphEntity[] = [];
  const configCount = bySize(ctx, [8, 40, 150]);
  for (let i = 0; i < configCount; i++) {
    const [, make] = DEVICE_CONFIGURATIONS[i % DEVICE_CONFIGURATIONS.length] as [string, Maker];
    const entity = make(ctx, b, Math.floor(i / DEVICE_CONFIGURATIONS.length) + 1);
    configs.push(entity);
    assign('deviceConfigurations/assignments', entity.id, { allTargets: 'both' });
  }
  part.stores['deviceConfigurations'] = configs;

  const compliance: GraphEntity[] = [];
  const complianceCount = bySize(ctx, [3, 10, 30]);
  for (let i = 0; i < complianceCount; i++) {
    const [, make] = COMPLIANCE[i % COMPLIANCE.length] as [string, Maker];
    const entity = make(ctx, b, Math.floor(i / COMPLIANCE.length) + 1);
    compliance.push(entity);
    addChild(part, 'deviceCompliancePolicies/scheduledActionsForRule', entity.id, scheduledActions(b));
    assign('deviceCompliancePolicies/assignments', entity.id, { allTargets: 'both' });
  }
  part.stores['deviceCompliancePolicies'] = compliance;

  const catalog: GraphEntity[] = [];
  const catalogCount = bySize(ctx, [5, 30, 120]);
  for (let i = 0; i < catalogCount; i++) {
    const archetype = CATALOG[i % CATALOG.length] as (typeof CATALOG)[number];
    const settings = archetype.settings(b).map((instance, n) => ({ id: String(n), settingInstance: instance }));
    const assignments = assignmentTargets(ctx, b, random.uuid(), { allTargets: 'both' });
    const id = random.uuid();
    catalog.push({
      id,
      name: i < CATALOG.length ? archetype.name : `${archetype.name} (${Math.floor(i / CATALOG.length) + 1})`,
      description: '',
      platforms: archetype.platforms,
      technologies: archetype.technologies,
      ...stamps(ctx, random),
      settingCount: settings.length,
      creationSource: null,
      roleScopeTagIds: scopeTagIds(b),
      isAssigned: assignments.length > 0,
      templateReference: { templateId: '', templateFamily: 'none', templateDisplayName: null, templateDisplayVersion: null },
      priorityMetaData: null,
    });
    addChild(part, 'configurationPolicies/settings', id, settings);
    addChild(
      part,
      'configurationPolicies/assignments',
      id,
      assignments.map((a) => ({ id: a.id.replace(/^[^_]+/, id), source: 'direct', sourceId: id, target: a.target })),
    );
  }
  part.stores['configurationPolicies'] = catalog;

  const scriptBase = (displayName: string, fileName: string, content: string): GraphEntity => ({
    id: random.uuid(),
    displayName,
    description: '',
    scriptContent: base64(content),
    ...stamps(ctx, random),
    runAsAccount: random.pick(['system', 'user']),
    fileName,
    roleScopeTagIds: scopeTagIds(b),
  });
  const scriptCount = bySize(ctx, [3, 15, 40]);
  part.stores['deviceManagementScripts'] = Array.from({ length: scriptCount }, (_, i) => {
    const [file, name, content] = POWERSHELL[i % POWERSHELL.length] as [string, string, string];
    const entity = { ...scriptBase(name, file, content), enforceSignatureCheck: false, runAs32Bit: false };
    assign('deviceManagementScripts/assignments', entity.id, { allTargets: 'devices', filters: false });
    return entity;
  });
  part.stores['deviceShellScripts'] = Array.from({ length: Math.max(1, Math.round(scriptCount / 2)) }, (_, i) => {
    const [file, name, content] = SHELL[i % SHELL.length] as [string, string, string];
    const entity = { ...scriptBase(name, file, content), executionFrequency: random.pick(['PT0S', 'P1D', 'P1W']), retryCount: random.pick([0, 3]), blockExecutionNotifications: true };
    assign('deviceShellScripts/assignments', entity.id, { allTargets: 'devices', filters: false });
    return entity;
  });
  part.stores['deviceHealthScripts'] = Array.from({ length: Math.max(1, Math.round(scriptCount / 2)) }, (_, i) => {
    const [name, detection, remediation] = HEALTH[i % HEALTH.length] as [string, string, string];
    const id = random.uuid();
    const entity: GraphEntity = {
      id,
      publisher: ctx.organizationDisplayName,
      version: '1',
      displayName: name,
      description: '',
      detectionScriptContent: base64(detection),
      remediationScriptContent: base64(remediation),
      ...stamps(ctx, random),
      runAsAccount: 'system',
      enforceSignatureCheck: false,
      runAs32Bit: false,
      roleScopeTagIds: scopeTagIds(b),
      isGlobalScript: false,
      highestAvailableVersion: null,
      deviceHealthScriptType: 'deviceHealthScript',
      detectionScriptParameters: [],
      remediationScriptParameters: [],
    };
    assign('deviceHealthScripts/assignments', id, { allTargets: 'devices', filters: false }, () => ({
      runRemediationScript: true,
      runSchedule: { '@odata.type': odataType('deviceHealthScriptDailySchedule'), interval: 1, useUtc: false, time: random.pick(['09:00:00.0000000', '13:00:00.0000000']) },
    }));
    return entity;
  });
  part.stores['deviceCustomAttributeShellScripts'] = Array.from({ length: Math.max(1, Math.round(scriptCount / 3)) }, (_, i) => {
    const [attribute, type, content] = CUSTOM_ATTRIBUTES[i % CUSTOM_ATTRIBUTES.length] as [string, string, string];
    const entity = { ...scriptBase(attribute, `${attribute}.sh`, content), customAttributeName: attribute, customAttributeType: type };
    assign('deviceCustomAttributeShellScripts/assignments', entity.id, { allTargets: 'devices', filters: false });
    return entity;
  });

  // Scope tags are auto-assigned to groups of devices (roleScopeTagAutoAssignment).
  for (const tag of b.scopeTags.slice(1)) {
    const groups = pickGroupIds(ctx, random, random.between(0, 2));
    addChild(part, 'roleScopeTags/assignments', tag.id, groups.map((groupId) => ({ id: `${tag.id}_${groupId}`, target: target('group', b, groupId, false) })));
  }

  const roleDefinitions: GraphEntity[] = BUILT_IN_ROLES.map(([name, description, actions]) => ({
    '@odata.type': odataType('deviceAndAppManagementRoleDefinition'),
    id: fixedIntuneRoleId(name),
    displayName: name,
    description,
    isBuiltIn: true,
    isBuiltInRoleDefinition: true,
    roleScopeTagIds: ['0'],
    rolePermissions: [{ resourceActions: [{ allowedResourceActions: actions, notAllowedResourceActions: [] }] }],
    // Beta repeats the permissions in its newer shape.
    permissions: [{ actions, resourceActions: [{ allowedResourceActions: actions, notAllowedResourceActions: [] }] }],
  }));
  const customRoles = bySize(ctx, [1, 3, 8]);
  for (let i = 0; i < customRoles; i++) {
    const allowed = distinct(random.between(2, 5), () => random.pick(BUILT_IN_ROLES.flatMap(([, , a]) => a)));
    roleDefinitions.push({
      '@odata.type': odataType('deviceAndAppManagementRoleDefinition'),
      id: random.uuid(),
      displayName: `${random.pick(['Regional', 'Kiosk', 'Service desk', 'Security'])} operator ${i + 1}`,
      description: 'Custom role',
      isBuiltIn: false,
      isBuiltInRoleDefinition: false,
      roleScopeTagIds: scopeTagIds(b),
      rolePermissions: [{ resourceActions: [{ allowedResourceActions: allowed, notAllowedResourceActions: [] }] }],
      permissions: [{ actions: allowed, resourceActions: [{ allowedResourceActions: allowed, notAllowedResourceActions: [] }] }],
    });
  }
  part.stores['intuneRoleDefinitions'] = roleDefinitions;
  const roleAssignments: GraphEntity[] = [];
  for (const role of roleDefinitions) {
    if (random.chance(0.4)) continue;
    const assignment: GraphEntity = {
      '@odata.type': odataType('deviceAndAppManagementRoleAssignment'),
      id: random.uuid(),
      displayName: `${role['displayName'] as string} assignment`,
      description: '',
      members: pickGroupIds(ctx, random, random.between(1, 2)),
      resourceScopes: pickGroupIds(ctx, random, random.between(0, 2)),
      scopeType: 'resourceScope',
      scopeMembers: [],
      roleScopeTagIds: scopeTagIds(b),
    };
    roleAssignments.push(assignment);
    addChild(part, 'intuneRoleAssignments/roleDefinition', assignment.id, [{ id: role.id }]);
  }
  part.stores['intuneRoleAssignments'] = roleAssignments;
  return part;
}

/** Built-in Intune roles have the same ID in every tenant (these are stable, not Microsoft's real ones). */
function fixedIntuneRoleId(name: string): string {
  return fixedGuid(`intune-role/${name}`);
}
