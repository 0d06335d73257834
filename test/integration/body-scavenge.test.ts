// A pushed body's chunks are let go as the push goes (src/core/scavenge.ts), in the server as
// bin/harborctl runs it (node with --expose-gc): the blob store asks for a scavenge every 4 MiB it
// takes. Without them the chunks of a big push waited for a collection that its small JS allocation
// rarely started: V8's external memory stood at 30-38 MB after each 256 MiB push in the bench.
// V8's --trace-gc names each collection and its reason ("testing" for one that gc() asked for).
import { randomBytes } from 'node:crypto';
import { afterAll, expect, test } from 'vitest';
import { startHarborctl, type RegistryProcess } from '../helpers/registry-process.js';
import { pushBlob } from '../helpers/oci.js';

const MiB = 1024 * 1024;
let srv: RegistryProcess | undefined;
afterAll(async () => { await srv?.stop(); });

test('a 64 MiB push asks for a scavenge every 4 MiB of its body', async () => {
  srv = await startHarborctl({ env: { HARBORCTL_NODE_FLAGS: '--trace-gc' } });
  const asked = (): number => srv!.logs.filter((l) => /Scavenge.*\btesting\b/.test(l)).length;
  expect(asked()).toBe(0);
  await pushBlob(srv.url, 'library/big', randomBytes(64 * MiB));
  // Stopped first: the last line may still be in the pipe when the push's answer arrives.
  await srv.stop();
  // One per 4 MiB taken; what a step's last chunk takes past 4 MiB is not carried into the next
  // step, so 16 steps' worth of socket reads (up to 64 KiB each) may leave the 16th short.
  expect(asked()).toBeGreaterThanOrEqual(15);
  expect(asked()).toBeLessThanOrEqual(16);
}, 60_000);
