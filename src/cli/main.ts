/**
 * CLI entry: builds the program, runs it, and turns every failure into one clear line
 * (`error CODE: message`, then the hint) and the exit status from the error table.
 */
import { fileURLToPath } from 'node:url';
import { buildProgram } from './program.js';
import { reportError } from './output.js';

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    process.exitCode = reportError(err, argv.includes('--json'));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv);
}
