// Runs once per `vitest run`: says in one line which checks are skipped for want of our reference
// copies (a fresh clone has nothing beside it), and fails when .ci/run requires them.
import { SWAGGER_AVAILABLE, SWAGGER_SKIP_LINE } from './helpers/swagger.js';

export default function setup(): void {
  if (SWAGGER_AVAILABLE) return;
  if (process.env.HARBOR_SWAGGER_REQUIRED === '1') throw new Error(SWAGGER_SKIP_LINE.replace(': the swagger checks are skipped', ' and HARBOR_SWAGGER_REQUIRED=1'));
  console.warn(`note: ${SWAGGER_SKIP_LINE}`);
}
