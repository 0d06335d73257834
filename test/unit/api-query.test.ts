// The client's q= against the server's reading of it: Harbor (and our server) unescape q once more
// after the HTTP layer, so the client escapes it twice and a '+', '%' or ',' in a value survives.
import { expect, test } from 'vitest';
import { apiUrl } from '../../src/client/http.js';
import { parseQuery } from '../../src/server/api/paging.js';

test.each(['a+b', '50%', 'x y', 'a%2Bb', 'ü'])('a filter value %j reaches the server as itself', (v) => {
  const url = apiUrl('http://127.0.0.1:5280', '/users', { q: `username=~${v}`, page: 1 });
  const q = parseQuery(url.searchParams.get('q'));
  expect(q.get('username')).toEqual(expect.objectContaining({ value: v }));
  expect(url.searchParams.get('page')).toBe('1');
});
