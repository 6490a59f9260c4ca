/**
 * Where the shared reference material is, for the fidelity tests. When it is absent every
 * fidelity suite skips, and this says so once, clearly, instead of failing.
 */
import { findSharedRoot, SHARED_MISSING_HINT } from '../../../src/emulator/schema/paths.js';

export const SHARED_ROOT = findSharedRoot();

export const SKIP_REASON = `skipped: the shared folder (../shared or TENANT_VAULT_SHARED) is absent. ${SHARED_MISSING_HINT}`;

if (!SHARED_ROOT) console.warn(`[emulator fidelity] ${SKIP_REASON}`);
