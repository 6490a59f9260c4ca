/**
 * Our links in the Graph SDK's middleware chain (client.ts assembles them):
 * - `SchedulingHandler` sends every request through the run's ThrottleScheduler (budget, learning,
 *   Retry-After, retries) and keeps our own error for the caller, which the SDK would wrap;
 * - `AuthHandler` adds the app token for the cloud's Graph scope (the SDK's handler only does so
 *   for hosts it knows);
 * - `NodeHttpHandler` makes the HTTP call over node:https when extra CA certificates must be
 *   trusted (the emulator), since global fetch cannot take a CA without the undici package;
 * - `TimeoutHandler` bounds each attempt (headers and body): a stalled connection becomes a
 *   retriable NETWORK error for the scheduler instead of hanging a backup.
 * Per-request data travels in a `RequestTag`, the SDK's MiddlewareOptions mechanism.
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import type { TokenCredential } from '@azure/identity';
import { TenantVaultError } from '../../errors/index.js';
import type { PartResult, ScheduledRequest, ThrottleScheduler } from './scheduler.js';

const USER_AGENT = 'TenantVault/0.1';

/** Per-request data for our middlewares, carried by the SDK's MiddlewareControl. */
export class RequestTag implements MiddlewareOptions {
  error: unknown;
  constructor(
    readonly request: ScheduledRequest,
    readonly signal: AbortSignal | undefined,
    readonly observeParts?: (response: Response) => Promise<readonly PartResult[]>,
  ) {}
}

function tagOf(context: Context): RequestTag | undefined {
  return context.middlewareControl?.getMiddlewareOptions(RequestTag) as RequestTag | undefined;
}

function setHeader(context: Context, name: string, value: string): void {
  const options = (context.options ??= {});
  const headers = options.headers;
  if (headers instanceof Headers) headers.set(name, value);
  else options.headers = { ...(headers as Record<string, string> | undefined), [name]: value };
}

/** Waits for budget, sends, learns, retries 429/503/504 (scheduler.ts). */
export class SchedulingHandler implements Middleware {
  #next!: Middleware;
  constructor(private readonly scheduler: ThrottleScheduler) {}
  setNext(next: Middleware): void {
    this.#next = next;
  }
  async execute(context: Context): Promise<void> {
    const tag = tagOf(context);
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const request: ScheduledRequest = tag?.request ?? { method: context.options?.method ?? 'GET', url };
    try {
      context.response = await this.scheduler.execute(
        request,
        async (attempt) => {
          context.response = undefined;
          if (attempt > 0) setHeader(context, 'Retry-Attempt', String(attempt));
          await this.#next.execute(context);
          return context.response!;
        },
        {
          signal: tag?.signal,
          ...(tag?.observeParts ? { observeParts: tag.observeParts } : {}),
          onRetry: async (response) => {
            await response.body?.cancel().catch(() => undefined);
          },
        },
      );
    } catch (err) {
      // The SDK would wrap this into a GraphError; keep ours for the caller.
      if (tag) tag.error = err;
      throw err;
    }
  }
}

/** Adds the app token for the cloud's Graph scope. */
export class AuthHandler implements Middleware {
  #next!: Middleware;
  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
  ) {}
  setNext(next: Middleware): void {
    this.#next = next;
  }
  async execute(context: Context): Promise<void> {
    const token = await this.credential.getToken(this.scope, { abortSignal: tagOf(context)?.signal });
    if (!token) throw new TenantVaultError('AUTH_FAILED', 'The credential returned no token');
    setHeader(context, 'Authorization', `Bearer ${token.token}`);
    setHeader(context, 'User-Agent', USER_AGENT);
    await this.#next.execute(context);
  }
}

/** The HTTP call over node:https with extra trusted CAs (global fetch cannot take a CA without undici). */
export class NodeHttpHandler implements Middleware {
  constructor(private readonly ca: string) {}
  execute(context: Context): Promise<void> {
    const url = new URL(typeof context.request === 'string' ? context.request : context.request.url);
    const options = context.options ?? {};
    const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
    const body = options.body as string | Buffer | undefined;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: options.method ?? 'GET', headers: Object.fromEntries(headers), ca: this.ca, signal: options.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          const status = res.statusCode ?? 500;
          const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          context.response = new Response(payload, { status, headers: responseHeaders });
          resolve();
        });
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}

/**
 * Bounds one HTTP attempt, body included, by `timeoutMs` of real time (a stalled socket does not
 * follow an injected clock). The body is read inside the bound and handed on buffered, so no
 * later read can stall either; a timeout is a retriable NETWORK error the scheduler retries, while
 * the caller's own abort stays an abort.
 */
export class TimeoutHandler implements Middleware {
  #next!: Middleware;
  constructor(private readonly timeoutMs: number) {}
  setNext(next: Middleware): void {
    this.#next = next;
  }
  async execute(context: Context): Promise<void> {
    const options = (context.options ??= {});
    const outer = options.signal ?? undefined;
    const timer = new AbortController();
    const handle = setTimeout(() => timer.abort(), this.timeoutMs);
    handle.unref?.();
    options.signal = outer ? AbortSignal.any([outer, timer.signal]) : timer.signal;
    try {
      await this.#next.execute(context);
      const response = context.response;
      if (response && response.body !== null) {
        const body = await response.arrayBuffer();
        context.response = new Response(response.status === 204 || response.status === 304 ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
      }
    } catch (err) {
      if (timer.signal.aborted && !outer?.aborted) {
        const url = typeof context.request === 'string' ? context.request : context.request.url;
        throw new TenantVaultError('NETWORK', `No complete answer from ${url.replace(/\?.*$/, '')} within ${this.timeoutMs} ms`, { cause: err });
      }
      throw err;
    } finally {
      clearTimeout(handle);
      options.signal = outer ?? null;
    }
  }
}
