// Every store contract suite, for a backend's test file to run in one call: a new domain store adds
// its suite here.
import { artifactStoreContract } from './artifacts.contract.js';
import { auditLogStoreContract, type LegacyAuditRows } from './audit.contract.js';
import { configStoreContract } from './config.contract.js';
import { contentStoreContract } from './content.contract.js';
import { gcStoreContract } from './gc.contract.js';
import type { StoresFactory } from './harness.js';
import { userGroupStoreContract } from './groups.contract.js';
import { identityStoreContract } from './identity.contract.js';
import { immutableRuleStoreContract } from './immutable.contract.js';
import { jobStoreContract } from './jobs.contract.js';
import { labelStoreContract } from './labels.contract.js';
import { oidcStoreContract } from './oidc.contract.js';
import { lockStoreContract } from './locks.contract.js';
import { projectStoreContract } from './projects.contract.js';
import { registryStoreContract } from './registries.contract.js';
import { replicationStoreContract } from './replication.contract.js';
import { retentionStoreContract } from './retention.contract.js';
import { scanReportStoreContract } from './scan-reports.contract.js';
import { scannerStoreContract } from './scanners.contract.js';
import { scheduleStoreContract } from './schedules.contract.js';
import { secretStoreContract } from './secrets.contract.js';
import { uploadStoreContract } from './uploads.contract.js';
import { webhookStoreContract } from './webhooks.contract.js';

/** `legacyRows`: how the backend's own SQL writes the legacy audit log (no store method does any more). */
export function metaStoresContract(name: string, factory: StoresFactory, legacyRows: LegacyAuditRows): void {
  identityStoreContract(name, factory);
  projectStoreContract(name, factory);
  contentStoreContract(name, factory);
  artifactStoreContract(name, factory);
  uploadStoreContract(name, factory);
  registryStoreContract(name, factory);
  jobStoreContract(name, factory);
  auditLogStoreContract(name, factory, legacyRows);
  labelStoreContract(name, factory);
  immutableRuleStoreContract(name, factory);
  retentionStoreContract(name, factory);
  configStoreContract(name, factory);
  userGroupStoreContract(name, factory);
  webhookStoreContract(name, factory);
  scheduleStoreContract(name, factory);
  gcStoreContract(name, factory);
  scannerStoreContract(name, factory);
  scanReportStoreContract(name, factory);
  oidcStoreContract(name, factory);
  lockStoreContract(name, factory);
  secretStoreContract(name, factory);
  replicationStoreContract(name, factory);
}
