/**
 * How the CLI speaks: data to stdout (JSON with --json, text otherwise), diagnostics to stderr.
 */
import { CommanderError } from 'commander';
import { TenantVaultError, toTenantVaultError } from '../errors/index.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Prints the error and returns the exit status for it. */
export function reportError(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // Commander already printed usage errors; --help and --version exit 0.
    return err.exitCode === 0 ? 0 : new TenantVaultError('USAGE', err.message).exitCode;
  }
  const e = toTenantVaultError(err);
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: e.toJSON() })}\n`);
  } else {
    process.stderr.write(`error ${e.code}: ${e.message}\n  hint: ${e.hint}\n`);
    if (e.code === 'INTERNAL' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  }
  return e.exitCode;
}
