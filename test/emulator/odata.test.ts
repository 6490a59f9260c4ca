/**
 * OData as the emulated Graph serves it: paging limits and next links, `$select` with the user
 * default set, per-version projection, `$filter` forms, advanced queries (`ConsistencyLevel`),
 * `$count`, `$expand` caps, `$orderby`, `$search`, and routing errors; plus the filter parser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matches, parseFilter, idsFromFilter } from '../../src/emulator/graph/odata/filter.js';
import { all, clientToken, graph, startTest, type TestEmulator } from './helpers.js';

const EVENTUAL = { ConsistencyLevel: 'eventual' };

describe('OData on the emulated Graph', () => {
  let em: TestEmulator;
  let token: string;
  beforeAll(async () => {
    em = await startTest({ tenants: [{ name: 'contoso', counts: { users: 250, groups: 30, memberships: 900 } }] });
    token = await clientToken(em, em.t);
  });
  afterAll(async () => {
    await em?.close();
  });

  it('pages users 100 at a time by default, up to $top=999, with next links that keep the query', async () => {
    const first = await graph(em, token, '/users?$select=displayName,id&$filter=accountEnabled eq true');
    expect(first.body.value).toHaveLength(100);
    const next = new URL(first.body['@odata.nextLink']);
    expect(next.searchParams.get('$select')).toBe('displayName,id');
    expect(next.searchParams.get('$filter')).toBe('accountEnabled eq true');
    expect(next.searchParams.get('$skiptoken')).toBeTruthy();
    const everyone = await all(em, token, '/users?$select=id');
    expect(new Set(everyone.map((u) => u.id)).size).toBe(250);
    const big = await graph(em, token, '/users?$top=999&$select=id');
    expect(big.body.value).toHaveLength(250);
    expect(big.body['@odata.nextLink']).toBeUndefined();
    for (const top of ['1000', '0']) {
      const bad = await graph(em, token, `/users?$top=${top}`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toBe(`Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`);
    }
    const tampered = await graph(em, token, '/users?$skiptoken=garbage');
    expect(tampered.body.error.code).toBe('Directory_ExpiredPageToken');
  });

  it('returns the user default property set without $select, and null for unset selected properties', async () => {
    const res = await graph(em, token, '/users?$top=1');
    expect(Object.keys(res.body.value[0]).sort()).toEqual(['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName']);
    expect(res.body['@odata.context']).toBe(`${em.url}/v1.0/$metadata#users`);
    const sel = await graph(em, token, '/users?$top=1&$select=displayName,faxNumber,department');
    expect(Object.keys(sel.body.value[0])).toEqual(['displayName', 'faxNumber', 'department']);
    expect(sel.body.value[0].faxNumber).toBeNull();
    expect(sel.body['@odata.context']).toBe(`${em.url}/v1.0/$metadata#users(displayName,faxNumber,department)`);
    const unknown = await graph(em, token, '/users?$select=favouriteColour');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe("Could not find a property named 'favouriteColour' on type 'microsoft.graph.user'.");
    // The password profile is never returned.
    const pw = await graph(em, token, '/users?$top=1&$select=passwordProfile');
    expect(pw.body.value[0]).toEqual({});
  });

  it('projects per version: a v1.0 device has no beta-only property', async () => {
    const v1 = await graph(em, token, '/v1.0/devices?$top=1');
    const beta = await graph(em, token, '/beta/devices?$top=1');
    expect(beta.body.value[0]).toHaveProperty('extensionAttributes');
    expect(v1.body.value[0]).not.toHaveProperty('extensionAttributes');
    expect(v1.body.value[0]).toHaveProperty('deviceId');
  });

  it('filters with eq, startswith, in, and/or, lambdas and GUIDs', async () => {
    const users = await all(em, token, '/users?$select=id,displayName,department,accountEnabled,userType&$top=999');
    const sales = users.filter((u) => u.department === 'Sales');
    const r1 = await all(em, token, "/users?$filter=department eq 'sales'&$select=id");
    expect(r1.map((u) => u.id).sort()).toEqual(sales.map((u) => u.id).sort());
    const prefix = (users[3].displayName as string).slice(0, 3);
    const r2 = await all(em, token, `/users?$filter=startswith(displayName,'${prefix}')&$select=displayName`);
    expect(r2.length).toBe(users.filter((u) => (u.displayName as string).toLowerCase().startsWith(prefix.toLowerCase())).length);
    const ids = users.slice(0, 3).map((u) => u.id as string);
    const r3 = await all(em, token, `/users?$filter=id in ('${ids.join("','")}')&$select=id`);
    expect(r3.map((u) => u.id).sort()).toEqual([...ids].sort());
    const r4 = await all(em, token, `/users?$filter=id eq '${ids[0]}' or id eq ${ids[1]}&$select=id`);
    expect(r4).toHaveLength(2);
    const unified = await all(em, token, "/groups?$filter=groupTypes/any(c:c eq 'Unified')&$select=id,groupTypes");
    expect(unified.length).toBeGreaterThan(0);
    expect(unified.every((g) => g.groupTypes.includes('Unified'))).toBe(true);
    const dls = await all(em, token, '/groups?$filter=mailEnabled eq true and securityEnabled eq false&$select=groupTypes');
    expect(dls.every((g) => g.groupTypes.length === 0)).toBe(true);
    const guests = await all(em, token, "/users?$filter=userType eq 'Guest' and accountEnabled eq true&$select=userType");
    expect(guests.every((u) => u.userType === 'Guest')).toBe(true);
  });

  it('requires advanced-query parameters for ne, endswith, $count and $search, as Entra does', async () => {
    const ne = await graph(em, token, "/users?$filter=userType ne 'Guest'");
    expect(ne.status).toBe(400);
    expect(ne.body.error.code).toBe('Request_UnsupportedQuery');
    const neOk = await graph(em, token, "/users?$filter=userType ne 'Guest'&$count=true&$select=id", { headers: EVENTUAL });
    expect(neOk.status).toBe(200);
    expect(neOk.body['@odata.count']).toBeGreaterThan(200);

    const silent = await graph(em, token, '/users?$count=true&$top=5');
    expect(silent.body).not.toHaveProperty('@odata.count');
    const counted = await graph(em, token, '/users?$count=true&$top=5', { headers: EVENTUAL });
    expect(counted.body['@odata.count']).toBe(250);
    const page2 = await graph(em, token, counted.body['@odata.nextLink'], { headers: EVENTUAL });
    expect(page2.body).not.toHaveProperty('@odata.count');

    const segment = await graph(em, token, '/users/$count');
    expect(segment.status).toBe(400);
    expect(segment.body.error).toMatchObject({ code: 'Request_BadRequest', message: '$count is not currently supported.' });
    const segOk = await graph(em, token, "/users/$count?$filter=department eq 'Sales'", { headers: EVENTUAL });
    expect(segOk.headers.get('content-type')).toContain('text/plain');
    expect(typeof segOk.body).toBe('number');

    const search = await graph(em, token, '/users?$search="displayName:a"');
    expect(search.body.error.message).toBe("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
    const users = await all(em, token, '/users?$select=displayName&$top=999');
    const word = (users[5].displayName as string).split(' ')[1] as string;
    const found = await all(em, token, `/users?$search="displayName:${word}"&$select=displayName`, EVENTUAL);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((u) => (u.displayName as string).toLowerCase().includes(word.toLowerCase()))).toBe(true);
  });

  it('sorts on displayName; other properties need advanced queries', async () => {
    const sorted = await all(em, token, '/users?$orderby=displayName&$select=displayName&$top=60');
    const names = sorted.map((u) => (u.displayName as string).toLowerCase());
    expect(names).toEqual([...names].sort());
    expect(names).toHaveLength(250);
    const bad = await graph(em, token, '/users?$orderby=jobTitle');
    expect(bad.body.error).toMatchObject({ code: 'Request_UnsupportedQuery', message: 'Sorting not supported for current query.' });
    const desc = await graph(em, token, '/users?$orderby=jobTitle desc&$count=true&$select=jobTitle&$top=3', { headers: EVENTUAL });
    expect(desc.status).toBe(200);
  });

  it('caps $expand at 20 related objects and the outer page at 100', async () => {
    const expanded = await graph(em, token, "/groups?$filter=displayName eq 'All Company'&$expand=members($select=id,displayName)");
    const group = expanded.body.value[0];
    expect(group.members).toHaveLength(20);
    expect(Object.keys(group.members[0]).sort()).toEqual(['@odata.type', 'displayName', 'id']);
    expect(group).not.toHaveProperty('members@odata.nextLink');
    const paged = await graph(em, token, '/users?$top=999&$expand=manager($select=id)');
    expect(paged.body.value).toHaveLength(100);
    expect(paged.body['@odata.nextLink']).toBeDefined();
  });

  it('lists navigation collections with casts and $count', async () => {
    const group = (await graph(em, token, "/groups?$filter=displayName eq 'All Company'&$select=id")).body.value[0];
    const members = await all(em, token, `/groups/${group.id}/members?$select=id`);
    const users = await all(em, token, `/groups/${group.id}/members/microsoft.graph.user?$select=id`);
    expect(users.length).toBe(members.length);
    expect(members.every((m) => m['@odata.type'] === '#microsoft.graph.user')).toBe(true);
    const count = await graph(em, token, `/groups/${group.id}/members/$count`, { headers: EVENTUAL });
    expect(count.body).toBe(members.length);
    const memberOf = await graph(em, token, `/users/${members[0].id}/memberOf`);
    expect(memberOf.body.value.map((g: { id: string }) => g.id)).toContain(group.id);
  });

  it('answers unknown segments and methods like Graph', async () => {
    const seg = await graph(em, token, '/usrs');
    expect(seg.status).toBe(400);
    expect(seg.body.error).toMatchObject({ code: 'BadRequest', message: "Resource not found for the segment 'usrs'." });
    const method = await graph(em, token, '/organization', { method: 'POST', body: {} });
    expect(method.status).toBe(405);
    const missing = await graph(em, token, '/users/00000000-0000-0000-0000-000000000000');
    expect(missing.body.error).toMatchObject({ code: 'Request_ResourceNotFound', message: "Resource '00000000-0000-0000-0000-000000000000' does not exist or one of its queried reference-property objects are not present." });
    expect(missing.headers.get('request-id')).toBe(missing.body.error.innerError['request-id']);
    const byUpn = (await graph(em, token, '/users?$top=1&$select=userPrincipalName,id')).body.value[0];
    expect((await graph(em, token, `/users/${byUpn.userPrincipalName}`)).body.id).toBe(byUpn.id);
    expect((await graph(em, token, `/users('${byUpn.id}')`)).body.id).toBe(byUpn.id);
  });
});

describe('the $filter parser', () => {
  const user = { id: 'A1', displayName: 'Adele Vance', accountEnabled: true, groupTypes: ['Unified'], identities: [{ issuer: 'contoso.com', issuerAssignedId: 'adele' }], createdDateTime: '2024-02-01T00:00:00Z', assignedLicenses: [] };
  const cases: [string, boolean][] = [
    ["displayName eq 'adele vance'", true],
    ["displayName eq 'Adele'", false],
    ["startswith(displayName,'ad')", true],
    ["endswith(displayName,'nce')", true],
    ['accountEnabled eq true and not(accountEnabled eq false)', true],
    ["id in ('x','a1')", true],
    ["groupTypes/any(c:c eq 'Unified')", true],
    ["identities/any(i:i/issuer eq 'contoso.com' and i/issuerAssignedId eq 'adele')", true],
    ['createdDateTime ge 2024-01-01T00:00:00Z', true],
    ['assignedLicenses/$count eq 0', true],
    ["(displayName eq 'x' or accountEnabled eq true) and id ne 'b'", true],
  ];
  it.each(cases)('%s → %s', (text, expected) => {
    expect(matches(parseFilter(text).root, user)).toBe(expected);
  });

  it('knows which operators need advanced queries, and extracts delta id filters', () => {
    expect(parseFilter("displayName eq 'x'").usesAdvanced).toBe(false);
    expect(parseFilter("displayName ne 'x'").usesAdvanced).toBe(true);
    expect(parseFilter("endswith(mail,'@x.com')").usesAdvanced).toBe(true);
    expect(idsFromFilter(parseFilter("id eq 'a' or id eq 'b'").root)).toEqual(['a', 'b']);
    expect(idsFromFilter(parseFilter("displayName eq 'a'").root)).toBeUndefined();
    expect(() => parseFilter("displayName eq 'unterminated")).toThrow();
  });
});
