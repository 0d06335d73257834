// Alibaba Cloud OpenAPI request signing, the two HMAC-SHA1 schemes the Container Registry APIs take
// (as Alibaba's own SDK signs them, the one Harbor's ali-acr adapter uses):
// - RPC (ACR EE, cr 2018-12-01): the sorted, percent-encoded parameters form the canonical query;
//   StringToSign = METHOD&%2F&encode(canonical query); Signature = base64(HMAC-SHA1(secret + "&")).
//   Documented in "Request syntax and signature method V2 for RPC APIs", with a worked example
//   (test/unit/aliyun-sign.test.ts checks it).
// - ROA (ACR personal edition, cr 2016-06-07): StringToSign = METHOD\nAccept\nContent-MD5\n
//   Content-Type\nDate\n, the sorted `x-acs-*` headers as `name:value\n`, then the path and the
//   sorted query; Authorization: `acs AccessKeyId:base64(HMAC-SHA1(secret))`.
// Written here rather than taken from a library: Alibaba's Node SDKs pull in a large tree for two
// hash calls, and the schemes are short and documented.
import { createHash, createHmac } from 'node:crypto';

/** Alibaba's percent-encoding: only A-Z a-z 0-9 - _ . ~ stay literal (RFC 3986 unreserved). */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function rpcCanonicalQuery(params: Record<string, string>): string {
  return Object.keys(params).sort().map((k) => `${percentEncode(k)}=${percentEncode(params[k])}`).join('&');
}

export function rpcStringToSign(method: string, params: Record<string, string>): string {
  return `${method}&${percentEncode('/')}&${percentEncode(rpcCanonicalQuery(params))}`;
}

export function rpcSignature(secret: string, method: string, params: Record<string, string>): string {
  return createHmac('sha1', `${secret}&`).update(rpcStringToSign(method, params)).digest('base64');
}

/** `headers` with lower-case names; `resource` is the path and its sorted query, unencoded. */
export function roaStringToSign(method: string, headers: Record<string, string>, resource: string): string {
  const lines = [method, headers.accept ?? '', headers['content-md5'] ?? '', headers['content-type'] ?? '', headers.date ?? ''];
  const acs = Object.keys(headers).filter((k) => k.startsWith('x-acs-')).sort().map((k) => `${k}:${headers[k]}`);
  return [...lines, ...acs, resource].join('\n');
}

export function roaSignature(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign).digest('base64');
}

/** The ROA canonical resource: the path, then `?` and the query sorted by name (values as given). */
export function roaResource(path: string, query: Record<string, string>): string {
  const keys = Object.keys(query).sort();
  return keys.length ? `${path}?${keys.map((k) => `${k}=${query[k]}`).join('&')}` : path;
}

export function contentMd5(body: string): string {
  return createHash('md5').update(body).digest('base64');
}
