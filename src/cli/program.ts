/**
 * The `agentwire` command: the commander program (global options, every command group, the
 * exit-code table in `--help`) and {@link runCli}, which parses, runs, turns any error into one
 * line on stderr and an exit code (`errors.ts`), and makes Ctrl-C close connections cleanly.
 */
import { Command, CommanderError, Option } from 'commander';
import { intArg, collect } from './args.js';
import { registerAgent } from './commands/agent.js';
import { registerHosted } from './commands/hosted.js';
import { registerMock } from './commands/mock.js';
import { registerRay } from './commands/ray.js';
import { registerRunAgent } from './commands/runagent.js';
import { Cli } from './context.js';
import { errorText, EXIT, EXIT_CODES_HELP, exitCodeFor, Interrupted } from './errors.js';
import type { Io } from './output.js';

const ROOT_HELP = `
Groups:
  agent server   jobs, logs, nodes, tasks, serve
                 AGENT_URL, AGENT_TOKEN, AGENT_USER_TOKEN, AGENT_TENANT
  Ray dashboard  ray submit|logs|jobs|status|stop|nodes|tasks
                 RAY_DASHBOARD_ADDRESS (or an http RAY_ADDRESS), RAY_AUTH_TOKEN
  hosted runs    run, runs list|get|cancel|watch, traces list|get
                 AGNTZ_API_KEY, AGNTZ_BASE_URL
  RunAgent       runagent
                 RUNAGENT_API_KEY, RUNAGENT_BASE_URL, RUNAGENT_TIMEOUT
  mock server    mock (every API above on one local port)

Flags win over the environment. Output is for people (tables, local times, colour on a
terminal unless NO_COLOR is set); --json prints one JSON document (streams: one JSON object
per line). Errors are one line on stderr; --debug adds the stack.

${EXIT_CODES_HELP}

Examples:
  agentwire jobs list
  agentwire logs raysubmit_NRBzaQRtepYZud2i
  agentwire ray submit --wait -- python train.py --epochs 3
  agentwire run support-agent --input '"Hello"' --stream
  agentwire runs list --status failed --json
  agentwire mock --port 4010`;

/** Builds the program. Commander's own errors (unknown option, missing argument) throw instead of exiting. */
export function buildProgram(cli: Cli): Command {
  const program = new Command('agentwire')
    .description('Look at agent servers, Ray clusters, hosted agent runs and RunAgent deployments from the shell.')
    .version(VERSION, '-V, --version')
    .option('--json', 'machine output: one JSON document (streams: one JSON object per line)')
    .option('--debug', 'print stack traces and the clients’ debug log on stderr')
    .option('-H, --header <header>', 'extra request header "Name: value" (repeatable), e.g. "Prefer: code=404" against the mock', collect)
    .option('--timeout <ms>', 'request timeout in milliseconds', intArg(1, 86_400_000))
    .option('--retries <n>', 'retries of a failed request (default 3)', intArg(0, 10))
    .option('--trace', 'print the spans of the command (each HTTP request, each stream) to stderr as a tree when it ends')
    .addOption(new Option('--no-color', 'no colour (also: NO_COLOR=1)'))
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => cli.io.stdout.write(cli.secrets.redact(text)),
      writeErr: (text) => cli.io.stderr.write(cli.secrets.redact(text)),
      // Commander's errors (`error: unknown option '--jsn'` + a suggestion) as one line.
      outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')}\n`),
    })
    .exitOverride()
    .addHelpText('after', ROOT_HELP);
  registerAgent(program, cli);
  registerRay(program, cli);
  registerHosted(program, cli);
  registerRunAgent(program, cli);
  registerMock(program, cli);
  return program;
}

/** The package version, read once from package.json (two levels up in both src/ and dist/src/). */
const VERSION: string = await (async () => {
  try {
    const { readFile } = await import('node:fs/promises');
    for (const rel of ['../../package.json', '../../../package.json']) {
      try {
        const pkg = JSON.parse(await readFile(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'agentwire' && pkg.version) return pkg.version;
      } catch {
        // try the next candidate
      }
    }
  } catch {
    // no file system: unknown version
  }
  return '0.0.0';
})();

/**
 * Runs the command line `argv` (`process.argv`: node, script, args…) and resolves to the exit
 * code. The first SIGINT/SIGTERM aborts the running command's signal (its connections close;
 * exit 130, or 143 for SIGTERM; `mock` closes and exits 0); a second one exits at once.
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    const reason = new Interrupted(signal);
    if (interrupts > 1) process.exit(reason.exitCode);
    controller.abort(reason);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const cli = new Cli(io, controller.signal, argv.slice(2));
  const debug = argv.includes('--debug');
  try {
    await buildProgram(cli).parseAsync([...argv]);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error (already printed).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (controller.signal.aborted && controller.signal.reason instanceof Interrupted) {
      if (debug) io.stderr.write(errorText(err, true, cli.secrets));
      return controller.signal.reason.exitCode;
    }
    io.stderr.write(errorText(err, debug, cli.secrets));
    return exitCodeFor(err);
  } finally {
    if (cli.spans && !cli.spans.empty) io.stderr.write(cli.secrets.redact(cli.spans.render()));
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
