/**
 * A restore's connection to its target: the target profile (from the repository), one scheduler
 * for the app and tenant sized from the tenant's user count (facts §1.2), and the writer context
 * every read and write of the planner, the applier and the writers goes through.
 *
 * Guarantees: one `CallBatcher` per session, so requests from concurrent operations share `$batch`
 * round trips and the write budget; the context's signal aborts every wait.
 */
import type { TokenCredential } from '@azure/identity';
import type { Clock, SchedulerOptions } from '../../connectors/index.js';
import { isTenantVaultError } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../logging/index.js';
import type { Repository } from '../../repository/index.js';
import { tenantSizeOf } from '../backup/index.js';
import { connect, profileStore, type Connection, type Profile } from '../profiles/index.js';
import { CallBatcher } from './writers/calls.js';
import type { WriterContext } from './writers/types.js';

export interface ConnectionOptions {
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** The clock of every wait (tests inject a virtual one). */
  readonly clock?: Clock;
  /** Replaces the profile's credential (tests). */
  readonly credential?: TokenCredential;
  readonly scheduler?: Omit<SchedulerOptions, 'clock' | 'logger' | 'tenantSize'>;
  readonly requestTimeoutMs?: number;
}

export interface TargetSession {
  readonly profile: Profile;
  readonly connection: Connection;
  readonly batcher: CallBatcher;
  readonly ctx: WriterContext;
}

/** Safety snapshots are kept under the profile name with this suffix, apart from its backups. */
export const SAFETY_SUFFIX = ':safety';

/** The profile a snapshot's documents belong to (a safety snapshot's is its target's). */
export function profileOfSnapshot(snapshotProfile: string): string {
  return snapshotProfile.endsWith(SAFETY_SUFFIX) ? snapshotProfile.slice(0, -SAFETY_SUFFIX.length) : snapshotProfile;
}

export async function openTarget(repo: Repository, profileName: string, options: ConnectionOptions = {}): Promise<TargetSession> {
  const profile = await profileStore(repo).get(profileName, { signal: options.signal });
  const logger = options.logger ?? silentLogger;
  const connection = connect(profile, {
    logger, ...(options.clock ? { clock: options.clock } : {}), ...(options.credential ? { credential: options.credential } : {}),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}), ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  const batcher = new CallBatcher(connection.graph, { ...(options.signal ? { signal: options.signal } : {}) });
  const ctx: WriterContext = {
    connection, graph: connection.graph, logger, ...(options.signal ? { signal: options.signal } : {}),
    call: (call) => batcher.call(call),
  };
  await sizeTenant(connection, options.signal);
  return { profile, connection, batcher, ctx };
}

/** Sets the directory budget from the user count (S < 50, M ≤ 500, L above); unknown keeps the smallest. */
async function sizeTenant(connection: Connection, signal: AbortSignal | undefined): Promise<void> {
  try {
    const response = await connection.graph.request<unknown>('/users/$count', { type: 'user', headers: { ConsistencyLevel: 'eventual' }, ...(signal ? { signal } : {}) });
    const n = Number(typeof response.body === 'string' ? response.body.trim() : response.body);
    if (Number.isFinite(n)) connection.scheduler.setTenantSize(tenantSizeOf(n));
  } catch (err) {
    if (!isTenantVaultError(err) || err.code === 'ABORTED' || err.code === 'AUTH_FAILED') throw err;
  }
}
