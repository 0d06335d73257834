import type { User } from '../../../client/types.js';
import { shortTime, type Column } from '../../output/render.js';

export const USER_COLUMNS: Column<User>[] = [
  { header: 'ID', value: (u) => u.user_id },
  { header: 'NAME', value: (u) => u.username },
  { header: 'ADMIN', value: (u) => (u.sysadmin_flag ? 'yes' : 'no') },
  { header: 'EMAIL', value: (u) => u.email },
  { header: 'REAL NAME', value: (u) => u.realname },
  { header: 'CREATED', value: (u) => shortTime(u.creation_time) },
];
