/**
 * `CallBatcher`: the one way restore talks to Graph. Requests made in the same turn of the event
 * loop are sent together as `$batch` requests of up to 20 (facts §4), through the connection's
 * scheduler, so the write budget (3,000 writes per 150 s per app and tenant, facts §1.2) is
 * honoured for every request inside a batch.
 *
 * Guarantees:
 * - reads and idempotent writes answered 429/503/504 are sent again after `Retry-After` (the
 *   client's batch retry); a non-idempotent write (a create) is not — its throttled answer comes
 *   back to the caller, which checks whether it happened before trying again (a request inside a
 *   batch can return 429 although the operation completed, facts §4);
 * - an HTTP status never throws: the result carries it, with a TenantVaultError for non-2xx;
 *   network failures and aborts reject every request of the batch that failed.
 * Not guaranteed: the order in which requests of one batch are executed (Graph runs them in any order).
 */
import { BATCH_LIMIT, type ApiVersion, type BatchRequest, type GraphClient } from '../../../connectors/index.js';
import type { CallResult, GraphCall } from './types.js';

interface Waiting {
  readonly call: GraphCall;
  readonly resolve: (result: CallResult) => void;
  readonly reject: (err: unknown) => void;
}

export class CallBatcher {
  readonly #queues = new Map<ApiVersion, Waiting[]>();
  #scheduled = false;
  #sent = 0;
  #writes = 0;

  constructor(
    private readonly graph: GraphClient,
    private readonly options: { readonly signal?: AbortSignal } = {},
  ) {}

  /** Requests handed to Graph so far (inner requests of batches counted one by one). */
  get sent(): number {
    return this.#sent;
  }

  /** Of those, the ones that write (POST, PATCH, PUT, DELETE), each counted once however often it was retried. */
  get writes(): number {
    return this.#writes;
  }

  call(call: GraphCall): Promise<CallResult> {
    const api = call.api ?? 'v1.0';
    return new Promise<CallResult>((resolve, reject) => {
      const queue = this.#queues.get(api) ?? [];
      this.#queues.set(api, queue);
      queue.push({ call, resolve, reject });
      if (queue.length >= BATCH_LIMIT) this.#flush(api);
      else if (!this.#scheduled) {
        this.#scheduled = true;
        // Everything asked for in this turn of the event loop goes out together.
        setImmediate(() => {
          this.#scheduled = false;
          for (const pending of [...this.#queues.keys()]) this.#flush(pending);
        });
      }
    });
  }

  #flush(api: ApiVersion): void {
    const queue = this.#queues.get(api);
    while (queue && queue.length > 0) {
      const chunk = queue.splice(0, BATCH_LIMIT);
      void this.#send(api, chunk);
    }
  }

  async #send(api: ApiVersion, chunk: readonly Waiting[]): Promise<void> {
    const requests: Array<BatchRequest & { key: string }> = chunk.map((w, i) => ({
      key: String(i), method: w.call.method, url: w.call.url,
      ...(w.call.body !== undefined ? { body: w.call.body } : {}),
      ...(w.call.headers ? { headers: w.call.headers } : {}),
      ...(w.call.type ? { type: w.call.type } : {}),
    }));
    const settled = new Set<number>();
    this.#sent += chunk.length;
    this.#writes += chunk.filter((w) => w.call.method !== 'GET' && !/\/getByIds$/.test(w.call.url)).length;
    try {
      for await (const result of this.graph.batch(requests, {
        api, ...(this.options.signal ? { signal: this.options.signal } : {}),
        retry: (request) => {
          const waiting = chunk[Number(request.key)];
          return request.method === 'GET' || waiting?.call.idempotent === true;
        },
      })) {
        const index = Number(result.key);
        settled.add(index);
        chunk[index]?.resolve({
          status: result.status, body: result.body, headers: result.headers, ...(result.error ? { error: result.error } : {}),
        });
      }
    } catch (err) {
      chunk.forEach((w, i) => {
        if (!settled.has(i)) w.reject(err);
      });
    }
  }
}
