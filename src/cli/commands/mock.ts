/**
 * `agentwire mock [--port <n>]`: starts the mock server of the separate `agentwire-mock`
 * package (Prism on the specs plus the streaming routes, every API on one port under `/agent`,
 * `/hosted`, `/runagent`, `/ray`), prints each API's URL and the environment that points the
 * other commands at it, and runs until Ctrl-C or SIGTERM, which close it (Prism included) and
 * exit 0. Without `agentwire-mock` installed it says in one line how to install it (exit 2).
 */
import type { Command } from 'commander';
import { ClientError, ValidationError } from '../../core/errors.js';
import { intArg } from '../args.js';
import type { Cli } from '../context.js';

/** The package that holds the mock server; imported by name so the SDK does not depend on it. */
const MOCK_PACKAGE = 'agentwire-mock';

/** What this command uses of `agentwire-mock` (its public `startMockServer` and `API_NAMES`). */
interface MockPackage {
  API_NAMES: readonly string[];
  startMockServer(options: { port?: number; quiet?: boolean; stateful?: boolean }): Promise<{ url: string; urls: Record<string, string>; close(): Promise<void> }>;
}

/** `agentwire-mock`, or a `ValidationError` (code `MOCK_NOT_INSTALLED`) saying how to install it. */
async function loadMockPackage(): Promise<MockPackage> {
  try {
    return (await import(MOCK_PACKAGE)) as MockPackage;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${MOCK_PACKAGE}'`)) {
      throw new ValidationError(`agentwire mock needs the ${MOCK_PACKAGE} package: npm install --save-dev ${MOCK_PACKAGE}`, {
        code: 'MOCK_NOT_INSTALLED',
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * `agentwire-mock` throws the error classes of the `agentwire` copy it resolves, which may not
 * be this one: an error that is not ours is carried over by its message and code.
 */
function ownError(error: unknown): unknown {
  if (error instanceof ClientError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^(MOCK_|INVALID_)/.test(code)) return error;
  const Class = error.name === 'ValidationError' ? ValidationError : ClientError;
  return new Class(error.message, { code, cause: error });
}

/** Registers `mock` on `program`. */
export function registerMock(program: Command, cli: Cli): void {
  program
    .command('mock')
    .description('run the mock server of every API on one local port until Ctrl-C')
    .option('-p, --port <n>', 'port on 127.0.0.1 (default: a free one)', intArg(0, 65_535))
    .option('-q, --quiet', "hide Prism's request log")
    .option('-s, --stateful', 'keep the jobs submitted and runs started through it (get, list, tail, stop, cancel)')
    .addHelpText(
      'after',
      `
With --json the first line of stdout is {"url", "urls"} (for scripts).
Stream scenarios: send "Prefer: delay=10, drop-after=3, truncate, refuse=503, invalid-payload"
(agentwire -H 'Prefer: …'), or PUT <url>/__mock/scenario. Prism answers the rest:
"Prefer: code=404" or "Prefer: example=<name>" picks a response.`,
    )
    .action(async (o: { port?: number; quiet?: boolean; stateful?: boolean }, cmd: Command) => {
      const s = cli.session(cmd);
      const { startMockServer, API_NAMES } = await loadMockPackage();
      const mock = await s.out
        .waiting('starting the mock server…', () => startMockServer({ port: o.port ?? 0, quiet: o.quiet === true, stateful: o.stateful === true }))
        .catch((error: unknown) => Promise.reject(ownError(error)));
      try {
        if (s.json) {
          s.out.record({ url: mock.url, urls: mock.urls });
        } else {
          s.out.line(`agentwire mock server on ${mock.url}`);
          const width = Math.max(...API_NAMES.map((a) => a.length));
          for (const api of API_NAMES) s.out.line(`  ${api.padEnd(width)}  ${mock.urls[api]}`);
          s.out.line();
          s.out.line('Point the other commands at it (any token works; the agent API needs one):');
          s.out.line(`  export AGENT_URL=${mock.urls.agent} AGENT_TOKEN=mock`);
          s.out.line(`  export RAY_DASHBOARD_ADDRESS=${mock.urls.ray}`);
          s.out.line(`  export AGNTZ_BASE_URL=${mock.urls.hosted} AGNTZ_API_KEY=ar_live_mock`);
          s.out.line(`  export RUNAGENT_BASE_URL=${mock.urls.runagent} RUNAGENT_API_KEY=mock`);
          s.out.note('Ctrl-C to stop.');
        }
        await new Promise<void>((resolve) => {
          if (s.signal.aborted) resolve();
          else s.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        if (!s.json) s.out.note('closing the mock server…');
      } finally {
        await mock.close();
      }
    });
}
