// A small leveled logger writing one line per event to a stream (stderr by default).
// Lines are `time level msg key=value...`; values that could carry secrets are never passed in.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  level: LogLevel;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Access-log lines are written at info level, batched so a busy server does one write per tick. */
  access(line: string): void;
}

export function isLogLevel(s: string): s is LogLevel {
  return Object.hasOwn(ORDER, s); // not `in`: 'toString' is no level
}

function fmt(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  return JSON.stringify(v) ?? 'undefined';
}

export function createLogger(level: LogLevel = 'info', out: { write(s: string): unknown } = process.stderr): Logger {
  let pending: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const text = pending.join('');
    pending = [];
    out.write(text);
  };
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < ORDER[logger.level]) return;
    let line = `${new Date().toISOString()} ${lvl.toUpperCase()} ${msg}`;
    if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${fmt(v)}`;
    if (pending.length) flush();
    out.write(line + '\n');
  };
  const logger: Logger = {
    level,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    access(line) {
      if (ORDER.info < ORDER[logger.level]) return;
      pending.push(line + '\n');
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
  return logger;
}
