/**
 * Which reader a type goes to, by its change mode (docs/decisions/0003: `delta | list | singleton |
 * appendOnly`), or none for a quiet type (quiet.ts). One entry point for the backup and the live
 * read, so both see the same items.
 */
import type { ResourceDeclaration } from '../../connectors/index.js';
import type { RunContext } from './context.js';
import type { ReadOptions, TypePlan } from './plan.js';
import { readAppendOnlyType } from './read-audit.js';
import { readDeltaType } from './read-delta.js';
import { readListType, readSingletonType } from './read-list.js';
import { isQuiet, quietPlan } from './quiet.js';

export async function readType(ctx: RunContext, declaration: ResourceDeclaration, options: ReadOptions): Promise<TypePlan> {
  switch (declaration.change) {
    case 'delta':
      return readDeltaType(ctx, declaration, options);
    case 'list':
      return (await isQuiet(ctx, declaration, options)) ? quietPlan(ctx, declaration) : readListType(ctx, declaration, options);
    case 'singleton':
      return (await isQuiet(ctx, declaration, options)) ? quietPlan(ctx, declaration) : readSingletonType(ctx, declaration, options);
    case 'appendOnly':
      return readAppendOnlyType(ctx, declaration, options);
  }
}
