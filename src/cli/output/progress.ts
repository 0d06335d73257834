// A progress line for a person at a terminal (model push/pull, migrate): one redrawn line on
// stderr; nothing at all when stderr is not a TTY or the output is for a program.
import { formatSize } from '../../core/sizes.js';
import type { Runtime } from '../runtime.js';

/** One redrawn line on stderr: bytes done of total, rate, ETA. Only for a person at a terminal. */
export class ProgressLine {
  private done = 0;
  private readonly started = Date.now();
  private last = 0;
  private readonly on: boolean;

  constructor(private readonly rt: Runtime, private readonly label: string, private total: number) {
    this.on = Boolean(rt.io.stderr.isTTY) && rt.opts.output === 'table' && !rt.opts.debug;
  }

  add(n: number): void {
    this.done += n;
    if (!this.on) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    this.draw(now);
  }

  private draw(now: number): void {
    const secs = Math.max((now - this.started) / 1000, 0.001);
    const rate = this.done / secs;
    const left = rate > 0 ? Math.max(this.total - this.done, 0) / rate : 0;
    const eta = rate > 0 ? `ETA ${fmtDuration(left)}` : '';
    this.rt.io.stderr.write(`\r\x1b[K${this.label} ${formatSize(this.done)} / ${formatSize(this.total)}  ${formatSize(Math.round(rate))}/s  ${eta}`);
  }

  finish(): void {
    if (!this.on) return;
    this.draw(Date.now());
    this.rt.io.stderr.write('\n');
  }
}

function fmtDuration(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
