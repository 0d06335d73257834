// The scavenge of dead body chunks (src/core/scavenge.ts): one minor collection per `every` bytes
// taken, none without node's --expose-gc.
import { expect, test } from 'vitest';
import { Scavenger } from '../../src/core/scavenge.js';

test('a scavenge each time another `every` bytes have been taken, whatever the chunk sizes', () => {
  let runs = 0;
  const s = new Scavenger(() => { runs++; }, 100);
  for (let i = 0; i < 9; i++) s.taken(10);
  expect(runs).toBe(0);
  s.taken(10);
  expect(runs).toBe(1);
  s.taken(250); // one large chunk: one scavenge, and the count starts again
  expect(runs).toBe(2);
  s.taken(99);
  expect(runs).toBe(2);
  s.taken(1);
  expect(runs).toBe(3);
});

test('without a collector (node without --expose-gc) taking bytes does nothing', () => {
  const s = new Scavenger(null, 1);
  expect(() => { for (let i = 0; i < 1000; i++) s.taken(1 << 20); }).not.toThrow();
});
