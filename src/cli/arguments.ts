/** Parsers of numeric command-line arguments: a bad value is a `USAGE` error naming what was expected. */
import { TenantVaultError } from '../errors/index.js';

function numberArgument(value: string, what: string, valid: (n: number) => boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !valid(n)) throw new TenantVaultError('USAGE', `Expected ${what}, got ${JSON.stringify(value)}`);
  return n;
}

export const positiveInt = (value: string): number => numberArgument(value, 'a positive integer', (n) => Number.isInteger(n) && n >= 1);
export const nonNegativeInt = (value: string): number => numberArgument(value, 'a non-negative integer', (n) => Number.isInteger(n) && n >= 0);
export const nonNegativeNumber = (value: string): number => numberArgument(value, 'a non-negative number', (n) => Number.isFinite(n) && n >= 0);
