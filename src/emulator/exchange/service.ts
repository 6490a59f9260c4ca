/**
 * The Exchange Online admin API ("Exchange Online PowerShell V3 REST", facts §8.2) as an
 * emulator service: `POST /adminapi/beta/{tenant}/InvokeCommand` with
 * `{"CmdletInput":{"CmdletName":"…","Parameters":{…}}}`.
 *
 * Wire format, from public clients (michev.info "All you need to know about Exchange Online Admin
 * API"; GreyCorbel/ExoHelper `Invoke-ExoCommand.ps1` and `Get-ExoException.ps1`; error bodies quoted
 * in public reports of `ManagementObjectNotFoundException`):
 * - `{tenant}` is the tenant ID or one of its domains and must be the token's tenant;
 * - the token is app-only for `https://outlook.office365.com` with the role `Exchange.ManageAsApp`
 *   (or a delegated `Exchange.Manage` scope), and the app's service principal must hold an Exchange
 *   directory role — Exchange Administrator, Exchange Recipient Administrator or Global
 *   Administrator (facts §8.2); otherwise 401 / 403;
 * - success: 200 `{"@odata.context", "adminapi.warnings@odata.type", "@adminapi.warnings": [...],
 *   "value": [...]}`; results are paged by `Prefer: odata.maxpagesize=n` (default 1000 [I]) and the
 *   client POSTs the same body to `@odata.nextLink`; `?$select=a,b` trims each object;
 * - failure: `{"error":{"code":"NotFound","message":"Error executing cmdlet","details":[{"code":"Client",
 *   "target":"","message":"Ex6F9304|<exception type>|<text>"}],"innererror":{…}}}` with the HTTP
 *   status of the failure.
 * Requests are counted in the emulator's stats (endpoint `POST /adminapi/InvokeCommand <cmdlet>`);
 * Exchange publishes no throttling limit, so none is applied [I].
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorService, HttpRequestInfo, HttpResult } from '../http.js';
import { jsonBody } from '../http.js';
import { decodeToken, encodeToken } from '../graph/odata/tokens.js';
import type { Caller } from '../graph/types.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { TenantState } from '../state/tenant.js';
import { ExchangeCmdletError, runCmdlet, type CmdletResult } from './cmdlets.js';

export const EXCHANGE_AUDIENCES: ReadonlySet<string> = new Set(['https://outlook.office365.com', 'https://outlook.office365.com/', '00000002-0000-0ff1-ce00-000000000000']);

/** Directory roles that open app-only Exchange (templates of Exchange Administrator, Exchange Recipient Administrator, Global Administrator). */
const EXCHANGE_ROLES = new Set(['29232cdf-9323-42fd-ade2-1d097af3e4de', '31392ffb-586c-42d1-9346-e59415a2cc4e', '62e90394-69f5-4237-9190-012177145e10']);

const DEFAULT_PAGE = 1000;
const PATH = /^\/adminapi\/(beta|v1\.0)\/([^/]+)\/InvokeCommand$/i;
const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

function errorResult(status: number, code: string, message: string, requestId: string, detail?: string): HttpResult {
  return {
    status,
    headers: { 'content-type': JSON_TYPE, 'request-id': requestId },
    body: {
      error: {
        code,
        message,
        ...(detail ? { details: [{ code: 'Client', target: '', message: detail }] } : {}),
        innererror: { message, type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException', 'request-id': requestId },
      },
    },
  };
}

/** Whether the service principal holds an Exchange role: as an activated directory role's member or by a tenant-wide role assignment. */
function hasExchangeRole(tenant: TenantState, servicePrincipalId: string | null): boolean {
  if (!servicePrincipalId) return false;
  const sp = tenant.directory.handle(servicePrincipalId);
  for (const role of tenant.store('directoryRoles').values()) {
    if (!EXCHANGE_ROLES.has(String(role.roleTemplateId))) continue;
    const handle = tenant.directory.handle(role.id);
    if (sp !== undefined && handle !== undefined && tenant.relations.roleMembers.has(handle, sp)) return true;
  }
  for (const a of tenant.store('roleAssignments').values()) {
    if (a.principalId === servicePrincipalId && EXCHANGE_ROLES.has(String(a.roleDefinitionId)) && (a.directoryScopeId ?? '/') === '/') return true;
  }
  return false;
}

function pageSize(req: HttpRequestInfo): number {
  const prefer = `${req.headers['prefer'] ?? ''},${req.headers['x-prefer'] ?? ''}`;
  const m = /odata\.maxpagesize=(\d+)/i.exec(prefer);
  const n = m ? Number(m[1]) : DEFAULT_PAGE;
  return n > 0 ? n : DEFAULT_PAGE;
}

function select(value: Record<string, unknown>[], rawQuery: string): Record<string, unknown>[] {
  const selected = new URLSearchParams(rawQuery).get('$select');
  if (!selected) return value;
  const names = selected.split(',').map((s) => s.trim()).filter(Boolean);
  return value.map((item) => {
    const out: Record<string, unknown> = {};
    for (const n of names) {
      const key = Object.keys(item).find((k) => k.toLowerCase() === n.toLowerCase());
      if (key) out[key] = item[key];
    }
    return out;
  });
}

export const exchangeService: EmulatorService = {
  name: 'exchange',
  matches: (path) => path.toLowerCase().startsWith('/adminapi/'),
  async handle(req: HttpRequestInfo, runtime: EmulatorRuntime): Promise<HttpResult> {
    const requestId = req.headers['client-request-id'] ?? randomUUID();
    const m = PATH.exec(req.path);
    if (!m) return errorResult(404, 'NotFound', `The emulator's Exchange admin API serves only POST /adminapi/beta/{tenant}/InvokeCommand, not ${req.path}.`, requestId);
    if (req.method !== 'POST') return errorResult(405, 'MethodNotAllowed', 'The requested resource does not support http method \'' + req.method + "'.", requestId);

    const auth = await runtime.authenticate(req.headers['authorization'], EXCHANGE_AUDIENCES);
    if ('error' in auth) return { ...errorResult(auth.error.status, auth.error.code, auth.error.message, requestId), headers: { ...auth.error.headers, 'content-type': JSON_TYPE, 'request-id': requestId } };
    const { caller, tenant } = auth;
    const named = runtime.tenant(decodeURIComponent(m[2] as string));
    if (!named || named.state !== tenant) return errorResult(401, 'Unauthorized', `The tenant '${m[2]}' in the URL is not the token's tenant.`, requestId);

    const record = (status: number, cmdlet: string, write: boolean): void => {
      runtime.stats.record({ tenantId: tenant.tenantId, appId: caller.appId, endpoint: `POST /adminapi/InvokeCommand ${cmdlet}`, resourceUnits: 0, write, throttled: false, fault: false, status });
    };
    const denied = authorize(caller, tenant);
    if (denied) {
      record(denied.status, '(unauthorized)', false);
      return errorResult(denied.status, denied.code, denied.message, requestId);
    }

    let body: unknown;
    try {
      body = jsonBody(req);
    } catch {
      return errorResult(400, 'BadRequest', 'The request body is not valid JSON.', requestId);
    }
    const input = (body as { CmdletInput?: { CmdletName?: unknown; Parameters?: unknown } } | undefined)?.CmdletInput;
    if (!input || typeof input.CmdletName !== 'string' || input.CmdletName === '') {
      return errorResult(400, 'BadRequest', "The request body must be {\"CmdletInput\":{\"CmdletName\":\"…\",\"Parameters\":{…}}}.", requestId);
    }
    const cmdlet = input.CmdletName;
    const parameters = input.Parameters === undefined || input.Parameters === null ? {} : input.Parameters;
    if (typeof parameters !== 'object' || Array.isArray(parameters)) return errorResult(400, 'BadRequest', 'CmdletInput.Parameters must be an object.', requestId);
    const write = !/^get-/i.test(cmdlet);

    let result: CmdletResult;
    try {
      result = runCmdlet(
        { tenant, requestId, initiator: { appId: caller.appId, appDisplayName: caller.appDisplayName, servicePrincipalId: caller.servicePrincipalId, userId: caller.userId, userPrincipalName: caller.userPrincipalName } },
        cmdlet,
        parameters as Record<string, unknown>,
      );
    } catch (err) {
      if (!(err instanceof ExchangeCmdletError)) throw err;
      record(err.status, cmdlet, write);
      return errorResult(err.status, err.code, 'Error executing cmdlet', requestId, err.detail);
    }

    // Paging: the same body is POSTed to the next link; the token is the offset reached.
    const size = pageSize(req);
    const params = new URLSearchParams(req.rawQuery);
    const token = params.get('$skiptoken');
    const offset = token ? decodeToken<{ o: number }>('E', token).o : 0;
    const page = result.value.slice(offset, offset + size);
    const out: Record<string, unknown> = {
      '@odata.context': `${req.origin}/adminapi/beta/${tenant.tenantId}/$metadata#Collection(Exchange.GenericHashTable)`,
      'adminapi.warnings@odata.type': '#Collection(String)',
      '@adminapi.warnings': result.warnings,
      value: select(page, req.rawQuery),
    };
    if (offset + size < result.value.length) {
      params.set('$skiptoken', encodeToken('E', { o: offset + size }));
      out['@odata.nextLink'] = `${req.origin}${req.rawPath}?${params.toString().replace(/%24/g, '$').replace(/%2C/g, ',')}`;
    }
    record(200, cmdlet, write);
    return { status: 200, headers: { 'content-type': JSON_TYPE, 'request-id': requestId }, body: out };
  },
};

function authorize(caller: Caller, tenant: TenantState): { status: number; code: string; message: string } | undefined {
  if (caller.kind === 'delegated') {
    return caller.scopes.has('Exchange.Manage') ? undefined : { status: 401, code: 'Unauthorized', message: 'The token has no Exchange.Manage scope.' };
  }
  if (!caller.roles.has('Exchange.ManageAsApp')) {
    return { status: 401, code: 'Unauthorized', message: 'The token has no Exchange.ManageAsApp role; grant the application permission Exchange.ManageAsApp of Office 365 Exchange Online and consent to it.' };
  }
  if (!hasExchangeRole(tenant, caller.servicePrincipalId)) {
    return {
      status: 403,
      code: 'Forbidden',
      message: `The role assigned to application ${caller.appId} isn't supported in this scenario. Please check online documentation for assigning correct Directory Roles to Azure AD Application for EXO App-Only Authentication.`,
    };
  }
  return undefined;
}
