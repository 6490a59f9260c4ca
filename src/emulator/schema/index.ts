/**
 * Fidelity tooling for the emulator: the real Graph schema (v1.0 CSDL, beta property names),
 * the Graph docs corpus, route-template matching, the corpus replay harness and the coverage
 * report. Everything reads `../shared` (or TENANT_VAULT_SHARED); nothing here is needed to
 * serve requests, so the emulator can run without the shared folder.
 */
export { GraphSchema, type ValidateOptions, type Violation, type ViolationCode } from './graph-schema.js';
export { loadGraphSchema, buildBetaModel, type GraphVersion, type LoadSchemaOptions } from './load.js';
export { parseCsdl } from './csdl.js';
export type { SchemaModel, SchemaTypeDef, TypeKind } from './model.js';
export { findSharedRoot, projectRoot, SHARED_MISSING_HINT } from './paths.js';
export {
  loadCorpus,
  iterateCorpus,
  normaliseFile,
  parseDocBody,
  splitDocUrl,
  isUsableBody,
  type BodyStatus,
  type CorpusExample,
  type CorpusOptions,
} from './corpus.js';
export { DOC_PLACEHOLDER, matchTemplate, safeDecode, splitPath, type RouteSpec, type RouteTemplate, type TemplateMatch } from './routes.js';
export { ReplaySession, replayCorpus, replayCorpusExample, type Difference, type ReplayContext, type ReplayResult, type ReplayRoute } from './replay.js';
export { corpusFigures, coverageReport, familyOf, resourceOf, schemaSweepExamples, type CorpusFamily, type CorpusFigures, type CoverageEntry, type CoverageReport } from './coverage.js';
