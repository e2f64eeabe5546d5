#!/usr/bin/env node
/**
 * `agentwire`: the package's command line (`bin`). See `agentwire --help`.
 *
 * Exits with the code {@link runCli} resolves to, once stdout and stderr are flushed. A reader
 * that goes away (`agentwire logs job | head`) ends the command quietly with 0.
 */
import { runCli } from './program.js';

for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

const code = await runCli(process.argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
