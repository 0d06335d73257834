// A body's chunks die as soon as a blob store has hashed and written them, but V8 frees a Buffer's
// memory only when a garbage collection finds the Buffer dead, and a chunk is a large buffer behind a
// small object: a 256 MiB push allocates so little on the JS heap that up to ~35 MB of dead chunks
// waited for the next scavenge, and glibc kept the heap they had grown for the life of the process
// (38 MB after four 256 MiB pushes, 18 MB with this; docs/benchmarks.md, thirteenth session). So the
// blob stores count the bytes they take here, and past every SCAVENGE_EVERY bytes a minor collection
// (a scavenge: it walks only what is alive in the young generation) lets them go. It needs node's
// --expose-gc, which bin/harborctl passes; without it this does nothing.

/** Body bytes between two scavenges. */
export const SCAVENGE_EVERY = 4 << 20;

export type MinorGc = () => void;

export class Scavenger {
  private since = 0;

  constructor(private readonly gc: MinorGc | null, private readonly every = SCAVENGE_EVERY) {}

  /** `n` more bytes of a body were taken (hashed and handed to the write): past `every`, a scavenge. */
  taken(n: number): void {
    if (this.gc === null) return;
    this.since += n;
    if (this.since < this.every) return;
    this.since = 0;
    this.gc();
  }
}

const exposed = globalThis.gc;

/** The process's one scavenger: the heap is the process's. */
export const bodyScavenger = new Scavenger(exposed ? () => exposed({ type: 'minor' }) : null);
