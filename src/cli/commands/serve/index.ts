// `harborctl serve`: the embedded registry. The server code loads only when it runs.
import { Option, type Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, _kit: Kit): void {
  program.command('serve')
    .description('run the embedded registry (OCI Distribution v1.1) until SIGINT/SIGTERM')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:5280')
    .option('--data-dir <dir>', 'where blobs and the database live (env HARBORCTL_DATA_DIR; default $XDG_DATA_HOME/harborctl)')
    .option('--storage <url>', 'where blobs live: file:DIR or s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path_style=true, credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or &credentials_file=PATH (env HARBORCTL_STORAGE; default: the data dir)')
    .option('--db <url>', 'the metadata database: sqlite:PATH or postgres://USER[:PASS]@HOST:PORT/DB[?sslmode=...], password also from PGPASSWORD (env HARBORCTL_DB; default: the data dir)')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--tls', 'serve HTTPS with the certificate `harborctl tls init` made in the data dir')
    .addOption(new Option('--log-level <level>', 'debug, info, warn, error or silent').default('info'))
    .option('--upload-ttl <duration>', 'abandon upload sessions idle this long (e.g. 30m, 24h)', '24h')
    .option('--proxy-revalidate <duration>', 'proxy-cache projects: check a cached tag against the upstream at most this often', '5m')
    .option('--proxy-timeout <duration>', 'proxy-cache projects: serve the cache when the upstream takes longer than this to answer', '15s')
    .option('--body-idle-timeout <duration>', 'close a connection whose request body sends nothing for this long', '60s')
    .option('--max-connections-per-client <n>', 'refuse connections beyond this many open ones from one client address', '256')
    .option('--metrics-listen <host:port|off>', 'serve Prometheus metrics on GET /metrics at this address (default 127.0.0.1:5281); off: none')
    .option('--audit-log-forward-endpoint <host:port>', 'initial audit_log_forward_endpoint: also send every audit log record to this syslog server (TCP, RFC 5424); harborctl config set changes it later')
    .option('--skip-audit-log-database', 'initial skip_audit_log_database: with a forward endpoint, keep audit log records out of the database')
    .option('--disabled-audit-log-event-types <list>', 'initial disabled_audit_log_event_types: event types not to record, e.g. pull_artifact,login_user (GET /api/v2.0/auditlog-exts/events)')
    .action(async (_opts, cmd: Command) => (await import('./serve.js')).serve(cmd.opts()));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  serve: ['harborctl serve', 'HARBOR_ADMIN_PASSWORD=secret harborctl serve --listen 0.0.0.0:5280 --data-dir /srv/harborctl --tls'],
};
