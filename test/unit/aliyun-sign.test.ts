// Alibaba Cloud request signing (the ali-acr adapter) and the defensive reading of vendor replies
// the cloud adapters share. The RPC vector is the worked example of Alibaba's "Request syntax and
// signature method V2 for RPC APIs" (ECS DescribeRegions, AccessKeySecret "testsecret"). No
// published vector was found for the ROA scheme; its canonical string is pinned here by hand and the
// stand-in (test/helpers/standins/ali-acr.ts) verifies it with an implementation of its own.
import { describe, expect, test } from 'vitest';
import {
  percentEncode, roaResource, roaSignature, roaStringToSign, rpcSignature, rpcStringToSign,
} from '../../src/services/replication/adapters/aliyun-sign.js';
import { count, name, parseVendorJson, repositoryName, tag } from '../../src/services/replication/adapters/vendor.js';
import { UpstreamError } from '../../src/services/upstream.js';

const DOC_PARAMS = {
  Timestamp: '2016-02-23T12:46:24Z', Format: 'XML', AccessKeyId: 'testid', Action: 'DescribeRegions', SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf', Version: '2014-05-26', SignatureVersion: '1.0',
};

describe('Alibaba RPC signature (HMAC-SHA1, V2)', () => {
  test("reproduces Alibaba's documented example: string to sign and signature", () => {
    expect(rpcStringToSign('GET', DOC_PARAMS)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1'
      + '%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0'
      + '%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
    expect(rpcSignature('testsecret', 'GET', DOC_PARAMS)).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  test('percent-encodes what encodeURIComponent leaves alone, and UTF-8 by bytes', () => {
    expect(percentEncode("a!b'c(d)e*f")).toBe('a%21b%27c%28d%29e%2Af');
    expect(percentEncode('-_.~ /+')).toBe('-_.~%20%2F%2B');
    expect(percentEncode('ü')).toBe('%C3%BC');
  });

  test('the signature depends on the secret and on every parameter', () => {
    const base = rpcSignature('s', 'GET', { A: '1', B: '2' });
    expect(rpcSignature('t', 'GET', { A: '1', B: '2' })).not.toBe(base);
    expect(rpcSignature('s', 'GET', { A: '1', B: '3' })).not.toBe(base);
    expect(rpcSignature('s', 'GET', { B: '2', A: '1' })).toBe(base);
  });
});

describe('Alibaba ROA signature (HMAC-SHA1)', () => {
  test('canonical string: method, the four headers, sorted x-acs-* headers, then the sorted resource', () => {
    const headers = {
      accept: 'application/json', 'content-md5': '1B2M2Y8AsgTpgAmY7PHJ4g==', 'content-type': 'application/octet-stream',
      date: 'Sun, 06 Dec 2026 07:00:00 GMT', 'x-acs-version': '2016-06-07', 'x-acs-signature-method': 'HMAC-SHA1', host: 'ignored',
    };
    const resource = roaResource('/repos/team', { PageSize: '100', Page: '2' });
    expect(resource).toBe('/repos/team?Page=2&PageSize=100');
    const s = roaStringToSign('GET', headers, resource);
    expect(s).toBe('GET\napplication/json\n1B2M2Y8AsgTpgAmY7PHJ4g==\napplication/octet-stream\nSun, 06 Dec 2026 07:00:00 GMT\n'
      + 'x-acs-signature-method:HMAC-SHA1\nx-acs-version:2016-06-07\n/repos/team?Page=2&PageSize=100');
    // HMAC-SHA1 under the bare secret (no "&", unlike RPC), base64.
    expect(roaSignature('secret', 'x')).toBe('l3JGhKjYn4GSbBzIhVi9NEQtKfI='); // HMAC-SHA1("secret", "x")
    expect(roaSignature('secret', s)).not.toBe(roaSignature('secret2', s));
  });
});

describe('vendor replies are read defensively', () => {
  const protocol = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(UpstreamError);
      expect((e as UpstreamError).kind).toBe('protocol');
      return (e as UpstreamError).message;
    }
    throw new Error('no error');
  };

  test('prototype keys anywhere are refused', () => {
    expect(protocol(() => parseVendorJson('{"a":{"__proto__":{"x":1}}}', 'X'))).toBe('X: the reply carries the key "__proto__"');
    expect(protocol(() => parseVendorJson('[{"constructor":1}]', 'X'))).toMatch(/constructor/);
  });

  test('deep nesting and non-JSON are refused', () => {
    expect(protocol(() => parseVendorJson('['.repeat(100) + ']'.repeat(100), 'X'))).toBe('X: the reply nests too deep');
    expect(protocol(() => parseVendorJson('<html>', 'X'))).toBe('X: the reply is not JSON');
  });

  test('fields of the wrong type or shape are refused with the field named', () => {
    expect(protocol(() => count('12a', 'X', 'TotalCount'))).toBe("X: the reply's TotalCount is not a non-negative integer");
    expect(count('12', 'X', 'TotalCount')).toBe(12);
    expect(protocol(() => name('../etc', 'X', 'repoName'))).toMatch(/repoName is not a repository name component/);
    expect(protocol(() => repositoryName('a//b', 'X', 'repository'))).toMatch(/repository/);
    expect(repositoryName('a/b-c/d_e', 'X', 'repository')).toBe('a/b-c/d_e');
    expect(protocol(() => tag('-bad', 'X', 'tag'))).toMatch(/tag is not a tag/);
  });
});
