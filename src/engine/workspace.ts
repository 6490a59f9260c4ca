/**
 * The workspace: what every command and the API work with — the repository opened from the
 * resolved config, and the catalog beside it, kept in step with the repository. Opening is lazy
 * per part so a command touches only what it needs (e.g. `init` never opens a catalog).
 *
 * Guarantees: the catalog, when asked for, has recorded every snapshot the repository lists
 * (`syncCatalog`), so browsing never misses a snapshot another process wrote; `close()` releases
 * the repository's locks and the catalog's connection, whatever was opened.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { requirePassword, requireRepository, type Config } from '../config/index.js';
import { openBlobStore } from '../storage/index.js';
import { initRepository, openRepository, type Repository, type KdfParams } from '../repository/index.js';
import { openCatalog, type Catalog } from '../catalog/index.js';
import { silentLogger, type Logger } from '../logging/index.js';
import { syncCatalog } from './catalog-sync.js';

export interface Workspace {
  readonly config: Config;
  readonly logger: Logger;
  repository(): Promise<Repository>;
  /** The catalog, synchronised with the repository. */
  catalog(): Promise<Catalog>;
  /**
   * The catalog as it is, without synchronising — for `catalog rebuild`, which must work even
   * when the catalog is damaged: an unreadable SQLite file is moved aside and a new one created.
   */
  catalogForRebuild(): Promise<Catalog>;
  close(): Promise<void>;
}

export interface WorkspaceOptions {
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

export function openWorkspace(config: Config, options: WorkspaceOptions = {}): Workspace {
  let repo: Promise<Repository> | undefined;
  let catalog: Promise<Catalog> | undefined;
  const logger = options.logger ?? silentLogger;

  const repository = (): Promise<Repository> => {
    repo ??= openRepository(openBlobStore(requireRepository(config)), requirePassword(config), {
      signal: options.signal,
      tempDir: config.home,
      logger,
    });
    return repo;
  };

  return {
    config,
    logger,
    repository,
    catalog() {
      catalog ??= (async () => {
        const r = await repository();
        const c = await openCatalog(catalogLocation(config, r.id));
        try {
          await syncCatalog(r, c, { signal: options.signal, logger });
        } catch (err) {
          await c.close();
          throw err;
        }
        return c;
      })();
      return catalog;
    },
    async catalogForRebuild() {
      const r = await repository();
      const location = catalogLocation(config, r.id);
      try {
        return await openCatalog(location);
      } catch (err) {
        if (location.includes('://') || !existsSync(location)) throw err;
        const aside = `${location}.damaged-${Date.now()}`;
        logger.warn({ location, aside }, 'catalog cannot be opened; moving it aside and starting a new one');
        renameSync(location, aside);
        return openCatalog(location);
      }
    },
    async close() {
      const results = await Promise.allSettled([repo?.then((r) => r.close()), catalog?.then((c) => c.close())]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** The configured catalog, or by default one SQLite file per repository in the home directory. */
function catalogLocation(config: Config, repositoryId: string): string {
  if (config.catalog) return config.catalog;
  const dir = join(config.home, 'catalogs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, `${repositoryId.slice(0, 16)}.sqlite`);
}

/** Creates a repository at the configured location. */
export async function initWorkspaceRepository(config: Config, options: { kdf?: KdfParams; signal?: AbortSignal } = {}): Promise<Repository> {
  const location = requireRepository(config);
  if (!location.includes('://')) mkdirSync(location, { recursive: true, mode: 0o700 });
  return initRepository(openBlobStore(location), requirePassword(config), { kdf: options.kdf, signal: options.signal });
}
