// What `serve` sets up in the data dir on start, and the files it leaves there for the CLI of the
// same OS user (all mode 0600):
//   admin.password   the first-start admin password (from HARBOR_ADMIN_PASSWORD or generated)
//   token.key        (before issue 16) the RSA key that signs registry tokens (PKCS#8 PEM)
//   registry.key     (before issue 16) the AES-256 key that seals stored credentials (32 bytes, base64)
//   server.json      {"url": "http://127.0.0.1:PORT"}, rewritten each time the server listens; with
//                    serve --tls also "ca": the CA file (tls/ca.crt) the local CLI trusts for that URL
// The two keys now live in the database (SecretStore), so every replica on it uses the same ones: the
// first start makes them, or imports the files above once when a data dir from before has them.
import { generateKeyPair, createPrivateKey, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { libtrustKeyId, publicKeyOf } from '../core/jwt.js';
import { HarborError } from '../core/errors.js';
import { checkPasswordPolicy, generatePassword, hashPassword } from '../core/passwords.js';
import type { Logger } from '../core/log.js';
import type { TokenKey } from '../services/token.js';
import type { UserService } from '../services/users.js';
import type { DbConfig } from '../storage/meta/db-url.js';
import type { MetaStores, SecretStore } from '../storage/meta/index.js';

export const ADMIN_PASSWORD_FILE = 'admin.password';
export const TOKEN_KEY_FILE = 'token.key';
export const SERVER_INFO_FILE = 'server.json';
export const REGISTRY_KEY_FILE = 'registry.key';

/** Writes a secret file atomically with mode 0600 (never briefly readable by others). */
export async function writeSecretFile(path: string, data: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, data, { mode: 0o600 });
  await fsp.chmod(tmp, 0o600);
  await fsp.rename(tmp, path);
}

/** Runs a create; true when it lost a race to another replica (CONFLICT: the thing exists now). */
async function firstOf(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return false;
  } catch (e) {
    if (e instanceof HarborError && e.code === 'CONFLICT') return true;
    throw e;
  }
}

/** The first start's admin password and its hash (scrypt, 50-100 ms on the thread pool), started at once. */
export interface FirstAdminPassword { password: string; generated: boolean; hash: Promise<string> }

/**
 * The admin's first password: `given` (AppConfig), else HARBOR_ADMIN_PASSWORD, else generated
 * (BAD_REQUEST when a given one breaks the password policy). Its hash starts now, so that a fresh
 * start makes it while the database is created.
 */
export function firstAdminPassword(given: string | undefined): FirstAdminPassword {
  const password = given ?? process.env.HARBOR_ADMIN_PASSWORD;
  const generated = password === undefined || password === '';
  const pw = generated ? generatePassword() : password;
  if (!generated) checkPasswordPolicy(pw);
  const hash = hashPassword(pw);
  hash.catch(() => undefined); // awaited by ensureAdmin; a start that fails before it must not also fail on this
  return { password: pw, generated, hash };
}

/** The database a data dir's server uses: `db` (serve --db), else its registry.db. */
export function databaseOf(dataDir: string, db: DbConfig | undefined): DbConfig {
  return db ?? { kind: 'sqlite', path: join(dataDir, 'registry.db') };
}

/**
 * On a first start (a SQLite database not made yet), the admin's password with its hash started;
 * undefined otherwise. serve calls it before it loads the server's modules, so the hash (scrypt,
 * 85-100 ms on this machine) is made on the thread pool while they load; createApp when not given.
 */
export function firstStartAdmin(db: DbConfig, given: string | undefined): FirstAdminPassword | undefined {
  return db.kind === 'sqlite' && !existsSync(db.path) ? firstAdminPassword(given) : undefined;
}

/**
 * Creates the `admin` system admin on first start, with `first` (firstAdminPassword(given) when not
 * given); a generated password is printed once to stderr. The password is kept in admin.password.
 */
export async function ensureAdmin(stores: Pick<MetaStores, 'identity'>, users: UserService, dataDir: string, log: Logger,
  given: string | undefined, stderr: { write(s: string): unknown } = process.stderr, first?: FirstAdminPassword): Promise<void> {
  if (await stores.identity.getUserByName('admin')) return;
  const { password: pw, generated, hash } = first ?? firstAdminPassword(given);
  // Another replica starting at the same moment may create it first: then it is there, and this one is done.
  if (await firstOf(() => users.createAdmin(pw, hash))) return;
  await writeSecretFile(join(dataDir, ADMIN_PASSWORD_FILE), pw + '\n');
  if (generated) {
    // The one place a secret is printed: once, to the operator's terminal, never into the log.
    stderr.write(`\nharborctl: created the system administrator "admin" with the generated password:\n\n    ${pw}\n\n` +
      `It is kept in ${join(dataDir, ADMIN_PASSWORD_FILE)} (mode 0600). Change it with the API or \`harborctl user passwd\`.\n\n`);
  }
  log.info('created the system administrator admin', { passwordFile: join(dataDir, ADMIN_PASSWORD_FILE), generated });
}

/**
 * Creates the public project `library` on first start with `admin` as its owner and project admin,
 * as Harbor seeds it. (Databases from before the member was seeded get it from migration 10.)
 */
export async function ensureLibrary(stores: Pick<MetaStores, 'identity' | 'projects'>, log: Logger): Promise<void> {
  if (await stores.projects.getProject('library')) return;
  const admin = await stores.identity.getUserByName('admin');
  let p!: Awaited<ReturnType<typeof stores.projects.createProject>>;
  if (await firstOf(async () => { p = await stores.projects.createProject({ name: 'library', public: true, ownerId: admin?.id ?? null }); })) return;
  if (admin) await stores.projects.addMember(p.id, admin.id, 1);
  log.info('created the public project library');
}

/**
 * Keeps admin.password in step when the admin's password is changed through the API, so the local
 * CLI (which reads it) keeps working. Only an existing file is rewritten: an operator who deleted it
 * opted out of keeping the password on disk.
 */
export async function updateAdminPasswordFile(dataDir: string, username: string, password: string): Promise<void> {
  if (username !== 'admin') return;
  const path = join(dataDir, ADMIN_PASSWORD_FILE);
  try {
    await fsp.access(path);
  } catch {
    return;
  }
  await writeSecretFile(path, password + '\n');
}

/** The names of the shared keys in the SecretStore. */
export const TOKEN_KEY_SECRET = 'token-signing-key';
export const CREDENTIAL_KEY_SECRET = 'credential-key';

/**
 * A key every replica shares: the database's, else the data dir's file from before (imported once),
 * else a new one. Replicas starting together agree: the first value stored wins.
 */
async function sharedKey(secrets: SecretStore, name: string, legacyFile: string, make: () => Promise<string>, what: string, log: Logger): Promise<string> {
  const stored = await secrets.getSecret(name);
  if (stored !== null) return stored;
  let candidate: string;
  let from: string | undefined;
  try {
    candidate = await fsp.readFile(legacyFile, 'utf8');
    from = legacyFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    candidate = await make();
  }
  const value = await secrets.getOrCreateSecret(name, candidate);
  if (value === candidate) log.info(from ? `imported the ${what} into the database` : `generated the ${what}`, from ? { from } : {});
  return value;
}

/** Loads the token-signing key (a 2048-bit RSA key, PKCS#8 PEM) shared by every replica. */
export async function loadTokenKey(secrets: SecretStore, dataDir: string, log: Logger): Promise<TokenKey> {
  const pem = await sharedKey(secrets, TOKEN_KEY_SECRET, join(dataDir, TOKEN_KEY_FILE), async () => {
    // On libuv's thread pool (~200 ms here), so the first start does other work meanwhile.
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  }, 'token signing key', log);
  const privateKey = createPrivateKey(pem);
  const publicKey = publicKeyOf(privateKey);
  return { privateKey, publicKey, kid: libtrustKeyId(publicKey) };
}

/** Loads the AES-256 key that seals stored credentials, shared by every replica. */
export async function loadRegistryKey(secrets: SecretStore, dataDir: string, log: Logger): Promise<Buffer> {
  const text = await sharedKey(secrets, CREDENTIAL_KEY_SECRET, join(dataDir, REGISTRY_KEY_FILE), async () => randomBytes(32).toString('base64') + '\n',
    'credential encryption key', log);
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`the credential encryption key (${CREDENTIAL_KEY_SECRET}) is not a 32-byte key in base64`);
  return key;
}

/** The URL a local client reaches a listening address at (a wildcard address becomes loopback). */
export function localUrl(address: string, port: number, tls: boolean): string {
  const host = address === '0.0.0.0' || address === '' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function writeServerInfo(dataDir: string, url: string, ca?: string): Promise<void> {
  await writeSecretFile(join(dataDir, SERVER_INFO_FILE), JSON.stringify(ca ? { url, ca } : { url }) + '\n');
}
