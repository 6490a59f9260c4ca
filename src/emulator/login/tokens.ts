/**
 * Signing and checking the emulator's tokens. Access tokens are RS256 JWTs shaped like Entra's
 * v1 access tokens for Microsoft Graph (`aud`, `iss` = `https://sts.windows.net/{tid}/`, `tid`,
 * `appid` and `azp`, `oid`, `roles` or `scp`, `iat`/`nbf`/`exp` from the injected clock); id
 * tokens are v2 (`iss` = `{authority}/{tid}/v2.0`). Each emulator instance has its own key, so a
 * token from another instance is "foreign" and fails signature validation.
 *
 * Verification caches the signature check per token string (a request costs one map lookup),
 * while time and audience are checked on every use against the clock.
 */
import { generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { SignJWT, compactVerify, exportJWK, type JWK } from 'jose';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: JWK;
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const kid = randomUUID().replace(/-/g, '').slice(0, 27);
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', kty: 'RSA', alg: 'RS256' };
  return { kid, privateKey, publicKey, jwk };
}

export type TokenClaims = Record<string, unknown> & {
  aud: string;
  tid: string;
  exp: number;
  nbf: number;
  iat: number;
};

export async function signJwt(key: SigningKey, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, x5t: key.kid }).sign(key.privateKey);
}

export type TokenProblem = 'empty' | 'malformed' | 'signature' | 'expired' | 'audience';

export class TokenVerifier {
  private cache = new Map<string, TokenClaims | null>();

  constructor(private readonly key: SigningKey, private readonly maxEntries = 5_000) {}

  /** Checks signature (cached), lifetime and audience; returns the claims or the problem. */
  async verify(token: string | undefined, nowMs: number, audiences: ReadonlySet<string>): Promise<{ claims: TokenClaims } | { problem: TokenProblem }> {
    if (!token) return { problem: 'empty' };
    let claims = this.cache.get(token);
    if (claims === undefined) {
      claims = await this.checkSignature(token);
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(token, claims);
    }
    if (claims === null) return { problem: token.split('.').length === 3 ? 'signature' : 'malformed' };
    const now = Math.floor(nowMs / 1000);
    if (claims.exp <= now || claims.nbf > now + 300) return { problem: 'expired' };
    if (!audiences.has(claims.aud)) return { problem: 'audience' };
    return { claims };
  }

  private async checkSignature(token: string): Promise<TokenClaims | null> {
    try {
      const { payload } = await compactVerify(token, this.key.publicKey, { algorithms: ['RS256'] });
      const claims = JSON.parse(new TextDecoder().decode(payload)) as TokenClaims;
      if (typeof claims.tid !== 'string' || typeof claims.exp !== 'number') return null;
      return claims;
    } catch {
      return null;
    }
  }
}
