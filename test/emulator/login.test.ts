/**
 * Sign-in endpoints over raw HTTP: AAD error shapes, discovery documents, authorization code with
 * PKCE, refresh tokens, consent through Graph reaching the next token, and Graph's 401 answers to
 * missing, expired, tampered, foreign and wrong-audience tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { clientToken, graph, startTest, type TestEmulator } from './helpers.js';

async function token(em: Emulator, tenant: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${em.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const claims = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('Entra sign-in', () => {
  let em: TestEmulator;
  beforeAll(async () => {
    em = await startTest();
  });
  afterAll(async () => {
    await em?.close();
  });

  it('answers AAD errors with error, description, codes, trace and correlation IDs', async () => {
    const { t } = em;
    const base = { grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret, scope: 'https://graph.microsoft.com/.default' };
    const cases: [string, Record<string, string>, number, string, number][] = [
      ['00000000-0000-0000-0000-00000000dead', base, 400, 'invalid_request', 90002],
      [t.tenantId, { ...base, client_id: '11111111-1111-1111-1111-111111111111' }, 400, 'unauthorized_client', 700016],
      [t.tenantId, { ...base, client_secret: 'wrong' }, 401, 'invalid_client', 7000215],
      [t.tenantId, { ...base, scope: 'https://graph.microsoft.com/User.Read.All' }, 400, 'invalid_scope', 1002012],
      [t.tenantId, { grant_type: 'client_credentials', client_id: t.clientId, scope: base.scope }, 401, 'invalid_client', 7000218],
      [t.tenantId, { ...base, scope: 'https://nothing.example.com/.default' }, 400, 'invalid_resource', 500011],
    ];
    for (const [tenant, form, status, error, code] of cases) {
      const res = await token(em, tenant, form);
      expect({ status: res.status, error: res.body.error, codes: res.body.error_codes }).toEqual({ status, error, codes: [code] });
      expect(res.body.error_description).toMatch(new RegExp(`^AADSTS${code}: `));
      expect(res.body).toHaveProperty('trace_id');
      expect(res.body).toHaveProperty('correlation_id');
      expect(res.body).toHaveProperty('timestamp');
    }
  });

  it('finds the tenant by GUID, domain, and organizations (by client ID)', async () => {
    const { t } = em;
    const form = { grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret, scope: 'https://graph.microsoft.com/.default' };
    for (const segment of [t.tenantId, t.domain, 'contoso.com', 'organizations']) {
      const res = await token(em, segment, form);
      expect(res.status).toBe(200);
      expect(claims(res.body.access_token as string).tid).toBe(t.tenantId);
    }
  });

  it('serves OpenID configuration, JWKS and instance discovery that point back at this host', async () => {
    const { t } = em;
    const cfg = (await (await fetch(`${em.url}/${t.tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(cfg.issuer).toBe(`${em.url}/${t.tenantId}/v2.0`);
    expect(cfg.token_endpoint).toBe(`${em.url}/${t.tenantId}/oauth2/v2.0/token`);
    expect(cfg.device_authorization_endpoint).toBe(`${em.url}/${t.tenantId}/oauth2/v2.0/devicecode`);
    const jwks = (await (await fetch(cfg.jwks_uri as string)).json()) as { keys: { kid: string; kty: string }[] };
    const header = JSON.parse(Buffer.from((await clientToken(em, t)).split('.')[0] as string, 'base64url').toString()) as { kid: string };
    expect(jwks.keys.map((k) => k.kid)).toContain(header.kid);
    const common = (await (await fetch(`${em.url}/common/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(common.issuer).toBe(`${em.url}/{tenantid}/v2.0`);
    const unknown = await fetch(`${em.url}/nope.onmicrosoft.com/v2.0/.well-known/openid-configuration`);
    expect(unknown.status).toBe(400);
  });

  it('authorization code + PKCE: authorize redirects with a code; the verifier must match', async () => {
    const { t } = em;
    const app = em.control.registerApp(t.tenantId, { displayName: 'Web app', redirectUris: ['http://localhost:8400/callback'], delegatedPermissions: ['User.Read', 'openid', 'profile', 'offline_access'] });
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = async (): Promise<string> => {
      const url = `${em.url}/${t.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: app.clientId, response_type: 'code', redirect_uri: 'http://localhost:8400/callback', scope: 'User.Read openid profile offline_access',
        state: 's1', code_challenge: challenge, code_challenge_method: 'S256', nonce: 'n1',
      })}`;
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location') as string);
      expect(`${location.origin}${location.pathname}`).toBe('http://localhost:8400/callback');
      expect(location.searchParams.get('state')).toBe('s1');
      return location.searchParams.get('code') as string;
    };
    const form = (code: string, v: string) => ({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code, code_verifier: v, redirect_uri: 'http://localhost:8400/callback', scope: 'User.Read openid profile offline_access' });
    const bad = await token(em, t.tenantId, form(await authorize(), 'x'.repeat(43)));
    expect(bad.body).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });
    const good = await token(em, t.tenantId, form(await authorize(), verifier));
    expect(good.status).toBe(200);
    const at = claims(good.body.access_token as string);
    const id = claims(good.body.id_token as string);
    expect(at).toMatchObject({ idtyp: 'user', scp: 'User.Read', aud: 'https://graph.microsoft.com' });
    expect(id).toMatchObject({ aud: app.clientId, nonce: 'n1', tid: t.tenantId, iss: `${em.url}/${t.tenantId}/v2.0` });
    expect(JSON.parse(Buffer.from(good.body.client_info as string, 'base64url').toString())).toEqual({ uid: at.oid, utid: t.tenantId });
    // The code is single-use; the refresh token works.
    const refreshed = await token(em, t.tenantId, { grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: good.body.refresh_token as string, scope: 'User.Read' });
    expect(claims(refreshed.body.access_token as string).scp).toBe('User.Read');
    // A redirect URI that is not registered is refused.
    const wrong = await fetch(`${em.url}/${t.tenantId}/oauth2/v2.0/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=https://evil.example/cb&scope=openid`, { redirect: 'manual' });
    expect(wrong.status).toBe(400);
  });

  it('device code: pending until approved over the control API, then tokens', async () => {
    const { t } = em;
    const app = em.control.registerApp(t.tenantId, { displayName: 'CLI app', publicClient: true, delegatedPermissions: ['User.Read'] });
    const dc = (await (await fetch(`${em.url}/${t.tenantId}/oauth2/v2.0/devicecode`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: app.clientId, scope: 'User.Read openid' }),
    })).json()) as Record<string, string>;
    expect(dc.verification_uri).toBe(`${em.url}/_emulator/device/approve`);
    const poll = () => token(em, t.tenantId, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: app.clientId, device_code: dc.device_code as string });
    expect((await poll()).body).toMatchObject({ error: 'authorization_pending', error_codes: [70016] });
    const approve = await fetch(`${em.url}/_emulator/device/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userCode: dc.user_code }) });
    expect(approve.status).toBe(200);
    const done = await poll();
    expect(done.status).toBe(200);
    expect(claims(done.body.access_token as string).scp).toBe('User.Read');
    em.clock.advance(16 * 60 * 1000);
  });

  it('Graph answers 401 InvalidAuthenticationToken for missing, tampered, foreign, wrong-audience and expired tokens', async () => {
    const { t } = em;
    const good = await clientToken(em, t);
    const [h, p, s] = good.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ['Everything.All'] })).toString('base64url')}.${s}`;
    const other = await startEmulator({ tenants: [{ name: 'contoso', size: 'small' }], throttle: false });
    const foreign = await clientToken(other, other.tenants[0] as typeof t);
    await other.close();
    const exchange = await clientToken(em, t, 'https://outlook.office365.com/.default');
    expect(claims(exchange)).toMatchObject({ aud: 'https://outlook.office365.com', roles: ['Exchange.ManageAsApp'] });
    const cases: [string, string][] = [
      ['', 'Access token is empty.'],
      [tampered, 'Access token validation failure.'],
      [foreign, 'Access token validation failure.'],
      [exchange, 'Access token validation failure. Invalid audience.'],
      ['not-a-jwt', 'IDX14100: JWT is not well formed, there are no dots (.).'],
    ];
    for (const [tok, message] of cases) {
      const res = await graph(em, tok, '/users');
      expect({ status: res.status, code: res.body.error.code, message: res.body.error.message }).toEqual({ status: 401, code: 'InvalidAuthenticationToken', message });
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(res.body.error.innerError).toHaveProperty('request-id');
    }
    expect((await graph(em, good, '/users')).status).toBe(200);
    em.clock.advance(3_600_000);
    const expired = await graph(em, good, '/users');
    expect(expired.body.error).toMatchObject({ code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' });
  });

  it('a permission granted through Graph (appRoleAssignedTo) appears in the next token', async () => {
    const { t } = em;
    const app = em.control.registerApp(t.tenantId, { displayName: 'Narrow app', applicationPermissions: ['User.Read.All'] });
    const narrow = { tenantId: t.tenantId, clientId: app.clientId, clientSecret: app.clientSecret };
    const before = await clientToken(em, narrow);
    expect(claims(before).roles).toEqual(['User.Read.All']);
    expect((await graph(em, before, '/groups')).status).toBe(403);
    const admin = await clientToken(em, t);
    const graphSp = (await graph(em, admin, "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id,appRoles")).body;
    const role = graphSp.appRoles.find((r: { value: string }) => r.value === 'Group.Read.All');
    const grant = await graph(em, admin, `/servicePrincipals/${graphSp.id}/appRoleAssignedTo`, { method: 'POST', body: { principalId: app.servicePrincipalId, resourceId: graphSp.id, appRoleId: role.id } });
    expect(grant.status).toBe(201);
    expect(grant.body).toMatchObject({ principalId: app.servicePrincipalId, resourceId: graphSp.id, appRoleId: role.id, principalType: 'ServicePrincipal' });
    const after = await clientToken(em, narrow);
    expect(claims(after).roles).toEqual(['Group.Read.All', 'User.Read.All']);
    expect((await graph(em, after, '/groups')).status).toBe(200);
    // Revoking works the same way.
    expect((await graph(em, admin, `/servicePrincipals/${graphSp.id}/appRoleAssignedTo/${grant.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(claims(await clientToken(em, narrow)).roles).toEqual(['User.Read.All']);
  });
});
