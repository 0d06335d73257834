// Long synchronous work split into short turns of the event loop. better-sqlite3 is synchronous: a
// transaction of 500 audit rows blocked every request for 1-2 ms (up to 12 ms) on the main thread,
// which was most of the manifest GET's p99 with the audit log on (issue 19); a turn per chunk lets
// the requests that arrived meanwhile run between the chunks.

/**
 * Calls `write(start, end)` for [0, count) in chunks of at most `size`, one after another, each in
 * an event loop turn of its own (it waits for setImmediate before each, the first included: a
 * caller's own turn, a request's or another writer's chunk, is never lengthened); resolves once
 * the last has finished. `write` handles its own failures; one that throws stops the rest.
 */
export async function inChunks(count: number, size: number, write: (start: number, end: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < count; start += size) {
    await new Promise((resolve) => setImmediate(resolve));
    await write(start, Math.min(start + size, count));
  }
}
