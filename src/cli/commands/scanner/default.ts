// harborctl scanner default SCANNER (uuid or name)
import { findScanner, setDefaultScanner } from '../../../client/scanners.js';
import { renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export async function run(rt: Runtime, [ref]: string[]): Promise<void> {
  const r = await rt.withClient(async (c) => {
    const found = await findScanner(c, ref);
    await setDefaultScanner(c, found.uuid);
    return found;
  });
  renderResult(rt.io, rt.opts.output, { kind: 'scanner', name: r.name, uuid: r.uuid, is_default: true }, `scanner ${r.name} is the default`);
}
