/**
 * `tenant-vault permissions PROFILE [--json]`: every permission of the profile's manifest — type,
 * what needs it, granted or missing, newly required since the consented version — and the
 * admin-consent URL when something is missing. Exit status 0 either way: it is a report.
 */
import type { Command } from 'commander';
import { profilePermissions, type PermissionLine } from '../../engine/profiles/index.js';
import { withWorkspace } from '../context.js';
import { printJson, printLine } from '../output.js';
import { table } from '../format.js';

function neededBy(p: PermissionLine): string {
  const read = p.neededBy.read.length > 0 ? `backup: ${p.neededBy.read.join(', ')}` : '';
  const write = p.neededBy.write.length > 0 ? `restore: ${p.neededBy.write.join(', ')}` : '';
  const alt = p.alternativeFor.read.length + p.alternativeFor.write.length > 0 ? `also works for: ${[...new Set([...p.alternativeFor.read, ...p.alternativeFor.write])].join(', ')}` : '';
  return [read, write, alt].filter((s) => s.length > 0).join('; ') || p.purpose || '';
}

export function registerPermissionsCommand(program: Command): void {
  program
    .command('permissions')
    .argument('<profile>', 'profile name')
    .option('--json', 'print the report as JSON')
    .description('show every permission the profile\'s app needs: granted or missing, and what needs it')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      await withWorkspace(cmd, async (ws, signal) => {
        const report = await profilePermissions(await ws.repository(), name, { signal, logger: ws.logger });
        if (opts.json) return printJson(report);
        printLine(`profile ${report.profile} (app ${report.clientId}, tenant ${report.tenantId}): manifest version ${report.manifestVersion}, consented version ${report.consentedVersion}`);
        printLine(table([
          ['PERMISSION', 'API', 'TYPE', 'STATUS', 'NEW', 'NEEDED BY'],
          ...report.permissions.map((p) => [p.permission, p.api, p.type, p.status, p.newlyRequired ? 'yes' : '', neededBy(p)]),
        ]));
        for (const t of report.types.filter((t) => !t.readable)) printLine(`not backed up: ${t.type} (needs ${t.missingForRead.join(', ')})`);
        for (const note of report.notes) printLine(`note: ${note}`);
        if (report.missing > 0) printLine(`${report.missing} permission(s) missing; an administrator grants them at:\n  ${report.consentUrl}`);
        else printLine('all permissions granted');
      });
    });
}
