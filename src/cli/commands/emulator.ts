/**
 * `tenant-vault emulator`: runs the emulated Microsoft cloud (Entra sign-in + Microsoft Graph)
 * until SIGTERM/SIGINT, printing its endpoints and each tenant's admin app credentials, then a
 * line containing `ready` once it serves requests. `--credentials-out FILE` writes
 * `{"login","graph","tenants":[{"name","tenantId","domain","clientId","clientSecret"}]}` (plus the
 * https URLs and the TLS certificate to trust) with mode 0600.
 *
 * The emulator is imported lazily inside the action, so no other command ever loads it.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TenantVaultError } from '../../errors/index.js';
import { createLogger } from '../../logging/index.js';
import { printLine } from '../output.js';
import type { GlobalOptions } from '../program.js';

interface EmulatorCommandOptions {
  port: string;
  host: string;
  tenant: string[];
  throttle: string;
  faults?: string;
  seed?: string;
  credentialsOut?: string;
  caOut?: string;
  https?: boolean;
}

const SIZES = new Set(['small', 'medium', 'large']);

/** `contoso:medium` → { name, size }; the size defaults to small. */
export function parseTenantArg(arg: string): { name: string; size: 'small' | 'medium' | 'large' } {
  const [name = '', size = 'small', ...rest] = arg.split(':');
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/i.test(name) || rest.length > 0 || !SIZES.has(size)) {
    throw new TenantVaultError('USAGE', `Invalid --tenant '${arg}'`, { hint: 'Use NAME[:SIZE] with SIZE small, medium or large, e.g. --tenant contoso:medium.' });
  }
  return { name: name.toLowerCase(), size: size as 'small' | 'medium' | 'large' };
}

function parseRate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new TenantVaultError('USAGE', `Invalid --faults '${value}'`, { hint: 'Give a fault rate between 0 and 1, e.g. --faults 0.05.' });
  }
  return rate;
}

export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('run the emulated Microsoft cloud (Entra sign-in and Microsoft Graph) for tests and demos')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '4010')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--tenant <name[:size]>', 'a tenant to host, size small|medium|large (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--throttle <on|off>', 'enforce Graph throttling limits', 'on')
    .option('--faults <rate>', 'inject faults (429/5xx/resets/slow) at this rate, 0-1')
    .option('--seed <n>', 'seed for the synthetic tenants (same seed, same data)')
    .option('--credentials-out <file>', 'write the endpoints and admin credentials as JSON')
    .option('--ca-out <file>', 'write the TLS certificate to trust (PEM), e.g. for NODE_EXTRA_CA_CERTS')
    .option('--https', 'print https URLs (what MSAL-based SDKs need) instead of http ones')
    .action(async (opts: EmulatorCommandOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TenantVaultError('USAGE', `Invalid --port '${opts.port}'`);
      if (opts.throttle !== 'on' && opts.throttle !== 'off') throw new TenantVaultError('USAGE', `Invalid --throttle '${opts.throttle}'`, { hint: 'Use --throttle on or --throttle off.' });
      const rate = parseRate(opts.faults);
      const tenantArgs = opts.tenant.length > 0 ? opts.tenant : ['contoso:small'];
      const tenants = tenantArgs.map((a) => ({ ...parseTenantArg(a), ...(opts.seed !== undefined ? { seed: opts.seed } : {}) }));
      if (new Set(tenants.map((t) => t.name)).size !== tenants.length) throw new TenantVaultError('USAGE', 'Each --tenant needs a different name');

      const { startEmulator } = await import('../../emulator/index.js');
      const logger = createLogger({ level: globals.logLevel ?? 'warn' });
      let emulator;
      try {
        emulator = await startEmulator({
          port, host: opts.host, tenants, throttle: opts.throttle === 'on', logger,
          ...(rate !== undefined ? { faults: { rate, seed: opts.seed ?? 1 } } : {}),
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') {
          throw new TenantVaultError('CONFIG_INVALID', `Cannot listen on ${opts.host}:${port} (${code})`, { hint: 'Choose another port with --port (0 picks a free one).', cause: err });
        }
        throw err;
      }
      const base = opts.https ? emulator.httpsUrl : emulator.url;
      const credentials = {
        login: base,
        graph: base,
        tenants: emulator.tenants.map((t) => ({ name: t.name, tenantId: t.tenantId, domain: t.domain, clientId: t.clientId, clientSecret: t.clientSecret })),
        https: { login: emulator.httpsUrl, graph: emulator.httpsUrl },
        control: `${emulator.url}/_emulator`,
        caCertificate: emulator.caCertificate,
      };
      if (opts.credentialsOut) writeFileSync(opts.credentialsOut, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
      if (opts.caOut) writeFileSync(opts.caOut, emulator.caCertificate);

      printLine('Tenant Vault emulator');
      printLine(`  login    ${base}/{tenantId}/oauth2/v2.0/token`);
      printLine(`  graph    ${base}/v1.0  and  ${base}/beta`);
      printLine(`  https    ${emulator.httpsUrl} (same port; trust the certificate${opts.caOut ? ` in ${opts.caOut}` : ' (--ca-out FILE)'})`);
      printLine(`  control  ${emulator.url}/_emulator`);
      printLine(`  throttle ${opts.throttle}${rate !== undefined ? `, faults at rate ${rate}` : ''}`);
      for (const t of emulator.tenants) {
        printLine(`tenant ${t.name} (${t.domain}): ${t.users} users, ${t.groups} groups`);
        printLine(`  tenantId      ${t.tenantId}`);
        printLine(`  clientId      ${t.clientId}`);
        printLine(`  clientSecret  ${t.clientSecret}`);
      }
      if (opts.credentialsOut) printLine(`credentials written to ${opts.credentialsOut}`);
      printLine(`ready on ${base}`);

      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          resolve();
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      await emulator.close();
    });
}
