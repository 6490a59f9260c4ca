/**
 * Runs the CLI as a child process from the TypeScript sources (never a stale build), with a
 * clean environment plus the given variables, and collects its output and exit status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The CLI's entry point, run with `--import tsx`. */
export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI child process, and its outcome (`signal` set when it was killed). */
export interface CliRun {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult & { readonly signal: NodeJS.Signals | null }>;
}

export function startCli(args: readonly string[], env: Record<string, string | undefined> = {}, options: { input?: string } = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  child.stdin.end(options.input ?? '');
  return { child, done };
}

export function runCli(args: readonly string[], env: Record<string, string | undefined> = {}, options: { input?: string } = {}): Promise<CliResult> {
  return startCli(args, env, options).done;
}

export function parseJson<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`CLI did not print JSON (exit ${result.code}):\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

/** The files under the directories given (recursively; missing ones are empty) whose bytes contain `text`. */
export function filesHolding(dirs: readonly string[], text: string): string[] {
  const needle = Buffer.from(text);
  const walk = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  }) : []);
  return dirs.flatMap(walk).filter((file) => readFileSync(file).includes(needle));
}
