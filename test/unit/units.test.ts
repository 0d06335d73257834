import { describe, expect, test } from 'vitest';
import { parseDuration, parseListen } from '../../src/core/units.js';
import { catchHarborError } from './helpers.js';

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['0s', 0],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1.5h', 5_400_000],
    ['0.5s', 500],
    ['  10m  ', 600_000],
  ])('%j is %i ms', (s, ms) => {
    expect(parseDuration(s)).toBe(ms);
  });

  test.each(['', '10', 's', '1w', '-1s', '1 s', '1.s', '.5s', '1S', '1h30m', 'abc'])('%j is a USAGE error (exit code 2)', (s) => {
    const e = catchHarborError(() => parseDuration(s), 'USAGE');
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(JSON.stringify(s));
  });
});

describe('parseListen', () => {
  test.each([
    ['127.0.0.1:5280', '127.0.0.1', 5280],
    ['0.0.0.0:80', '0.0.0.0', 80],
    ['localhost:0', 'localhost', 0],
    ['[::1]:5280', '::1', 5280],
    ['[::]:65535', '::', 65535],
    ['[::ffff:127.0.0.1]:8080', '::ffff:127.0.0.1', 8080],
    [' registry.local:443 ', 'registry.local', 443],
  ])('%j listens on host %j port %i', (s, host, port) => {
    expect(parseListen(s)).toEqual({ host, port });
  });

  test.each(['', '5280', ':5280', 'host', 'host:', 'host:65536', 'host:123456', '::1:5280', '[::1]', '[::1]:', 'host:-1', 'host:80x', '[zz]:80', 'a b:80'])(
    '%j is a USAGE error', (s) => {
      catchHarborError(() => parseListen(s), 'USAGE');
    });
});
