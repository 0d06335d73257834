// harborctl's side of the OIDC native-app sign-in (services/oidc.ts on the server).
import type { HarborClient } from './http.js';

/** POST /c/oidc/cli-token: harborctl's one-time code and its verifier → the user name and CLI secret. */
export async function exchangeOidcCode(c: HarborClient, code: string, verifier: string): Promise<{ username: string; secret: string }> {
  return (await c.request<{ username: string; secret: string }>('POST', '/c/oidc/cli-token', { body: { code, code_verifier: verifier } })).data;
}
