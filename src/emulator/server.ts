/**
 * The emulator's HTTP front door. One port serves plain HTTP and HTTPS (the first byte of a
 * connection tells a TLS handshake apart), because MSAL — and so `@azure/identity` — refuses
 * authorities that are not `https:`, while scripts and curl are happier with plain HTTP. The TLS
 * certificate is generated at start (self-signed, `CA:TRUE`, for localhost/127.0.0.1/::1 and the
 * bound host); clients trust it through `caCertificate`.
 *
 * Routing: `/_emulator/…` control API (loopback only) → mounted services (Exchange, DevOps) →
 * `/v1.0/…` and `/beta/…` Graph → the sign-in endpoints `/{tenant}/…`.
 * Requests are served with keep-alive; per-request work is small (no framework) so a simple GET
 * costs well under a millisecond of CPU.
 */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Logger } from '../logging/index.js';
import { systemClock, type Clock } from '../clock.js';
import { EmulatorControl, tenantInfo, type TenantInfo } from './control.js';
import { handleControl } from './control-http.js';
import type { FaultOptions } from './faults.js';
import { errorBody, innerErrorDate } from './graph/errors.js';
import type { GraphModule } from './graph/module.js';
import type { GraphRequest, GraphVersion, HttpMethod } from './graph/types.js';
import type { TenantSpec } from './generate/directory.js';
import type { EmulatorService, HttpRequestInfo, HttpResult } from './http.js';
import type { LoginSettings } from './login/service.js';
import { builtInModules, builtInServices } from './modules.js';
import { EmulatorRuntime } from './runtime.js';
import { createCertificate } from './tls/x509.js';
import type { ThrottleLimitOverrides } from './throttle/index.js';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  tenants: readonly TenantSpec[];
  /** Throttling on (default) or off; resource-unit headers are sent either way. */
  throttle?: boolean;
  /** Lower (or raise) the published limits, e.g. to provoke 429s in a test. */
  throttleLimits?: ThrottleLimitOverrides;
  faults?: FaultOptions;
  clock?: Clock;
  logger?: Logger;
  /** Graph modules to serve (default: the built-in ones, see modules.ts). */
  modules?: readonly GraphModule[];
  /** Extra non-Graph services (Exchange admin API, Azure DevOps). */
  services?: readonly EmulatorService[];
  login?: Partial<LoginSettings>;
}

export interface Emulator {
  /** `http://host:port` — the base for login and Graph alike. */
  readonly url: string;
  /** The authority host for sign-in (`{loginUrl}/{tenantId}/oauth2/v2.0/token`); same as `url`. */
  readonly loginUrl: string;
  /** The Graph root (`{graphUrl}/v1.0/users`); same as `url`. */
  readonly graphUrl: string;
  /** The same port over TLS, for MSAL/@azure/identity and the Graph SDK (they require https). */
  readonly httpsUrl: string;
  /** PEM of the TLS certificate to trust (it is its own CA). */
  readonly caCertificate: string;
  /** Hosted tenants with their admin app credentials (current list). */
  readonly tenants: readonly TenantInfo[];
  readonly control: EmulatorControl;
  /** The underlying state, for tests that need to look inside. */
  readonly runtime: EmulatorRuntime;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 50 * 1024 * 1024;

function serverCertificate(host: string): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Date.now();
  const names = ['localhost', '127.0.0.1', '::1'];
  if (host && !names.includes(host) && host !== '0.0.0.0' && host !== '::') names.push(host);
  const cert = createCertificate({
    commonName: 'Tenant Vault emulator', publicKey, signingKey: privateKey, altNames: names, isCa: true,
    notBefore: new Date(now - 24 * 3600 * 1000), notAfter: new Date(now + 365 * 24 * 3600 * 1000),
  });
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: cert.pem };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, result: HttpResult): void {
  if (result.resetConnection) {
    res.socket?.destroy();
    return;
  }
  const headers: Record<string, string> = { ...result.headers };
  let payload: Buffer | undefined;
  if (result.body !== undefined) {
    if (Buffer.isBuffer(result.body)) payload = result.body;
    else if (typeof result.body === 'string') {
      payload = Buffer.from(result.body, 'utf8');
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else {
      payload = Buffer.from(JSON.stringify(result.body), 'utf8');
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
  }
  headers['content-length'] = String(payload?.length ?? 0);
  res.writeHead(result.status, headers);
  res.end(payload);
}

const GRAPH_METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '127.0.0.1';
  const runtime = await EmulatorRuntime.create({
    clock, logger: options.logger, throttle: options.throttle, throttleLimits: options.throttleLimits, faults: options.faults, modules: options.modules ?? builtInModules(), login: options.login,
  });
  for (const spec of options.tenants) await runtime.addTenant(spec);
  const control = new EmulatorControl(runtime);
  const services = options.services ?? builtInServices();
  const tls = serverCertificate(host);

  const handle = async (info: HttpRequestInfo): Promise<HttpResult> => {
    const path = info.path;
    if (path === '/_emulator' || path.startsWith('/_emulator/')) return handleControl(control, info);
    for (const s of services) if (s.matches(path)) return s.handle(info, runtime);
    const version = path.startsWith('/v1.0/') || path === '/v1.0' ? 'v1.0' : path.startsWith('/beta/') || path === '/beta' ? 'beta' : undefined;
    if (version) return handleGraph(info, version);
    const form = (info.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded') ? new URLSearchParams(info.body.toString('utf8')) : new URLSearchParams();
    const login = await runtime.login.handle({ method: info.method, path, query: new URLSearchParams(info.rawQuery), form, origin: info.origin });
    if (login) return login;
    return { status: 404, body: { error: { code: 'NotFound', message: `The emulator serves no endpoint at ${info.method} ${path}.` } } };
  };

  const handleGraph = async (info: HttpRequestInfo, version: GraphVersion): Promise<HttpResult> => {
    const ids = () => {
      const id = info.headers['client-request-id'] ?? 'emulator';
      return { requestId: id, clientRequestId: id, date: innerErrorDate(clock.now()) };
    };
    if (!GRAPH_METHODS.has(info.method)) {
      return { status: 405, body: errorBody('Request_BadRequest', 'Specified HTTP method is not allowed for the request target.', ids()) };
    }
    let body: unknown;
    if (info.body.length > 0) {
      const type = info.headers['content-type'] ?? '';
      if (type.includes('json') || (type === '' && (info.body[0] === 0x7b || info.body[0] === 0x5b))) {
        try {
          body = JSON.parse(info.body.toString('utf8'));
        } catch {
          return { status: 400, body: errorBody('BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', ids()) };
        }
      }
    }
    const pathNoVersion = info.path.slice(version.length + 1);
    const req: GraphRequest = {
      method: info.method as HttpMethod,
      version,
      path: pathNoVersion === '' ? '/' : pathNoVersion,
      rawQuery: info.rawQuery,
      headers: info.headers,
      body,
      rawBody: info.body,
      origin: info.origin,
    };
    return runtime.graph.handle(req);
  };

  const onRequest = (scheme: 'http' | 'https') => (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    let path = rawPath;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      // keep it raw; routing will not find it
    }
    readBody(req)
      .then((body) =>
        handle({
          method: (req.method ?? 'GET').toUpperCase(),
          path,
          rawPath,
          rawQuery: q < 0 ? '' : url.slice(q + 1),
          headers: req.headers as Record<string, string | undefined>,
          body,
          origin: `${scheme}://${req.headers.host ?? `${host}:${port}`}`,
          remoteAddress: req.socket.remoteAddress ?? '',
        }),
      )
      .then((result) => send(res, result))
      .catch((err: unknown) => {
        runtime.logger.error({ err }, 'emulator request failed');
        if (!res.headersSent) send(res, { status: 500, body: { error: { code: 'InternalServerError', message: String(err) } } });
      });
  };

  const plain = http.createServer({ keepAliveTimeout: 30_000 }, onRequest('http'));
  const secure = https.createServer({ key: tls.key, cert: tls.cert, keepAliveTimeout: 30_000 }, onRequest('https'));
  const sockets = new Set<net.Socket>();
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('readable', () => {
      const first = socket.read(1) as Buffer | null;
      if (!first) {
        socket.destroy();
        return;
      }
      socket.unshift(first);
      // 0x16 = TLS handshake record.
      (first[0] === 0x16 ? secure : plain).emit('connection', socket);
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (front.address() as net.AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  const httpsUrl = `https://${shownHost}:${port}`;

  return {
    url,
    loginUrl: url,
    graphUrl: url,
    httpsUrl,
    caCertificate: tls.cert,
    get tenants() {
      return runtime.listTenants().map(tenantInfo);
    },
    control,
    runtime,
    close: () =>
      new Promise<void>((resolve) => {
        front.close(() => resolve());
        plain.closeAllConnections();
        secure.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}
