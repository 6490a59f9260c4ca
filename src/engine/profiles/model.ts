/**
 * What an app profile is: a connection to one service of one tenant (DESIGN "Vocabulary") — kind,
 * tenant, app (client) ID, cloud, credential and the permission-manifest version that was
 * consented — and how it is stored.
 *
 * Guarantees: a stored profile is validated with zod when read, so a damaged or foreign document
 * fails with CONFIG_INVALID naming the profile; in memory the secret parts (client secret,
 * certificate with private key) are `Secret`s and never print; `toConnection` is the one place a
 * profile becomes what the connectors need.
 * Not here: where profiles are kept (store.ts) or how they are checked against the tenant (sign-in.ts).
 */
import { z } from 'zod';
import { Secret } from '../../config/index.js';
import { resolveCloud, type ConnectionProfile, type ProfileKind } from '../../connectors/index.js';
import { TenantVaultError } from '../../errors/index.js';

export type ProfileCredential =
  | { readonly kind: 'secret'; readonly secret: Secret }
  | { readonly kind: 'certificate'; readonly pem: Secret; readonly thumbprint?: string };

export interface Profile {
  readonly name: string;
  readonly kind: ProfileKind;
  /** The tenant as the user named it (GUID or domain). */
  readonly tenant: string;
  /** The tenant GUID (`tid` of the first token), recorded on add. */
  readonly tenantId: string;
  readonly clientId: string;
  /** `public`, `usgov`, `china`, or a URL (the emulator). */
  readonly cloud: string;
  /** Extra CA certificates to trust (PEM), for a cloud URL with a private CA such as the emulator's. */
  readonly caPem?: string;
  readonly credential: ProfileCredential;
  /** The permission-manifest version the app was consented with. */
  readonly consentedVersion: number;
  readonly createdAt: string;
  /** Set when `profile create-app` made the app registration. */
  readonly app?: { readonly applicationId: string; readonly servicePrincipalId: string; readonly displayName: string };
}

/** The name a profile is known by: short, safe in file names and on the command line. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw new TenantVaultError('USAGE', `Invalid profile name ${JSON.stringify(name)}`, {
      hint: 'A profile name is 1–64 characters of letters, digits, ".", "_" and "-", starting with a letter or digit.',
    });
  }
  return name;
}

const storedSchema = z.object({
  version: z.literal(1),
  name: z.string().regex(PROFILE_NAME),
  kind: z.enum(['azure', 'b2c', 'devops']),
  tenant: z.string().min(1),
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  cloud: z.string().min(1),
  caPem: z.string().optional(),
  credential: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('secret'), secret: z.string().min(1) }),
    z.object({ kind: z.literal('certificate'), pem: z.string().min(1), thumbprint: z.string().optional() }),
  ]),
  consentedVersion: z.number().int().min(0),
  createdAt: z.string(),
  app: z.object({ applicationId: z.string(), servicePrincipalId: z.string(), displayName: z.string() }).optional(),
});

export type StoredProfile = z.infer<typeof storedSchema>;

/** The document kept (encrypted) in the repository. Secrets are revealed here and only here. */
export function toStored(profile: Profile): StoredProfile {
  const c = profile.credential;
  return {
    version: 1,
    name: profile.name,
    kind: profile.kind,
    tenant: profile.tenant,
    tenantId: profile.tenantId,
    clientId: profile.clientId,
    cloud: profile.cloud,
    ...(profile.caPem ? { caPem: profile.caPem } : {}),
    credential: c.kind === 'secret'
      ? { kind: 'secret', secret: c.secret.reveal() }
      : { kind: 'certificate', pem: c.pem.reveal(), ...(c.thumbprint ? { thumbprint: c.thumbprint } : {}) },
    consentedVersion: profile.consentedVersion,
    createdAt: profile.createdAt,
    ...(profile.app ? { app: profile.app } : {}),
  };
}

export function fromStored(name: string, value: unknown): Profile {
  const parsed = storedSchema.safeParse(value);
  if (!parsed.success) {
    throw new TenantVaultError('CONFIG_INVALID', `The stored profile ${name} is malformed: ${z.prettifyError(parsed.error)}`, {
      hint: 'Remove it with `tenant-vault profile remove NAME` and add it again.',
    });
  }
  const s = parsed.data;
  return {
    name: s.name,
    kind: s.kind,
    tenant: s.tenant,
    tenantId: s.tenantId,
    clientId: s.clientId,
    cloud: s.cloud,
    ...(s.caPem ? { caPem: s.caPem } : {}),
    credential: s.credential.kind === 'secret'
      ? { kind: 'secret', secret: new Secret(s.credential.secret) }
      : { kind: 'certificate', pem: new Secret(s.credential.pem), ...(s.credential.thumbprint ? { thumbprint: s.credential.thumbprint } : {}) },
    consentedVersion: s.consentedVersion,
    createdAt: s.createdAt,
    ...(s.app ? { app: s.app } : {}),
  };
}

/** What the connectors need to sign in and reach the tenant. */
export function toConnection(profile: Pick<Profile, 'tenantId' | 'clientId' | 'cloud' | 'caPem' | 'credential'>): ConnectionProfile {
  const c = profile.credential;
  return {
    tenantId: profile.tenantId,
    clientId: profile.clientId,
    cloud: resolveCloud(profile.cloud),
    ...(c.kind === 'secret' ? { clientSecret: c.secret } : { certificatePem: c.pem }),
    ...(profile.caPem ? { trustedCaPem: profile.caPem } : {}),
  };
}

/** A profile as `profile show` / `list` print it: everything but the secrets. */
export function describeProfile(profile: Profile): Record<string, unknown> {
  return {
    name: profile.name,
    kind: profile.kind,
    tenant: profile.tenant,
    tenantId: profile.tenantId,
    clientId: profile.clientId,
    cloud: profile.cloud,
    credential: profile.credential.kind === 'secret'
      ? { kind: 'secret' }
      : { kind: 'certificate', ...(profile.credential.thumbprint ? { thumbprint: profile.credential.thumbprint } : {}) },
    trustsExtraCa: profile.caPem !== undefined,
    consentedVersion: profile.consentedVersion,
    createdAt: profile.createdAt,
    ...(profile.app ? { app: profile.app } : {}),
  };
}
