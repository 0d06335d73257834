// harborctl login --oidc (RFC 8252 native-app sign-in through the registry) driven end to end: the
// CLI prints the sign-in URL, the test plays the browser (cookie jar) through the registry and the
// real OP to the CLI's loopback, the CLI exchanges the one-time code with its verifier and saves the
// CLI secret; then `user cli-secret`, and the server side of the exchange refused when misused.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { run } from '../../src/cli/main.js';
import { api, expectApiError, http } from '../helpers/api.js';
import { cli, cliEnv, json, type CliEnv, type CliResult } from '../helpers/cli.js';
import { CLIENT_ID, CLIENT_SECRET, HttpBrowser, startTestOp, type TestOp } from '../helpers/oidc-provider.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let op: TestOp;
let srv: TestServer;
let sandbox: CliEnv;

beforeAll(async () => {
  op = await startTestOp(() => [`${srv.url}/c/oidc/callback`]);
  srv = await startTestServer();
  const r = await api(srv.url, 'PUT', '/configurations', { body: {
    auth_mode: 'oidc_auth', oidc_endpoint: op.issuer, oidc_client_id: CLIENT_ID, oidc_client_secret: CLIENT_SECRET,
    oidc_scope: 'openid,profile,offline_access', oidc_auto_onboard: true, oidc_user_claim: 'preferred_username',
  } });
  expect(r.status, r.text).toBe(200);
  sandbox = await cliEnv();
}, 60_000);
afterAll(async () => {
  await sandbox?.cleanup();
  await srv?.close();
  await op?.stop();
});

/** Runs harborctl in-process; `onUrl` gets the sign-in URL as soon as the CLI prints it. */
function cliWithUrl(args: string[], onUrl: (url: string) => void): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  let seen = false;
  const stdin = Readable.from([]) as NodeJS.ReadableStream & { isTTY?: boolean };
  return run(['node', 'harborctl', ...args], {
    stdout: { write: (s: string) => { stdout += s; return true; }, isTTY: false },
    stderr: {
      write: (s: string) => {
        stderr += s;
        const m = /^\s+(http:\/\/\S+\/c\/oidc\/login\?\S+)$/m.exec(stderr);
        if (m && !seen) {
          seen = true;
          onUrl(m[1]);
        }
        return true;
      },
      isTTY: false,
    },
    stdin, env: sandbox.env,
  }).then((code) => ({ code, stdout, stderr }));
}

const challengeOf = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

describe('harborctl login --oidc', () => {
  test('the browser comes back to the loopback with a code (never the secret); the CLI saves the CLI secret and uses it', async () => {
    op.accounts.set('sub-cleo', { preferred_username: 'cleo', name: 'Cleo' });
    let browserDone!: Promise<{ location: string | null; page: string; stray: number }>;
    const result = await cliWithUrl(['login', '--oidc', srv.url, '--docker-config', '-o', 'json'], (url) => {
      browserDone = (async () => {
        const b = new HttpBrowser();
        const back = await b.follow(url, { login: 'sub-cleo', issuer: op.issuer, stop: (l) => !l.startsWith(srv.url) && !l.startsWith(op.issuer) });
        const loopback = new URL(back.location!);
        // Something else calling the loopback with another state is turned away; the CLI keeps waiting.
        const stray = (await fetch(`${loopback.origin}/callback?code=x&state=wrong`)).status;
        const page = await b.request(back.location!);
        return { location: back.location, page: page.text, stray };
      })();
    });
    const { location, page, stray } = await browserDone;
    expect(result.code, result.stderr).toBe(0);
    const loopback = new URL(location!);
    expect(loopback.hostname).toBe('127.0.0.1');
    expect([...loopback.searchParams.keys()].sort()).toEqual(['code', 'state']);
    expect(stray).toBe(400);
    expect(page).toContain('harborctl has your sign-in');

    const out = json<{ context: string; username: string; docker_config: string }>(result);
    expect(out.username).toBe('cleo');
    const me = (await api(srv.url, 'GET', '/users?q=username=cleo')).body[0];
    expect(me.username).toBe('cleo');
    // The context holds the CLI secret: whoami works with it; so does podman/skopeo's config.
    const who = await cli(sandbox.env, ['whoami', '-o', 'json']);
    expect(who.code, who.stderr).toBe(0);
    expect(json(who).user.username).toBe('cleo');
    const shown = json<{ username: string; secret: string }>(await cli(sandbox.env, ['user', 'cli-secret', '-o', 'json']));
    expect(shown.username).toBe('cleo');
    expect(shown.secret.length).toBeGreaterThanOrEqual(8);
    expect(result.stdout + result.stderr + who.stdout).not.toContain(shown.secret);
    const docker = JSON.parse(await readFile(join(sandbox.env.DOCKER_CONFIG!, 'config.json'), 'utf8'));
    const auth = Object.values(docker.auths as Record<string, { auth: string }>)[0].auth;
    expect(Buffer.from(auth, 'base64').toString()).toBe(`cleo:${shown.secret}`);
    expect((await http(srv.url, 'GET', '/v2/', { as: { username: 'cleo', password: shown.secret } })).status).toBe(200);

    // A new secret: the old one is dead, the context follows.
    const set = await cli(sandbox.env, ['user', 'cli-secret', '--set', '-o', 'json']);
    expect(set.code, set.stderr).toBe(0);
    const fresh = json<{ secret: string }>(set).secret;
    expect(fresh).not.toBe(shown.secret);
    expect((await http(srv.url, 'GET', '/v2/', { as: { username: 'cleo', password: shown.secret } })).status).toBe(401);
    expect(json((await cli(sandbox.env, ['whoami', '-o', 'json']))).user.username).toBe('cleo');
    const weak = await cli(sandbox.env, ['user', 'cli-secret', '--set', '--secret-stdin'], { stdin: 'weak\n' });
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('8 to 128 characters');
  });

  test('--oidc takes no -u; cli-secret of a user who is no OIDC user is refused', async () => {
    const r = await cli(sandbox.env, ['login', '--oidc', srv.url, '-u', 'x']);
    expect(r).toMatchObject({ code: 2, stderr: 'harborctl: --oidc signs in through the browser: it takes no -u or --password-stdin\n' });
    const env = await cliEnv();
    try {
      expect((await cli(env.env, ['login', srv.url, '-u', 'admin', '--password-stdin'], { stdin: 'Harbor12345' })).code).toBe(0);
      const s = await cli(env.env, ['user', 'cli-secret']);
      expect(s.stderr).toBe('harborctl: admin does not sign in through OIDC: CLI secrets are for OIDC users\n');
      expect(s.code).not.toBe(0);
    } finally {
      await env.cleanup();
    }
  });
});

describe('the code exchange (POST /c/oidc/cli-token)', () => {
  /** Plays the CLI by hand: returns the one-time code the registry sends to the (fake) loopback. */
  async function codeFor(login: string, verifier: string, state = 'state-0123456789abcdef'): Promise<string> {
    op.accounts.set(login, { preferred_username: login });
    const to = 'http://127.0.0.1:9/callback';
    const q = new URLSearchParams({ cli_redirect: to, cli_state: state, cli_challenge: challengeOf(verifier) });
    const back = await new HttpBrowser().follow(`${srv.url}/c/oidc/login?${q.toString()}`, { login, issuer: op.issuer, stop: (l) => l.startsWith(to) });
    const u = new URL(back.location!);
    expect(u.searchParams.get('state')).toBe(state);
    return u.searchParams.get('code')!;
  }
  const exchange = (code: string, verifier: string) => http(srv.url, 'POST', '/c/oidc/cli-token', { body: { code, code_verifier: verifier } });

  test('the right verifier gets the secret once; a replay is refused', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = await codeFor('dex', verifier);
    const ok = await exchange(code, verifier);
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.body).toEqual({ username: 'dex', secret: expect.any(String) });
    const again = await exchange(code, verifier);
    expect(again.status).toBe(400);
    expect(again.body.errors[0].message).toBe('the code has expired or was already used: sign in again');
  });

  test('a wrong verifier burns the code; garbage bodies are refused', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = await codeFor('fay', verifier);
    const wrong = await exchange(code, randomBytes(32).toString('base64url'));
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].message).toBe('the code verifier does not match: sign in again');
    expect((await exchange(code, verifier)).status).toBe(400);
    expectApiError(await http(srv.url, 'POST', '/c/oidc/cli-token', { body: '[1]' }), 400, 'BAD_REQUEST');
    expectApiError(await http(srv.url, 'POST', '/c/oidc/cli-token', { body: { code: 5, code_verifier: null } }), 400, 'BAD_REQUEST');
    expectApiError(await http(srv.url, 'POST', '/c/oidc/cli-token', { body: JSON.parse('{"__proto__":{"code":"x"}}') }), 400, 'BAD_REQUEST');
  });
});

describe('outside oidc_auth', () => {
  test('the sign-in pages, the code exchange and CLI secrets answer 412 (Harbor\'s precondition)', async () => {
    const plain = await startTestServer();
    try {
      const page = await new HttpBrowser().request(`${plain.url}/c/oidc/login`);
      expect(page.status).toBe(412);
      expect(page.text).toContain('auth mode: db_auth is not OIDC based');
      expectApiError(await http(plain.url, 'POST', '/c/oidc/cli-token', { body: { code: 'x', code_verifier: 'y' } }), 412, 'PRECONDITION');
      expectApiError(await api(plain.url, 'PUT', '/users/1/cli_secret', { body: { secret: 'Admin-secret-1' } }), 412, 'PRECONDITION');
      expect((await api(plain.url, 'GET', '/users/current')).body.oidc_user_meta).toBeUndefined();
      // harborctl says so at once instead of sending a browser to an error page.
      const r = await cli(sandbox.env, ['login', '--oidc', plain.url]);
      expect(r).toMatchObject({ code: 1, stdout: '', stderr: `harborctl: ${plain.url} does not sign in through OIDC (auth_mode db_auth): log in with -u USER\n` });
    } finally {
      await plain.close();
    }
  });
});
