// The ScannerStore contract: every backend runs it (test/unit/meta-store.sqlite.test.ts for SQLite).
import { describe, expect, test } from 'vitest';
import type { ScannerRegistrationInput } from '../../../src/storage/meta/index.js';
import { useStores, type StoresFactory } from './harness.js';

const reg = (uuid: string, over: Partial<ScannerRegistrationInput> = {}): ScannerRegistrationInput => ({
  uuid, name: `scanner-${uuid}`, description: '', url: `http://adapter-${uuid}:8080`, auth: '', accessCredentialEnc: null,
  skipCertVerify: false, useInternalAddr: false, disabled: false, ...over,
});

export function scannerStoreContract(name: string, factory: StoresFactory): void {
  describe(`ScannerStore contract: ${name}`, () => {
    const st = useStores(factory);

    test('registrations are created, read, updated and deleted; name and URL are unique', async () => {
      const a = await st.scanners.createRegistration(reg('a', { auth: 'Bearer', accessCredentialEnc: 'sealed' }));
      expect(a).toMatchObject({ uuid: 'a', name: 'scanner-a', auth: 'Bearer', accessCredentialEnc: 'sealed', isDefault: false, disabled: false });
      await expect(st.scanners.createRegistration(reg('b', { name: 'scanner-a' }))).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(st.scanners.createRegistration(reg('b', { url: a.url }))).rejects.toMatchObject({ code: 'CONFLICT' });
      await st.scanners.createRegistration(reg('b'));
      expect((await st.scanners.listRegistrations()).map((r) => r.uuid)).toEqual(['a', 'b']);
      expect(await st.scanners.updateRegistration(reg('a', { name: 'renamed', disabled: true }))).toMatchObject({ name: 'renamed', disabled: true, accessCredentialEnc: null });
      await expect(st.scanners.updateRegistration(reg('a', { name: 'scanner-b' }))).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await st.scanners.updateRegistration(reg('nope'))).toBeNull();
      expect(await st.scanners.deleteRegistration('a')).toBe(true);
      expect(await st.scanners.deleteRegistration('a')).toBe(false);
      expect(await st.scanners.getRegistration('a')).toBeNull();
    });

    test('at most one registration is the default', async () => {
      await st.scanners.createRegistration(reg('a'));
      await st.scanners.createRegistration(reg('b'));
      expect(await st.scanners.setDefaultRegistration('a')).toBe(true);
      expect(await st.scanners.setDefaultRegistration('b')).toBe(true);
      expect((await st.scanners.listRegistrations()).map((r) => [r.uuid, r.isDefault])).toEqual([['a', false], ['b', true]]);
      expect(await st.scanners.setDefaultRegistration('nope')).toBe(false);
      expect((await st.scanners.getRegistration('b'))!.isDefault).toBe(true);
      expect(await st.scanners.setDefaultRegistration(null)).toBe(true);
      expect((await st.scanners.listRegistrations()).some((r) => r.isDefault)).toBe(false);
    });

    test('a project binding is replaced, and goes with its registration and its project', async () => {
      await st.scanners.createRegistration(reg('a'));
      await st.scanners.createRegistration(reg('b'));
      expect(await st.scanners.getProjectScanner(st.project.id)).toBeNull();
      await st.scanners.setProjectScanner(st.project.id, 'a');
      await st.scanners.setProjectScanner(st.project.id, 'b');
      expect(await st.scanners.getProjectScanner(st.project.id)).toBe('b');
      await st.scanners.deleteRegistration('b');
      expect(await st.scanners.getProjectScanner(st.project.id)).toBeNull();
      await st.scanners.setProjectScanner(st.project.id, 'a');
      await st.projects.deleteProject(st.project.id);
      expect(await st.scanners.getProjectScanner(st.project.id)).toBeNull();
    });
  });
}
