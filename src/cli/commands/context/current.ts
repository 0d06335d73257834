// harborctl context current: which context commands use now (honours --context and --server).
import { renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export async function run(rt: Runtime): Promise<void> {
  const t = rt.target();
  renderObject(rt.io, rt.opts.output, { name: t.context ?? null, server: t.server, username: t.username || null }, [
    { header: 'NAME', value: (o) => o.name },
    { header: 'SERVER', value: (o) => o.server },
    { header: 'USER', value: (o) => o.username },
  ]);
}
