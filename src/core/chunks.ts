// Long synchronous work split into short turns of the event loop. better-sqlite3 is synchronous: a
// transaction of 500 audit rows blocked every request for 1-2 ms (up to 12 ms) on the main thread,
// which was most of the manifest GET's p99 with the audit log on (issue 19); a turn per chunk lets
// the requests that arrived meanwhile run between the chunks.
//
// The chunks of every writer wait in ONE queue, and one chunk runs per event loop iteration: two
// writers each waiting for setImmediate would run back to back in the same check phase (the pull
// log's chunk and the extended log's, measured), with no I/O polled between them.
const waiting: (() => void)[] = [];
let scheduled = false;

function runOne(): void {
  waiting.shift()!();
  // An immediate set while immediates run waits for the next iteration, after the poll phase.
  if (waiting.length) setImmediate(runOne);
  else scheduled = false;
}

/** Resolves in a later event loop iteration than the current one, at most one waiter per iteration, in order. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(runOne);
    }
  });
}

/**
 * Calls `write(start, end)` for [0, count) in chunks of at most `size`, one after another, each in
 * an event loop iteration of its own (nextTurn before each, the first included: a caller's own
 * turn, a request's or another writer's chunk, is never lengthened); resolves once the last has
 * finished. `write` handles its own failures; one that throws stops the rest.
 */
export async function inChunks(count: number, size: number, write: (start: number, end: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < count; start += size) {
    await nextTurn();
    await write(start, Math.min(start + size, count));
  }
}
