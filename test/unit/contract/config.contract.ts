// The ConfigStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import { useStores, type StoresFactory } from './harness.js';

export function configStoreContract(name: string, factory: StoresFactory): void {
  describe(`ConfigStore contract: ${name}`, () => {
    const st = useStores(factory);

    test('items are empty at first, set together, and overwritten by name', async () => {
      expect(await st.config.getConfig()).toEqual({});
      await st.config.putConfig({ auth_mode: '"db_auth"', read_only: 'false' });
      await st.config.putConfig({ read_only: 'true' });
      expect({ ...(await st.config.getConfig()) }).toEqual({ auth_mode: '"db_auth"', read_only: 'true' });
    });

    test('an item named __proto__ is a plain item, not the prototype of the result', async () => {
      await st.config.putConfig(JSON.parse('{"__proto__":"1","constructor":"2"}') as Record<string, string>);
      const all = await st.config.getConfig();
      expect(Object.hasOwn(all, '__proto__')).toBe(true);
      expect(all.__proto__).toBe('1');
      expect(all.constructor).toBe('2');
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    });
  });
}
