/**
 * The HTTP vocabulary shared by the server and the services mounted on it (login, Graph, control,
 * and later Exchange's admin API and Azure DevOps): a fully read request and a result to write.
 */
import type { EmulatorRuntime } from './runtime.js';

export interface HttpRequestInfo {
  readonly method: string;
  /** Decoded path without query, e.g. `/v1.0/users`. */
  readonly path: string;
  /** Raw path as sent (percent-encoding kept). */
  readonly rawPath: string;
  readonly rawQuery: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /** `http://host:port` or `https://host:port` as the client addressed us. */
  readonly origin: string;
  readonly remoteAddress: string;
}

export interface HttpResult {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
  /** Destroy the socket instead of answering. */
  resetConnection?: boolean;
}

/** A non-Graph service mounted on the emulator's origin (e.g. `/adminapi/` for Exchange). */
export interface EmulatorService {
  readonly name: string;
  matches(path: string): boolean;
  handle(req: HttpRequestInfo, runtime: EmulatorRuntime): Promise<HttpResult>;
}

export function isLoopback(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || address.startsWith('127.');
}

export function jsonBody(req: HttpRequestInfo): unknown {
  if (req.body.length === 0) return undefined;
  return JSON.parse(req.body.toString('utf8'));
}
