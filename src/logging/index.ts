/**
 * Structured logs with pino, to stderr so stdout stays clean for `--json` output.
 * Secrets never appear: config secrets are `Secret` objects (they serialise as `[redacted]`),
 * and as a second layer the usual secret-bearing keys are censored wherever they occur.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'password', '*.password', 'clientSecret', '*.clientSecret', 'client_secret', '*.client_secret',
  'secret', '*.secret', 'token', '*.token', 'accessToken', '*.accessToken', 'access_token', '*.access_token',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'req.headers.authorization', 'masterKey', '*.masterKey', 'privateKey', '*.privateKey',
];

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'warn',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything; for library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
