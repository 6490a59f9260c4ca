/**
 * The Microsoft clouds Tenant Vault can talk to, as one table of endpoints, and
 * `resolveCloud`, which turns a profile's `--cloud` value into endpoints.
 *
 * Guarantees: a cloud name gives the documented roots of that cloud; a URL gives a custom cloud
 * whose every endpoint is that one origin (how profiles point at the emulator: login
 * `{url}/{tenant}/oauth2/v2.0/token`, Graph `{url}/v1.0/...`, Exchange
 * `{url}/adminapi/beta/{tenantId}/InvokeCommand`). Roots never end with a slash.
 * Not guaranteed: that a service exists in a cloud — where Microsoft offers none, the field is
 * `undefined` and the caller must say so.
 *
 * Sources:
 * - Entra ID and Graph roots per national cloud: https://learn.microsoft.com/graph/deployments
 *   ("App registration and token service root endpoints", "Microsoft Graph and Graph Explorer
 *   service root endpoints"); the SDK page https://learn.microsoft.com/graph/sdks/national-clouds
 *   says scopes must use the national cloud's Graph root.
 * - Exchange Online roots: the Exchange Online PowerShell module's environments
 *   (`Connect-ExchangeOnline -ExchangeEnvironmentName O365USGovGCCHigh | O365China`), whose
 *   connection URIs are outlook.office365.us and partner.outlook.cn (MicrosoftDocs/office-docs-powershell
 *   `exchange/docs-conceptual/app-only-auth-powershell-v2.md`); the admin API path is in
 *   ../shared/facts/graph-api.md §8.2.
 * - Azure DevOps: https://dev.azure.com ([I] Azure DevOps Services is offered only in the global
 *   cloud; GCC High and 21Vianet customers run Azure DevOps Server, which this product does not cover).
 */
import { TenantVaultError } from '../errors/index.js';

export type CloudName = 'public' | 'usgov' | 'china';

export interface CloudEndpoints {
  /** The table's name, or `custom` for a URL. */
  readonly name: CloudName | 'custom';
  /** Entra ID authority host, e.g. `https://login.microsoftonline.com`. */
  readonly authorityHost: string;
  /** Graph service root without version, e.g. `https://graph.microsoft.com`. */
  readonly graph: string;
  /** Exchange Online root; the admin API is `{exchange}/adminapi/beta/{tenantId}/InvokeCommand`. */
  readonly exchange: string;
  /** Azure DevOps Services root, or undefined where the service is not offered. */
  readonly devops: string | undefined;
  /** Scope for an app-only Graph token. */
  readonly graphScope: string;
  /** Scope for an app-only Exchange Online token. */
  readonly exchangeScope: string;
  /** Scope for Azure DevOps (its resource app id, the same in every cloud). */
  readonly devopsScope: string;
}

const DEVOPS_SCOPE = '499b84ac-1321-427f-aa17-267ca6975798/.default';

function cloud(name: CloudName, authorityHost: string, graph: string, exchange: string, devops: string | undefined): CloudEndpoints {
  return Object.freeze({
    name, authorityHost, graph, exchange, devops,
    graphScope: `${graph}/.default`, exchangeScope: `${exchange}/.default`, devopsScope: DEVOPS_SCOPE,
  });
}

export const CLOUDS: Readonly<Record<CloudName, CloudEndpoints>> = Object.freeze({
  public: cloud('public', 'https://login.microsoftonline.com', 'https://graph.microsoft.com', 'https://outlook.office365.com', 'https://dev.azure.com'),
  // GCC High ("Microsoft Graph for US Government L4"); DoD (dod-graph.microsoft.us) is not offered.
  usgov: cloud('usgov', 'https://login.microsoftonline.us', 'https://graph.microsoft.us', 'https://outlook.office365.us', undefined),
  china: cloud('china', 'https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn', 'https://partner.outlook.cn', undefined),
});

export function isCloudName(value: string): value is CloudName {
  return Object.prototype.hasOwnProperty.call(CLOUDS, value);
}

/**
 * A cloud name (`public`, `usgov`, `china`) or an http(s) URL. A URL becomes a custom cloud
 * with every endpoint at that origin (plus any path prefix). Its scopes stay those of the public
 * cloud, because the emulator stands in for the public cloud and tokens name the real audience.
 */
export function resolveCloud(nameOrUrl: string): CloudEndpoints {
  const value = nameOrUrl.trim();
  if (isCloudName(value)) return CLOUDS[value];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TenantVaultError('CONFIG_INVALID', `Unknown cloud "${nameOrUrl}"`, {
      hint: `Use one of ${Object.keys(CLOUDS).join(', ')}, or an http(s) URL such as the emulator's.`,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TenantVaultError('CONFIG_INVALID', `Cloud URL "${nameOrUrl}" must use http or https`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new TenantVaultError('CONFIG_INVALID', `Cloud URL "${nameOrUrl}" must not carry a query, fragment or credentials`);
  }
  const root = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const pub = CLOUDS.public;
  return Object.freeze({
    name: 'custom', authorityHost: root, graph: root, exchange: root, devops: root,
    graphScope: pub.graphScope, exchangeScope: pub.exchangeScope, devopsScope: pub.devopsScope,
  });
}

/** The Exchange Online admin API's InvokeCommand URL for a tenant (facts §8.2). */
export function exchangeInvokeCommandUrl(cloudEndpoints: CloudEndpoints, tenantId: string): string {
  return `${cloudEndpoints.exchange}/adminapi/beta/${encodeURIComponent(tenantId)}/InvokeCommand`;
}
