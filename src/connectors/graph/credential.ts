/**
 * App-only credentials for a profile with `@azure/identity`: a client secret or a certificate,
 * signing in at the authority host of the profile's cloud (clouds.ts).
 *
 * Guarantees: secrets stay `Secret` until handed to the credential; every sign-in failure is a
 * TenantVaultError (AUTH_FAILED with a hint naming the likely cause, or NETWORK); for a custom
 * cloud (the emulator) instance discovery is off — it would ask login.microsoftonline.com about
 * the authority — and extra trusted CA certificates can be given for its self-signed TLS.
 * Not guaranteed: MSAL refuses authorities that are not https, so a custom cloud must be https.
 */
import { ClientCertificateCredential, ClientSecretCredential, type AccessToken, type GetTokenOptions, type TokenCredential } from '@azure/identity';
import { TenantVaultError } from '../../errors/index.js';
import type { Secret } from '../../config/index.js';
import type { CloudEndpoints } from '../clouds.js';
import { signInError } from './errors.js';

/** What a connection needs to know about a profile; the profile store owns the rest. */
export interface ConnectionProfile {
  readonly tenantId: string;
  readonly clientId: string;
  readonly cloud: CloudEndpoints;
  readonly clientSecret?: Secret;
  /** PEM text holding the certificate and its private key. */
  readonly certificatePem?: Secret;
  /** Extra CA certificates (PEM) to trust, e.g. the emulator's self-signed one. */
  readonly trustedCaPem?: string;
}

class MappedCredential implements TokenCredential {
  constructor(
    private readonly inner: TokenCredential,
    private readonly profile: ConnectionProfile,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    try {
      return await this.inner.getToken(scopes, options);
    } catch (err) {
      throw signInError(err, { tenantId: this.profile.tenantId, clientId: this.profile.clientId, authorityHost: this.profile.cloud.authorityHost });
    }
  }
}

export function createCredential(profile: ConnectionProfile): TokenCredential {
  const { cloud } = profile;
  if (cloud.authorityHost.startsWith('http:')) {
    throw new TenantVaultError('CONFIG_INVALID', `The cloud ${cloud.authorityHost} is not https`, {
      hint: 'Sign-in (MSAL) refuses authorities that are not https; use the emulator\'s https URL.',
    });
  }
  const options = {
    authorityHost: cloud.authorityHost,
    ...(cloud.name === 'custom' ? { disableInstanceDiscovery: true } : {}),
    ...(profile.trustedCaPem ? { tlsOptions: { ca: profile.trustedCaPem } } : {}),
  };
  let inner: TokenCredential;
  if (profile.certificatePem) {
    inner = new ClientCertificateCredential(profile.tenantId, profile.clientId, { certificate: profile.certificatePem.reveal() }, options);
  } else if (profile.clientSecret) {
    inner = new ClientSecretCredential(profile.tenantId, profile.clientId, profile.clientSecret.reveal(), options);
  } else {
    throw new TenantVaultError('CONFIG_INVALID', `The profile for app ${profile.clientId} has neither a client secret nor a certificate`, {
      hint: 'Add one with --client-secret-env VAR or --certificate FILE.',
    });
  }
  return new MappedCredential(inner, profile);
}
