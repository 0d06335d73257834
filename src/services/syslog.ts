// Forwards audit records to a syslog server over TCP, as Harbor's audit_log_forward_endpoint does
// (src/pkg/audit/forward.go dials "tcp" with tag "audit" at severity info). Each record is one RFC
// 5424 line (`<14>1 TIME HOST audit PID - - MSG`, facility user, severity info) ended by LF, the
// non-transparent framing rsyslog's imtcp and syslog-ng read by default.
// send() never waits: lines queue in memory (at most MAX_QUEUED, the oldest dropped and counted)
// while a connection is made; a broken connection is made again on the next send, after RETRY_MS.
import net from 'node:net';
import { hostname } from 'node:os';
import type { Logger } from '../core/log.js';
import { parseListen } from '../core/units.js';

const MAX_QUEUED = 10_000;
const RETRY_MS = 1000;
const MAX_MESSAGE = 8 * 1024;

/** One RFC 5424 message: PRI 14 (user.info), version 1, no structured data. Control characters become spaces. */
export function rfc5424(time: Date, host: string, msg: string): string {
  const clean = msg.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, MAX_MESSAGE);
  return `<14>1 ${time.toISOString()} ${host || '-'} audit ${process.pid} - - ${clean}\n`;
}

export class SyslogForwarder {
  private socket: net.Socket | null = null;
  private connected = false;
  private queue: string[] = [];
  private dropped = 0;
  private retryAt = 0;
  private closed = false;
  private readonly host = hostname().replace(/\s/g, '') || '-';

  constructor(readonly endpoint: string, private readonly log: Logger, private readonly now: () => number = Date.now) {}

  /** Queues one record's message; never throws, never waits. */
  send(msg: string, time: Date): void {
    if (this.closed) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.queue.shift();
      if (this.dropped++ === 0) this.log.warn('audit log forwarding is behind: dropping the oldest records', { endpoint: this.endpoint });
    }
    this.queue.push(rfc5424(time, this.host, msg));
    this.pump();
  }

  private pump(): void {
    if (this.connected && this.socket) {
      const lines = this.queue.join('');
      this.queue = [];
      this.socket.write(lines);
      return;
    }
    if (this.socket || this.now() < this.retryAt) return;
    let ep: { host: string; port: number };
    try {
      ep = parseListen(this.endpoint);
    } catch {
      this.retryAt = Number.POSITIVE_INFINITY;
      this.log.error('audit_log_forward_endpoint is not host:port; records are not forwarded', { endpoint: this.endpoint.slice(0, 200) });
      return;
    }
    const s = net.connect(ep.port, ep.host);
    this.socket = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connected = true;
      if (this.dropped) this.log.warn('audit log forwarding resumed', { endpoint: this.endpoint, dropped: this.dropped });
      this.dropped = 0;
      this.pump();
    });
    s.on('error', (e) => {
      this.log.error('audit log forwarding failed', { endpoint: this.endpoint, error: e.message });
    });
    s.on('close', () => {
      this.socket = null;
      this.connected = false;
      this.retryAt = this.now() + RETRY_MS;
      if (this.queue.length && !this.closed) setTimeout(() => this.pump(), RETRY_MS).unref();
    });
    s.on('data', () => undefined); // a syslog server sends nothing; read and ignore
  }

  /** Sends what is queued (when connected) and closes. */
  async close(): Promise<void> {
    this.closed = true;
    const s = this.socket;
    if (!s) return;
    // A connection still being made gets its chance to take what is queued.
    if (!this.connected) await new Promise<void>((resolve) => { s.once('connect', () => resolve()); s.once('close', () => resolve()); });
    if (this.connected && this.queue.length) s.write(this.queue.join(''));
    this.queue = [];
    await new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.end();
    });
  }
}
