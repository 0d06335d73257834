// LDAP sign-in (issue 17 §LDAP) against a real OpenLDAP (Debian's slapd, test/helpers/slapd.ts):
// configuration through /configurations with the search password sealed and never shown,
// onboarding at the first sign-in, LDAP groups becoming user groups and project roles, the admin
// group, /ldap/* endpoints, and hostile names (RFC 4515 escaping, empty passwords).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { admin, api, createProject, expectApiError, getToken, http, type Creds } from '../helpers/api.js';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { validateResponse } from '../helpers/swagger.js';
import { BASE_DN, loadDirectory, startSlapd, type Slapd } from '../helpers/slapd.js';

const SEARCH_PASSWORD = 'Search-pass-1';
const ann: Creds = { username: 'ann', password: 'Ann-pass-1' };
const bob: Creds = { username: 'bob', password: 'Bob-pass-1' };
const DEVS_DN = `cn=devs,ou=groups,${BASE_DN}`;

let slapd: Slapd;
let srv: TestServer;

beforeAll(async () => {
  slapd = await startSlapd();
  await loadDirectory(slapd.url, [
    { uid: 'ann', cn: 'Ann Admin', mail: 'ann@example.org', password: ann.password },
    { uid: 'bob', cn: 'Bob Builder', mail: 'bob@example.org', password: bob.password },
    { uid: 'carol', cn: 'Carol', mail: 'carol@example.org', password: 'Carol-pass-1' },
  ], [
    { cn: 'devs', members: ['ann', 'bob'] },
    { cn: 'admins', members: ['ann'] },
  ]);
  srv = await startTestServer({ loginDelay: { freeFailures: 100, baseMs: 1, maxMs: 1 } });
  const r = await api(srv.url, 'PUT', '/configurations', { body: {
    auth_mode: 'ldap_auth', ldap_url: slapd.url, ldap_search_dn: `cn=harbor,ou=service,${BASE_DN}`, ldap_search_password: SEARCH_PASSWORD,
    ldap_base_dn: `ou=people,${BASE_DN}`, ldap_uid: 'uid', ldap_filter: 'objectClass=inetOrgPerson', ldap_scope: 2,
    ldap_group_base_dn: `ou=groups,${BASE_DN}`, ldap_group_search_filter: '(objectClass=groupOfNames)', ldap_group_attribute_name: 'cn',
    ldap_group_admin_dn: `cn=admins,ou=groups,${BASE_DN}`,
  } });
  expect(r.status, r.text).toBe(200);
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await slapd?.stop();
});

describe('LDAP sign-in against slapd', () => {
  test('the search password is sealed at rest and never shown', async () => {
    const c = (await api(srv.url, 'GET', '/configurations')).body;
    expect(c.auth_mode).toEqual({ value: 'ldap_auth', editable: true });
    expect(c.ldap_url.value).toBe(slapd.url);
    expect(Object.keys(c)).not.toContain('ldap_search_password');
    expect(JSON.stringify(c)).not.toContain(SEARCH_PASSWORD);
    const db = new Database(join(srv.dataDir, 'registry.db'), { readonly: true });
    try {
      const stored = db.prepare("SELECT value FROM configurations WHERE name = 'ldap_search_password'").pluck().get() as string;
      expect(stored).toMatch(/^"v1:/);
      expect(stored).not.toContain(SEARCH_PASSWORD);
    } finally {
      db.close();
    }
    expect(srv.logs.join('\n')).not.toContain(SEARCH_PASSWORD);
  });

  test('/ldap/ping: the stored settings work, a wrong password or server does not; admins only', async () => {
    expect((await api(srv.url, 'POST', '/ldap/ping')).body).toEqual({ success: true, message: expect.any(String) });
    const wrong = await api(srv.url, 'POST', '/ldap/ping', { body: { ldap_search_password: 'wrong' } });
    expect(wrong.body.success).toBe(false);
    expect(wrong.text).not.toContain(SEARCH_PASSWORD);
    expect((await api(srv.url, 'POST', '/ldap/ping', { body: { ldap_url: 'ldap://127.0.0.1:1' } })).body.success).toBe(false);
    expectApiError(await api(srv.url, 'POST', '/ldap/ping', { body: { ldap_filter: '(&(' } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/ldap/ping', { as: null }), 401, 'UNAUTHORIZED');
  });

  test('a first sign-in onboards the user; wrong, empty and unknown credentials are 401; admin keeps its database password', async () => {
    const me = await api(srv.url, 'GET', '/users/current', { as: bob });
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({ username: 'bob', email: 'bob@example.org', realname: 'Bob Builder', sysadmin_flag: false });
    expect((await api(srv.url, 'GET', '/users/current', { as: bob })).body.user_id).toBe(me.body.user_id);
    for (const c of [{ ...bob, password: 'Wrong-pass-1' }, { ...bob, password: '' }, { username: 'nobody', password: 'x' }, { username: '', password: 'x' }]) {
      expectApiError(await api(srv.url, 'GET', '/users/current', { as: c }), 401, 'UNAUTHORIZED');
    }
    expect((await api(srv.url, 'GET', '/users/current', { as: admin })).body.username).toBe('admin');
    // The directory owns its users: no password or profile change here (Harbor's requireModifiable).
    const pw = await api(srv.url, 'PUT', `/users/${me.body.user_id}/password`, { as: bob, body: { old_password: bob.password, new_password: 'Other-pass-9' } });
    expectApiError(pw, 403, 'FORBIDDEN');
    expect(pw.body.errors[0].message).toBe(`User with ID ${me.body.user_id} can't be updated`);
    expectApiError(await api(srv.url, 'PUT', `/users/${me.body.user_id}`, { body: { realname: 'B' } }), 403, 'FORBIDDEN');
    // In ldap_auth mode users come from the directory only.
    expectApiError(await api(srv.url, 'POST', '/users', { body: { username: 'local', password: 'Local12345', email: 'l@example.org', realname: 'l' } }), 403, 'FORBIDDEN');
    // And the mode cannot go back now that directory users exist.
    expect((await api(srv.url, 'GET', '/configurations')).body.auth_mode.editable).toBe(false);
    expectApiError(await api(srv.url, 'PUT', '/configurations', { body: { auth_mode: 'db_auth' } }), 400, 'BAD_REQUEST');
  });

  test('filter metacharacters in a name are escaped (RFC 4515): a wildcard name never signs in as the user it would match', async () => {
    for (const username of ['b*', '*', 'bob)(uid=*', 'bob\\', '(uid=bob)']) {
      expectApiError(await api(srv.url, 'GET', '/users/current', { as: { username, password: bob.password } }), 401, 'UNAUTHORIZED');
    }
    expect((await api(srv.url, 'GET', '/ldap/users/search?username=b*')).body).toEqual([]);
    expect((await api(srv.url, 'GET', '/ldap/groups/search?groupname=dev*')).body).toEqual([]);
  });

  test('a member of ldap_group_admin_dn is a system admin while signed in through LDAP', async () => {
    const me = await api(srv.url, 'GET', '/users/current', { as: ann });
    expect(me.body).toMatchObject({ sysadmin_flag: false, admin_role_in_auth: true });
    expect((await api(srv.url, 'GET', '/users/current', { as: bob })).body).toMatchObject({ sysadmin_flag: false, admin_role_in_auth: false });
    expect((await api(srv.url, 'GET', '/configurations', { as: ann })).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', '/configurations', { as: bob }), 403, 'FORBIDDEN');
    // Not stored: the flag comes from the directory at each sign-in.
    expect((await api(srv.url, 'GET', `/users/${me.body.user_id}`)).body.sysadmin_flag).toBe(false);
  });

  test('LDAP groups become user groups, and a group member\'s role reaches its users in the API and in token scopes', async () => {
    await api(srv.url, 'GET', '/users/current', { as: bob });
    const groups = (await api(srv.url, 'GET', '/usergroups')).body;
    expect(groups).toEqual(expect.arrayContaining([{ id: expect.any(Number), group_name: 'devs', group_type: 1, ldap_group_dn: DEVS_DN }]));
    await createProject(srv.url, 'ldap-proj');
    expectApiError(await api(srv.url, 'GET', '/projects/ldap-proj', { as: bob }), 403, 'FORBIDDEN');
    const m = await api(srv.url, 'POST', '/projects/ldap-proj/members', { body: { role_id: 2, member_group: { ldap_group_dn: DEVS_DN.toUpperCase() } } });
    expect(m.status, m.text).toBe(201);
    expect((await api(srv.url, 'GET', '/projects/ldap-proj', { as: bob })).body.current_user_role_id).toBe(2);
    expect((await getToken(srv.url, ['repository:ldap-proj/app:pull,push,delete'], bob)).claims?.access[0].actions.sort()).toEqual(['pull', 'push']);
    // A DN outside the directory is no group.
    expectApiError(await api(srv.url, 'POST', '/projects/ldap-proj/members', { body: { role_id: 2, member_group: { ldap_group_dn: `cn=nope,ou=groups,${BASE_DN}` } } }), 400, 'BAD_REQUEST');
    expectApiError(await api(srv.url, 'POST', '/usergroups', { body: { group_name: 'x', group_type: 1, ldap_group_dn: `cn=nope,ou=groups,${BASE_DN}` } }), 400, 'BAD_REQUEST');
    const created = await api(srv.url, 'POST', '/usergroups', { body: { group_name: 'administrators', group_type: 1, ldap_group_dn: `cn=admins,ou=groups,${BASE_DN}` } });
    expect(created.status, created.text).toBe(201);
  });

  test('/ldap/users/search, /ldap/groups/search and /ldap/users/import', async () => {
    expect((await api(srv.url, 'GET', '/ldap/users/search?username=carol')).body).toEqual([{ username: 'carol', realname: 'Carol', email: 'carol@example.org' }]);
    expect((await api(srv.url, 'GET', '/ldap/users/search')).body.map((u: { username: string }) => u.username).sort()).toEqual(['ann', 'bob', 'carol']);
    expect((await api(srv.url, 'GET', '/ldap/groups/search?groupname=devs')).body).toEqual([{ group_name: 'devs', group_type: 1, ldap_group_dn: DEVS_DN }]);
    expect((await api(srv.url, 'GET', `/ldap/groups/search?groupdn=${encodeURIComponent(DEVS_DN)}`)).body).toEqual([{ group_name: 'devs', group_type: 1, ldap_group_dn: DEVS_DN }]);
    expectApiError(await api(srv.url, 'GET', '/ldap/users/search', { as: bob }), 403, 'FORBIDDEN');
    // Harbor's 404 here carries the failures, not the error envelope (swagger LdapFailedImportUser).
    const imp = await http(srv.url, 'POST', '/api/v2.0/ldap/users/import', { as: admin, body: { ldap_uid_list: ['carol', 'nobody'] } });
    expect(imp.status).toBe(404);
    validateResponse('POST', '/ldap/users/import', 404, imp.body);
    expect(imp.body).toEqual([{ uid: 'nobody', error: 'not found' }]);
    expect((await api(srv.url, 'GET', '/users?q=username%3Dcarol')).body).toEqual([expect.objectContaining({ username: 'carol', email: 'carol@example.org' })]);
    expect((await api(srv.url, 'POST', '/ldap/users/import', { body: { ldap_uid_list: ['carol'] } })).status).toBe(200);
    for (const body of [{}, { ldap_uid_list: [] }, { ldap_uid_list: [1] }, { ldap_uid_list: 'carol' }]) {
      expectApiError(await api(srv.url, 'POST', '/ldap/users/import', { body }), 400, 'BAD_REQUEST');
    }
  });

  test('a directory that is down: sign-in is 401, the LDAP endpoints say the server failed', async () => {
    expect((await api(srv.url, 'PUT', '/configurations', { body: { ldap_url: 'ldap://127.0.0.1:1' } })).status).toBe(200);
    expectApiError(await api(srv.url, 'GET', '/users/current', { as: { username: 'carol', password: 'Carol-pass-1' } }), 401, 'UNAUTHORIZED');
    const r = await api(srv.url, 'GET', '/ldap/users/search?username=carol');
    expect(r.status).toBe(502);
    expect((await api(srv.url, 'PUT', '/configurations', { body: { ldap_url: slapd.url } })).status).toBe(200);
  });
});

describe('LDAPS', () => {
  const carol: Creds = { username: 'carol', password: 'Carol-pass-1' };

  test('over ldaps:// a certificate that is not trusted is refused while ldap_verify_cert is on, and used when it is off', async () => {
    expect((await api(srv.url, 'PUT', '/configurations', { body: { ldap_url: slapd.ldapsUrl, ldap_verify_cert: true } })).status).toBe(200);
    const ping = await api(srv.url, 'POST', '/ldap/ping');
    expect(ping.body.success).toBe(false);
    expect(ping.body.message).toMatch(/certificate/i);
    expectApiError(await api(srv.url, 'GET', '/users/current', { as: carol }), 401, 'UNAUTHORIZED');
    expect((await api(srv.url, 'PUT', '/configurations', { body: { ldap_verify_cert: false } })).status).toBe(200);
    expect((await api(srv.url, 'POST', '/ldap/ping')).body.success).toBe(true);
    const me = await api(srv.url, 'GET', '/users/current', { as: carol });
    expect(me.status, me.text).toBe(200);
    expect(me.body.username).toBe('carol');
    expect((await api(srv.url, 'PUT', '/configurations', { body: { ldap_url: slapd.url, ldap_verify_cert: true } })).status).toBe(200);
  });
});

describe('StartTLS (ldap_start_tls, our addition) and Harbor\'s ldap_url forms', () => {
  const dan: Creds = { username: 'dan', password: 'Dan-pass-1' };
  let tlsOnly: Slapd | undefined;
  let reg: RegistryProcess | undefined;

  afterAll(async () => {
    await reg?.stop();
    await tlsOnly?.stop();
  });

  test('a directory that takes binds over TLS only: refused over plain ldap://, used after StartTLS; an untrusted certificate is refused while ldap_verify_cert is on', async () => {
    tlsOnly = await startSlapd({ tlsForBinds: true });
    await loadDirectory(tlsOnly.ldapsUrl, [{ uid: 'dan', cn: 'Dan', mail: 'dan@example.org', password: dan.password }], []);
    try {
      expect((await api(srv.url, 'PUT', '/configurations', { body: { ldap_url: tlsOnly.url, ldap_start_tls: false, ldap_verify_cert: true } })).status).toBe(200);
      const plain = await api(srv.url, 'POST', '/ldap/ping');
      expect(plain.body.success).toBe(false);
      expect(plain.body.message).toMatch(/confidentiality required/i);
      expectApiError(await api(srv.url, 'GET', '/users/current', { as: dan }), 401, 'UNAUTHORIZED');

      expect((await api(srv.url, 'PUT', '/configurations', { body: { ldap_start_tls: true } })).status).toBe(200);
      const untrusted = await api(srv.url, 'POST', '/ldap/ping');
      expect(untrusted.body.success).toBe(false);
      expect(untrusted.body.message).toMatch(/certificate/i);
      expectApiError(await api(srv.url, 'GET', '/users/current', { as: dan }), 401, 'UNAUTHORIZED');

      expect((await api(srv.url, 'PUT', '/configurations', { body: { ldap_verify_cert: false } })).status).toBe(200);
      expect((await api(srv.url, 'POST', '/ldap/ping')).body.success).toBe(true);
      const me = await api(srv.url, 'GET', '/users/current', { as: dan });
      expect(me.status, me.text).toBe(200);
      expect(me.body.username).toBe('dan');
      expect((await api(srv.url, 'GET', '/configurations')).body.ldap_start_tls).toEqual({ value: true, editable: true });
    } finally {
      expect((await api(srv.url, 'PUT', '/configurations', { body: { ldap_url: slapd.url, ldap_start_tls: false, ldap_verify_cert: true } })).status).toBe(200);
    }
  });

  test('with ldap_verify_cert on, a certificate signed by a CA the process trusts (NODE_EXTRA_CA_CERTS) is accepted over StartTLS', async () => {
    reg = await startHarborctl({ env: { NODE_EXTRA_CA_CERTS: tlsOnly!.certFile } });
    const r = await api(reg.url, 'PUT', '/configurations', { body: {
      auth_mode: 'ldap_auth', ldap_url: tlsOnly!.url, ldap_start_tls: true, ldap_verify_cert: true, ldap_search_dn: `cn=harbor,ou=service,${BASE_DN}`,
      ldap_search_password: SEARCH_PASSWORD, ldap_base_dn: `ou=people,${BASE_DN}`, ldap_uid: 'uid',
    } });
    expect(r.status, r.text).toBe(200);
    const ping = await api(reg.url, 'POST', '/ldap/ping');
    expect(ping.body, JSON.stringify(ping.body)).toEqual({ success: true, message: 'ldap ping success' });
    expect((await api(reg.url, 'GET', '/users/current', { as: dan })).status).toBe(200);
  });

  test('ldap_url takes Harbor\'s forms (host:port means ldap://, port 636 means ldaps://); anything else, and a non-boolean ldap_start_tls, is 400', async () => {
    const port = new URL(slapd.url).port;
    try {
      expect((await api(srv.url, 'PUT', '/configurations', { body: { ldap_url: `127.0.0.1:${port}` } })).status).toBe(200);
      expect((await api(srv.url, 'GET', '/configurations')).body.ldap_url.value).toBe(`127.0.0.1:${port}`);
      expect((await api(srv.url, 'POST', '/ldap/ping')).body.success).toBe(true);
      for (const body of [{ ldap_url: 'ftp://127.0.0.1' }, { ldap_url: 'ldap://a b' }, { ldap_url: 'ldap://host/dc=x' }, { ldap_url: 'ldap://host:port' }, { ldap_start_tls: 'yes' }]) {
        expectApiError(await api(srv.url, 'PUT', '/configurations', { body }), 400, 'BAD_REQUEST');
      }
    } finally {
      expect((await api(srv.url, 'PUT', '/configurations', { body: { ldap_url: slapd.url } })).status).toBe(200);
    }
  });
});
