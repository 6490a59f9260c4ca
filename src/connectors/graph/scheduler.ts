/**
 * The throttle-aware request scheduler: one per (app, tenant), shared by every resource type of
 * a run (DESIGN invariant 7, "Backup"). Every request waits here until each limit it counts
 * against (cost-model.ts) has room, then goes out; its answer adjusts the budget.
 *
 * How it keeps a backup under the limits:
 * - Each limit is a sliding window: the units sent in the last `windowMs` never exceed
 *   `capacity × headroom`. A sliding window is stricter than the fixed windows and token buckets
 *   services use (a client within a sliding window of C per W never drains a token bucket of C
 *   refilled at C/W), so a well-behaved run is rarely throttled at all.
 * - Costs are estimated from the published model and corrected from `x-ms-resource-unit`; the
 *   estimate for a request shape learns the last observed cost.
 * - `x-ms-throttle-limit-percentage` (sent above 0.8 of the limit) reveals the service's own view:
 *   the limit it implies (our window usage ÷ percentage) caps our capacity if it is lower.
 * - 429, 503 and 504 (and 500, 502 for reads) are retried after `Retry-After` (seconds, fractional,
 *   or an HTTP date), else after exponential backoff with jitter; a 429 also blocks the limit it hit for everyone and
 *   lowers its capacity, which then climbs back to the published value over `recoveryMs`.
 * - Requests are admitted first come, first served per limit; a request waiting on one limit
 *   never holds back requests that do not use it. `maxConcurrency` caps requests in flight.
 *
 * Guarantees: every wait uses the injected clock and honours the AbortSignal (ABORTED); retries
 * stop after `maxRetries`, returning the last response for the caller to map to an error;
 * counters (requests, batched requests, resource units, throttled responses, retries) per type.
 * Not guaranteed: that other apps or processes sharing the tenant's limits leave room — the
 * headers and 429s are how we learn about them.
 */
import { isRetriable } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../logging/index.js';
import { abortError, systemClock, type Clock } from '../../clock.js';
import {
  classifyRequest, defaultLimits, NO_RETRY_AFTER,
  type BucketLimit, type BucketName, type Classification, type RequestShape, type TenantSize,
} from './cost-model.js';

export interface HeaderBag {
  get(name: string): string | null;
}

export interface ResponseLike {
  readonly status: number;
  readonly headers: HeaderBag;
}

export interface ScheduledRequest extends RequestShape {
  /** Resource type the request serves, for the counters. */
  readonly type?: string;
  /** For `$batch`: the requests inside, charged one by one as Graph evaluates them. */
  readonly parts?: ReadonlyArray<RequestShape & { readonly type?: string }>;
}

export interface PartResult {
  readonly status: number;
  readonly headers: HeaderBag;
}

export interface ExecuteOptions<R extends ResponseLike> {
  readonly signal?: AbortSignal;
  /** For `$batch`: reads the per-request results (index-aligned with `parts`) from a 2xx response. */
  readonly observeParts?: (response: R) => Promise<readonly PartResult[]>;
  /** Called with a response about to be retried, e.g. to release its body. */
  readonly onRetry?: (response: R) => Promise<void> | void;
}

export interface SchedulerOptions {
  readonly tenantSize?: TenantSize;
  readonly limits?: Partial<Record<BucketName, BucketLimit>>;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly maxConcurrency?: number;
  /** Share of each published limit the scheduler allows itself. */
  readonly headroom?: number;
  readonly maxRetries?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Time for a lowered capacity to climb back to the published limit. */
  readonly recoveryMs?: number;
  readonly logger?: Logger;
}

export interface RequestCounters {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Requests carried inside `$batch` envelopes, retries included. */
  batchedRequests: number;
  /** Resource units: `x-ms-resource-unit` where sent, else the model's estimate. */
  resourceUnits: number;
  /** 429 responses, including those of requests inside a batch. */
  throttled: number;
  /** Requests sent again after a 429, 503, 504 or a network failure. */
  retries: number;
}

export interface SchedulerStats {
  readonly total: RequestCounters;
  readonly byType: Readonly<Record<string, RequestCounters>>;
}

export interface BudgetView {
  readonly capacity: number;
  readonly publishedCapacity: number;
  readonly windowMs: number;
  readonly used: number;
  readonly blockedUntil: number;
}

const RETRY_STATUSES = new Set([429, 503, 504]);
/**
 * Also retried for requests that only read (GET, or a `$batch` of GETs): a transient 500 or 502
 * on a read is safe to repeat, and a backup should not lose a type to one. Writes are not
 * retried on these, as the SDKs do not (facts §1.6): the write may have happened.
 */
const READ_RETRY_STATUSES = new Set([500, 502]);

/** Whether sending the request again cannot change anything. */
export function isReadOnly(request: { readonly method: string; readonly parts?: ReadonlyArray<{ readonly method: string }> }): boolean {
  const method = request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') return true;
  return request.parts !== undefined && request.parts.length > 0 && request.parts.every((p) => p.method.toUpperCase() === 'GET');
}

export function isRetriedStatus(status: number, request: { readonly method: string; readonly parts?: ReadonlyArray<{ readonly method: string }> }): boolean {
  return RETRY_STATUSES.has(status) || (READ_RETRY_STATUSES.has(status) && isReadOnly(request));
}
const UNTYPED = '(untyped)';

interface Entry {
  readonly at: number;
  cost: number;
}

/** One limit as a sliding window of what was sent. */
class Budget {
  readonly #entries: Entry[] = [];
  #head = 0;
  #used = 0;
  #reducedAt: number | undefined;
  #reducedTo = 0;
  blockedUntil = 0;

  constructor(
    readonly name: BucketName,
    public limit: BucketLimit,
    private readonly headroom: number,
    private readonly recoveryMs: number,
  ) {}

  /** Capacity now: the published one, or a lowered one on its way back up. */
  capacity(now: number): number {
    if (this.#reducedAt === undefined) return this.limit.capacity;
    const progress = Math.min(1, (now - this.#reducedAt) / this.recoveryMs);
    if (progress >= 1) this.#reducedAt = undefined;
    return this.#reducedTo + (this.limit.capacity - this.#reducedTo) * progress;
  }

  /** Units allowed per window and the window; tiny limits (1 per second) stretch the window instead. */
  #allowance(now: number): { units: number; windowMs: number } {
    const units = this.capacity(now) * this.headroom;
    return units >= 1 ? { units, windowMs: this.limit.windowMs } : { units: 1, windowMs: this.limit.windowMs / units };
  }

  used(now: number): number {
    const { windowMs } = this.#allowance(now);
    while (this.#head < this.#entries.length && this.#entries[this.#head]!.at <= now - windowMs) {
      this.#used -= this.#entries[this.#head]!.cost;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries.splice(0, this.#head);
      this.#head = 0;
    }
    return this.#used;
  }

  /** How long a request of `cost` must wait here; 0 when it may go now. */
  waitMs(cost: number, now: number): number {
    if (now < this.blockedUntil) return this.blockedUntil - now;
    const used = this.used(now);
    const { units, windowMs } = this.#allowance(now);
    // A request bigger than the whole allowance goes alone, or it would never go.
    if (used + cost <= units || used === 0) return 0;
    let freed = 0;
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i]!;
      freed += entry.cost;
      if (used - freed + cost <= units) return Math.max(1, entry.at + windowMs - now);
    }
    return windowMs;
  }

  add(cost: number, now: number): Entry {
    const entry = { at: now, cost };
    this.#entries.push(entry);
    this.#used += cost;
    return entry;
  }

  /** Replaces an estimate with the observed cost (if the entry is still in the window, the total follows). */
  correct(entry: Entry, cost: number, now: number): void {
    const inWindow = entry.at > now - this.#allowance(now).windowMs;
    if (inWindow) this.#used += cost - entry.cost;
    entry.cost = cost;
  }

  /** Caps the capacity at `to` (never below a tenth of the published limit), recovering from now. */
  lower(to: number, now: number): void {
    const current = this.capacity(now);
    const target = Math.max(this.limit.capacity * 0.1, Math.min(current, to));
    if (target < current) {
      this.#reducedAt = now;
      this.#reducedTo = target;
    }
  }

  view(now: number): BudgetView {
    return { capacity: this.capacity(now), publishedCapacity: this.limit.capacity, windowMs: this.limit.windowMs, used: this.used(now), blockedUntil: this.blockedUntil };
  }
}

interface Allocation {
  readonly budget: Budget;
  readonly entry: Entry;
  readonly costKey: string;
  readonly type: string;
  /** Index into `parts`, or -1 for the request itself. */
  readonly part: number;
}

type Charges = ReadonlyArray<{ readonly budget: Budget; readonly cost: number; readonly costKey: string; readonly type: string; readonly part: number }>;

interface Shape {
  readonly classification: Classification;
  readonly type: string;
  readonly part: number;
}

interface Waiter {
  /** Charged when admitted, with the costs learned by then. */
  readonly shapes: readonly Shape[];
  readonly resolve: (allocations: Allocation[]) => void;
  readonly reject: (err: unknown) => void;
  readonly cleanup: () => void;
}

export function parseRetryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number.parseFloat(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function zeroCounters(): RequestCounters {
  return { requests: 0, batchedRequests: 0, resourceUnits: 0, throttled: 0, retries: 0 };
}

function isTransientNetworkError(err: unknown): boolean {
  return isRetriable(err) || (err instanceof Error && isRetriable(err.cause));
}

export class ThrottleScheduler {
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #maxConcurrency: number;
  readonly #maxRetries: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #logger: Logger;
  readonly #budgets: Map<BucketName, Budget>;
  readonly #learned = new Map<string, number>();
  readonly #queue: Waiter[] = [];
  #inFlight = 0;
  #wake: { at: number; controller: AbortController } | undefined;
  readonly #total = zeroCounters();
  readonly #byType = new Map<string, RequestCounters>();
  readonly #overrides: Partial<Record<BucketName, BucketLimit>>;

  constructor(options: SchedulerOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#maxConcurrency = options.maxConcurrency ?? 8;
    this.#maxRetries = options.maxRetries ?? 6;
    this.#baseDelayMs = options.baseDelayMs ?? 1000;
    this.#maxDelayMs = options.maxDelayMs ?? 180_000;
    this.#logger = options.logger ?? silentLogger;
    this.#overrides = options.limits ?? {};
    const headroom = options.headroom ?? 0.9;
    const recoveryMs = options.recoveryMs ?? 60_000;
    const limits = { ...defaultLimits(options.tenantSize ?? 'small'), ...this.#overrides };
    this.#budgets = new Map(
      (Object.entries(limits) as Array<[BucketName, BucketLimit]>).map(([name, limit]) => [name, new Budget(name, limit, headroom, recoveryMs)]),
    );
  }

  /** The clock every wait of this run uses. */
  get clock(): Clock {
    return this.#clock;
  }

  /** The directory quota depends on the tenant's size class, known once users are counted. */
  setTenantSize(size: TenantSize): void {
    if (this.#overrides.directory) return;
    this.#budgets.get('directory')!.limit = defaultLimits(size).directory;
    this.#pump();
  }

  stats(): SchedulerStats {
    const byType: Record<string, RequestCounters> = {};
    for (const [type, counters] of this.#byType) byType[type] = { ...counters };
    return { total: { ...this.#total }, byType };
  }

  budgets(): Record<BucketName, BudgetView> {
    const now = this.#clock.now();
    return Object.fromEntries([...this.#budgets].map(([name, budget]) => [name, budget.view(now)])) as Record<BucketName, BudgetView>;
  }

  /** Requests waiting for budget or a concurrency slot. */
  get queued(): number {
    return this.#queue.length;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** The cost the scheduler will charge for a request shape now (learned, else modelled). */
  estimate(request: RequestShape): Classification {
    return this.#withLearned(classifyRequest(request));
  }

  /** The modelled directory cost replaced by the one `x-ms-resource-unit` last reported for this shape. */
  #withLearned(classification: Classification): Classification {
    const learned = this.#learned.get(classification.costKey);
    if (learned === undefined) return classification;
    return { ...classification, charges: classification.charges.map((c) => (c.bucket === 'directory' ? { ...c, cost: learned } : c)) };
  }

  /**
   * Sends a request through the budget: waits for room, calls `send`, learns from the answer,
   * and retries 429/503/504 and transient network failures. Returns the final response.
   */
  async execute<R extends ResponseLike>(request: ScheduledRequest, send: (attempt: number) => Promise<R>, options: ExecuteOptions<R> = {}): Promise<R> {
    const { signal } = options;
    const type = request.type ?? UNTYPED;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw abortError(signal);
      const allocations = await this.#admit(request, signal);
      this.#count(type, (c) => (c.requests += 1));
      if (attempt > 0) this.#count(type, (c) => (c.retries += 1));
      let response: R;
      try {
        response = await send(attempt);
      } catch (err) {
        this.#settle(allocations, () => undefined);
        this.#release();
        if (signal?.aborted) throw abortError(signal);
        if (isTransientNetworkError(err) && attempt < this.#maxRetries) {
          await this.#clock.sleep(this.#backoffMs(attempt), signal);
          continue;
        }
        throw err;
      }
      let parts: readonly PartResult[] = [];
      try {
        if (request.parts && response.status >= 200 && response.status < 300 && options.observeParts) parts = await options.observeParts(response);
      } finally {
        // Learn from the answer before the next request is admitted.
        this.#settle(allocations, (part) => (part === -1 ? response : parts[part]));
        this.#release();
      }
      if (response.status === 429) this.#count(type, (c) => (c.throttled += 1));
      if (!isRetriedStatus(response.status, request) || attempt >= this.#maxRetries) return response;
      const delayMs = this.#delayAfter(response, allocations.map((a) => a.budget), attempt);
      this.#logger.debug({ type, status: response.status, attempt, delayMs }, 'graph request will be retried');
      await options.onRetry?.(response);
      await this.#clock.sleep(delayMs, signal);
    }
  }

  /**
   * For a request inside a batch that will be sent again: a 429 blocks its limits as a direct one
   * would; any status returns the wait (Retry-After, else backoff).
   */
  noteThrottled(request: RequestShape, headers: HeaderBag, attempt: number, status = 429): number {
    const budgets = classifyRequest(request).charges.map((c) => this.#budgets.get(c.bucket)!);
    return this.#delayAfter({ status, headers }, budgets, attempt);
  }

  /** What a request is charged, classified once; `#charges` applies the learned costs. */
  #shapes(request: ScheduledRequest): Shape[] {
    const type = request.type ?? UNTYPED;
    // A batch is evaluated request by request (facts §4, the throttling page): charge each part
    // and nothing for the envelope. Charging the envelope a write made a restore's read batches
    // eat the write budget (a large restore waited for three extra 150-second windows).
    if (request.parts) {
      return request.parts.map((part, index) => ({ classification: classifyRequest(part), type: part.type ?? type, part: index }));
    }
    return [{ classification: classifyRequest(request), type, part: -1 }];
  }

  #charges(shapes: readonly Shape[]): Charges {
    return shapes.flatMap(({ classification, type, part }) =>
      this.#withLearned(classification).charges.map((c) => ({ budget: this.#budgets.get(c.bucket)!, cost: c.cost, costKey: classification.costKey, type, part })));
  }

  #admit(request: ScheduledRequest, signal: AbortSignal | undefined): Promise<Allocation[]> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const onAbort = () => {
        const index = this.#queue.indexOf(waiter);
        if (index !== -1) this.#queue.splice(index, 1);
        reject(abortError(signal));
        this.#pump();
      };
      const waiter: Waiter = { shapes: this.#shapes(request), resolve, reject, cleanup: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /** Admits every waiter that fits, in order, and arranges to look again when the next one could. */
  #pump(): void {
    const now = this.#clock.now();
    const held = new Set<Budget>();
    let soonest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.#queue.length && this.#inFlight < this.#maxConcurrency; ) {
      const waiter = this.#queue[i]!;
      const charges = this.#charges(waiter.shapes);
      const perBudget = new Map<Budget, number>();
      for (const c of charges) perBudget.set(c.budget, (perBudget.get(c.budget) ?? 0) + c.cost);
      if ([...perBudget.keys()].some((b) => held.has(b))) {
        i++;
        continue;
      }
      let waitMs = 0;
      for (const [budget, cost] of perBudget) waitMs = Math.max(waitMs, budget.waitMs(cost, now));
      if (waitMs > 0) {
        for (const budget of perBudget.keys()) held.add(budget);
        soonest = Math.min(soonest, waitMs);
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      this.#inFlight++;
      waiter.cleanup();
      waiter.resolve(charges.map((c) => ({ budget: c.budget, entry: c.budget.add(c.cost, now), costKey: c.costKey, type: c.type, part: c.part })));
    }
    if (this.#queue.length > 0 && soonest < Number.POSITIVE_INFINITY && this.#inFlight < this.#maxConcurrency) this.#wakeIn(soonest, now);
  }

  #wakeIn(ms: number, now: number): void {
    const at = now + ms;
    if (this.#wake && this.#wake.at <= at) return;
    this.#wake?.controller.abort();
    const controller = new AbortController();
    this.#wake = { at, controller };
    this.#clock.sleep(ms, controller.signal).then(
      () => {
        if (this.#wake?.controller === controller) this.#wake = undefined;
        this.#pump();
      },
      () => undefined,
    );
  }

  #release(): void {
    this.#inFlight--;
    this.#pump();
  }

  /**
   * Books what a request (or each request of a batch) really cost and learns from its headers.
   * The first charge of a request is its service's limit (cost-model.ts): that is the unit counted
   * as its resource units; write quotas ride along.
   */
  #settle(allocations: readonly Allocation[], resultFor: (part: number) => ResponseLike | undefined): void {
    const now = this.#clock.now();
    const byPart = new Map<number, Allocation[]>();
    for (const allocation of allocations) byPart.set(allocation.part, [...(byPart.get(allocation.part) ?? []), allocation]);
    for (const [part, group] of byPart) {
      const result = resultFor(part);
      const primary = group[0]!;
      const observed = Number(result?.headers.get('x-ms-resource-unit') ?? Number.NaN);
      if (primary.budget.name === 'directory' && Number.isFinite(observed) && observed > 0) {
        primary.budget.correct(primary.entry, observed, now);
        this.#learned.set(primary.costKey, observed);
      }
      const isWriteQuota = primary.budget.name === 'directoryWrite' || primary.budget.name === 'intuneWrite';
      this.#count(primary.type, (c) => {
        if (!isWriteQuota) c.resourceUnits += primary.entry.cost;
        if (part >= 0) c.batchedRequests += 1;
        if (part >= 0 && result?.status === 429) c.throttled += 1;
      });
      const percentage = Number(result?.headers.get('x-ms-throttle-limit-percentage') ?? Number.NaN);
      if (Number.isFinite(percentage) && percentage > 0 && (primary.budget.name === 'directory' || primary.budget.name === 'intune')) {
        // The service says we use `percentage` of its limit; our window usage tells what that limit is.
        primary.budget.lower(primary.budget.used(now) / percentage, now);
      }
    }
    this.#pump();
  }

  #delayAfter(response: ResponseLike, budgets: readonly Budget[], attempt: number): number {
    const now = this.#clock.now();
    const retryAfter = parseRetryAfterMs(response.headers.get('retry-after'), now);
    const noHeaderExpected = budgets.some((b) => NO_RETRY_AFTER.has(b.name));
    const delayMs = Math.min(this.#maxDelayMs, retryAfter ?? this.#backoffMs(noHeaderExpected ? attempt + 1 : attempt));
    if (response.status === 429) {
      for (const budget of budgets) {
        budget.blockedUntil = Math.max(budget.blockedUntil, now + delayMs);
        // What we sent in the window was too much: aim below it from now on.
        budget.lower(Math.max(1, budget.used(now)) * 0.8, now);
      }
      this.#pump();
    }
    return delayMs;
  }

  /** Exponential backoff with jitter: base × 2^attempt, between 50 % and 100 % of it, capped. */
  #backoffMs(attempt: number): number {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** attempt);
    return Math.round(ceiling * (0.5 + this.#random() * 0.5));
  }

  #count(type: string, update: (counters: RequestCounters) => void): void {
    update(this.#total);
    let counters = this.#byType.get(type);
    if (!counters) this.#byType.set(type, (counters = zeroCounters()));
    update(counters);
  }
}

export function createThrottleScheduler(options: SchedulerOptions = {}): ThrottleScheduler {
  return new ThrottleScheduler(options);
}
