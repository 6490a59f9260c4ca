/**
 * Fault injection: at a chosen rate, a Graph or login request fails the way the real cloud
 * sometimes does — a 429 without cause (with Retry-After), 500/503/504 with Graph error bodies,
 * a reset connection, or a slow answer. Draws come from a seeded PRNG, so a run with the same
 * seed and the same request order meets the same faults.
 *
 * Control-API requests are never faulted; a request with the header `x-emulator-no-faults: 1`
 * opts out (for test set-up calls that must not fail).
 */
import { createRandom, type Random } from './random.js';

export type FaultKind = 'throttle' | 'internal' | 'unavailable' | 'timeout' | 'reset' | 'slow';

export interface FaultOptions {
  /** Probability per request, 0–1. */
  rate: number;
  /** Seed of the fault PRNG (default 1). */
  seed?: number | string;
  /** Relative weights; default: every kind equally likely. */
  kinds?: Partial<Record<FaultKind, number>>;
  /** Delay of a slow response (default 2,000 ms of emulator clock). */
  slowMs?: number;
  /** Retry-After of an injected 429, seconds (default 1). */
  retryAfterSeconds?: number;
}

export interface FaultDecision {
  readonly kind: FaultKind;
  readonly slowMs: number;
  readonly retryAfterSeconds: number;
}

const ALL_KINDS: readonly FaultKind[] = ['throttle', 'internal', 'unavailable', 'timeout', 'reset', 'slow'];

export class FaultInjector {
  private options: FaultOptions;
  private random: Random;

  constructor(options: FaultOptions = { rate: 0 }) {
    this.options = options;
    this.random = createRandom(options.seed ?? 1);
  }

  configure(options: FaultOptions): void {
    this.options = options;
    this.random = createRandom(options.seed ?? 1);
  }

  get settings(): Readonly<FaultOptions> {
    return this.options;
  }

  /** Decides whether this request fails, and how. */
  draw(): FaultDecision | undefined {
    const { rate } = this.options;
    if (!(rate > 0)) return undefined;
    if (!this.random.chance(rate)) return undefined;
    const weights = ALL_KINDS.map((k) => this.options.kinds?.[k] ?? (this.options.kinds ? 0 : 1));
    const kind = this.random.weighted(ALL_KINDS, weights);
    return { kind, slowMs: this.options.slowMs ?? 2_000, retryAfterSeconds: this.options.retryAfterSeconds ?? 1 };
  }
}

/** The status, Graph error code and message of each failing kind. */
export const FAULT_RESPONSES: Readonly<Record<'throttle' | 'internal' | 'unavailable' | 'timeout', { status: number; code: string; message: string }>> = {
  throttle: { status: 429, code: 'TooManyRequests', message: 'Please retry again later.' },
  internal: { status: 500, code: 'InternalServerError', message: 'An internal server error occurred.' },
  unavailable: { status: 503, code: 'serviceNotAvailable', message: 'The service is temporarily unavailable. Please retry later.' },
  timeout: { status: 504, code: 'GatewayTimeout', message: 'The gateway did not receive a timely response from the upstream server.' },
};
