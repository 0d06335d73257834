// What reaches an LDAP filter (services/ldap.ts): values escaped per RFC 4515 §3, configured
// filters normalized and parsed before they are stored.
import { describe, expect, test } from 'vitest';
import { checkFilter, escapeFilterValue, normalizeFilter } from '../../src/services/ldap.js';

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
