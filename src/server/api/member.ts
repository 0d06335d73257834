// Harbor tag "member": /projects/{project_name_or_id}/members[/{mid}] for user and group members, role ids 1–5.
import { HarborError } from '../../core/errors.js';
import { sendEmpty, sendJson } from '../context.js';
import { projectParam } from './project.js';
import { sendPage } from './paging.js';
import { idParam, optInteger, optObject, optString, readObject, type ApiRouter } from './router.js';
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
    const mu = optObject(b, 'member_user');
    const mg = optObject(b, 'member_group');
    // Harbor takes the user when both are given (controller/member Create).
    const m = mu && (optInteger(mu, 'user_id') || optString(mu, 'username'))
      ? await c.svc.projects.addMember(c.principal, p, b.role_id, { userId: optInteger(mu, 'user_id'), username: optString(mu, 'username') })
      : mg
        ? await c.svc.projects.addGroupMember(c.principal, p, b.role_id, () => c.svc.usergroups.resolveMemberGroup({
          id: optInteger(mg, 'id'), groupName: optString(mg, 'group_name'), groupType: optInteger(mg, 'group_type'), ldapGroupDn: optString(mg, 'ldap_group_dn'),
        }))
        : null;
    if (!m) throw new HarborError('BAD_REQUEST', 'at least one of member_user or member_group must be provided');
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
