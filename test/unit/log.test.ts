import { describe, expect, test } from 'vitest';
import { createLogger, isLogLevel, type LogLevel } from '../../src/core/log.js';

function capture(level: LogLevel): { log: ReturnType<typeof createLogger>; writes: string[] } {
  const writes: string[] = [];
  return { log: createLogger(level, { write: (s: string) => writes.push(s) }), writes };
}

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));
const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (DEBUG|INFO|WARN|ERROR) /;

describe('createLogger', () => {
  test('writes one line per event: time, level, message, fields', () => {
    const { log, writes } = capture('info');
    log.info('server started', { port: 5280, host: '127.0.0.1' });
    expect(writes).toHaveLength(1);
    const [line] = writes;
    expect(line).toMatch(LINE);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.replace(LINE, '')).toBe('server started port=5280 host=127.0.0.1\n');
  });

  test('quotes values that need it, skips undefined, and logs only the message of an Error', () => {
    const { log, writes } = capture('debug');
    log.debug('x', { a: 'two words', b: '', c: 'k=v', d: undefined, e: new Error('boom'), f: { n: 1 }, g: null, h: true });
    expect(writes[0].replace(LINE, '')).toBe('x a="two words" b="" c="k=v" e="boom" f={"n":1} g=null h=true\n');
  });

  test.each([
    ['debug', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
    ['info', ['INFO', 'WARN', 'ERROR']],
    ['warn', ['WARN', 'ERROR']],
    ['error', ['ERROR']],
    ['silent', []],
  ] as [LogLevel, string[]][])('at level %s it writes %j', (level, expected) => {
    const { log, writes } = capture(level);
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(writes.map((w) => LINE.exec(w)![2])).toEqual(expected);
  });

  test('the level can be changed at run time', () => {
    const { log, writes } = capture('error');
    log.info('hidden');
    log.level = 'debug';
    log.debug('shown');
    expect(writes).toHaveLength(1);
    expect(writes[0]).toContain('DEBUG shown');
  });

  test('access lines are batched into one write on the next turn of the event loop', async () => {
    const { log, writes } = capture('info');
    log.access('GET /v2/ 200');
    log.access('GET /v2/a/tags/list 200');
    log.access('HEAD /v2/a/manifests/latest 404');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['GET /v2/ 200\nGET /v2/a/tags/list 200\nHEAD /v2/a/manifests/latest 404\n']);
    log.access('later');
    await nextTurn();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBe('later\n');
  });

  test('an event line first flushes pending access lines, keeping order', async () => {
    const { log, writes } = capture('info');
    log.access('first request');
    log.warn('then a warning');
    expect(writes).toHaveLength(2);
    expect(writes[0]).toBe('first request\n');
    expect(writes[1]).toContain('WARN then a warning');
    await nextTurn();
    // The scheduled flush finds nothing new to say.
    expect(writes.join('')).toBe(`first request\n${writes[1]}`);
  });

  test('access lines are info level: dropped at warn and above', async () => {
    const { log, writes } = capture('warn');
    log.access('GET /v2/ 200');
    await nextTurn();
    expect(writes.join('')).toBe('');
  });

  test('isLogLevel', () => {
    for (const l of ['debug', 'info', 'warn', 'error', 'silent']) expect(isLogLevel(l)).toBe(true);
    for (const l of ['trace', 'INFO', '', 'toString']) expect(isLogLevel(l)).toBe(false);
  });
});
