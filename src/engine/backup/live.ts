/**
 * Reading the live tenant exactly as a full backup would — the same requests, documents and
 * sub-resources — without writing anything: for `diff SNAPSHOT --live` and checks.
 *
 * Guarantees: items come type by type in registry order, each type's items in any order; the
 * documents equal those a full backup of the same moment stores (one code path: the type
 * readers with no parent). Types the profile cannot read are skipped and reported through
 * `onSkipped` (never an error). Append-only logs (`directoryAudit`) are read only when named in
 * `types`: the live log holds only what the service still keeps, so comparing it is meaningless.
 * Not guaranteed: a consistent point in time across types (nor does a backup give one).
 */
import { mkdirSync } from 'node:fs';
import { isTenantVaultError } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../logging/index.js';
import type { Item } from '../../repository/index.js';
import type { Workspace } from '../workspace.js';
import type { Profile } from '../profiles/index.js';
import { ChangeSignals, ParentView, RunContext, Warnings, type BackupWarning } from './context.js';
import { readType } from './read-type.js';
import { openSession, type SessionOptions } from './session.js';

export interface LiveReadOptions extends Omit<SessionOptions, 'logger'> {
  readonly logger?: Logger;
  /** A type that is not read, and why (missing permission, failure). */
  readonly onSkipped?: (skipped: { readonly type: string; readonly reason: string }) => void;
  /** Warnings (sub-resources skipped, …), as a backup report would list them. */
  readonly onWarning?: (warning: BackupWarning) => void;
}

export async function* readLiveItems(ws: Workspace, profile: string | Profile, options: LiveReadOptions = {}): AsyncGenerator<Item> {
  const logger = options.logger ?? ws.logger ?? silentLogger;
  const repo = await ws.repository();
  const session = await openSession(repo, profile, { ...options, logger });
  const warnings = new Warnings(logger);
  mkdirSync(ws.config.home, { recursive: true, mode: 0o700 });
  const ctx = new RunContext(
    session.connection, new ParentView(undefined, undefined, options.signal), logger, warnings, new ChangeSignals(),
    { optIn: new Set(options.include ?? []), consentUrl: session.consentUrl, tempDir: ws.config.home, ...(options.signal ? { signal: options.signal } : {}) },
    () => undefined,
  );
  for (const skipped of session.skippedSubs) ctx.skipSub(skipped.type, skipped.sub, skipped.reason);
  for (const unreadable of session.unreadable) options.onSkipped?.({ type: unreadable.type, reason: unreadable.reason });
  const explicit = new Set(options.types ?? []);
  let reported = 0;
  const flush = () => {
    for (; reported < warnings.list.length; reported++) options.onWarning?.(warnings.list[reported]!);
  };
  for (const declaration of session.readable) {
    if (declaration.change === 'appendOnly' && !explicit.has(declaration.name)) continue;
    let yielded = 0;
    try {
      const plan = await readType(ctx, declaration, { full: true, live: true });
      const stream = plan.write === 'replace' ? plan.items : plan.changes;
      for await (const entry of stream) {
        if ('deleted' in entry) continue;
        yielded++;
        yield entry;
      }
    } catch (err) {
      // A type that fails before its first item is skipped like an unreadable one; a failure
      // half-way would leave the caller with part of a type, so it ends the read.
      if (yielded > 0 || options.signal?.aborted || !isTenantVaultError(err) || err.code === 'ABORTED' || err.code === 'AUTH_FAILED') throw err;
      options.onSkipped?.({ type: declaration.name, reason: `${err.code}: ${err.message}` });
    }
    flush();
  }
}
