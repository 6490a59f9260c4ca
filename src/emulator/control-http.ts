/**
 * The control API over HTTP, under `/_emulator` (documented in docs/emulator.md). JSON in and
 * out; errors are `{ "error": { "message" } }` with a 4xx status. Only loopback clients are served.
 * Overrides registered over HTTP are static responses (status, headers, body) since a process
 * outside cannot pass a handler.
 */
import type { EmulatorControl } from './control.js';
import { ControlError } from './control.js';
import { isLoopback, jsonBody, type HttpRequestInfo, type HttpResult } from './http.js';
import type { HttpMethod } from './graph/types.js';

const ok = (body: unknown, status = 200): HttpResult => ({ status, body });

const APPROVE_PAGE = `<!doctype html><html><head><title>Emulated device sign-in</title></head><body>
<h1>Emulated device sign-in</h1>
<form method="post" action="/_emulator/device/approve">
<label>Code <input name="userCode" autofocus></label>
<label>User (optional UPN) <input name="user"></label>
<button type="submit">Approve</button>
</form></body></html>`;

export async function handleControl(control: EmulatorControl, req: HttpRequestInfo): Promise<HttpResult> {
  if (!isLoopback(req.remoteAddress)) return { status: 403, body: { error: { message: 'the control API only answers loopback clients' } } };
  const segs = req.path.split('/').filter(Boolean).slice(1);
  const method = req.method;
  try {
    const body = (() => {
      if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(req.body.toString('utf8')));
      return (jsonBody(req) ?? {}) as Record<string, unknown>;
    })() as Record<string, unknown>;
    const [a, b, c] = segs;
    if (a === 'health' && method === 'GET') return ok({ status: 'ok' });
    if (a === 'tenants' && !b && method === 'GET') return ok({ tenants: control.listTenants() });
    if (a === 'tenants' && !b && method === 'POST') return ok(await control.createTenant(body as never), 201);
    if (a === 'tenants' && b && c === 'apps' && method === 'POST') return ok(control.registerApp(b, body as never), 201);
    if (a === 'tenants' && b && c === 'reset' && method === 'POST') return ok(await control.reset(b));
    if (a === 'tenants' && b && c === 'delta-reset' && method === 'POST') {
      control.setDeltaReset(b, body.enabled !== false);
      return ok({ enabled: body.enabled !== false });
    }
    if (a === 'tenants' && b && c === 'sign-in-user' && method === 'PUT') return ok({ userId: control.setSignInUser(b, String(body.user ?? '')) });
    if (a === 'stats' && method === 'GET') {
      const tenant = new URLSearchParams(req.rawQuery).get('tenant');
      if (tenant) return ok(control.stats(tenant));
      return ok(Object.fromEntries(control.listTenants().map((t) => [t.name, control.stats(t.tenantId)])));
    }
    if (a === 'stats' && b === 'reset' && method === 'POST') {
      control.resetStats(typeof body.tenant === 'string' ? body.tenant : undefined);
      return ok({ reset: true });
    }
    if (a === 'faults' && method === 'GET') return ok(control.faults());
    if (a === 'faults' && (method === 'PUT' || method === 'POST')) {
      control.setFaults({ rate: Number(body.rate ?? 0), ...(body as object) } as never);
      return ok(control.faults());
    }
    if (a === 'throttle' && method === 'GET') return ok({ enabled: control.throttling });
    if (a === 'throttle' && (method === 'PUT' || method === 'POST')) {
      control.setThrottling(body.enabled !== false && body.enabled !== 'off');
      return ok({ enabled: control.throttling });
    }
    if (a === 'clock' && b === 'advance' && method === 'POST') return ok({ now: new Date(control.advanceClock(Number(body.ms ?? 0))).toISOString() });
    if (a === 'device' && b === 'approve' && method === 'GET') return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: APPROVE_PAGE };
    if (a === 'device' && b === 'approve' && method === 'POST') {
      return ok(control.approveDeviceCode(String(body.userCode ?? body.user_code ?? ''), typeof body.user === 'string' && body.user !== '' ? body.user : undefined));
    }
    if (a === 'device' && b === 'codes' && method === 'GET') return ok({ codes: control.pendingDeviceCodes() });
    if (a === 'overrides' && method === 'POST') {
      const status = Number(body.status ?? 200);
      const headers = (body.headers ?? {}) as Record<string, string>;
      const payload = body.body;
      control.use({
        method: String(body.method ?? 'GET').toUpperCase() as HttpMethod,
        path: String(body.path ?? '/'),
        tenant: typeof body.tenant === 'string' ? body.tenant : undefined,
        times: typeof body.times === 'number' ? body.times : undefined,
        handler: () => ({ status, headers, body: payload }),
      });
      return ok({ registered: true }, 201);
    }
    if (a === 'overrides' && method === 'DELETE') {
      control.resetOverrides();
      return ok({ cleared: true });
    }
    return { status: 404, body: { error: { message: `no control operation ${method} ${req.path}` } } };
  } catch (err) {
    if (err instanceof ControlError) return { status: err.status, body: { error: { message: err.message } } };
    if (err instanceof SyntaxError) return { status: 400, body: { error: { message: `invalid JSON: ${err.message}` } } };
    throw err;
  }
}
