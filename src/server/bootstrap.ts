// What `serve` sets up in the data dir on start, and the files it leaves there for the CLI of the
// same OS user (all mode 0600):
//   admin.password   the first-start admin password (from HARBOR_ADMIN_PASSWORD or generated)
//   token.key        the RSA key that signs registry tokens (PKCS#8 PEM), made at first start
//   registry.key     the AES-256 key that seals registry endpoint credentials (32 random bytes, base64)
//   server.json      {"url": "http://127.0.0.1:PORT"}, rewritten each time the server listens; with
//                    serve --tls also "ca": the CA file (tls/ca.crt) the local CLI trusts for that URL
import { generateKeyPair, createPrivateKey, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { libtrustKeyId, publicKeyOf } from '../core/jwt.js';
import type { Logger } from '../core/log.js';
import type { TokenKey } from '../services/token.js';
import { checkPasswordPolicy, generatePassword, type UserService } from '../services/users.js';
import type { MetaStores } from '../storage/meta/index.js';

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

/**
 * Creates the `admin` system admin on first start. The password is `given` (AppConfig), else
 * HARBOR_ADMIN_PASSWORD, else generated and printed once to stderr; it is kept in admin.password.
 */
export async function ensureAdmin(stores: Pick<MetaStores, 'identity'>, users: UserService, dataDir: string, log: Logger,
  given: string | undefined, stderr: { write(s: string): unknown } = process.stderr): Promise<void> {
  if (await stores.identity.getUserByName('admin')) return;
  const password = given ?? process.env.HARBOR_ADMIN_PASSWORD;
  const generated = password === undefined || password === '';
  const pw = generated ? generatePassword() : password;
  if (!generated) checkPasswordPolicy(pw);
  await users.createAdmin(pw);
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
  const p = await stores.projects.createProject({ name: 'library', public: true, ownerId: admin?.id ?? null });
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

/** Loads the token-signing key, generating a 2048-bit RSA key at first start. */
export async function loadTokenKey(dataDir: string, log: Logger): Promise<TokenKey> {
  const path = join(dataDir, TOKEN_KEY_FILE);
  let pem: string;
  try {
    pem = await fsp.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    // On libuv's thread pool (~200 ms here), so the first start does other work meanwhile.
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await writeSecretFile(path, pem);
    log.info('generated the token signing key', { path });
  }
  const privateKey = createPrivateKey(pem);
  const publicKey = publicKeyOf(privateKey);
  return { privateKey, publicKey, kid: libtrustKeyId(publicKey) };
}

/** Loads the key that seals registry endpoint credentials, generating it at first start. */
export async function loadRegistryKey(dataDir: string, log: Logger): Promise<Buffer> {
  const path = join(dataDir, REGISTRY_KEY_FILE);
  try {
    const key = Buffer.from((await fsp.readFile(path, 'utf8')).trim(), 'base64');
    if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte key (base64)`);
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const key = randomBytes(32);
  await writeSecretFile(path, key.toString('base64') + '\n');
  log.info('generated the registry credential key', { path });
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
