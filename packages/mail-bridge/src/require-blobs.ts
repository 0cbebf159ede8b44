import { RapportError, type Crm } from '@rapport/core';

/**
 * Refuses a bulk import into a CRM without a BlobStore up front: otherwise every message with an
 * attachment would be quarantined one by one and the import would still report failed 0.
 */
export function requireBlobStore(crm: Crm, importer: string): void {
  if (!crm.blobs) {
    throw new RapportError(
      'VALIDATION',
      `${importer} needs a BlobStore for attachments: pass \`blobs\` to createCrm, e.g. createCrm({ store, blobs: fsBlobStore({ dir: './crm.db.blobs' }) })`,
    );
  }
}
