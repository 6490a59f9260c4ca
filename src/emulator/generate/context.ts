/**
 * The contract between the directory generator (this folder) and the generators of the other
 * Graph families (conditional access, policies, Intune, BitLocker, audit logs, Exchange), which
 * live in `generate/families/` and export
 *
 * ```ts
 * export function generateFamilies(ctx: FamilyContext): FamilyData | Promise<FamilyData>;
 * ```
 *
 * The directory is generated first; then `generateFamilies` gets a `FamilyContext` that lets it
 * reference the directory's objects (a CA policy that includes a group, a BitLocker key for a
 * device, an Intune assignment to a group) and returns its entities per store name. The emulator
 * inserts them into the tenant's stores (`tenant.store(name)`), where the routes declared for
 * those families serve them.
 *
 * Guarantees:
 * - Everything here is deterministic for a given tenant seed: `random` is a stream reserved for
 *   the families, so directory generation never shifts it and vice versa.
 * - The `pick*` functions return objects that exist in the generated directory.
 * - The iterators (`users()`, `devices()`, …) walk the directory lazily in a stable order; a large
 *   tenant has 100,000 users and 50,000 devices, so do not collect them into arrays needlessly.
 * Not guaranteed: that a picked object stays unchanged after tests start writing to the tenant.
 */
import type { Random } from '../random.js';

export type TenantSizeClass = 'small' | 'medium' | 'large';

/** How many objects of each kind a generated tenant has. */
export interface TenantCounts {
  users: number;
  /** All groups: Microsoft 365, security, mail-enabled security and distribution lists. */
  groups: number;
  /** Direct group memberships (user or group in a group). */
  memberships: number;
  applications: number;
  /** Service principals of the tenant's own applications (first-party ones come on top). */
  servicePrincipals: number;
  devices: number;
  administrativeUnits: number;
}

export interface UserRef {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly mail: string | null;
  readonly department: string | null;
}

/** `distribution` and `mailEnabledSecurity` groups are read-only in Graph and managed through Exchange. */
export type GroupKind = 'unified' | 'security' | 'mailEnabledSecurity' | 'distribution';

export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
  readonly kind: GroupKind;
  readonly mail: string | null;
  readonly mailNickname: string;
  /** True for groups with a membership rule. */
  readonly dynamic: boolean;
}

export interface ApplicationRef {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
}

export interface ServicePrincipalRef {
  readonly id: string;
  readonly appId: string;
  readonly displayName: string;
  /** Microsoft's own service principals (Graph, Exchange Online, Office 365 portal, …). */
  readonly firstParty: boolean;
}

export interface DeviceRef {
  readonly id: string;
  /** The device's `deviceId` property (what BitLocker keys and Intune reference), not its object ID. */
  readonly deviceId: string;
  readonly displayName: string;
  readonly operatingSystem: string;
  /** Registered owner, when the device has one. */
  readonly ownerId: string | null;
}

export interface RoleTemplateRef {
  /** The role template ID (= built-in unifiedRoleDefinition ID). */
  readonly id: string;
  readonly displayName: string;
}

export interface FamilyContext {
  /** The tenant's seed as given to the generator. */
  readonly seed: string;
  /** A PRNG stream reserved for the families; fork it per family (`random.fork('intune')`). */
  readonly random: Random;
  readonly tenantId: string;
  /** The short tenant name, e.g. `contoso`. */
  readonly tenantName: string;
  /** The initial domain, e.g. `contoso.onmicrosoft.com`. */
  readonly domain: string;
  readonly organizationDisplayName: string;
  readonly size: TenantSizeClass | 'custom';
  readonly counts: Readonly<TenantCounts>;
  /** Generation time (the emulator clock), ms since the epoch; date generated objects before it. */
  readonly nowMs: number;
  /** The admin app registered at start (the one whose credentials the CLI prints). */
  readonly adminApp: { readonly appId: string; readonly applicationId: string; readonly servicePrincipalId: string };

  /** A random user, group, … drawn from `random` (or the stream given). */
  pickUser(random?: Random): UserRef;
  pickGroup(filter?: (g: GroupRef) => boolean, random?: Random): GroupRef;
  pickApplication(random?: Random): ApplicationRef;
  pickServicePrincipal(filter?: (sp: ServicePrincipalRef) => boolean, random?: Random): ServicePrincipalRef;
  pickDevice(random?: Random): DeviceRef;

  users(): Iterable<UserRef>;
  groups(): Iterable<GroupRef>;
  applications(): Iterable<ApplicationRef>;
  servicePrincipals(): Iterable<ServicePrincipalRef>;
  devices(): Iterable<DeviceRef>;
  /** Members (user and group IDs) of a group. */
  groupMembers(groupId: string): Iterable<string>;
  servicePrincipalByAppId(appId: string): ServicePrincipalRef | undefined;
  /** Built-in directory role templates (Global Administrator, …). */
  readonly roleTemplates: readonly RoleTemplateRef[];
}

/** A generated entity: any JSON object with a string `id` (singletons use a fixed id). */
export type GeneratedEntity = { id: string } & Record<string, unknown>;

export interface FamilyData {
  /**
   * Entities per store name, e.g. `{ conditionalAccessPolicies: [...], bitlockerRecoveryKeys: gen() }`.
   * Iterables are consumed once, lazily, so generators can stream large sets.
   */
  readonly stores: Readonly<Record<string, Iterable<GeneratedEntity>>>;
  /**
   * Audit records that predate the emulator's start (directoryAudit entities). Records the
   * emulator writes for its own writes are appended after these.
   */
  readonly audit?: Iterable<GeneratedEntity>;
}

export type GenerateFamilies = (ctx: FamilyContext) => FamilyData | Promise<FamilyData>;
