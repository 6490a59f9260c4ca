/**
 * The Exchange Online admin API client: cmdlets through `POST {exchange}/adminapi/beta/{tenantId}/InvokeCommand`
 * with an app-only token for the Exchange resource (facts §8.2; unsupported by Microsoft and
 * liable to change). Used for distribution groups, which Graph cannot write (facts §8.1).
 *
 * Wire format (michev.info "Exchange Online admin API"; CIPP `New-ExoBulkRequest`; M365Permissions
 * `New-ExOQuery`): body `{"CmdletInput":{"CmdletName","Parameters"}}`, headers `X-ResponseFormat: json`,
 * `Prefer: odata.maxpagesize=1000`, `X-AnchorMailbox` routing the call (a system mailbox of the
 * tenant's initial domain for app-only calls [C]); results in `value`, further pages by POSTing
 * the same body to `@odata.nextLink`.
 *
 * Guarantees: every call goes through the run's scheduler (the `exchange` bucket, Retry-After,
 * retries) and is bounded by a timeout; links are followed only under the cloud's Exchange root,
 * so the token never leaves it; failures are TenantVaultErrors (403 → PERMISSION_MISSING naming
 * Exchange.ManageAsApp and the consent URL). Results stream page by page.
 * Not guaranteed: that the undocumented API keeps this shape.
 */
import pkg from '@microsoft/microsoft-graph-client';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { TokenCredential } from '@azure/identity';
import { TenantVaultError } from '../../errors/index.js';
import { exchangeInvokeCommandUrl, type CloudEndpoints } from '../clouds.js';
import { adminConsentUrl } from '../permissions/index.js';
import type { ExchangeCommand } from '../resources/index.js';
import { abortError } from '../../clock.js';
import { graphError } from '../graph/errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../graph/client.js';
import { NodeHttpHandler, TimeoutHandler } from '../graph/middleware.js';
import type { ThrottleScheduler } from '../graph/scheduler.js';

const { HTTPMessageHandler } = pkg;

/** The mailbox app-only calls are routed by (CIPP, M365Permissions) [C]. */
export const SYSTEM_MAILBOX = 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}';

export interface ExchangeClientOptions {
  readonly cloud: CloudEndpoints;
  readonly credential: TokenCredential;
  readonly scheduler: ThrottleScheduler;
  readonly tenantId: string;
  readonly clientId: string;
  /** The tenant's initial domain (`contoso.onmicrosoft.com`), for `X-AnchorMailbox`. */
  readonly initialDomain?: string;
  readonly trustedCaPem?: string;
  readonly requestTimeoutMs?: number;
  /** Replaces the HTTP call; for tests. */
  readonly httpHandler?: Middleware;
}

export interface InvokeOptions {
  readonly signal?: AbortSignal;
  /** Resource type served, for the scheduler's counters. */
  readonly type?: string;
  /** `$select` on the InvokeCommand URL. */
  readonly select?: readonly string[];
}

export class ExchangeClient {
  readonly #options: ExchangeClientOptions;
  readonly #root: string;
  readonly #http: Middleware;

  constructor(options: ExchangeClientOptions) {
    this.#options = options;
    this.#root = options.cloud.exchange;
    const last: Middleware = options.httpHandler ?? (options.trustedCaPem ? new NodeHttpHandler(options.trustedCaPem) : new HTTPMessageHandler());
    const timeout = new TimeoutHandler(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    timeout.setNext(last);
    this.#http = timeout;
  }

  /** Runs a cmdlet and yields every object it returns, page by page. */
  async *invoke<T = Record<string, unknown>>(command: ExchangeCommand, options: InvokeOptions = {}): AsyncGenerator<T> {
    const base = exchangeInvokeCommandUrl(this.#options.cloud, this.#options.tenantId);
    let url: string | undefined = options.select?.length ? `${base}?$select=${options.select.join(',')}` : base;
    const body = JSON.stringify({ CmdletInput: { CmdletName: command.cmdlet, Parameters: command.parameters } });
    while (url !== undefined) {
      const page = await this.#post(url, body, command.cmdlet, options);
      const value = (page as { value?: unknown }).value;
      if (Array.isArray(value)) yield* value as T[];
      const next = (page as Record<string, unknown>)['@odata.nextLink'];
      url = typeof next === 'string' ? this.#checked(next) : undefined;
    }
  }

  #checked(link: string): string {
    if (!link.startsWith(`${this.#root}/`)) {
      throw new TenantVaultError('SERVICE_ERROR', `Exchange returned a link outside ${this.#root}: ${link.replace(/\?.*$/, '')}`, {
        hint: 'The link is not followed, so the token is not sent elsewhere. Check the profile\'s cloud.',
      });
    }
    return link;
  }

  async #post(url: string, body: string, cmdlet: string, options: InvokeOptions): Promise<unknown> {
    const { signal } = options;
    const response = await this.#options.scheduler.execute(
      { method: 'POST', url, endpoint: 'exchange', ...(options.type ? { type: options.type } : {}) },
      async (attempt) => {
        const token = await this.#options.credential.getToken(this.#options.cloud.exchangeScope, { abortSignal: signal });
        if (!token) throw new TenantVaultError('AUTH_FAILED', 'The credential returned no token for Exchange Online');
        const headers: Record<string, string> = {
          Authorization: `Bearer ${token.token}`,
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'X-ResponseFormat': 'json',
          'X-CmdletName': cmdlet,
          Prefer: 'odata.maxpagesize=1000',
          'User-Agent': 'TenantVault/0.1',
          ...(this.#options.initialDomain ? { 'X-AnchorMailbox': `UPN:${SYSTEM_MAILBOX}@${this.#options.initialDomain}` } : {}),
          ...(attempt > 0 ? { 'Retry-Attempt': String(attempt) } : {}),
        };
        const context: Context = { request: url, options: { method: 'POST', headers, body, ...(signal ? { signal } : {}) } };
        try {
          await this.#http.execute(context);
        } catch (err) {
          if (signal?.aborted) throw abortError(signal);
          if (err instanceof TenantVaultError) throw err;
          throw new TenantVaultError('NETWORK', `POST ${url.replace(/\?.*$/, '')} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        return context.response!;
      },
      { signal, onRetry: async (r) => void (await r.body?.cancel().catch(() => undefined)) },
    );
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text.length === 0 ? {} : JSON.parse(text);
    } catch {
      // Leave the text: graphError quotes it.
    }
    if (!response.ok) {
      throw graphError(response.status, parsed, {
        method: 'POST', url: `${url} ${cmdlet}`, ...(options.type ? { type: options.type } : {}),
        permissions: ['Exchange.ManageAsApp'],
        consentUrl: adminConsentUrl(this.#options.cloud, this.#options.tenantId, this.#options.clientId),
        requestId: response.headers.get('request-id'),
      });
    }
    return parsed;
  }
}

export function createExchangeClient(options: ExchangeClientOptions): ExchangeClient {
  return new ExchangeClient(options);
}
