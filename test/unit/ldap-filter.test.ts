// What reaches an LDAP filter (services/ldap.ts): values escaped per RFC 4515 §3, configured
// filters normalized and parsed before they are stored.
import { describe, expect, test } from 'vitest';
import { checkFilter, escapeFilterValue, formatLdapUrl, normalizeFilter } from '../../src/services/ldap.js';

describe('LDAP filters', () => {
  test('an assertion value has \\ * ( ) and NUL escaped as \\XX, nothing else', () => {
    expect(escapeFilterValue('a*')).toBe('a\\2a');
    expect(escapeFilterValue('bob)(uid=*')).toBe('bob\\29\\28uid=\\2a');
    expect(escapeFilterValue('back\\slash\0')).toBe('back\\5cslash\\00');
    expect(escapeFilterValue('Zoë O\'Neil, dev')).toBe('Zoë O\'Neil, dev');
  });

  test('a configured filter gets its parentheses; a broken one is BAD_REQUEST', () => {
    expect(normalizeFilter(' objectClass=person ')).toBe('(objectClass=person)');
    expect(normalizeFilter('(&(a=1)(b=2))')).toBe('(&(a=1)(b=2))');
    expect(normalizeFilter('')).toBe('');
    expect(() => checkFilter('ldap_filter', '(&(objectClass=person)')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => checkFilter('ldap_filter', 'objectClass=person')).not.toThrow();
  });
});

describe('formatLdapUrl: Harbor\'s ldap_url forms', () => {
  test('a scheme when there is none, ldaps:// for port 636, the rest as given', () => {
    expect(formatLdapUrl('ldap.example:389')).toBe('ldap://ldap.example:389');
    expect(formatLdapUrl('ldap.example')).toBe('ldap://ldap.example');
    expect(formatLdapUrl('ldap.example:636')).toBe('ldaps://ldap.example:636');
    expect(formatLdapUrl('ldap://ldap.example:636/')).toBe('ldaps://ldap.example:636');
    expect(formatLdapUrl('LDAPS://ldap.example')).toBe('ldaps://ldap.example');
    expect(formatLdapUrl('[::1]:389')).toBe('ldap://[::1]:389');
  });
});
