/**
 * The command tree. Each command lives in `commands/` and registers itself here; global
 * options (repository, password file, home, log level) are resolved into a Config once.
 */
import { Command } from 'commander';
import { resolveConfig, type Config } from '../config/index.js';
import { registerRepositoryCommands } from './commands/repository.js';
import { registerCatalogCommands } from './commands/catalog.js';
import { registerEmulatorCommand } from './commands/emulator.js';
import { registerBrowseCommands } from './commands/browse.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerProfileCommands } from './commands/profile.js';
import { registerBackupCommand } from './commands/backup.js';
import { registerPermissionsCommand } from './commands/permissions.js';
import { registerRestoreCommand } from './commands/restore.js';

export interface GlobalOptions {
  repo?: string;
  passwordFile?: string;
  home?: string;
  config?: string;
  logLevel?: string;
  catalog?: string;
}

/** Resolves the config from the root command's global options. */
export function configFrom(command: Command): Config {
  const opts = command.optsWithGlobals<GlobalOptions>();
  return resolveConfig({
    repo: opts.repo,
    passwordFile: opts.passwordFile,
    home: opts.home,
    config: opts.config,
    logLevel: opts.logLevel,
    catalog: opts.catalog,
  });
}

export function buildProgram(): Command {
  const program = new Command('tenant-vault')
    .description('Encrypted, incremental backup and restore for Microsoft Entra ID, Intune, Azure AD B2C and Azure DevOps')
    .version('0.1.0')
    .option('-r, --repo <location>', 'repository location (env TENANT_VAULT_REPOSITORY)')
    .option('--password-file <file>', 'file holding the repository password (env TENANT_VAULT_PASSWORD, TENANT_VAULT_PASSWORD_FILE)')
    .option('--home <dir>', 'local state directory (env TENANT_VAULT_HOME, default ~/.tenant-vault)')
    .option('--catalog <location>', 'catalog: SQLite file or postgres:// URL (env TENANT_VAULT_CATALOG)')
    .option('--config <file>', 'JSON config file (env TENANT_VAULT_CONFIG)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent', undefined)
    .showHelpAfterError()
    .exitOverride();
  registerRepositoryCommands(program);
  registerCatalogCommands(program);
  registerEmulatorCommand(program);
  registerBrowseCommands(program);
  registerDemoCommand(program);
  registerProfileCommands(program);
  registerBackupCommand(program);
  registerPermissionsCommand(program);
  registerRestoreCommand(program);
  return program;
}
