/**
 * The Graph modules the emulator serves by default. A new family of resources is a module
 * (see graph/module.ts and docs/emulator.md, "How to add a resource"); add it to this list.
 */
import type { GraphModule } from './graph/module.js';
import { directoryModule } from './directory/index.js';

export function builtInModules(): GraphModule[] {
  return [directoryModule];
}
