#!/usr/bin/env node
/**
 * `agentwire-mock` (the package's bin; `npm run mock` in the agentwire repository): starts the
 * mock server and keeps it up until Ctrl-C.
 *
 * `agentwire-mock [--port <n>] [--quiet]` (compiled: `node dist/main.js`).
 * Without `--port` a free port is chosen. `--quiet` hides Prism's request log. `--stateful`
 * keeps the jobs submitted and runs started through it (`DELETE /__mock/state` forgets them).
 */
import { parseArgs } from 'node:util';
import { startMockServer } from './server.js';
import { API_NAMES } from './types.js';

const USAGE = 'usage: agentwire-mock [--port <n>] [--quiet] [--stateful]   (in this repository: npm run mock -- …)';

async function main(): Promise<void> {
  let values: { port?: string; quiet?: boolean; stateful?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', short: 'p' },
        quiet: { type: 'boolean', short: 'q' },
        stateful: { type: 'boolean', short: 's' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535) {
    process.stderr.write(`--port must be an integer in 0-65535\n${USAGE}\n`);
    process.exit(2);
  }

  const started = performance.now();
  const mock = await startMockServer({ port, quiet: values.quiet ?? false, stateful: values.stateful ?? false });
  const ms = Math.round(performance.now() - started);
  const width = Math.max(...API_NAMES.map((a) => a.length));
  process.stdout.write(
    [
      `agentwire mock server on ${mock.url} (started in ${ms} ms)`,
      ...API_NAMES.map((api) => `  ${api.padEnd(width)}  ${mock.urls[api]}`),
      '',
      'Stream scenarios (delay ms between frames, drop the connection after n frames, end before the',
      'terminal frame, refuse the WebSocket handshake, one non-JSON frame):',
      `  per request:  Prefer: delay=10, drop-after=3, truncate, refuse=503, invalid-payload`,
      `                (or ?__mock=drop-after%3D3 for clients that cannot set headers)`,
      `  per API:      curl -X PUT ${mock.url}/__mock/scenario -d '{"api":"agent","scenario":{"dropAfter":3},"times":1}'`,
      `  reset:        curl -X DELETE ${mock.url}/__mock/scenario   (state: curl -X DELETE ${mock.url}/__mock/state)`,
      `Prism answers everything else; pick a response with Prefer: code=404 or Prefer: example=<name>.`,
      'Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`second ${signal}: exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`\n${signal}: closing the mock server…\n`);
    mock.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`close failed: ${(error as Error)?.message ?? error}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.message ?? error}\n`);
  process.exit(1);
});
