// A streaming tar writer for the bench's fixtures: ustar headers and entries whose bodies come from
// generators, so an image of hundreds of MiB is never held in memory.

function tarHeader(name: string, size: number, mode = 0o644): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** Yields a tar of (name, size, producer) entries chunk by chunk. */
export async function* tarStream(entries: Iterable<{ name: string; size: number; body: () => Iterable<Buffer>; mode?: number }>): AsyncGenerator<Buffer> {
  for (const e of entries) {
    yield tarHeader(e.name, e.size, e.mode);
    for (const c of e.body()) yield c;
    const pad = (512 - (e.size % 512)) % 512;
    if (pad) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(1024);
}
