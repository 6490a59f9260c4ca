/**
 * Opaque continuation tokens (`$skiptoken`, `$deltatoken`). They are base64url JSON, prefixed
 * with a short tag so a token of one kind is never accepted as another; clients must treat them
 * as opaque (Graph docs, "Paging"), and so does everything outside this module.
 *
 * A token that does not decode is answered with Graph's directory error for a bad page token.
 */
import { GraphError } from '../errors.js';

export function encodeToken(tag: string, value: unknown): string {
  return `${tag}${Buffer.from(JSON.stringify(value)).toString('base64url')}`;
}

export function decodeToken<T>(tag: string, token: string): T {
  if (!token.startsWith(tag)) throw expiredPageToken();
  try {
    return JSON.parse(Buffer.from(token.slice(tag.length), 'base64url').toString('utf8')) as T;
  } catch {
    throw expiredPageToken();
  }
}

export function expiredPageToken(): GraphError {
  return new GraphError(400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.');
}
