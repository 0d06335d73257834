// Builders for SBOM test fixtures (not a test file): tar archives (ustar, with pax headers for long
// names), zip/jar files, RPM header blobs, Go build info, and OCI image layouts / docker save tars.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { RpmTag, RpmType } from '../../src/sbom/catalogers/rpm.js';

export interface TarFile {
  path: string;
  body?: string | Buffer;
  type?: 'file' | 'dir' | 'symlink';
  linkname?: string;
  mode?: number;
  /** pax 'x' headers written before the entry, each a list of records. */
  pax?: [string, string][][];
}

function header(name: string, size: number, flag: string, mode: number, linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write('00000000000\0', 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(flag, 156, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

function pad(b: Buffer): Buffer {
  const rem = b.length % 512;
  return rem ? Buffer.concat([b, Buffer.alloc(512 - rem)]) : b;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
  return `${len}${body}`;
}

/** An uncompressed tar; names over 100 bytes get a pax header. */
export function makeTar(files: TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const type = f.type ?? 'file';
    const body = type === 'file' ? Buffer.from(f.body ?? '') : Buffer.alloc(0);
    let name = type === 'dir' && !f.path.endsWith('/') ? `${f.path}/` : f.path;
    for (const records of f.pax ?? []) {
      const pax = Buffer.from(records.map(([k, v]) => paxRecord(k, v)).join(''));
      parts.push(header('PaxHeader', pax.length, 'x', 0o644), pad(pax));
    }
    if (Buffer.byteLength(name) > 100) {
      const pax = Buffer.from(paxRecord('path', name));
      parts.push(header('PaxHeader', pax.length, 'x', 0o644), pad(pax));
      name = name.slice(0, 99);
    }
    const flag = type === 'dir' ? '5' : type === 'symlink' ? '2' : '0';
    parts.push(header(name, body.length, flag, f.mode ?? (type === 'dir' ? 0o755 : 0o644), f.linkname ?? ''));
    if (body.length) parts.push(pad(body));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function sha256(b: Buffer | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

// --- zip (stored or deflated; enough for jars) ---

export function makeZip(files: { name: string; body: Buffer | string; store?: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const data = Buffer.from(f.body);
    const method = f.store ? 0 : 8;
    const comp = f.store ? data : deflateRawSync(data);
    const name = Buffer.from(f.name);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt16LE(method, 8);
    lh.writeUInt32LE(0, 14); lh.writeUInt32LE(comp.length, 18); lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(20, 4); ch.writeUInt16LE(20, 6); ch.writeUInt16LE(method, 10);
    ch.writeUInt32LE(comp.length, 20); ch.writeUInt32LE(data.length, 24); ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, comp);
    central.push(ch, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0); eocd.writeUInt16LE(files.length, 8); eocd.writeUInt16LE(files.length, 10);
  eocd.writeUInt32LE(cd.length, 12); eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

// --- RPM header blobs (the rpmdb.sqlite Packages.blob layout) ---

export function rpmHeaderBlob(tags: { tag: number; type: number; value: string | number }[]): Buffer {
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let off = 0;
  for (const t of tags) {
    let d: Buffer;
    if (t.type === 4) {
      // int32 entries are 4-byte aligned in the data store.
      const padLen = (4 - (off % 4)) % 4;
      if (padLen) { data.push(Buffer.alloc(padLen)); off += padLen; }
      d = Buffer.alloc(4); d.writeInt32BE(Number(t.value));
    } else {
      d = Buffer.from(`${t.value}\0`);
    }
    const e = Buffer.alloc(16);
    e.writeUInt32BE(t.tag, 0); e.writeUInt32BE(t.type, 4); e.writeUInt32BE(off, 8); e.writeUInt32BE(1, 12);
    index.push(e);
    data.push(d);
    off += d.length;
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(tags.length, 0);
  head.writeUInt32BE(off, 4);
  return Buffer.concat([head, ...index, ...data]);
}

export interface RpmPackage { name: string; version: string; release: string; arch?: string; license: string; epoch?: number }

/** An rpmdb.sqlite's bytes: a Packages table of RPM headers, as rpm 4.16+ keeps it. */
export function rpmdbSqlite(pkgs: RpmPackage[]): Buffer {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  const ins = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  for (const p of pkgs) {
    ins.run(rpmHeaderBlob([
      // An unrelated tag first, as real headers start with region/signature tags.
      { tag: 1004, type: RpmType.i18nString, value: 'summary text' },
      { tag: RpmTag.name, type: RpmType.string, value: p.name },
      ...(p.epoch ? [{ tag: RpmTag.epoch, type: RpmType.int32, value: p.epoch }] : []),
      { tag: RpmTag.version, type: RpmType.string, value: p.version },
      { tag: RpmTag.release, type: RpmType.string, value: p.release },
      { tag: RpmTag.license, type: RpmType.string, value: p.license },
      ...(p.arch ? [{ tag: RpmTag.arch, type: RpmType.string, value: p.arch }] : []),
    ]));
  }
  const buf = db.serialize();
  db.close();
  return buf;
}

// --- Go build info (Go 1.18+ inline format) in an ELF-looking file ---

function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return Buffer.from(out);
}

const SENTINEL_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const SENTINEL_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

/**
 * A synthetic ELF-like file (no Go toolchain on this machine) carrying a .go.buildinfo blob as the
 * Go 1.18+ linker writes it: magic, pointer size, flags=2 (inline), padding to 32, then the
 * uvarint-prefixed Go version and module info (framed by its 16-byte sentinels).
 */
export function fakeGoBinary(goVersion: string, modInfo: string, padding = 5000): Buffer {
  const elf = Buffer.alloc(padding, 0x90);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(elf, 0);
  const hdr = Buffer.alloc(32);
  Buffer.from('\xff Go buildinf:', 'latin1').copy(hdr, 0);
  hdr[14] = 8;
  hdr[15] = 2;
  const mod = Buffer.concat([SENTINEL_START, Buffer.from(modInfo), SENTINEL_END]);
  const v = Buffer.from(goVersion);
  return Buffer.concat([elf, hdr, uvarint(v.length), v, uvarint(mod.length), mod, Buffer.alloc(3000, 0x41)]);
}

// --- OCI image layout and docker save ---

export interface LayerSpec { tar: Buffer; compress?: 'gzip' | 'none' | Buffer }

export interface BuiltLayout { manifestDigest: string; layerDigests: string[]; files: Map<string, Buffer> }

/** The files of an OCI image layout holding one image manifest named `ref`. */
export function ociLayoutFiles(layers: LayerSpec[], ref = 'test:1'): BuiltLayout {
  const files = new Map<string, Buffer>();
  const blob = (b: Buffer): string => {
    const d = sha256(b);
    files.set(`blobs/sha256/${d.slice(7)}`, b);
    return d;
  };
  const layerDescs = layers.map((l) => {
    const data = Buffer.isBuffer(l.compress) ? l.compress : l.compress === 'none' ? l.tar : gzipSync(l.tar);
    const mediaType = Buffer.isBuffer(l.compress) ? 'application/vnd.oci.image.layer.v1.tar+zstd'
      : l.compress === 'none' ? 'application/vnd.oci.image.layer.v1.tar' : 'application/vnd.oci.image.layer.v1.tar+gzip';
    return { mediaType, digest: blob(data), size: data.length };
  });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l.tar)) } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: blob(config), size: config.length },
    layers: layerDescs,
  }));
  const manifestDigest = blob(manifest);
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  files.set('index.json', Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': ref } }],
  })));
  return { manifestDigest, layerDigests: layerDescs.map((d) => d.digest), files };
}

export function writeDir(dir: string, files: Map<string, Buffer>): string {
  for (const [p, b] of files) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), b);
  }
  return dir;
}

export function filesToTar(files: Map<string, Buffer>): Buffer {
  return makeTar([...files].map(([path, body]) => ({ path, body })));
}

/** A `docker save` archive in the classic layout: <id>/layer.tar, <id>.json config, manifest.json. */
export function dockerSaveTar(layers: Buffer[], tag = 'example/app:1.0'): Buffer {
  const files = new Map<string, Buffer>();
  const diffIds = layers.map((l) => sha256(l));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }));
  const configName = `${sha256(config).slice(7)}.json`;
  files.set(configName, config);
  const layerPaths = layers.map((l, i) => {
    const p = `${createHash('sha256').update(`layer${i}`).digest('hex')}/layer.tar`;
    files.set(p, l);
    return p;
  });
  files.set('manifest.json', Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: layerPaths }])));
  return filesToTar(files);
}
