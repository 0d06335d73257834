import type { ScannerRegistration } from '../../../client/scanners.js';
import { shortTime, type Column } from '../../output/render.js';

export const SCANNER_COLUMNS: Column<ScannerRegistration>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'UUID', value: (r) => r.uuid },
  { header: 'URL', value: (r) => r.url },
  { header: 'DEFAULT', value: (r) => (r.is_default ? 'yes' : 'no') },
  { header: 'DISABLED', value: (r) => (r.disabled ? 'yes' : 'no') },
  { header: 'AUTH', value: (r) => r.auth || 'none' },
  { header: 'CREATED', value: (r) => shortTime(r.create_time) },
];
