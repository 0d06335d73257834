// Harbor tag "member": /projects/{project_name_or_id}/members[/{mid}] for user members, role ids 1–5.
import { HarborError } from '../../core/errors.js';
import { sendEmpty, sendJson } from '../context.js';
import { projectParam } from './project.js';
import { sendPage } from './paging.js';
import { idParam, optInteger, optString, readObject, type ApiRouter } from './router.js';
import { memberResp } from './views.js';

export function memberRoutes(r: ApiRouter): void {
  r.add('GET', '/projects/{project_name_or_id}/members', async (c) => {
    const p = await projectParam(c);
    const items = await c.svc.projects.listMembers(c.principal, p, c.http.query.get('entityname') ?? undefined);
    sendPage(c.http, items, memberResp);
  });

  r.add('POST', '/projects/{project_name_or_id}/members', async (c) => {
    const p = await projectParam(c);
    const b = await readObject(c.http);
    if (b.member_group !== undefined && b.member_group !== null) throw new HarborError('BAD_REQUEST', 'group members are not supported; add a member_user');
    const mu = b.member_user;
    if (typeof mu !== 'object' || mu === null || Array.isArray(mu)) throw new HarborError('BAD_REQUEST', 'member_user is required');
    const who = mu as Record<string, unknown>;
    const m = await c.svc.projects.addMember(c.principal, p, b.role_id, { userId: optInteger(who, 'user_id'), username: optString(who, 'username') });
    const path = (c.http.req.url ?? '').split('?')[0].replace(/\/$/, '');
    sendEmpty(c.http, 201, { Location: `${path}/${m.id}` });
  });

  r.add('GET', '/projects/{project_name_or_id}/members/{mid}', async (c) => {
    const p = await projectParam(c);
    sendJson(c.http, 200, memberResp(await c.svc.projects.getMember(c.principal, p, idParam(c, 'mid'))));
  });

  r.add('PUT', '/projects/{project_name_or_id}/members/{mid}', async (c) => {
    const p = await projectParam(c);
    const b = await readObject(c.http);
    await c.svc.projects.updateMember(c.principal, p, idParam(c, 'mid'), b.role_id);
    sendEmpty(c.http, 200);
  });

  r.add('DELETE', '/projects/{project_name_or_id}/members/{mid}', async (c) => {
    const p = await projectParam(c);
    await c.svc.projects.deleteMember(c.principal, p, idParam(c, 'mid'));
    sendEmpty(c.http, 200);
  });
}
