import { describe, expect, test } from 'vitest';
import { ManifestCache } from '../../src/services/manifest-cache.js';
import type { StoredManifest } from '../../src/storage/meta/index.js';

const manifest = (body: string): StoredManifest => ({ digest: `sha256:${body}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: body.length, content: Buffer.from(body) });

/** A read that counts its calls and answers what `current` holds. */
function source(initial: StoredManifest | null): { read: () => Promise<StoredManifest | null>; calls: () => number; set(m: StoredManifest | null): void } {
  let current = initial;
  let n = 0;
  return { read: async () => { n++; return current; }, calls: () => n, set: (m) => { current = m; } };
}

describe('ManifestCache', () => {
  test('answers from the cache while the token is unchanged, and reads again once it changes', async () => {
    const cache = new ManifestCache();
    const src = source(manifest('one'));
    expect(await cache.get('p/app', 'v1', 't1', src.read)).toEqual(manifest('one'));
    expect(await cache.get('p/app', 'v1', 't1', src.read)).toEqual(manifest('one'));
    expect(src.calls()).toBe(1);
    src.set(manifest('two')); // the tag moved: the database's token is another one
    expect(await cache.get('p/app', 'v1', 't2', src.read)).toEqual(manifest('two'));
    expect(src.calls()).toBe(2);
    src.set(null); // deleted
    expect(await cache.get('p/app', 'v1', 't3', src.read)).toBeNull();
    expect(cache.size).toBe(0);
  });

  test('keeps nothing when the store cannot tell changes (token null)', async () => {
    const cache = new ManifestCache();
    const src = source(manifest('one'));
    await cache.get('p/app', 'v1', null, src.read);
    await cache.get('p/app', 'v1', null, src.read);
    expect(src.calls()).toBe(2);
    expect(cache.size).toBe(0);
  });

  test('keys are repository and reference, prototype names included', async () => {
    const cache = new ManifestCache();
    const a = source(manifest('a'));
    const b = source(manifest('b'));
    expect(await cache.get('p/__proto__', 'constructor', 't', a.read)).toEqual(manifest('a'));
    expect(await cache.get('p/__proto__', 'toString', 't', b.read)).toEqual(manifest('b'));
    expect(await cache.get('p/__proto__', 'constructor', 't', b.read)).toEqual(manifest('a'));
  });

  test('stays within its byte budget, dropping the oldest first, and does not keep a manifest over the entry limit', async () => {
    const cache = new ManifestCache(10);
    await cache.get('p/a', 'v', 't', source(manifest('aaaa')).read);
    await cache.get('p/b', 'v', 't', source(manifest('bbbb')).read);
    await cache.get('p/c', 'v', 't', source(manifest('cccc')).read); // 12 bytes > 10: p/a goes
    expect(cache.size).toBe(2);
    const again = source(manifest('aaaa'));
    await cache.get('p/a', 'v', 't', again.read);
    expect(again.calls()).toBe(1);
    const big = source(manifest('x'.repeat(11)));
    await cache.get('p/big', 'v', 't', big.read);
    await cache.get('p/big', 'v', 't', big.read);
    expect(big.calls()).toBe(2);
  });
});
