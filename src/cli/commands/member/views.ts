import type { ProjectMemberEntity } from '../../../client/types.js';
import type { Column } from '../../output/render.js';
import { roleName } from '../common.js';

export const MEMBER_COLUMNS: Column<ProjectMemberEntity>[] = [
  { header: 'ID', value: (m) => m.id },
  { header: 'NAME', value: (m) => m.entity_name },
  { header: 'TYPE', value: (m) => (m.entity_type === 'g' ? 'group' : 'user') },
  { header: 'ROLE', value: (m) => roleName(m.role_id) },
];
