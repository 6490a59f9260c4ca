/**
 * Runs the CLI inside the test process (the same `main` the binary runs), capturing what it
 * writes to stdout and stderr and the exit status it sets — for the many text-output checks that
 * would each cost a child process's start-up (the JSON contract runs as child processes).
 * Calls must not overlap: stdout and the environment are the process's.
 */
import { main } from '../../src/cli/main.js';
import type { CliResult } from '../cli/run-cli.js';

export async function runInProcess(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  const saved = { env: { ...process.env }, out: process.stdout.write, err: process.stderr.write, exitCode: process.exitCode };
  let stdout = '';
  let stderr = '';
  Object.assign(process.env, env);
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  try {
    await main(['node', 'tenant-vault', ...args]);
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exitCode = saved.exitCode;
    for (const key of Object.keys(process.env)) if (!(key in saved.env)) delete process.env[key];
    Object.assign(process.env, saved.env);
  }
}
