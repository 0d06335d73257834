// Go binaries: the module build info the linker embeds (Go 1.18+ "inline" format, runtime/debug
// BuildInfo, cmd/go/internal/version). The .go.buildinfo section starts with the 14-byte magic
// "\xff Go buildinf:", then pointer size, flags (bit 1: strings inline), padding to 32 bytes, then
// two uvarint-length-prefixed strings: the Go version and the module info. The module info is framed
// by 16-byte sentinels and holds tab-separated lines: path, mod, dep, "=>" (replaces the line
// before), build. The file is scanned as it streams by; only a window after the magic is kept.
import type { FoundPackage } from '../types.js';
import type { StreamCataloger, StreamScanner } from './types.js';

export const GO_BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER = 32;
const WINDOW = 256 * 1024;
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

function uvarint(b: Buffer, off: number): [number, number] | null {
  let v = 0;
  let shift = 0;
  for (let i = off; i < b.length && i < off + 10; i++) {
    const c = b[i]!;
    v += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) return [v, i + 1];
    shift += 7;
  }
  return null;
}

export interface GoBuildInfo { goVersion: string; modInfo: string }

/** Decodes the inline build info starting at the magic; null for the pre-1.18 pointer format or truncated data. */
export function decodeBuildInfo(b: Buffer): GoBuildInfo | null {
  if (b.length < HEADER || !b.subarray(0, GO_BUILDINFO_MAGIC.length).equals(GO_BUILDINFO_MAGIC)) return null;
  const flags = b[15]!;
  if ((flags & 0x2) === 0) return null;
  const a = uvarint(b, HEADER);
  if (!a || a[1] + a[0] > b.length) return null;
  const goVersion = b.subarray(a[1], a[1] + a[0]).toString('utf8');
  const m = uvarint(b, a[1] + a[0]);
  if (!m || m[1] + m[0] > b.length) return null;
  let mod = b.subarray(m[1], m[1] + m[0]);
  // Strip the 16-byte sentinels around the module info.
  if (mod.length >= 33 && mod[mod.length - 17] === 0x0a) mod = mod.subarray(16, mod.length - 16);
  return { goVersion, modInfo: mod.toString('utf8') };
}

/** Modules a binary was built from: the main module (unless "(devel)") and its dependencies, replacements applied. */
export function parseModInfo(modInfo: string): FoundPackage[] {
  const out: FoundPackage[] = [];
  for (const line of modInfo.split('\n')) {
    const f = line.split('\t');
    if ((f[0] === 'mod' || f[0] === 'dep') && f[1]) {
      if (f[0] === 'mod' && (!f[2] || f[2] === '(devel)')) continue;
      out.push({ type: 'golang', name: f[1], version: f[2] ?? '', licenses: [] });
    } else if (f[0] === '=>' && f[1] && out.length) {
      // A replacement: the module actually compiled in. A local path has no version.
      const last = out[out.length - 1]!;
      if (f[2]) out[out.length - 1] = { ...last, name: f[1], version: f[2] };
    }
  }
  return out.filter((p) => p.version);
}

class BuildInfoScanner implements StreamScanner {
  private seen = 0;
  private carry = Buffer.alloc(0);
  private capture: Buffer[] | null = null;
  private captured = 0;
  private head = Buffer.alloc(0);

  push(chunk: Buffer): boolean {
    if (this.head.length < 4) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, 4 - this.head.length)]);
      if (!ELF.subarray(0, this.head.length).equals(this.head)) return false;
    }
    this.seen += chunk.length;
    if (this.capture) return this.keep(chunk);
    const hay = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const at = hay.indexOf(GO_BUILDINFO_MAGIC);
    if (at === -1) {
      this.carry = Buffer.from(hay.subarray(Math.max(0, hay.length - GO_BUILDINFO_MAGIC.length + 1)));
      return true;
    }
    this.capture = [];
    return this.keep(hay.subarray(at));
  }

  private keep(chunk: Buffer): boolean {
    const take = chunk.subarray(0, WINDOW - this.captured);
    this.capture!.push(Buffer.from(take));
    this.captured += take.length;
    return this.captured < WINDOW;
  }

  finish(): FoundPackage[] {
    if (!this.capture) return [];
    const info = decodeBuildInfo(Buffer.concat(this.capture));
    return info ? parseModInfo(info.modInfo) : [];
  }
}

export const goCataloger: StreamCataloger = {
  name: 'go',
  // Any regular file could be an ELF binary; the scanner gives up after the first 4 bytes otherwise.
  matches: (_path, size) => size >= 64,
  start: () => new BuildInfoScanner(),
};
