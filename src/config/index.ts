/**
 * Configuration, resolved and validated once at start-up and then passed to constructors.
 * Precedence: command-line flags, then environment, then the config file, then defaults.
 *
 * - `TENANT_VAULT_HOME` (default `~/.tenant-vault`): local state (catalog, profiles, caches).
 * - `TENANT_VAULT_REPOSITORY` / `--repo`: where snapshots live (a directory path).
 * - `TENANT_VAULT_PASSWORD`, `TENANT_VAULT_PASSWORD_FILE` / `--password-file`: the repository password.
 * - `TENANT_VAULT_CONFIG` / `--config`: optional JSON file with the same keys (camelCase).
 * - `TENANT_VAULT_LOG_LEVEL` / `--log-level`.
 *
 * Secrets are wrapped in `Secret` the moment they are read, so they cannot reach a log.
 */
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { TenantVaultError } from '../errors/index.js';
import { Secret } from './secret.js';

export { Secret } from './secret.js';

export interface ConfigFlags {
  home?: string;
  repo?: string;
  passwordFile?: string;
  config?: string;
  logLevel?: string;
  catalog?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const fileSchema = z
  .object({
    home: z.string().min(1).optional(),
    repository: z.string().min(1).optional(),
    passwordFile: z.string().min(1).optional(),
    logLevel: z.enum(LOG_LEVELS).optional(),
    catalog: z.string().min(1).optional(),
  })
  .strict();

const resolvedSchema = z.object({
  home: z.string().min(1),
  repository: z.string().min(1).optional(),
  logLevel: z.enum(LOG_LEVELS),
  catalog: z.string().min(1).optional(),
});

export interface Config {
  /** Local state directory. */
  readonly home: string;
  /** Repository location, if one was given. */
  readonly repository: string | undefined;
  /** Catalog location: a SQLite file path or a `postgres://` URL; default one SQLite file per repository under `home`. */
  readonly catalog: string | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** The repository password, if one was given; read lazily so commands that need none never fail. */
  readonly password: Secret | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

function readConfigFile(path: string): z.infer<typeof fileSchema> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TenantVaultError('CONFIG_INVALID', `Cannot read config file ${path}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new TenantVaultError('CONFIG_INVALID', `Config file ${path} is not valid JSON`, { cause });
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new TenantVaultError('CONFIG_INVALID', `Config file ${path}: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

function readPasswordFile(path: string): Secret {
  try {
    // A trailing newline is what editors and `echo` add; it is never part of the password.
    return new Secret(readFileSync(path, 'utf8').replace(/\r?\n$/, ''));
  } catch (cause) {
    throw new TenantVaultError('PASSWORD_MISSING', `Cannot read password file ${path}`, { cause });
  }
}

export function resolveConfig(flags: ConfigFlags = {}, env: Env = process.env): Config {
  const home = resolve(flags.home ?? env.TENANT_VAULT_HOME ?? join(homedir(), '.tenant-vault'));
  const configPath = flags.config ?? env.TENANT_VAULT_CONFIG ?? (existsSync(join(home, 'config.json')) ? join(home, 'config.json') : undefined);
  const file = configPath ? readConfigFile(configPath) : {};
  const finalHome = flags.home ?? env.TENANT_VAULT_HOME ?? file.home ?? home;

  const candidate = {
    home: resolve(finalHome),
    repository: flags.repo ?? env.TENANT_VAULT_REPOSITORY ?? file.repository,
    logLevel: flags.logLevel ?? env.TENANT_VAULT_LOG_LEVEL ?? file.logLevel ?? 'warn',
    catalog: flags.catalog ?? env.TENANT_VAULT_CATALOG ?? file.catalog,
  };
  const parsed = resolvedSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new TenantVaultError('CONFIG_INVALID', `Invalid configuration: ${z.prettifyError(parsed.error)}`);
  }

  const passwordFile = flags.passwordFile ?? env.TENANT_VAULT_PASSWORD_FILE ?? file.passwordFile;
  let password: Secret | undefined;
  if (passwordFile) password = readPasswordFile(passwordFile);
  else if (env.TENANT_VAULT_PASSWORD !== undefined) password = new Secret(env.TENANT_VAULT_PASSWORD);

  const repository = parsed.data.repository === undefined ? undefined : isUrl(parsed.data.repository) ? parsed.data.repository : resolve(parsed.data.repository);
  return Object.freeze({ ...parsed.data, catalog: parsed.data.catalog, repository, password });
}

function isUrl(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

export function requirePassword(config: Config): Secret {
  if (!config.password) throw new TenantVaultError('PASSWORD_MISSING', 'No repository password given');
  return config.password;
}

export function requireRepository(config: Config): string {
  if (!config.repository) {
    throw new TenantVaultError('REPO_NOT_FOUND', 'No repository given', { hint: 'Set TENANT_VAULT_REPOSITORY or pass --repo PATH.' });
  }
  return config.repository;
}
