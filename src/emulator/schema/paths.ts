/**
 * Where the shared, read-only reference material lives (`../shared` next to the project, or
 * `TENANT_VAULT_SHARED`). Guarantees: the answer is an absolute path or `undefined` when the
 * folder is absent; nothing here throws for a missing folder, so tests can skip cleanly.
 * It does not check that the files inside are complete — the loaders do that.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: the nearest folder above this module that holds a package.json. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export interface SharedRootOptions {
  /** Explicit folder; wins over the environment. */
  root?: string;
  env?: NodeJS.ProcessEnv;
}

/** The shared folder if it exists, else undefined. */
export function findSharedRoot(options: SharedRootOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  const candidate = options.root ?? env['TENANT_VAULT_SHARED'] ?? resolve(projectRoot(), '../shared');
  const abs = resolve(candidate);
  return existsSync(abs) ? abs : undefined;
}

export const SHARED_MISSING_HINT =
  'The Graph schema and corpus are read from ../shared next to the project; set TENANT_VAULT_SHARED to their folder.';
