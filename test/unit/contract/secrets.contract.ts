// The SecretStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { useStores, type StoresFactory } from './harness.js';

export function secretStoreContract(name: string, factory: StoresFactory): void {
  describe(`SecretStore contract: ${name}`, () => {
    const st = useStores(factory);

    test('the first value stored wins; later ones get it back', async () => {
      expect(await st.secrets.getSecret('token-key')).toBeNull();
      expect(await st.secrets.getOrCreateSecret('token-key', 'first')).toBe('first');
      expect(await st.secrets.getOrCreateSecret('token-key', 'second')).toBe('first');
      expect(await st.secrets.getSecret('token-key')).toBe('first');
    });

    test('callers racing with different values all get the same one', async () => {
      const got = await Promise.all(Array.from({ length: 10 }, (_, i) => st.secrets.getOrCreateSecret('k', `v${i}`)));
      expect(new Set(got).size).toBe(1);
      expect(await st.secrets.getSecret('k')).toBe(got[0]);
    });

    test('names are independent, and hostile names are plain names', async () => {
      expect(await st.secrets.getOrCreateSecret('__proto__', 'p')).toBe('p');
      expect(await st.secrets.getOrCreateSecret('constructor', 'c')).toBe('c');
      expect(await st.secrets.getSecret('__proto__')).toBe('p');
      expect(await st.secrets.getSecret('other')).toBeNull();
    });
  });
}
