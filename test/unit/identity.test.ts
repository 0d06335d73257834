// Unit tests for the identity code: passwords, JWT and libtrust kid, the role matrix, Basic parsing
// and the failed-login slow-down, the token service's grants, and the q= / paging helpers.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, stat, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { libtrustKeyId, publicKeyOf, signJwt, verifyJwt } from '../../src/core/jwt.js';
import { createLogger } from '../../src/core/log.js';
import { hashPassword, verifyPassword } from '../../src/core/passwords.js';
import { filterByQuery, parseQuery, sortBy } from '../../src/server/api/paging.js';
import { ensureAdmin, firstAdminPassword, loadRegistryKey, loadTokenKey, localUrl, TOKEN_KEY_SECRET } from '../../src/server/bootstrap.js';
import { AuthService, parseBasic } from '../../src/services/auth.js';
import { AccessControl, isRoleId, publicAllows, roleAllows, type Principal } from '../../src/services/rbac.js';
import { parseScope, TokenService, grantAllows } from '../../src/services/token.js';
import { checkPasswordPolicy, generatePassword } from '../../src/core/passwords.js';
import { UserService } from '../../src/services/users.js';
import type { MetaStores } from '../../src/storage/meta/index.js';
import { openSqliteStores } from '../../src/storage/meta/sqlite/index.js';

describe('passwords (scrypt)', () => {
  test('a hash verifies its password only, and two hashes of one password differ (salt)', async () => {
    const h = await hashPassword('Secret123');
    expect(h).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(await verifyPassword('Secret123', h)).toBe(true);
    expect(await verifyPassword('secret123', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
    expect(await hashPassword('Secret123')).not.toBe(h);
  });

  test('a malformed stored hash never verifies', async () => {
    for (const bad of ['', 'plain', 'scrypt$1$2$3', 'bcrypt$16384$8$1$aa$bb']) expect(await verifyPassword('x', bad)).toBe(false);
  });

  test('the policy wants 8–128 characters with upper, lower and digit; generated passwords pass it', () => {
    for (const bad of ['Short1', 'alllower1', 'ALLUPPER1', 'NoDigitsHere', 'A1' + 'a'.repeat(127)]) expect(() => checkPasswordPolicy(bad)).toThrow();
    expect(() => checkPasswordPolicy('Harbor12345')).not.toThrow();
    for (let i = 0; i < 20; i++) expect(() => checkPasswordPolicy(generatePassword())).not.toThrow();
  });
});

describe('JWT (RS256) and the libtrust key id', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = publicKeyOf(privateKey);
  const now = 1_900_000_000;
  const claims = { iss: 'i', sub: 's', aud: 'a', exp: now + 60, nbf: now, iat: now, jti: 'j' };

  test('the kid is twelve groups of four base32 characters, stable for a key', () => {
    expect(libtrustKeyId(pub)).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(libtrustKeyId(pub)).toBe(libtrustKeyId(publicKeyOf(privateKey)));
    expect(libtrustKeyId(publicKeyOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey))).not.toBe(libtrustKeyId(pub));
  });

  test('sign then verify; the header names alg and kid', () => {
    const t = signJwt(claims, privateKey, 'KID');
    expect(JSON.parse(Buffer.from(t.split('.')[0], 'base64url').toString())).toEqual({ typ: 'JWT', alg: 'RS256', kid: 'KID' });
    expect(verifyJwt(t, pub, { iss: 'i', aud: 'a', now })).toEqual({ ok: true, claims });
  });

  test('each failure has its reason', () => {
    const t = signJwt(claims, privateKey, 'KID');
    expect(verifyJwt(t, pub, { iss: 'i', aud: 'a', now: now + 3600 })).toEqual({ ok: false, reason: 'token expired' });
    expect(verifyJwt(t, pub, { iss: 'i', aud: 'a', now: now - 3600 })).toEqual({ ok: false, reason: 'token not yet valid' });
    expect(verifyJwt(t, pub, { iss: 'other', aud: 'a', now })).toEqual({ ok: false, reason: 'wrong issuer' });
    expect(verifyJwt(t, pub, { iss: 'i', aud: 'b', now })).toEqual({ ok: false, reason: 'wrong audience' });
    const other = publicKeyOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    expect(verifyJwt(t, other, { iss: 'i', aud: 'a', now })).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyJwt('a.b', pub, { iss: 'i', aud: 'a', now })).toEqual({ ok: false, reason: 'malformed token' });
    expect(verifyJwt('!!.??.x', pub, { iss: 'i', aud: 'a', now })).toEqual({ ok: false, reason: 'malformed token' });
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${t.split('.')[1]}.`;
    expect(verifyJwt(none, pub, { iss: 'i', aud: 'a', now })).toEqual({ ok: false, reason: 'unsupported algorithm' });
    expect(verifyJwt(signJwt({ ...claims, aud: ['x', 'a'] as unknown as string }, privateKey, 'K'), pub, { iss: 'i', aud: 'a', now }).ok).toBe(true);
  });
});

describe('the role matrix (harbor-notes §3.2)', () => {
  test('repository actions per role', () => {
    const row = (role: 1 | 2 | 3 | 4 | 5): string[] => (['pull', 'push', 'delete', 'read', 'list'] as const).filter((a) => roleAllows(role, 'repository', a));
    expect(row(1)).toEqual(['pull', 'push', 'delete', 'read', 'list']);
    expect(row(4)).toEqual(['pull', 'push', 'delete', 'read', 'list']);
    expect(row(2)).toEqual(['pull', 'push', 'read', 'list']);
    expect(row(3)).toEqual(['pull', 'read', 'list']);
    expect(row(5)).toEqual(['pull', 'read', 'list']);
  });

  test('members, project, metadata, artifacts and tags', () => {
    expect([1, 2, 3, 4, 5].filter((r) => roleAllows(r as 1, 'member', 'list'))).toEqual([1, 2, 3, 4]);
    expect([1, 2, 3, 4, 5].filter((r) => roleAllows(r as 1, 'member', 'create'))).toEqual([1]);
    expect([1, 2, 3, 4, 5].filter((r) => roleAllows(r as 1, 'project', 'update'))).toEqual([1]);
    expect([1, 2, 3, 4, 5].filter((r) => roleAllows(r as 1, 'project', 'read'))).toEqual([1, 2, 3, 4, 5]);
    expect([1, 2, 3, 4, 5].filter((r) => roleAllows(r as 1, 'metadata', 'read'))).toEqual([1, 4]);
    expect([1, 2, 3, 4, 5].filter((r) => roleAllows(r as 1, 'artifact', 'delete'))).toEqual([1, 4]);
    expect([1, 2, 3, 4, 5].filter((r) => roleAllows(r as 1, 'artifact', 'create'))).toEqual([1, 2, 4]);
    expect([1, 2, 3, 4, 5].filter((r) => roleAllows(r as 1, 'tag', 'create'))).toEqual([1, 2, 4]);
    expect([1, 2, 3, 4, 5].filter((r) => roleAllows(r as 1, 'tag', 'delete'))).toEqual([1, 4]);
    // Immutable tag rules: admins and maintainers; tag retention also developers (goharbor/harbor#16514).
    for (const a of ['create', 'update', 'delete', 'list'] as const) expect([1, 2, 3, 4, 5].filter((r) => roleAllows(r as 1, 'immutable-tag', a))).toEqual([1, 4]);
    expect(roleAllows(1, 'immutable-tag', 'read')).toBe(false);
    for (const a of ['create', 'read', 'update', 'delete', 'list', 'operate'] as const) {
      expect([1, 2, 3, 4, 5].filter((r) => roleAllows(r as 1, 'tag-retention', a))).toEqual([1, 2, 4]);
    }
    expect(publicAllows('tag-retention', 'read')).toBe(false);
  });

  test('a public project grants reads and pull to everybody, never push or delete', () => {
    expect(publicAllows('repository', 'pull')).toBe(true);
    expect(publicAllows('repository', 'list')).toBe(true);
    expect(publicAllows('project', 'read')).toBe(true);
    expect(publicAllows('artifact', 'read')).toBe(true);
    expect(publicAllows('repository', 'push')).toBe(false);
    expect(publicAllows('repository', 'delete')).toBe(false);
    expect(publicAllows('member', 'list')).toBe(false);
  });

  test('role ids are 1–5', () => {
    expect([0, 1, 5, 6, '1', null].map(isRoleId)).toEqual([false, true, true, false, false, false]);
  });
});

describe('with a store', () => {
  let dir: string;
  let meta: MetaStores;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'harborctl-identity-'));
    meta = openSqliteStores(join(dir, 'db'));
  });
  afterEach(async () => {
    await meta.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('Basic parsing: only well-formed Basic credentials', () => {
    const b = (s: string): string => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(parseBasic(b('alice:pa:ss'))).toEqual({ username: 'alice', password: 'pa:ss' });
    expect(parseBasic(b(':x'))).toBeNull();
    expect(parseBasic(b('nocolon'))).toBeNull();
    expect(parseBasic('Bearer abc')).toBeNull();
    expect(parseBasic(undefined)).toBeNull();
  });

  test('failed logins are slowed down after the free ones, doubling to the cap, and reset by a success', async () => {
    await new UserService(meta).createAdmin('Admin12345');
    let now = 1_000_000;
    const slept: number[] = [];
    const throttled: string[] = [];
    const auth = new AuthService(meta, {
      // A sleep takes its time: the clock moves on by what was waited.
      clock: () => now, sleep: async (ms) => { slept.push(ms); now += ms; }, delay: { freeFailures: 3, baseMs: 100, maxMs: 400 },
      onThrottle: (u) => throttled.push(u.username ?? `address ${u.address}`),
    });
    for (let i = 0; i < 6; i++) expect(await auth.login('admin', 'wrong')).toBeNull();
    expect(slept).toEqual([100, 200, 400]);
    expect(throttled).toEqual(['admin']);
    expect(auth.delayFor('admin')).toBe(400);
    expect(auth.delayFor('someone-else')).toBe(0);
    expect((await auth.login('admin', 'Admin12345'))?.username).toBe('admin');
    expect(auth.delayFor('admin')).toBe(0);
    // failures are forgotten after the window
    for (let i = 0; i < 4; i++) await auth.login('ghost', 'x');
    expect(auth.delayFor('ghost')).toBe(200);
    now += 16 * 60_000;
    expect(auth.delayFor('ghost')).toBe(0);
  });

  test('a verified password is remembered briefly; a wrong one, a changed hash or time end that', async () => {
    const users = new UserService(meta);
    const admin = await users.createAdmin('Admin12345');
    let now = 5_000_000;
    const auth = new AuthService(meta, { clock: () => now, sleep: async () => undefined });
    expect((await auth.login('admin', 'Admin12345'))?.id).toBe(admin.id);
    expect((await auth.login('admin', 'Admin12345'))?.id).toBe(admin.id); // from the cache
    expect(await auth.login('admin', 'Admin12346')).toBeNull(); // a different password is never a hit
    // a password change invalidates the entry at once
    await meta.identity.updateUser(admin.id, { passwordHash: await hashPassword('Changed123') });
    expect(await auth.login('admin', 'Admin12345')).toBeNull();
    expect((await auth.login('admin', 'Changed123'))?.id).toBe(admin.id);
    now += 61_000;
    expect((await auth.login('admin', 'Changed123'))?.id).toBe(admin.id); // re-verified with scrypt
    // a deleted user is gone even with a fresh entry
    await meta.identity.deleteUser(admin.id);
    expect(await auth.login('admin', 'Changed123')).toBeNull();
  });

  test('principal(): anonymous without Basic, a user with good ones, UNAUTHORIZED with bad ones', async () => {
    await new UserService(meta).createAdmin('Admin12345');
    const auth = new AuthService(meta, { sleep: async () => undefined });
    const b = (s: string): string => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(await auth.principal(undefined)).toEqual({ kind: 'anonymous' });
    expect(await auth.principal('Bearer x')).toEqual({ kind: 'anonymous' });
    expect((await auth.principal(b('admin:Admin12345'))).kind).toBe('user');
    await expect(auth.principal(b('admin:nope'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(auth.principal('Basic !!!')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  test('tokens: grants cut to the role, catalog only for admins, verify round trip and expiry', async () => {
    const users = new UserService(meta);
    const admin = await users.createAdmin('Admin12345');
    const guestUser = await meta.identity.createUser({ username: 'g', passwordHash: 'x' });
    const p = await meta.projects.createProject({ name: 'p', public: false });
    const pub = await meta.projects.createProject({ name: 'pub', public: true });
    await meta.projects.addMember(p.id, guestUser.id, 3);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    let now = Date.parse('2030-01-01T00:00:00Z');
    const tokens = new TokenService(meta, new AccessControl(meta), { privateKey, publicKey: publicKeyOf(privateKey), kid: 'K' }, { clock: () => now, ttlSec: 60 });
    const guest: Principal = { kind: 'user', user: guestUser };
    const anon: Principal = { kind: 'anonymous' };
    const boss: Principal = { kind: 'user', user: admin };
    expect(await tokens.grant(guest, parseScope('repository:p/app:pull,push,delete,*')!)).toEqual(['pull']);
    expect(await tokens.grant(anon, parseScope('repository:p/app:pull')!)).toEqual([]);
    expect(await tokens.grant(anon, parseScope('repository:pub/app:pull,push')!)).toEqual(['pull']);
    expect(await tokens.grant(boss, parseScope('repository:p/app:pull,push,delete,*')!)).toEqual(['pull', 'push', 'delete', '*']);
    expect(await tokens.grant(boss, parseScope('repository:Bad Name:pull')!)).toEqual([]);
    expect(await tokens.grant(boss, parseScope('registry:catalog:*')!)).toEqual(['*']);
    expect(await tokens.grant(guest, parseScope('registry:catalog:*')!)).toEqual([]);
    expect(await tokens.grant(boss, parseScope('plugin:x:pull')!)).toEqual([]);
    void pub;

    const issued = await tokens.issue(guest, ['repository:p/app:pull,push']);
    expect(issued.expires_in).toBe(60);
    const g = tokens.verify(issued.token);
    expect(g.subject).toBe('g');
    expect(grantAllows(g, 'repository', 'p/app', 'pull')).toBe(true);
    expect(grantAllows(g, 'repository', 'p/app', 'push')).toBe(false);
    expect(grantAllows(g, 'repository', 'p/other', 'pull')).toBe(false);
    now += 120_000;
    expect(() => tokens.verify(issued.token)).toThrow(/expired/);
    await expect(tokens.issue(guest, ['no-colons'])).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  test('scopes: type before the first colon, actions after the last', () => {
    expect(parseScope('repository:a/b:pull,push')).toEqual({ type: 'repository', name: 'a/b', actions: ['pull', 'push'] });
    expect(parseScope('repository:host:5000/a:pull')).toEqual({ type: 'repository', name: 'host:5000/a', actions: ['pull'] });
    expect(parseScope('registry:catalog:*')).toEqual({ type: 'registry', name: 'catalog', actions: ['*'] });
    expect(parseScope('repository:a/b')).toBeNull();
    expect(parseScope('x')).toBeNull();
  });

  test('first start: the admin from the given password, the file 0600; a generated one is printed once', async () => {
    const log = createLogger('silent');
    const users = new UserService(meta);
    const printed: string[] = [];
    await ensureAdmin(meta, users, dir, log, undefined, { write: (s: string) => printed.push(s) });
    const pw = (await readFile(join(dir, 'admin.password'), 'utf8')).trim();
    expect(((await stat(join(dir, 'admin.password'))).mode & 0o777).toString(8)).toBe('600');
    expect(printed.join('')).toContain(pw);
    expect((await meta.identity.getUserByName('admin'))?.sysadmin).toBe(true);
    // a second start changes nothing and prints nothing
    await ensureAdmin(meta, users, dir, log, 'Other12345', { write: (s: string) => printed.push(s) });
    expect(printed).toHaveLength(1);
    expect((await readFile(join(dir, 'admin.password'), 'utf8')).trim()).toBe(pw);
  });

  test('first start: the admin gets the hash started early (firstAdminPassword), not a second one', async () => {
    const first = firstAdminPassword('Early12345');
    const made = await first.hash;
    await ensureAdmin(meta, new UserService(meta), dir, createLogger('silent'), undefined, { write: () => undefined }, first);
    const admin = await meta.identity.getUserByName('admin');
    expect(admin?.passwordHash).toBe(made);
    expect(await verifyPassword('Early12345', admin!.passwordHash)).toBe(true);
    expect((await readFile(join(dir, 'admin.password'), 'utf8')).trim()).toBe('Early12345');
    // A weak given password is refused before anything is hashed.
    expect(() => firstAdminPassword('weak')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  test('first start with a given password that breaks the policy fails loudly', async () => {
    await expect(ensureAdmin(meta, new UserService(meta), dir, createLogger('silent'), 'weak')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  test('tokens while the key is still being made: verify refuses (the /v2 check waits on loadingKey first), issue and pullToken wait for it', async () => {
    const admin = await new UserService(meta).createAdmin('Admin12345');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    let give!: (k: { privateKey: typeof privateKey; publicKey: ReturnType<typeof publicKeyOf>; kid: string }) => void;
    const coming = new Promise<{ privateKey: typeof privateKey; publicKey: ReturnType<typeof publicKeyOf>; kid: string }>((r) => { give = r; });
    const tokens = new TokenService(meta, new AccessControl(meta), coming);
    expect(tokens.loadingKey).toBeInstanceOf(Promise);
    expect(() => tokens.verify('a.b.c')).toThrow(/the token service is starting/);
    const issued = tokens.issue({ kind: 'user', user: admin }, ['repository:p/app:pull']);
    const pull = tokens.pullToken('scan', 'p/app', 60);
    give({ privateKey, publicKey: publicKeyOf(privateKey), kid: 'K' });
    expect(tokens.verify((await issued).token).subject).toBe(admin.username);
    expect(tokens.verify(await pull).access).toEqual([{ type: 'repository', name: 'p/app', actions: ['pull'] }]);
    expect(tokens.loadingKey).toBeUndefined();
  });

  test('the token key is generated once into the database (no file) and loaded again with the same kid, from another data dir too', async () => {
    const a = await loadTokenKey(meta.secrets, dir, createLogger('silent'));
    await expect(stat(join(dir, 'token.key'))).rejects.toMatchObject({ code: 'ENOENT' });
    const b = await loadTokenKey(meta.secrets, join(dir, 'elsewhere'), createLogger('silent'));
    expect(b.kid).toBe(a.kid);
  });

  test('a token.key and registry.key from before are imported once and win over generating', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await writeFile(join(dir, 'token.key'), pem, { mode: 0o600 });
    const sealKey = Buffer.alloc(32, 7);
    await writeFile(join(dir, 'registry.key'), sealKey.toString('base64') + '\n', { mode: 0o600 });
    const k = await loadTokenKey(meta.secrets, dir, createLogger('silent'));
    expect(k.kid).toBe(libtrustKeyId(publicKeyOf(createPrivateKey(pem))));
    expect(await meta.secrets.getSecret(TOKEN_KEY_SECRET)).toBe(pem);
    expect(await loadRegistryKey(meta.secrets, dir, createLogger('silent'))).toEqual(sealKey);
    // Imported: a replica without the files gets the same keys.
    expect((await loadTokenKey(meta.secrets, join(dir, 'none'), createLogger('silent'))).kid).toBe(k.kid);
    expect(await loadRegistryKey(meta.secrets, join(dir, 'none'), createLogger('silent'))).toEqual(sealKey);
  });

  test('two replicas starting together on one database create one admin and agree on the keys', async () => {
    const log = createLogger('silent');
    const other = openSqliteStores(join(dir, 'db'));
    try {
      const quiet = { write: () => undefined };
      await Promise.all([meta, other].map((m) => ensureAdmin(m, new UserService(m), dir, log, 'Harbor12345', quiet)));
      expect((await meta.identity.listUsers()).filter((u) => u.username === 'admin')).toHaveLength(1);
      const [a, b] = await Promise.all([meta, other].map((m) => loadTokenKey(m.secrets, join(dir, 'empty'), log)));
      expect(b.kid).toBe(a.kid);
    } finally {
      await other.close();
    }
  });
});

describe('q= and sort', () => {
  const items = [{ n: 'alpha', v: 3 }, { n: 'beta', v: 1 }, { n: 'alphabet', v: 2 }];
  const fields = { name: (x: { n: string }) => x.n, v: (x: { v: number }) => x.v };
  const names = (q: string, sort: string | null = null): string[] => sortBy(filterByQuery(items, parseQuery(q), fields), sort, fields).map((x) => x.n);

  test('exact, fuzzy, range, union, quoted values; several terms are and-ed', () => {
    expect(names('name=alpha')).toEqual(['alpha']);
    expect(names('name=~alpha')).toEqual(['alpha', 'alphabet']);
    expect(names('v=[2~3]')).toEqual(['alpha', 'alphabet']);
    expect(names('v=[~1]')).toEqual(['beta']);
    expect(names('name={beta alpha}')).toEqual(['alpha', 'beta']);
    expect(names('name="beta"')).toEqual(['beta']);
    expect(names('name=~alpha,v=2')).toEqual(['alphabet']);
    expect(names('')).toEqual(['alpha', 'beta', 'alphabet']);
  });

  test('sort ascending and descending; unknown keys are ignored, as Harbor\'s ORM skips them', () => {
    expect(names('', 'name')).toEqual(['alpha', 'alphabet', 'beta']);
    expect(names('', '-v')).toEqual(['alpha', 'alphabet', 'beta']);
    expect(names('', 'nope')).toEqual(['alpha', 'beta', 'alphabet']);
    expect(names('', 'nope,-v')).toEqual(['alpha', 'alphabet', 'beta']);
    expect(names('nope=1')).toEqual(['alpha', 'beta', 'alphabet']);
    expect(sortBy(items, '-nope', fields, 'name').map((x) => x.n)).toEqual(['alpha', 'alphabet', 'beta']);
    // q is unescaped a second time (src/lib/q/builder.go); a value that will not decode stays as it is
    expect(names('name%3D%7Ebeta')).toEqual(['beta']);
    expect(names('name=~%zz')).toEqual([]);
    expect(() => parseQuery('novalue')).toThrow(/invalid query term/);
  });
});

test('localUrl turns wildcard addresses into loopback', () => {
  expect(localUrl('0.0.0.0', 5280, false)).toBe('http://127.0.0.1:5280');
  expect(localUrl('::', 5280, true)).toBe('https://[::1]:5280');
  expect(localUrl('127.0.0.1', 1, false)).toBe('http://127.0.0.1:1');
});
