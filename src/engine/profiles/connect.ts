/**
 * A live connection through an app profile: its credential, one throttle scheduler for the
 * (app, tenant) pair shared by everything the connection sends (DESIGN invariant 7), the Graph
 * client, and — created on first use — the Exchange admin API client.
 *
 * Guarantees: every Graph and Exchange request of a connection goes through the same scheduler;
 * requests are bounded by `requestTimeoutMs`.
 * Not here: checking that the credential works (sign-in.ts) or what the token grants.
 */
import type { TokenCredential } from '@azure/identity';
import {
  createCredential, createExchangeClient, createGraphClient, ThrottleScheduler,
  type Clock, type CloudEndpoints, type ExchangeClient, type GraphClient, type SchedulerOptions,
} from '../../connectors/index.js';
import { silentLogger, type Logger } from '../../logging/index.js';
import { toConnection, type Profile } from './model.js';

export interface ConnectOptions {
  readonly logger?: Logger;
  /** The clock every wait uses (tests inject a virtual one). */
  readonly clock?: Clock;
  readonly scheduler?: Omit<SchedulerOptions, 'clock' | 'logger'>;
  readonly requestTimeoutMs?: number;
  /** Replaces the credential (tests). */
  readonly credential?: TokenCredential;
}

export interface Connection {
  readonly profile: Profile;
  readonly cloud: CloudEndpoints;
  readonly credential: TokenCredential;
  readonly scheduler: ThrottleScheduler;
  readonly graph: GraphClient;
  /** The Exchange admin API client; `initialDomain` routes app-only calls (`X-AnchorMailbox`). */
  exchange(initialDomain?: string): ExchangeClient;
}

export function connect(profile: Profile, options: ConnectOptions = {}): Connection {
  const connection = toConnection(profile);
  const credential = options.credential ?? createCredential(connection);
  const logger = options.logger ?? silentLogger;
  const scheduler = new ThrottleScheduler({ ...options.scheduler, ...(options.clock ? { clock: options.clock } : {}), logger });
  const common = {
    cloud: connection.cloud, credential, scheduler, tenantId: profile.tenantId, clientId: profile.clientId,
    ...(connection.trustedCaPem ? { trustedCaPem: connection.trustedCaPem } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  };
  const graph = createGraphClient({ ...common, logger });
  const exchangeClients = new Map<string, ExchangeClient>();
  return {
    profile,
    cloud: connection.cloud,
    credential,
    scheduler,
    graph,
    exchange(initialDomain) {
      const key = initialDomain ?? '';
      let client = exchangeClients.get(key);
      if (!client) {
        client = createExchangeClient({ ...common, ...(initialDomain ? { initialDomain } : {}) });
        exchangeClients.set(key, client);
      }
      return client;
    },
  };
}
