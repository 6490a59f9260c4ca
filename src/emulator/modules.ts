/**
 * What the emulator serves by default: Graph modules (see graph/module.ts and docs/emulator.md,
 * "How to add a resource") and non-Graph services mounted on the same origin (Exchange's admin
 * API, Azure DevOps — see http.ts `EmulatorService`). A new family is added to these lists.
 */
import type { GraphModule } from './graph/module.js';
import type { EmulatorService } from './http.js';
import { auditModule } from './audit/index.js';
import { bitlockerModule } from './bitlocker/index.js';
import { conditionalAccessModule } from './conditional-access/index.js';
import { directoryModule } from './directory/index.js';
import { exchangeService } from './exchange/index.js';
import { intuneModule } from './intune/index.js';
import { policiesModule } from './policies/index.js';

export function builtInModules(): GraphModule[] {
  return [directoryModule, conditionalAccessModule, policiesModule, intuneModule, bitlockerModule, auditModule];
}

export function builtInServices(): EmulatorService[] {
  return [exchangeService];
}
