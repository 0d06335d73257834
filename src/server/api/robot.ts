// Harbor tag "robot": /robots (list with q=Level=project,ProjectID=N, create) and /robots/{robot_id}
// (get, PUT update, PATCH refresh the secret, DELETE). The secret appears only in the answers of
// create and of a refresh that generated it.
import { HarborError } from '../../core/errors.js';
import type { RobotFilter } from '../../services/robots.js';
import type { Robot } from '../../storage/meta/index.js';
import { sendEmpty, sendJson } from '../context.js';
import { filterByQuery, pageParams, parseQuery, sendPage, sortBy } from './paging.js';
import { idParam, readObject, type ApiRouter } from './router.js';
import { robotResp } from './views.js';

const ROBOT_FIELDS: Record<string, (r: Robot) => string | number | boolean | null> = {
  name: (r) => r.name, id: (r) => r.id, creation_time: (r) => r.createdAt, update_time: (r) => r.updatedAt, disable: (r) => r.disabled,
  expires_at: (r) => r.expiresAt,
};

export function robotRoutes(r: ApiRouter): void {
  r.add('GET', '/robots', async (c) => {
    pageParams(c.http);
    const q = parseQuery(c.http.query.get('q'));
    // Harbor's ListRobot: Level=project needs a ProjectID; without Level (or with Level=system) the
    // system-level robots are listed, whatever ProjectID says.
    const filter: RobotFilter = {};
    const level = q.get('Level');
    if (level && (level.kind !== 'exact' || (level.value !== 'system' && level.value !== 'project'))) throw new HarborError('BAD_REQUEST', 'Level must be system or project');
    if (level?.kind === 'exact' && level.value === 'project') {
      const pid = q.get('ProjectID');
      if (!pid) throw new HarborError('BAD_REQUEST', 'listing project robots needs ProjectID (q=Level=project,ProjectID=N)');
      if (pid.kind !== 'exact' || !/^[0-9]{1,15}$/.test(pid.value) || Number(pid.value) < 1) throw new HarborError('BAD_REQUEST', 'ProjectID must be a positive integer');
      filter.projectId = Number(pid.value);
    }
    q.delete('Level');
    q.delete('ProjectID');
    const items = sortBy(filterByQuery(await c.svc.robots.list(c.principal, filter), q, ROBOT_FIELDS), c.http.query.get('sort'), ROBOT_FIELDS);
    sendPage(c.http, items, (x) => robotResp(x, c.svc.robots.loginName(x)));
  });

  r.add('POST', '/robots', async (c) => {
    const b = await readObject(c.http);
    const { robot, secret } = await c.svc.robots.create(c.principal, {
      name: b.name, description: b.description, secret: b.secret, level: b.level, disable: b.disable, duration: b.duration, permissions: b.permissions,
    });
    sendJson(c.http, 201, { id: robot.id, name: c.svc.robots.loginName(robot), secret, creation_time: robot.createdAt, expires_at: robot.expiresAt },
      { Location: `/api/v2.0/robots/${robot.id}` });
  });

  r.add('GET', '/robots/{robot_id}', async (c) => {
    const robot = await c.svc.robots.get(c.principal, idParam(c, 'robot_id'));
    sendJson(c.http, 200, robotResp(robot, c.svc.robots.loginName(robot)));
  });

  r.add('PUT', '/robots/{robot_id}', async (c) => {
    const id = idParam(c, 'robot_id');
    const b = await readObject(c.http);
    await c.svc.robots.update(c.principal, id, {
      name: b.name, level: b.level, description: b.description, disable: b.disable, duration: b.duration, permissions: b.permissions,
    });
    sendEmpty(c.http, 200);
  });

  r.add('PATCH', '/robots/{robot_id}', async (c) => {
    const id = idParam(c, 'robot_id');
    const b = await readObject(c.http);
    const secret = await c.svc.robots.refresh(c.principal, id, b.secret);
    sendJson(c.http, 200, { secret });
  });

  r.add('DELETE', '/robots/{robot_id}', async (c) => {
    await c.svc.robots.delete(c.principal, idParam(c, 'robot_id'));
    sendEmpty(c.http, 200);
  });
}
