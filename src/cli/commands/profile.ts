/**
 * `tenant-vault profile add|list|show|remove|create-app`: app profiles, kept encrypted in the
 * repository (so `TENANT_VAULT_REPOSITORY` and `TENANT_VAULT_PASSWORD` are all a command needs).
 * Secrets are read from an environment variable or a file, never from the command line; `show`
 * and `list` never print them.
 */
import type { Command } from 'commander';
import { TenantVaultError } from '../../errors/index.js';
import {
  addProfile, certificateFromFile, createApp, describeProfile, profileStore, readCaFile, secretFromEnv,
  type ProfileCredential,
} from '../../engine/profiles/index.js';
import type { ProfileKind } from '../../connectors/index.js';
import { withWorkspace } from '../context.js';
import { printJson, printLine } from '../output.js';
import { formatTime, table } from '../format.js';

function kindOf(value: string): ProfileKind {
  if (value !== 'azure') {
    throw new TenantVaultError('USAGE', `Unknown or unsupported profile kind ${JSON.stringify(value)}`, { hint: 'This version supports `azure` profiles (Entra ID, Intune, Exchange distribution groups).' });
  }
  return value;
}

interface AddOptions {
  tenant: string;
  clientId: string;
  clientSecretEnv?: string;
  certificate?: string;
  cloud?: string;
  caFile?: string;
  json?: boolean;
}

function credentialOf(opts: AddOptions): ProfileCredential {
  if (opts.clientSecretEnv && opts.certificate) throw new TenantVaultError('USAGE', 'Give either --client-secret-env or --certificate, not both');
  if (opts.clientSecretEnv) return secretFromEnv(opts.clientSecretEnv);
  if (opts.certificate) return certificateFromFile(opts.certificate);
  throw new TenantVaultError('USAGE', 'A credential is required', { hint: 'Pass --client-secret-env VAR (the secret is read from that variable) or --certificate FILE (PEM certificate and private key).' });
}

export function registerProfileCommands(program: Command): void {
  const profile = program.command('profile').description('app profiles: connections to a tenant, stored encrypted in the repository');

  profile
    .command('add')
    .argument('<kind>', 'profile kind: azure')
    .argument('<name>', 'name for the profile')
    .requiredOption('--tenant <id>', 'tenant ID or domain')
    .requiredOption('--client-id <id>', 'application (client) ID of the app registration')
    .option('--client-secret-env <var>', 'environment variable holding the client secret')
    .option('--certificate <file>', 'PEM file with the certificate and its private key')
    .option('--cloud <cloud>', 'public | usgov | china | a URL (the emulator)', 'public')
    .option('--ca-file <pem>', 'extra CA certificates to trust (PEM), for a cloud URL with a private CA')
    .option('--json', 'print the profile (without secrets) as JSON')
    .description('add a profile: signs in once to check the credential and record the tenant ID')
    .action(async (kind: string, name: string, opts: AddOptions, cmd: Command) => {
      const credential = credentialOf(opts);
      const caPem = opts.caFile ? readCaFile(opts.caFile) : undefined;
      await withWorkspace(cmd, async (ws, signal) => {
        const added = await addProfile(await ws.repository(), {
          kind: kindOf(kind), name, tenant: opts.tenant, clientId: opts.clientId, credential,
          ...(opts.cloud ? { cloud: opts.cloud } : {}), ...(caPem ? { caPem } : {}),
        }, { signal });
        if (opts.json) printJson(describeProfile(added));
        else printLine(`added profile ${added.name}: tenant ${added.tenantId}, app ${added.clientId}, cloud ${added.cloud}`);
      });
    });

  profile
    .command('list')
    .option('--json', 'print an array of profiles (without secrets)')
    .description('list the profiles of the repository')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        const list = await profileStore(await ws.repository()).list({ signal });
        if (opts.json) return printJson(list.map(describeProfile));
        if (list.length === 0) return printLine('no profiles; add one with `tenant-vault profile add azure NAME …`');
        printLine(table([
          ['NAME', 'KIND', 'TENANT', 'APP', 'CLOUD', 'CREDENTIAL', 'ADDED'],
          ...list.map((p) => [p.name, p.kind, p.tenantId, p.clientId, p.cloud, p.credential.kind, formatTime(p.createdAt)]),
        ]));
      });
    });

  profile
    .command('show')
    .argument('<name>', 'profile name')
    .option('--json', 'print the profile (without secrets) as JSON')
    .description('show a profile (never its secrets)')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        const p = await profileStore(await ws.repository()).get(name, { signal });
        const d = describeProfile(p);
        if (opts.json) return printJson(d);
        const rows: string[][] = [
          ['name', p.name], ['kind', p.kind], ['tenant', p.tenant], ['tenant ID', p.tenantId], ['client ID', p.clientId], ['cloud', p.cloud],
          ['credential', p.credential.kind === 'certificate' ? `certificate${p.credential.thumbprint ? ` ${p.credential.thumbprint}` : ''}` : 'client secret (stored encrypted)'],
          ['consented manifest', `version ${p.consentedVersion}`], ['added', formatTime(p.createdAt)],
        ];
        if (p.caPem) rows.push(['trusts', 'an extra CA certificate']);
        if (p.app) rows.push(['app registration', `${p.app.displayName} (object ${p.app.applicationId}, service principal ${p.app.servicePrincipalId})`]);
        printLine(table(rows));
      });
    });

  profile
    .command('remove')
    .argument('<name>', 'profile name')
    .option('--json', 'print {"removed": NAME}')
    .description('remove a profile (its snapshots stay; the app registration is not touched)')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        await profileStore(await ws.repository()).remove(name, { signal });
        if (opts.json) printJson({ removed: name });
        else printLine(`removed profile ${name}`);
      });
    });

  profile
    .command('create-app')
    .argument('<kind>', 'profile kind: azure')
    .argument('<name>', 'name for the profile')
    .requiredOption('--tenant <id>', 'tenant ID or domain')
    .option('--cloud <cloud>', 'public | usgov | china | a URL (the emulator)', 'public')
    .option('--ca-file <pem>', 'extra CA certificates to trust (PEM)')
    .option('--device-client-id <id>', 'public client the administrator signs in with (default Microsoft Graph Command Line Tools)')
    .option('--display-name <name>', 'display name of the new app registration')
    .option('--json', 'print the result as JSON')
    .description('sign in as an administrator (device code), create the app registration with the manifest\'s permissions, grant admin consent, add a certificate, and store the profile')
    .action(async (kind: string, name: string, opts: { tenant: string; cloud?: string; caFile?: string; deviceClientId?: string; displayName?: string; json?: boolean }, cmd: Command) => {
      const caPem = opts.caFile ? readCaFile(opts.caFile) : undefined;
      await withWorkspace(cmd, async (ws, signal) => {
        const result = await createApp(await ws.repository(), {
          kind: kindOf(kind), name, tenant: opts.tenant,
          ...(opts.cloud ? { cloud: opts.cloud } : {}), ...(caPem ? { caPem } : {}),
          ...(opts.deviceClientId ? { deviceClientId: opts.deviceClientId } : {}), ...(opts.displayName ? { displayName: opts.displayName } : {}),
        }, {
          signal, logger: ws.logger,
          // The code goes to stderr, so --json output stays one object and the prompt is seen.
          onDeviceCode: (info) => process.stderr.write(`${info.message}\n`),
        });
        const summary = {
          profile: describeProfile(result.profile), applicationId: result.applicationId, servicePrincipalId: result.servicePrincipalId,
          appRoleAssignments: result.appRoleAssignments, delegatedGrants: result.delegatedGrants, certificateThumbprint: result.certificateThumbprint, notes: result.notes,
        };
        if (opts.json) return printJson(summary);
        printLine(`created app registration ${result.profile.app?.displayName ?? ''} (client ID ${result.profile.clientId})`);
        printLine(`admin consent: ${result.appRoleAssignments} application permissions, ${result.delegatedGrants} delegated grant(s); certificate ${result.certificateThumbprint}`);
        printLine(`added profile ${result.profile.name} for tenant ${result.profile.tenantId}`);
        for (const note of result.notes) printLine(`note: ${note}`);
      });
    });
}
