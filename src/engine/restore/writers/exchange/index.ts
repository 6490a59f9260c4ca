/**
 * Restore writers of Exchange Online types (written through the admin API's InvokeCommand, not
 * Graph). Registered in `writers/index.ts`.
 */
export { DistributionGroupWriter, exchangeWriters } from './distribution-groups.js';
