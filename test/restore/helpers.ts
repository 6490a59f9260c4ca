/**
 * The restore tests use the backup test bench (test/backup/helpers.ts): an in-process emulator
 * (small tenant, throttling off unless asked) on a manual clock, a fresh repository and
 * workspace with a profile for the tenant's admin app, an admin Graph client for changing and
 * reading the tenant, and a virtual clock for the engine. Snapshots are made by the real backup.
 */
export { adminClient, benchPerTest, CHEAP_KDF, listAll, PASSWORD, profileFor, startBench, VirtualClock, type Bench } from '../backup/helpers.js';

export type Doc = Record<string, unknown>;
