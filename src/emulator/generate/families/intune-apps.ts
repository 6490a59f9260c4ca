/**
 * Intune `deviceAppManagement`: mobile apps (WinGet, iOS store, Android managed store, Win32
 * LOB metadata, web links, Microsoft 365 Apps), app protection policies (iOS and Android, with
 * their targeted apps), app configuration policies for managed apps (targeted) and for managed
 * devices (iOS, Android Enterprise), each with assignments.
 *
 * Shapes follow the docs examples `intune-apps-*-create`, `intune-mam-iosmanagedappprotection-
 * create`, `intune-mam-targetedmanagedappconfiguration-create`, `intune-apps-iosmobileappconfiguration-
 * create` and the schemas. Win32 apps carry metadata only: their binaries (content versions,
 * files) cannot be backed up (facts §6) and are not generated. Beta-only app types (winGetApp,
 * androidManagedStoreApp, officeSuiteApp) are unknown to v1.0, where Graph does not list them;
 * `GraphSchema.project` returns undefined for them on v1.0.
 */
import type { FamilyContext } from '../context.js';
import { assignmentTargets, scopeTagIds, stamps, type IntuneBasics } from './intune-common.js';
import { addChild, type FamilyPart } from './output.js';
import { base64, bySize, odataType, type GraphEntity, type JsonObject } from './util.js';

interface AppSpec {
  type: string;
  displayName: string;
  publisher: string;
  extra: JsonObject;
  /** Platform family, for configuration and protection policies that target it. */
  platform: 'windows' | 'ios' | 'android' | 'web';
}

const APPS: AppSpec[] = [
  { type: 'winGetApp', displayName: 'Company Portal', publisher: 'Microsoft Corporation', platform: 'windows', extra: { packageIdentifier: '9WZDNCRFJ3PZ', installExperience: { runAsAccount: 'user' }, manifestHash: null } },
  { type: 'winGetApp', displayName: 'Microsoft To Do', publisher: 'Microsoft Corporation', platform: 'windows', extra: { packageIdentifier: '9NBLGGH5R558', installExperience: { runAsAccount: 'user' }, manifestHash: null } },
  {
    type: 'iosStoreApp',
    displayName: 'Microsoft Outlook',
    publisher: 'Microsoft Corporation',
    platform: 'ios',
    extra: { bundleId: 'com.microsoft.Office.Outlook', appStoreUrl: 'https://apps.apple.com/app/microsoft-outlook/id951937596', applicableDeviceType: { iPad: true, iPhoneAndIPod: true }, minimumSupportedOperatingSystem: { v15_0: true } },
  },
  {
    type: 'iosStoreApp',
    displayName: 'Microsoft Teams',
    publisher: 'Microsoft Corporation',
    platform: 'ios',
    extra: { bundleId: 'com.microsoft.skype.teams', appStoreUrl: 'https://apps.apple.com/app/microsoft-teams/id1113153706', applicableDeviceType: { iPad: true, iPhoneAndIPod: true }, minimumSupportedOperatingSystem: { v16_0: true } },
  },
  {
    type: 'androidManagedStoreApp',
    displayName: 'Microsoft Authenticator',
    publisher: 'Microsoft Corporation',
    platform: 'android',
    extra: { packageId: 'com.azure.authenticator', appIdentifier: 'com.azure.authenticator', appStoreUrl: 'https://play.google.com/store/apps/details?id=com.azure.authenticator', isPrivate: false, isSystemApp: false, appTracks: [], supportsOemConfig: false, totalLicenseCount: 0, usedLicenseCount: 0 },
  },
  {
    type: 'androidManagedStoreApp',
    displayName: 'Microsoft Edge',
    publisher: 'Microsoft Corporation',
    platform: 'android',
    extra: { packageId: 'com.microsoft.emmx', appIdentifier: 'com.microsoft.emmx', appStoreUrl: 'https://play.google.com/store/apps/details?id=com.microsoft.emmx', isPrivate: false, isSystemApp: false, appTracks: [], supportsOemConfig: false, totalLicenseCount: 0, usedLicenseCount: 0 },
  },
  {
    type: 'win32LobApp',
    displayName: '7-Zip',
    publisher: 'Igor Pavlov',
    platform: 'windows',
    extra: {
      fileName: '7zip.intunewin',
      size: 1_598_341,
      committedContentVersion: '1',
      installCommandLine: 'msiexec /i "7z2408-x64.msi" /qn',
      uninstallCommandLine: 'msiexec /x "{23170F69-40C1-2702-2408-000001000000}" /qn',
      applicableArchitectures: 'x64',
      minimumSupportedWindowsRelease: '1607',
      minimumSupportedOperatingSystem: { v10_1607: true },
      minimumFreeDiskSpaceInMB: null,
      minimumMemoryInMB: null,
      minimumNumberOfProcessors: null,
      minimumCpuSpeedInMHz: null,
      displayVersion: '24.08',
      setupFilePath: '7z2408-x64.msi',
      installExperience: { runAsAccount: 'system', deviceRestartBehavior: 'basedOnReturnCode', maxRunTimeInMinutes: 60 },
      returnCodes: [
        { returnCode: 0, type: 'success' },
        { returnCode: 1707, type: 'success' },
        { returnCode: 3010, type: 'softReboot' },
        { returnCode: 1641, type: 'hardReboot' },
        { returnCode: 1618, type: 'retry' },
      ],
      rules: [
        {
          '@odata.type': odataType('win32LobAppProductCodeRule'),
          ruleType: 'detection',
          productCode: '{23170F69-40C1-2702-2408-000001000000}',
          productVersionOperator: 'notConfigured',
          productVersion: null,
        },
      ],
      msiInformation: null,
    },
  },
  {
    type: 'win32LobApp',
    displayName: 'Notepad++',
    publisher: 'Notepad++ Team',
    platform: 'windows',
    extra: {
      fileName: 'npp.intunewin',
      size: 4_812_004,
      committedContentVersion: '2',
      installCommandLine: 'npp.8.6.9.Installer.x64.exe /S',
      uninstallCommandLine: '"%ProgramFiles%\\Notepad++\\uninstall.exe" /S',
      applicableArchitectures: 'x64',
      minimumSupportedWindowsRelease: '21H1',
      minimumSupportedOperatingSystem: { v10_21H1: true },
      minimumFreeDiskSpaceInMB: 100,
      minimumMemoryInMB: null,
      minimumNumberOfProcessors: null,
      minimumCpuSpeedInMHz: null,
      displayVersion: '8.6.9',
      setupFilePath: 'npp.8.6.9.Installer.x64.exe',
      installExperience: { runAsAccount: 'system', deviceRestartBehavior: 'suppress', maxRunTimeInMinutes: 60 },
      returnCodes: [{ returnCode: 0, type: 'success' }],
      rules: [
        {
          '@odata.type': odataType('win32LobAppFileSystemRule'),
          ruleType: 'detection',
          path: '%ProgramFiles%\\Notepad++',
          fileOrFolderName: 'notepad++.exe',
          check32BitOn64System: false,
          operationType: 'exists',
          operator: 'notConfigured',
          comparisonValue: null,
        },
      ],
      msiInformation: null,
    },
  },
  { type: 'webApp', displayName: 'Intranet', publisher: 'IT', platform: 'web', extra: { appUrl: 'https://intranet.example/', useManagedBrowser: true } },
  { type: 'webApp', displayName: 'Expenses', publisher: 'Finance', platform: 'web', extra: { appUrl: 'https://expenses.example/', useManagedBrowser: false } },
  {
    type: 'officeSuiteApp',
    displayName: 'Microsoft 365 Apps for Windows 10 and later',
    publisher: 'Microsoft',
    platform: 'windows',
    extra: {
      autoAcceptEula: true,
      productIds: ['o365ProPlusRetail'],
      excludedApps: { access: true, bing: true, excel: false, groove: true, infoPath: true, lync: true, oneDrive: false, oneNote: false, outlook: false, powerPoint: false, publisher: true, sharePointDesigner: true, teams: false, visio: true, word: false },
      useSharedComputerActivation: false,
      updateChannel: 'current',
      officePlatformArchitecture: 'x64',
      localesToInstall: ['en-us'],
      installProgressDisplayLevel: 'none',
      shouldUninstallOlderVersionsOfOffice: true,
      targetVersion: '',
      updateVersion: '',
      officeConfigurationXml: null,
    },
  },
];

const PROTECTED_IOS_APPS = ['com.microsoft.Office.Outlook', 'com.microsoft.skype.teams', 'com.microsoft.Office.Word', 'com.microsoft.Office.Excel', 'com.microsoft.sharepoint', 'com.microsoft.skydrive'];
const PROTECTED_ANDROID_APPS = ['com.microsoft.office.outlook', 'com.microsoft.teams', 'com.microsoft.office.word', 'com.microsoft.office.excel', 'com.microsoft.sharepoint', 'com.microsoft.skydrive'];

function protectionBase(ctx: FamilyContext, b: IntuneBasics, type: string, displayName: string): GraphEntity {
  const { random } = b;
  return {
    '@odata.type': odataType(type),
    id: `T_${random.uuid()}`,
    displayName,
    description: '',
    ...stamps(ctx, random),
    version: `"${random.hex(8)}"`,
    roleScopeTagIds: scopeTagIds(b),
    periodOfflineBeforeAccessCheck: 'PT12H',
    periodOnlineBeforeAccessCheck: 'PT30M',
    allowedInboundDataTransferSources: 'allApps',
    allowedOutboundDataTransferDestinations: 'managedApps',
    organizationalCredentialsRequired: false,
    allowedOutboundClipboardSharingLevel: 'managedAppsWithPasteIn',
    dataBackupBlocked: true,
    deviceComplianceRequired: true,
    managedBrowserToOpenLinksRequired: false,
    saveAsBlocked: true,
    periodOfflineBeforeWipeIsEnforced: 'P90D',
    pinRequired: true,
    maximumPinRetries: 5,
    simplePinBlocked: random.chance(0.5),
    minimumPinLength: random.pick([4, 6]),
    pinCharacterSet: 'numeric',
    periodBeforePinReset: 'PT0S',
    allowedDataStorageLocations: ['oneDriveForBusiness', 'sharePoint'],
    contactSyncBlocked: false,
    printBlocked: random.chance(0.3),
    fingerprintBlocked: false,
    disableAppPinIfDevicePinIsSet: false,
    minimumRequiredOsVersion: null,
    minimumWarningOsVersion: null,
    minimumRequiredAppVersion: null,
    minimumWarningAppVersion: null,
    managedBrowser: 'microsoftEdge',
    minimumWipeOsVersion: null,
    minimumWipeAppVersion: null,
    appActionIfDeviceComplianceRequired: 'block',
    appActionIfMaximumPinRetriesExceeded: 'block',
    pinRequiredInsteadOfBiometricTimeout: 'PT30M',
    allowedOutboundClipboardSharingExceptionLength: 0,
    notificationRestriction: 'allow',
    isAssigned: false, // set from the policy's assignments
    targetedAppManagementLevels: 'unspecified',
    appGroupType: 'allCoreMicrosoftApps',
  };
}

export function generateIntuneApps(ctx: FamilyContext, b: IntuneBasics): FamilyPart {
  const { random } = b;
  const part: FamilyPart = { stores: {} };

  const apps: GraphEntity[] = [];
  const appCount = bySize(ctx, [10, 60, 250]);
  for (let i = 0; i < appCount; i++) {
    const spec = APPS[i % APPS.length] as AppSpec;
    const copy = Math.floor(i / APPS.length);
    const id = random.uuid();
    const assignments = assignmentTargets(ctx, b, id, { allTargets: spec.platform === 'web' ? 'users' : 'both' });
    apps.push({
      '@odata.type': odataType(spec.type),
      id,
      displayName: copy === 0 ? spec.displayName : `${spec.displayName} (${copy + 1})`,
      description: spec.displayName,
      publisher: spec.publisher,
      largeIcon: null,
      ...stamps(ctx, random),
      isFeatured: random.chance(0.2),
      privacyInformationUrl: null,
      informationUrl: null,
      owner: '',
      developer: '',
      notes: '',
      publishingState: 'published',
      uploadState: 1,
      dependentAppCount: 0,
      supersedingAppCount: 0,
      supersededAppCount: 0,
      isAssigned: assignments.length > 0,
      roleScopeTagIds: scopeTagIds(b),
      ...spec.extra,
    });
    addChild(
      part,
      'mobileApps/assignments',
      id,
      assignments.map((a) => {
        const exclusion = String(a.target['@odata.type']).endsWith('exclusionGroupAssignmentTarget');
        const intent = exclusion ? 'required' : spec.platform === 'web' ? 'available' : random.weighted(['required', 'available', 'uninstall'], [6, 3, 1]);
        const settings: JsonObject | null =
          spec.type === 'win32LobApp'
            ? { '@odata.type': odataType('win32LobAppAssignmentSettings'), notifications: 'showAll', restartSettings: null, installTimeSettings: null, deliveryOptimizationPriority: 'notConfigured' }
            : null;
        return { id: `${a.id}_0_0`, intent, settings, target: a.target };
      }),
    );
  }
  part.stores['mobileApps'] = apps;

  const protections: GraphEntity[] = [];
  const protectionCount = bySize(ctx, [2, 6, 20]);
  for (let i = 0; i < protectionCount; i++) {
    const ios = i % 2 === 0;
    const n = Math.floor(i / 2) + 1;
    const entity: GraphEntity = ios
      ? {
          ...protectionBase(ctx, b, 'iosManagedAppProtection', `iOS app protection ${n}`),
          appDataEncryptionType: 'whenDeviceLocked',
          minimumRequiredSdkVersion: null,
          deployedAppCount: PROTECTED_IOS_APPS.length,
          faceIdBlocked: false,
          customBrowserProtocol: '',
        }
      : {
          ...protectionBase(ctx, b, 'androidManagedAppProtection', `Android app protection ${n}`),
          screenCaptureBlocked: true,
          disableAppEncryptionIfDeviceEncryptionIsEnabled: false,
          encryptAppData: true,
          deployedAppCount: PROTECTED_ANDROID_APPS.length,
          minimumRequiredPatchVersion: '0000-00-00',
          minimumWarningPatchVersion: '0000-00-00',
          customBrowserPackageId: '',
          customBrowserDisplayName: '',
        };
    protections.push(entity);
    addChild(
      part,
      'managedAppPolicies/apps',
      entity.id,
      (ios ? PROTECTED_IOS_APPS : PROTECTED_ANDROID_APPS).map((appId): JsonObject => ({
        id: `${appId}.${ios ? 'ios' : 'android'}`,
        mobileAppIdentifier: ios ? { '@odata.type': odataType('iosMobileAppIdentifier'), bundleId: appId } : { '@odata.type': odataType('androidMobileAppIdentifier'), packageId: appId },
        version: null,
      })),
    );
    const assignments = assignmentTargets(ctx, b, entity.id, { allTargets: 'users', filters: false });
    // isAssigned says whether the policy has assignments (read-only, kept so by /assign).
    entity.isAssigned = assignments.length > 0;
    addChild(part, 'managedAppPolicies/assignments', entity.id, assignments.map((a) => ({ id: a.id, target: a.target })));
  }

  const targetedConfigs: GraphEntity[] = [];
  for (let i = 0; i < bySize(ctx, [2, 8, 25]); i++) {
    const id = `A_${random.uuid()}`;
    const config: GraphEntity = {
      id,
      displayName: `Outlook app configuration ${i + 1}`,
      description: 'Managed app configuration for Outlook',
      ...stamps(ctx, random),
      version: `"${random.hex(8)}"`,
      roleScopeTagIds: scopeTagIds(b),
      customSettings: [
        { name: 'com.microsoft.outlook.EmailProfile.AccountType', value: 'ModernAuth' },
        { name: 'com.microsoft.outlook.Mail.FocusedInbox', value: random.pick(['true', 'false']) },
        { name: 'com.microsoft.intune.mam.AllowedAccountUPNs', value: `{{userprincipalname}}` },
      ],
      deployedAppCount: 2,
      isAssigned: false, // set from its assignments below
      targetedAppManagementLevels: 'unspecified',
      appGroupType: 'selectedPublicApps',
    };
    targetedConfigs.push(config);
    addChild(part, 'targetedManagedAppConfigurations/apps', id, [
      { id: 'com.microsoft.Office.Outlook.ios', mobileAppIdentifier: { '@odata.type': odataType('iosMobileAppIdentifier'), bundleId: 'com.microsoft.Office.Outlook' }, version: null },
      { id: 'com.microsoft.office.outlook.android', mobileAppIdentifier: { '@odata.type': odataType('androidMobileAppIdentifier'), packageId: 'com.microsoft.office.outlook' }, version: null },
    ]);
    const assignments = assignmentTargets(ctx, b, id, { allTargets: 'users', filters: false });
    config.isAssigned = assignments.length > 0;
    addChild(part, 'targetedManagedAppConfigurations/assignments', id, assignments.map((a) => ({ id: a.id, target: a.target })));
  }
  // managedAppPolicies lists protection and configuration policies alike (facts §7.2).
  part.stores['managedAppPolicies'] = protections;
  part.stores['targetedManagedAppConfigurations'] = targetedConfigs;

  const iosApps = apps.filter((a) => a['@odata.type'] === odataType('iosStoreApp')).map((a) => a.id);
  const androidApps = apps.filter((a) => a['@odata.type'] === odataType('androidManagedStoreApp'));
  const deviceConfigs: GraphEntity[] = [];
  for (let i = 0; i < bySize(ctx, [2, 8, 25]); i++) {
    const ios = i % 2 === 0 || androidApps.length === 0;
    const id = random.uuid();
    if (ios) {
      deviceConfigs.push({
        '@odata.type': odataType('iosMobileAppConfiguration'),
        id,
        displayName: `iOS managed app settings ${i + 1}`,
        description: '',
        ...stamps(ctx, random),
        version: random.between(1, 5),
        roleScopeTagIds: scopeTagIds(b),
        targetedMobileApps: iosApps.length > 0 ? [random.pick(iosApps)] : [],
        encodedSettingXml: null,
        settings: [
          { appConfigKey: 'IntuneMAMUPN', appConfigKeyType: 'stringType', appConfigKeyValue: '{{userprincipalname}}' },
          { appConfigKey: 'IntuneMAMAllowedAccountsOnly', appConfigKeyType: 'stringType', appConfigKeyValue: 'Enabled' },
        ],
      });
    } else {
      const app = random.pick(androidApps);
      deviceConfigs.push({
        '@odata.type': odataType('androidManagedStoreAppConfiguration'),
        id,
        displayName: `Android managed app settings ${i + 1}`,
        description: '',
        ...stamps(ctx, random),
        version: random.between(1, 5),
        roleScopeTagIds: scopeTagIds(b),
        targetedMobileApps: [app.id],
        packageId: `app:${String(app['packageId'])}`,
        payloadJson: base64(JSON.stringify({ kind: 'androidenterprise#managedConfiguration', productId: `app:${String(app['packageId'])}`, managedProperty: [{ key: 'com.microsoft.intune.mam.AllowedAccountUPNs', valueString: '{{userprincipalname}}' }] })),
        permissionActions: [],
        appSupportsOemConfig: false,
        profileApplicability: 'default',
      });
    }
    addChild(part, 'mobileAppConfigurations/assignments', id, assignmentTargets(ctx, b, id, { allTargets: 'devices', filters: false }).map((a) => ({ id: a.id, target: a.target })));
  }
  part.stores['mobileAppConfigurations'] = deviceConfigs;
  return part;
}
