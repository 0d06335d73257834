// A real OpenLDAP server (Debian's slapd) for the LDAP tests: started as a plain process with a
// slapd.conf and an MDB database in a temp dir, on loopback ports (ldap:// and ldaps:// with a
// self-signed certificate made by openssl), with the memberof overlay so
// that users get memberOf from the groups that list them. Loaded over LDAP with ldapts after start
// (the overlay sees only online adds). stop() ends exactly the process it started.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';

// Debian's slapd (.ci/run installs it); the LDAP tests fail, never skip, without it.
export const SLAPD = '/usr/sbin/slapd';

export const BASE_DN = 'dc=example,dc=org';
export const ROOT_DN = `cn=admin,${BASE_DN}`;
export const ROOT_PASSWORD = 'Secret-root-1';

export interface Slapd {
  url: string;
  /** ldaps:// on a port of its own, with a self-signed certificate for 127.0.0.1 (`certFile`). */
  ldapsUrl: string;
  certFile: string;
  stop(): Promise<void>;
}

export interface DirectoryUser { uid: string; cn: string; mail: string; password: string }
export interface DirectoryGroup { cn: string; members: string[] }

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts slapd and resolves once it accepts connections (its own log line saying so).
 * `tlsForBinds`: simple binds need TLS (`security simple_bind=1`): over ldap:// only after StartTLS
 * (load such a directory over `ldapsUrl`).
 */
export async function startSlapd(opts: { tlsForBinds?: boolean } = {}): Promise<Slapd> {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-slapd-'));
  await mkdir(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  await writeFile(conf, [
    `TLSCertificateFile ${certFile}`,
    `TLSCertificateKeyFile ${keyFile}`,
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'include /etc/ldap/schema/nis.schema',
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload memberof',
    `pidfile ${join(dir, 'slapd.pid')}`,
    'database mdb',
    `suffix "${BASE_DN}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${ROOT_PASSWORD}`,
    `directory ${join(dir, 'db')}`,
    'maxsize 10485760',
    'overlay memberof',
    ...(opts.tlsForBinds ? ['security simple_bind=1'] : []),
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by * read',
    '',
  ].join('\n'));
  const url = `ldap://127.0.0.1:${await freePort()}`;
  const ldapsUrl = `ldaps://127.0.0.1:${await freePort()}`;
  // -d 8 (connections): stay in the foreground (it is our child, stopped by its PID) and say when the
  // daemon thread has added its listening socket ("slapd starting" comes before listen()); the
  // per-connection lines that follow are read and dropped.
  const child: ChildProcess = spawn(SLAPD, ['-d', '8', '-f', conf, '-h', `${url}/ ${ldapsUrl}/`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`slapd exited (${code}): ${stderr.slice(-2000)}`)));
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if ((stderr.match(/daemon: added \d+r listener=0x/g) ?? []).length === 2) resolve();
      });
    });
  } catch (e) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  child.removeAllListeners('exit');
  child.stderr!.removeAllListeners('data');
  child.stderr!.resume();
  return {
    url, ldapsUrl, certFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Adds the base entries, the users under ou=people and the groups (groupOfNames) under ou=groups. */
export async function loadDirectory(url: string, users: DirectoryUser[], groups: DirectoryGroup[]): Promise<void> {
  // Over ldaps:// the helper's own self-signed certificate is expected, not checked.
  const c = new Client({ url, ...(url.startsWith('ldaps:') ? { tlsOptions: { rejectUnauthorized: false } } : {}) });
  try {
    await c.bind(ROOT_DN, ROOT_PASSWORD);
    await c.add(BASE_DN, { objectClass: ['top', 'dcObject', 'organization'], o: 'Example', dc: 'example' });
    for (const ou of ['people', 'groups', 'service']) await c.add(`ou=${ou},${BASE_DN}`, { objectClass: ['organizationalUnit'], ou });
    await c.add(`cn=harbor,ou=service,${BASE_DN}`, { objectClass: ['person'], cn: 'harbor', sn: 'harbor', userPassword: 'Search-pass-1' });
    for (const u of users) {
      await c.add(`uid=${u.uid},ou=people,${BASE_DN}`, { objectClass: ['inetOrgPerson'], uid: u.uid, cn: u.cn, sn: u.cn, mail: u.mail, userPassword: u.password });
    }
    for (const g of groups) {
      await c.add(`cn=${g.cn},ou=groups,${BASE_DN}`, { objectClass: ['groupOfNames'], cn: g.cn, member: g.members.map((m) => `uid=${m},ou=people,${BASE_DN}`) });
    }
  } finally {
    await c.unbind();
  }
}
