/**
 * The type-writer interface: what the restore planner and applier need from each resource type,
 * and nothing more. Most types need no code: `GraphWriter` (generic.ts) implements the interface
 * from the registry's declaration (path, read-only list, sub-resources, recycle bin, write hooks).
 * A type with rules of its own (users get a temporary password, groups add members 20 binds at a
 * time, Intune assigns replace-all) extends `GraphWriter` and overrides what differs, then is
 * registered in `writers/index.ts`.
 *
 * The document model (the backup's, docs/backup.md): an item's document is the Graph object as
 * read, `@odata.type` kept, with its sub-resources embedded under their names. Restore splits a
 * document's top-level keys into
 * - **relationships** (`relationships`): lists of links (`members`, `owners`, `assignments`,
 *   `appRoleAssignedTo`, `authenticationMethods`) or one link (`manager`), written by `relink`
 *   entry by entry after every object exists; entries are told apart by `key(entry)`;
 * - **properties**: every other key the writer calls writable (`isWritable`), written by `create`
 *   and `update`; server-managed ones (the registry's `readOnly`, ids, timestamps) are never
 *   compared or written.
 *
 * Contract for implementations:
 * - every Graph request goes through `ctx.call` (batched, throttled, never retried blindly when it
 *   creates something); nothing else talks to the tenant;
 * - `read` returns documents shaped exactly as the backup stores them (so a live item compares
 *   with its snapshot copy), `undefined` for an item that does not exist;
 * - writes are idempotent where Graph allows it: adding a link that exists, removing one that is
 *   gone, deleting a deleted object succeed; `create` is not, so the applier calls `findExisting`
 *   before any second attempt;
 * - failures are thrown as TenantVaultError with a hint; what cannot be restored is declared
 *   (`cannotRestore`, `limitations`, `RelationshipSpec.unsupported`), never silently dropped.
 */
import type { ApiVersion, GraphClient, ResourceDeclaration } from '../../../connectors/index.js';
import type { TenantVaultError } from '../../../errors/index.js';
import type { Logger } from '../../../logging/index.js';
import type { Connection } from '../../profiles/index.js';

export type JsonObject = Record<string, unknown>;

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One Graph request, batched by the caller's `CallBatcher` with others into `$batch` (20 per request). */
export interface GraphCall {
  readonly method: HttpMethod;
  /** Relative to the version root, query included: `/groups/{id}?$select=id`. */
  readonly url: string;
  readonly api?: ApiVersion;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * For writes: sending it twice leaves the state sending it once leaves (PATCH, PUT, DELETE,
   * `$ref` adds). Only those are sent again after 429/503/504; a create is returned to its writer,
   * which looks for the object before trying again (a throttled create may have happened, facts §4).
   */
  readonly idempotent?: boolean;
  /** Resource type, for counters and permission messages. */
  readonly type?: string;
}

export interface CallResult {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  /** Set for every status outside 2xx. */
  readonly error?: TenantVaultError;
}

/** What a writer is given: the target connection and the one way to send requests. */
export interface WriterContext {
  readonly connection: Connection;
  /** For paged reads (`pages`) that follow next links; writes go through `call`. */
  readonly graph: GraphClient;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  /** Sends one request; concurrent calls share `$batch` round trips. Never throws for an HTTP status. */
  call(call: GraphCall): Promise<CallResult>;
}

/** A live (or recycle-bin) item as read: `document` undefined when it does not exist. */
export interface LiveItem {
  readonly id: string;
  readonly document: JsonObject | undefined;
}

export interface ReadOptions {
  /**
   * Relationship / sub-resource names to read besides the main object. Default: every one the
   * type reads in a backup by default (opt-in ones such as `user.authenticationMethods` only when named).
   */
  readonly relationships?: readonly string[];
  /** Only whether the item exists (`$select=id`), for items the plan only relinks. */
  readonly existenceOnly?: boolean;
}

/** How a relationship's entries are told apart, read and written. */
export interface RelationshipSpec {
  /** `list` (members, owners, assignments …) or `single` (manager: one entry or null). */
  readonly kind: 'list' | 'single';
  /** Two entries with the same key are the same link (`id` for members; principal + role for app role assignments). */
  key(entry: JsonObject): string;
  /** Why this entry cannot be written (a FIDO2 key), or undefined. Such entries are listed, never written or removed. */
  unsupported?(entry: JsonObject): string | undefined;
  /** Why the service maintains this relationship itself for this item (dynamic membership), or undefined. */
  computed?(document: JsonObject): string | undefined;
}

/** Adds and removes on one relationship, entries in the target's ids (already mapped). */
export interface RelationshipChange {
  readonly add: readonly JsonObject[];
  readonly remove: readonly JsonObject[];
}

/** A part of an item restore cannot bring back, and what it does instead (facts §6). */
export interface Limitation {
  /** Property, relationship or entry it concerns: `passwordProfile`, `passwordCredentials`, `authenticationMethods`. */
  readonly property: string;
  readonly reason: string;
  /** What restore does instead: "temporary password, change forced at next sign-in", "not restored". */
  readonly action: string;
}

export interface CreateOptions {
  /** Values the applier generated and stored encrypted before the create, by the names `secretsFor` gave. */
  readonly secrets: Readonly<Record<string, string>>;
  /** `--new-secrets`: create new client secrets in place of those the snapshot lists. */
  readonly newSecrets: boolean;
}

/** A secret created during the restore: shown once in the apply report, stored encrypted. */
export interface SecretOutput {
  readonly kind: 'temporaryPassword' | 'clientSecret';
  /** What it belongs to: a UPN, an app's display name. */
  readonly label: string;
  readonly value: string;
  /** E.g. the new secret's keyId and end date. */
  readonly detail?: Readonly<Record<string, string>>;
}

export interface CreateResult {
  readonly id: string;
  /** Other keys references use, new values by key name (`appId` of a recreated application). */
  readonly keys?: Readonly<Record<string, string>>;
  /** Secrets the service generated (new client secrets). Temporary passwords come from `CreateOptions.secrets`. */
  readonly outputs?: readonly SecretOutput[];
}

export interface RestoreContext {
  /** The item does not exist in the target and would be created (not restored from a recycle bin). */
  readonly recreate: boolean;
  readonly newSecrets: boolean;
}

export interface TypeWriter {
  readonly type: string;
  readonly declaration: ResourceDeclaration;
  /** Document keys holding relationships; every other writable key is a property. */
  readonly relationships: Readonly<Record<string, RelationshipSpec>>;
  /** Whether a top-level property is compared and written (false for server-managed ones and relationships). */
  isWritable(property: string): boolean;
  /** Why this item cannot be restored at all (a device, a built-in role), or undefined. */
  cannotRestore(document: JsonObject, context: RestoreContext): string | undefined;
  /** What restoring this item cannot bring back, and what is done instead. */
  limitations(document: JsonObject, context: RestoreContext): Limitation[];
  /** Names of secrets to generate before creating this item (`password`). */
  secretsFor(document: JsonObject): readonly string[];
  /** Whether the type keeps deleted items in a recycle bin the writer can read and restore. */
  readonly hasRecycleBin: boolean;

  read(ctx: WriterContext, ids: readonly string[], options?: ReadOptions): AsyncIterable<LiveItem>;
  /** Items in the recycle bin; `document` undefined for those not there. */
  readDeleted(ctx: WriterContext, ids: readonly string[]): AsyncIterable<LiveItem>;
  restoreDeleted(ctx: WriterContext, id: string): Promise<void>;
  /**
   * Live objects matching the document's natural key (a UPN, an appId, a mail nickname, a display
   * name), so a create whose answer was lost is found instead of repeated. Empty when the type has none.
   */
  findExisting(ctx: WriterContext, document: JsonObject): Promise<readonly CreateResult[]>;
  /**
   * Whether `findExisting`'s key identifies an object for certain (a UPN, an appId, a role
   * template), so that the one object it finds is this item — recreated earlier under a new id.
   * False for keys objects may share (display names).
   */
  identifiesUniquely(document: JsonObject): boolean;
  /** Creates the object from a snapshot document whose references are already mapped; relationships are left to `relink`. */
  create(ctx: WriterContext, document: JsonObject, options: CreateOptions): Promise<CreateResult>;
  /** Writes these top-level properties (already mapped). `live` is the document as last read. */
  update(ctx: WriterContext, id: string, patch: JsonObject, live: JsonObject | undefined): Promise<void>;
  /** Adds and removes entries of one relationship. */
  relink(ctx: WriterContext, id: string, relationship: string, change: RelationshipChange, live: JsonObject | undefined): Promise<void>;
  /**
   * Which of these ids a relationship of plain links (`members`, `owners`) holds, without reading
   * the whole list (verification of a relink into a group of 100,000 members). Optional: without
   * it the relationship is read.
   */
  linksPresent?(ctx: WriterContext, id: string, relationship: string, linkIds: readonly string[]): Promise<Set<string>>;
  /** Why an object of this type cannot be deleted (undo of a create), or undefined. */
  cannotRemove(document: JsonObject | undefined): string | undefined;
  /** Deletes the object: `recycleBin` when the type keeps it there, `deleted` otherwise. */
  remove(ctx: WriterContext, id: string): Promise<'recycleBin' | 'deleted'>;
}
