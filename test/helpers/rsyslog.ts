// A real rsyslog (Debian's rsyslogd) for the audit log forwarding tests: a plain foreground process
// (`rsyslogd -n -f CONF -i PIDFILE`) with imtcp on a free loopback port, writing every message it
// receives to a file in its temp dir as `HOSTNAME APP-NAME PROCID MSG`; stopped by its own PID.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectLines, freePort, makeStop, track } from './registry-process.js';

export interface RsyslogProcess {
  pid: number;
  /** `127.0.0.1:PORT`, an audit_log_forward_endpoint. */
  endpoint: string;
  logs: string[];
  /** The lines rsyslog wrote so far. */
  lines(): Promise<string[]>;
  /** Resolves once `pred` holds for the lines written (checked as rsyslog writes). */
  waitFor(pred: (lines: string[]) => boolean): Promise<string[]>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startRsyslog(): Promise<RsyslogProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'harborctl-rsyslog-'));
  const port = await freePort();
  const out = join(dir, 'audit.log');
  const conf = join(dir, 'rsyslog.conf');
  await writeFile(conf, [
    `global(workDirectory="${dir}")`,
    'module(load="imtcp")',
    `input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="audit")`,
    'template(name="fields" type="string" string="%hostname% %app-name% %procid% %msg%\\n")',
    `ruleset(name="audit") { action(type="omfile" file="${out}" template="fields") }`,
    '',
  ].join('\n'));
  const logs: string[] = [];
  const child = spawn('rsyslogd', ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) => reject(new Error(`cannot run rsyslogd (apt-get install rsyslog): ${e.message}`)));
  });
  const pid = child.pid!;
  track(pid);
  collectLines(child, logs);
  const stop = makeStop('rsyslogd', child, pid, dir, logs);
  // Ready once the port takes a connection; a process that exits first fails the start.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`rsyslogd exited (${child.exitCode ?? child.signalCode})\n${logs.join('\n')}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.end(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 150) {
      await stop();
      throw new Error(`rsyslogd not listening within 30 s\n${logs.join('\n')}`);
    }
    await sleep(200);
  }
  const lines = async (): Promise<string[]> => (await readFile(out, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return {
    pid, endpoint: `127.0.0.1:${port}`, logs, lines, stop,
    async waitFor(pred) {
      for (;;) {
        const l = await lines();
        if (pred(l)) return l;
        if (child.exitCode !== null) throw new Error(`rsyslogd exited\n${logs.join('\n')}`);
        await sleep(50);
      }
    },
  };
}
