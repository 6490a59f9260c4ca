/**
 * Runs a command body with a workspace opened from the global options, closes it afterwards
 * whatever happens, and turns Ctrl-C into an abort of the running operation.
 */
import type { Command } from 'commander';
import { openWorkspace, type Workspace } from '../engine/workspace.js';
import { createLogger } from '../logging/index.js';
import { configFrom } from './program.js';

export async function withWorkspace<T>(command: Command, body: (ws: Workspace, signal: AbortSignal) => Promise<T>): Promise<T> {
  const config = configFrom(command);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const ws = openWorkspace(config, { logger: createLogger({ level: config.logLevel }), signal: controller.signal });
  try {
    return await body(ws, controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await ws.close();
  }
}
