// What is read from an OpenID Provider's claims (services/oidc-claims.ts): own properties only,
// string groups only, bounded; the userinfo endpoint may not name another subject.
import { describe, expect, test } from 'vitest';
import { filterGroups, MAX_GROUPS, mergeUserInfo, parseExtraRedirectParams, userInfoFromClaims } from '../../src/services/oidc-claims.js';

const settings = { userClaim: 'preferred_username', groupsClaim: 'groups', adminGroup: 'admins' };

describe('userInfoFromClaims', () => {
  test('reads subject, issuer, the user claim, email, groups and the admin group', () => {
    const i = userInfoFromClaims({ sub: 's', iss: 'https://op', preferred_username: 'ann', name: 'Ann A', email: 'a@x', groups: ['admins', 'devs'] }, settings);
    expect(i).toEqual({ subject: 's', issuer: 'https://op', username: 'ann', usernameFromClaim: true, email: 'a@x', groups: ['admins', 'devs'], hasGroupClaim: true, adminGroupMember: true });
  });

  test('claims named __proto__ and constructor are plain claims, never the prototype', () => {
    const claims = JSON.parse('{"sub":"s","iss":"i","__proto__":{"polluted":true},"groups":"__proto__"}') as Record<string, unknown>;
    const i = userInfoFromClaims(claims, { userClaim: '__proto__', groupsClaim: 'constructor', adminGroup: '' });
    expect(i.username).toBe('');
    expect(i.usernameFromClaim).toBe(false);
    expect(i.hasGroupClaim).toBe(false);
    const viaString = userInfoFromClaims(claims, { userClaim: 'toString', groupsClaim: 'groups', adminGroup: '__proto__' });
    expect(viaString.username).toBe('');
    expect(viaString.groups).toEqual(['__proto__']);
    expect(viaString.adminGroupMember).toBe(true);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  test('groups: non-strings, empty and over-long names skipped; a single string is one group; too many refused', () => {
    expect(userInfoFromClaims({ groups: ['a', 1, null, { b: 1 }, ['c'], '', 'x'.repeat(256), 'd'] }, settings).groups).toEqual(['a', 'd']);
    expect(userInfoFromClaims({ groups: 'solo' }, settings).groups).toEqual(['solo']);
    expect(userInfoFromClaims({ groups: { a: 1 } }, settings)).toMatchObject({ groups: [], hasGroupClaim: false });
    expect(() => userInfoFromClaims({ groups: Array.from({ length: MAX_GROUPS + 1 }, () => 'g') }, settings)).toThrow(/at most 1000/);
  });

  test('without a user claim the name claim is the suggested user name', () => {
    expect(userInfoFromClaims({ name: 'Bob B' }, { ...settings, userClaim: '' })).toMatchObject({ username: 'Bob B', usernameFromClaim: false });
  });
});

describe('mergeUserInfo', () => {
  const local = userInfoFromClaims({ sub: 's', iss: 'i', name: 'local', groups: ['l'] }, { ...settings, userClaim: '' });
  test('the userinfo endpoint completes the ID token; its groups win when it has the claim', () => {
    const remote = userInfoFromClaims({ sub: 's', email: 'r@x', groups: ['r'] }, settings);
    expect(mergeUserInfo(local, remote)).toMatchObject({ subject: 's', issuer: 'i', username: 'local', email: 'r@x', groups: ['r'] });
    expect(mergeUserInfo(local, userInfoFromClaims({ sub: 's' }, settings)).groups).toEqual(['l']);
  });
  test('another subject from the userinfo endpoint is refused', () => {
    expect(() => mergeUserInfo(local, userInfoFromClaims({ sub: 'other' }, settings))).toThrow(/another subject/);
  });
});

test('filterGroups applies the regular expression; empty keeps all', () => {
  expect(filterGroups(['team-a', 'x'], '^team-')).toEqual(['team-a']);
  expect(filterGroups(['team-a', 'x'], '')).toEqual(['team-a', 'x']);
});

test('parseExtraRedirectParams: an object of strings; __proto__ is a plain key; reserved names refused', () => {
  const p = parseExtraRedirectParams('{"prompt":"login","__proto__":"x"}');
  expect(Object.keys(p).sort()).toEqual(['__proto__', 'prompt']);
  expect(() => parseExtraRedirectParams('{"nonce":"n"}')).toThrow(/may not set nonce/);
  expect(() => parseExtraRedirectParams('{"a":{"b":1}}')).toThrow(/JSON object of strings/);
});
