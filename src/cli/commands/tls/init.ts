// harborctl tls init [--host NAME_OR_IP ...] [--data-dir DIR] [--days N] [--force]
import { HarborError } from '../../../core/errors.js';
import { renderObject, shortTime } from '../../output/render.js';
import { prepareDataDir } from '../../data-dir.js';
import { defaultDataDir } from '../../paths.js';
import type { Runtime } from '../../runtime.js';

export interface Options { host: string[]; dataDir?: string; days: string; force?: boolean }

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  if (!/^\d+$/.test(o.days)) throw new HarborError('USAGE', `invalid --days ${JSON.stringify(o.days)}: a whole number of days`);
  const dataDir = o.dataDir ?? defaultDataDir(rt.io.env);
  await prepareDataDir(dataDir);
  const { initTls } = await import('../../../server/tls.js');
  const r = await initTls({ dataDir, hosts: o.host, days: Number(o.days), force: o.force });
  const out = {
    caCert: r.paths.caCert, caKey: r.paths.caKey, serverCert: r.paths.serverCert, serverKey: r.paths.serverKey,
    caFingerprintSha256: r.caFingerprint, subjectAltNames: r.subjectAltNames, notAfter: r.notAfter,
  };
  renderObject(rt.io, rt.opts.output, out, [
    { header: 'CA CERTIFICATE', value: (x) => x.caCert },
    { header: 'CA FINGERPRINT (SHA-256)', value: (x) => x.caFingerprintSha256 },
    { header: 'SERVER CERTIFICATE', value: (x) => x.serverCert },
    { header: 'SERVER KEY', value: (x) => x.serverKey },
    { header: 'NAMES', value: (x) => x.subjectAltNames.join(', ') },
    { header: 'VALID UNTIL', value: (x) => shortTime(x.notAfter) },
  ]);
  rt.info(`next: harborctl serve --tls${o.dataDir ? ` --data-dir ${o.dataDir}` : ''}; give clients ${r.paths.caCert} (configure-mirror --ca-file, or --ca-from-server and compare the fingerprint)`);
}
