/**
 * The Graph connector's public face: clouds-aware credentials, the throttle-aware scheduler (one
 * per app and tenant per run), the Graph client with its paging/delta/batch helpers, and the clock
 * abstraction every wait goes through.
 */
export { createCredential, type ConnectionProfile } from './credential.js';
export {
  createGraphClient, GraphClient, mergeDeltaItems, BATCH_LIMIT, DEFAULT_REQUEST_TIMEOUT_MS,
  type GraphClientOptions, type GraphRequestOptions, type GraphResponse, type Page, type DeltaEvent, type BatchRequest, type BatchResult, type BatchOptions,
} from './client.js';
export {
  createThrottleScheduler, ThrottleScheduler, parseRetryAfterMs,
  type SchedulerOptions, type SchedulerStats, type RequestCounters, type BudgetView, type ScheduledRequest, type ResponseLike,
} from './scheduler.js';
export { classifyRequest, defaultLimits, type TenantSize, type BucketName, type BucketLimit } from './cost-model.js';
export { graphError, signInError } from './errors.js';
export { systemClock, SteppingClock, type Clock } from '../../clock.js';
