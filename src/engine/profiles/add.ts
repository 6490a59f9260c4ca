/**
 * `profile add`: turn what the user typed into a stored profile, proving the credential first.
 * The secret comes from a named environment variable (never the command line, which other users
 * can read in the process list); a certificate file holds the PEM certificate and its private key.
 * The first sign-in records the tenant GUID (`tid`), so a profile named by domain keeps working
 * if the domain is renamed.
 *
 * Guarantees: nothing is stored unless sign-in succeeds (AUTH_FAILED otherwise, with the AADSTS
 * hint); a malformed certificate file or an unset variable is CONFIG_INVALID naming it.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/identity';
import { Secret } from '../../config/index.js';
import { MANIFEST_VERSION, resolveCloud, type ProfileKind } from '../../connectors/index.js';
import { TenantVaultError } from '../../errors/index.js';
import type { Repository } from '../../repository/index.js';
import { connect } from './connect.js';
import { checkProfileName, type Profile, type ProfileCredential } from './model.js';
import { signIn } from './sign-in.js';
import { profileStore } from './store.js';

export interface AddProfileInput {
  readonly kind: ProfileKind;
  readonly name: string;
  readonly tenant: string;
  readonly clientId: string;
  readonly cloud?: string;
  /** PEM of extra CA certificates to trust (a private cloud URL such as the emulator). */
  readonly caPem?: string;
  readonly credential: ProfileCredential;
  /** Default: the current manifest version (the app is assumed consented as it is now). */
  readonly consentedVersion?: number;
  readonly app?: Profile['app'];
}

/** The secret held by an environment variable. */
export function secretFromEnv(variable: string, env: Readonly<Record<string, string | undefined>> = process.env): ProfileCredential {
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new TenantVaultError('CONFIG_INVALID', `The environment variable ${variable} is not set`, {
      hint: `Put the client secret in ${variable} (e.g. \`read -s ${variable}; export ${variable}\`) and run the command again.`,
    });
  }
  return { kind: 'secret', secret: new Secret(value) };
}

/** SHA-1 thumbprint (hex, upper case) of the first certificate in a PEM, as Entra shows it. */
export function certificateThumbprint(pem: string): string {
  return new X509Certificate(pem).fingerprint.replaceAll(':', '');
}

/** A PEM file holding a certificate and its private key. */
export function certificateFromPem(pem: string, source = 'the certificate'): ProfileCredential {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new TenantVaultError('CONFIG_INVALID', `${source} holds no PEM certificate`, { hint: 'The file must hold the certificate and its private key, both PEM-encoded.' });
  if (!/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem)) throw new TenantVaultError('CONFIG_INVALID', `${source} holds no PEM private key`, { hint: 'The file must hold the certificate and its (unencrypted) private key, both PEM-encoded.' });
  let thumbprint: string;
  try {
    thumbprint = certificateThumbprint(pem);
    createPrivateKey(pem);
  } catch (cause) {
    throw new TenantVaultError('CONFIG_INVALID', `${source} cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return { kind: 'certificate', pem: new Secret(pem), thumbprint };
}

export function certificateFromFile(file: string): ProfileCredential {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TenantVaultError('CONFIG_INVALID', `Cannot read the certificate file ${file}`, { cause });
  }
  return certificateFromPem(pem, `The certificate file ${file}`);
}

export function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new TenantVaultError('CONFIG_INVALID', `Cannot read the CA file ${file}`, { cause });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new TenantVaultError('CONFIG_INVALID', `The CA file ${file} holds no PEM certificate`);
  return pem;
}

/** Signs in once with the new profile's credential, then stores it with the tenant GUID. */
export async function addProfile(repo: Repository, input: AddProfileInput, options: { signal?: AbortSignal; credential?: TokenCredential; now?: () => Date } = {}): Promise<Profile> {
  checkProfileName(input.name);
  if (input.kind !== 'azure') {
    throw new TenantVaultError('USAGE', `Profiles of kind ${input.kind} are not supported yet`, { hint: 'Use `profile add azure NAME …`.' });
  }
  const cloud = input.cloud ?? 'public';
  resolveCloud(cloud);
  const store = profileStore(repo);
  if (await store.find(input.name, options)) {
    throw new TenantVaultError('PROFILE_EXISTS', `A profile named ${input.name} already exists`, { hint: 'Choose another name, or remove it first with `tenant-vault profile remove NAME`.' });
  }
  const draft: Profile = {
    name: input.name, kind: input.kind, tenant: input.tenant, tenantId: input.tenant, clientId: input.clientId, cloud,
    ...(input.caPem ? { caPem: input.caPem } : {}),
    credential: input.credential,
    consentedVersion: input.consentedVersion ?? MANIFEST_VERSION,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    ...(input.app ? { app: input.app } : {}),
  };
  const claims = await signIn(connect(draft, options.credential ? { credential: options.credential } : {}), options);
  const profile: Profile = { ...draft, tenantId: claims.tenantId };
  await store.add(profile, options);
  return profile;
}
