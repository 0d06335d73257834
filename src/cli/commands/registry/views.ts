import type { Registry } from '../../../client/registries.js';
import { HarborError } from '../../../core/errors.js';
import { checkRegistryType, normalizeRegistryUrl } from '../../../core/upstream.js';
import { askPassword, readStdin } from '../../output/interactive.js';
import { shortTime, type Column } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export const REGISTRY_COLUMNS: Column<Registry>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'NAME', value: (r) => r.name },
  { header: 'TYPE', value: (r) => r.type },
  { header: 'URL', value: (r) => r.url },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'USERNAME', value: (r) => r.credential?.access_key },
];

export const REGISTRY_FIELDS: Column<Registry>[] = [
  ...REGISTRY_COLUMNS,
  { header: 'INSECURE', value: (r) => (r.insecure ? 'yes (certificate not verified)' : 'no') },
  { header: 'DESCRIPTION', value: (r) => r.description },
  { header: 'CREATED', value: (r) => shortTime(r.creation_time) },
  { header: 'UPDATED', value: (r) => shortTime(r.update_time) },
];

/** --type and --url checked before any network call (the server checks the same way); USAGE on a bad one. */
export function checkFlags(o: { type?: string; url?: string }): { type?: string; url?: string } {
  const check = (flag: string, v: string | undefined, fn: (s: string) => string): string | undefined => {
    if (v === undefined) return undefined;
    try {
      return fn(v);
    } catch (e) {
      throw new HarborError('USAGE', `invalid ${flag}: ${(e as Error).message}`);
    }
  };
  return { type: check('--type', o.type, checkRegistryType), url: check('--url', o.url, normalizeRegistryUrl) };
}

export interface CredentialFlags { username?: string; passwordStdin?: boolean }

/** --username with --password-stdin (or a prompt on a TTY): the upstream credential, or undefined. */
export async function readCredential(rt: Runtime, o: CredentialFlags): Promise<{ username: string; password: string } | undefined> {
  if (o.passwordStdin && o.username === undefined) throw new HarborError('USAGE', '--password-stdin needs --username');
  if (o.username === undefined) return undefined;
  if (o.username === '') throw new HarborError('USAGE', '--username must not be empty');
  const password = o.passwordStdin ? await readStdin(rt) : await askPassword(rt, `Password of ${o.username} at the upstream:`, '--password-stdin');
  if (!password) throw new HarborError('USAGE', 'the password is empty');
  return { username: o.username, password };
}
