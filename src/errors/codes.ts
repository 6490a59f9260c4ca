/**
 * The one table of error codes. Every failure Tenant Vault reports carries one of these codes;
 * the CLI's exit status, the HTTP status and whether a retry can help are decided here and
 * nowhere else. Codes are stable: scripts and the console match on them, so never rename one.
 */
export interface ErrorCodeSpec {
  /** Process exit status of the CLI. 1 is reserved for unexpected failures. */
  readonly exit: number;
  /** HTTP status for the API. */
  readonly http: number;
  /** Whether the same call may succeed if retried later without any change. */
  readonly retriable: boolean;
  /** Default hint shown when the thrower gives none. */
  readonly hint: string;
}

export const ERROR_CODES = {
  INTERNAL: { exit: 1, http: 500, retriable: false, hint: 'This is a bug in Tenant Vault. Please report it with the log.' },
  USAGE: { exit: 2, http: 400, retriable: false, hint: 'Run the command with --help to see its usage.' },
  CONFIG_INVALID: { exit: 3, http: 500, retriable: false, hint: 'Check the configuration file, environment variables and flags.' },
  PASSWORD_MISSING: { exit: 3, http: 400, retriable: false, hint: 'Set TENANT_VAULT_PASSWORD or pass --password-file FILE.' },

  REPO_NOT_FOUND: { exit: 10, http: 404, retriable: false, hint: 'Check --repo / TENANT_VAULT_REPOSITORY, or create one with `tenant-vault init`.' },
  REPO_EXISTS: { exit: 11, http: 409, retriable: false, hint: 'A repository already exists there; use it, or choose another location.' },
  REPO_WRONG_PASSWORD: { exit: 12, http: 401, retriable: false, hint: 'No key in this repository opens with that password. Check TENANT_VAULT_PASSWORD or --password-file.' },
  REPO_LOCKED: { exit: 13, http: 423, retriable: true, hint: 'Another process holds a lock. Wait for it, or if it died, run `tenant-vault unlock --remove-stale`.' },
  REPO_CORRUPT: { exit: 14, http: 500, retriable: false, hint: 'Run `tenant-vault check --read-data` to find the damaged data.' },
  REPO_VERSION: { exit: 15, http: 500, retriable: false, hint: 'The repository was written by a newer Tenant Vault; upgrade this one.' },
  REPO_LAST_KEY: { exit: 16, http: 409, retriable: false, hint: 'Add another key first; a repository without keys can never be opened again.' },
  CHECK_FAILED: { exit: 17, http: 500, retriable: false, hint: 'The repository has damage. The report names each damaged blob and what depends on it.' },
  SNAPSHOT_NOT_FOUND: { exit: 18, http: 404, retriable: false, hint: 'List snapshots with `tenant-vault snapshots`; an ID prefix of 8 characters is enough.' },
  ITEM_NOT_FOUND: { exit: 19, http: 404, retriable: false, hint: 'List the snapshot\'s items with `tenant-vault ls SNAPSHOT`.' },

  STORAGE_NOT_FOUND: { exit: 20, http: 404, retriable: false, hint: 'The object does not exist in storage.' },
  STORAGE_EXISTS: { exit: 21, http: 409, retriable: false, hint: 'The object already exists and storage refuses to overwrite it.' },
  STORAGE_READ_ONLY: { exit: 22, http: 403, retriable: false, hint: 'The storage is opened read-only.' },
  STORAGE_IO: { exit: 23, http: 503, retriable: true, hint: 'A storage operation failed; it is retried automatically. Check disk space and permissions.' },

  CATALOG_ERROR: { exit: 30, http: 500, retriable: false, hint: 'Rebuild the catalog from the repository with `tenant-vault catalog rebuild`.' },

  PROFILE_NOT_FOUND: { exit: 40, http: 404, retriable: false, hint: 'List profiles with `tenant-vault profile list`.' },
  PROFILE_EXISTS: { exit: 41, http: 409, retriable: false, hint: 'Choose another name or remove the existing profile first.' },
  AUTH_FAILED: { exit: 42, http: 401, retriable: false, hint: 'Check the tenant, client ID and secret or certificate of the profile.' },
  PERMISSION_MISSING: { exit: 43, http: 403, retriable: false, hint: 'Grant admin consent for the missing permission (see `tenant-vault permissions PROFILE`).' },
  THROTTLED: { exit: 44, http: 429, retriable: true, hint: 'The service is throttling; the request is retried after the time it asks for.' },
  SERVICE_UNAVAILABLE: { exit: 45, http: 503, retriable: true, hint: 'The service answered with a transient error; retry later.' },
  SERVICE_ERROR: { exit: 46, http: 502, retriable: false, hint: 'The service refused the request; the message says why.' },
  DELTA_EXPIRED: { exit: 47, http: 410, retriable: false, hint: 'The delta link expired; a full resynchronisation runs instead.' },
  NETWORK: { exit: 48, http: 503, retriable: true, hint: 'The network connection failed; check connectivity and retry.' },

  PLAN_STALE: { exit: 50, http: 409, retriable: false, hint: 'The tenant changed since the plan was made; create a new plan.' },
  RESTORE_FAILED: { exit: 51, http: 500, retriable: false, hint: 'Some operations failed; see the report, fix the cause and apply the plan again (it resumes).' },
  ABORTED: { exit: 130, http: 499, retriable: true, hint: 'The operation was interrupted; run it again to resume.' },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function specOf(code: ErrorCode): ErrorCodeSpec {
  return ERROR_CODES[code];
}
