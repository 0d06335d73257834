// A minimal zip reader for jars: finds the end-of-central-directory record, walks the central
// directory, and inflates stored (0) or deflated (8) entries with node:zlib inflateRaw.
// (APPNOTE.TXT §4.3.) Zip64 archives are not read.
// It reads through RandomAccess, not a Buffer: a jar the walker spilled to a temp file is read at
// the offsets the directory names, and a stored jar inside a jar (Spring Boot's BOOT-INF/lib) is a
// window on its parent. Only deflated members are inflated into memory, each up to a cap.
import { readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/** Bytes readable at any offset: a Buffer, an open file, or a window on either. */
export interface RandomAccess {
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer only past the end). */
  read(offset: number, length: number): Buffer;
}

export function bufferAccess(b: Buffer): RandomAccess {
  return { size: b.length, read: (offset, length) => b.subarray(offset, offset + length) };
}

export function fileAccess(fd: number, size: number): RandomAccess {
  return {
    size,
    read(offset, length) {
      const len = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.alloc(len);
      let got = 0;
      while (got < len) {
        const n = readSync(fd, buf, got, len - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    },
  };
}

function windowOf(ra: RandomAccess, start: number, size: number): RandomAccess {
  return { size, read: (offset, length) => ra.read(start + offset, Math.max(0, Math.min(length, size - offset))) };
}

export interface ZipEntry { name: string; method: number; compressedSize: number; size: number; localOffset: number }

const EOCD = 0x06054b50;
const CDH = 0x02014b50;
const LFH = 0x04034b50;
/** A jar of 100,000 classes has a central directory of about 10 MiB. */
const MAX_CENTRAL_DIRECTORY = 32 * 1024 * 1024;

export function zipEntries(zip: RandomAccess): ZipEntry[] {
  // The EOCD is 22 bytes plus a comment of up to 65535 bytes at the end.
  const tailStart = Math.max(0, zip.size - 22 - 0xffff);
  const tail = zip.read(tailStart, zip.size - tailStart);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) { eocd = i; break; }
  }
  if (eocd === -1) throw new Error('not a zip file');
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  // Bytes before the zip proper (an executable jar's launch script) shift every offset.
  const shift = tailStart + eocd - (cdOffset + cdSize);
  if (shift < 0) throw new Error('bad central directory offset');
  if (cdSize > MAX_CENTRAL_DIRECTORY) throw new Error(`central directory of ${cdSize} bytes is too large`);
  const cd = zip.read(cdOffset + shift, cdSize);
  const out: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CDH) throw new Error('bad central directory');
    const method = cd.readUInt16LE(p + 10);
    const compressedSize = cd.readUInt32LE(p + 20);
    const size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const localOffset = cd.readUInt32LE(p + 42) + shift;
    const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    out.push({ name, method, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/**
 * A member's bytes: a window on the archive when stored, inflated into memory (at most `maxInflated`
 * bytes) when deflated; null when it is larger or of another method.
 */
export function zipMember(zip: RandomAccess, e: ZipEntry, maxInflated: number): RandomAccess | null {
  const l = e.localOffset;
  const h = zip.read(l, 30);
  if (h.length < 30 || h.readUInt32LE(0) !== LFH) throw new Error(`bad local header for ${e.name}`);
  const start = l + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
  if (start + e.compressedSize > zip.size) throw new Error(`${e.name} runs past the end of the archive`);
  if (e.method === 0) return windowOf(zip, start, e.compressedSize);
  // Deflate never shrinks data below ~1/1032: a larger declared output is a lie or a bomb.
  if (e.method !== 8 || e.size > maxInflated || e.compressedSize > maxInflated) return null;
  return bufferAccess(inflateRawSync(zip.read(start, e.compressedSize), { maxOutputLength: maxInflated }));
}

/** A member's content as a Buffer, if it is at most `maxBytes`. */
export function zipRead(zip: RandomAccess, e: ZipEntry, maxBytes: number): Buffer | null {
  const m = zipMember(zip, e, maxBytes);
  return m && m.size <= maxBytes ? m.read(0, m.size) : null;
}
