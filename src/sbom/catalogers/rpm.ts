// RPM with the SQLite rpmdb (Fedora 36+, RHEL 9+, UBI 9): var/lib/rpm/rpmdb.sqlite, table
// Packages(hnum, blob). Each blob is an RPM header without its 8-byte magic/reserved lead
// (rpm lib/header.c `headerImport`): il and dl as big-endian uint32, il index entries of 16 bytes
// (tag, type, offset, count), then dl bytes of data. Opened in memory from the buffered file, or from the walker's temp copy when large.
import { openSqlite } from '../../core/sqlite.js';
import type { FoundPackage } from '../types.js';
import type { FileCataloger } from './types.js';

export const RpmTag = { name: 1000, version: 1001, release: 1002, epoch: 1003, license: 1014, arch: 1022 } as const;
export const RpmType = { int32: 4, string: 6, stringArray: 8, i18nString: 9 } as const;

export interface RpmHeader { name?: string; version?: string; release?: string; epoch?: number; license?: string; arch?: string }

function str(data: Buffer, off: number): string {
  const end = data.indexOf(0, off);
  return data.subarray(off, end === -1 ? data.length : end).toString('utf8');
}

export function parseRpmHeader(blob: Buffer): RpmHeader {
  if (blob.length < 8) throw new Error('rpm header too short');
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  const dataStart = 8 + il * 16;
  if (il > 0x10000 || dataStart + dl > blob.length) throw new Error('rpm header sizes out of range');
  const data = blob.subarray(dataStart, dataStart + dl);
  const h: RpmHeader = {};
  const names: Record<number, keyof RpmHeader> = {
    [RpmTag.name]: 'name', [RpmTag.version]: 'version', [RpmTag.release]: 'release',
    [RpmTag.license]: 'license', [RpmTag.arch]: 'arch',
  };
  for (let i = 0; i < il; i++) {
    const e = 8 + i * 16;
    const tag = blob.readUInt32BE(e);
    const type = blob.readUInt32BE(e + 4);
    const off = blob.readUInt32BE(e + 8);
    if (off >= data.length) continue;
    if (tag === RpmTag.epoch && type === RpmType.int32 && off + 4 <= data.length) {
      h.epoch = data.readInt32BE(off);
      continue;
    }
    const key = names[tag];
    if (key && (type === RpmType.string || type === RpmType.i18nString || type === RpmType.stringArray)) {
      (h as Record<string, unknown>)[key] = str(data, off);
    }
  }
  return h;
}

/** `file`: the database in memory, or the path of a copy on disk (read a row at a time). */
export function parseRpmdbSqlite(file: Buffer | string): FoundPackage[] {
  const db = openSqlite(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT blob FROM Packages ORDER BY hnum').iterate() as IterableIterator<{ blob: Buffer }>;
    const out: FoundPackage[] = [];
    for (const { blob } of rows) {
      let h: RpmHeader;
      try { h = parseRpmHeader(blob); } catch { continue; }
      // gpg-pubkey "packages" are imported signing keys, not software.
      if (!h.name || !h.version || h.name === 'gpg-pubkey') continue;
      const version = `${h.epoch ? `${h.epoch}:` : ''}${h.version}${h.release ? `-${h.release}` : ''}`;
      out.push({
        type: 'rpm', name: h.name, version, licenses: h.license ? [h.license] : [],
        ...(h.arch ? { arch: h.arch } : {}), ...(h.epoch ? { epoch: String(h.epoch) } : {}),
      });
    }
    return out;
  } finally {
    db.close();
  }
}

export const rpmCataloger: FileCataloger = {
  name: 'rpm',
  maxBytes: 256 * 1024 * 1024,
  matches: (path) => /(^|\/)(var\/lib|usr\/lib\/sysimage)\/rpm\/rpmdb\.sqlite$/.test(path),
  parse: (_path, body) => parseRpmdbSqlite(body),
  parseFile: (_path, file) => parseRpmdbSqlite(file),
};
