// harborctl context list: the saved contexts (never their passwords).
import { localServer } from '../../config.js';
import { renderList } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';

export interface ContextRow { name: string; server: string; username: string; current: boolean }

export async function run(rt: Runtime): Promise<void> {
  const store = rt.config();
  const cur = store.current();
  const rows: ContextRow[] = Object.entries(store.contexts())
    .map(([name, c]) => ({ name, server: c.server, username: c.username, current: name === cur }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const local = localServer(rt.io.env);
  if (local) rows.push({ name: 'local', server: local.server, username: local.username, current: !cur });
  renderList(rt.io, rt.listFormat(), rows, [
    { header: 'CURRENT', value: (r) => (r.current ? '*' : '') },
    { header: 'NAME', value: (r) => r.name },
    { header: 'SERVER', value: (r) => r.server },
    { header: 'USER', value: (r) => r.username },
  ], 'no contexts: run harborctl login SERVER');
}
