// A bounded pool of workers fed from a durable queue (webhook deliveries, replication tasks): it
// claims what is due while fewer than `concurrency` items run, runs each, and claims again when one
// ends or when kick() is called. One claim at a time: a kick during a claim makes it look again.
// A claim starts on the turn of the event loop after the kick, so kicks of one turn share it.
export class ClaimLoop<T> {
  private running = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private ticking = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly concurrency: number,
    private readonly claim: (room: number) => Promise<T[]>,
    private readonly run: (item: T) => Promise<void>,
    private readonly onError: (e: unknown) => void,
  ) {}

  kick(): void {
    if (this.closed) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    // On the next turn of the loop, so that the items that end in one poll of the event loop are
    // followed by one claim, not one each.
    setImmediate(async () => {
      try {
        do {
          this.again = false;
          const room = this.concurrency - this.running;
          if (room <= 0) break;
          const claimed = await this.claim(room);
          for (const item of claimed) this.start(item);
          if (claimed.length === room) this.again = true;
        } while (this.again && !this.closed);
      } catch (e) {
        this.onError(e);
      } finally {
        this.ticking = false;
      }
    });
  }

  private start(item: T): void {
    this.running++;
    const p = this.run(item).catch((e: unknown) => this.onError(e)).finally(() => {
      this.running--;
      this.inFlight.delete(p);
      this.kick();
    });
    this.inFlight.add(p);
  }

  /** Items being worked on now. */
  get active(): number {
    return this.running;
  }

  /** Resolves when nothing is being claimed or run. */
  async idle(): Promise<void> {
    while (this.inFlight.size || this.ticking) await Promise.all([...this.inFlight, new Promise((r) => setTimeout(r, 10))]);
  }

  /** Stops claiming; what runs goes on (idle() waits for it). */
  close(): void {
    this.closed = true;
  }
}
