/**
 * `agentwire runagent <agent>`: run a deployed RunAgent agent (`RunAgentClient`) — `POST /api/v1/agents/{id}/run`, or the `run-stream` WebSocket with
 * `--stream`. Connection: `--url`, `--api-key`, else `RUNAGENT_*` and `~/.runagent/config.json`
 * (read by the client).
 */
import type { Command } from 'commander';
import { parseJsonObject } from '../args.js';
import { runAgentClient, runAgentOptions, type RunAgentConnection } from '../connect.js';
import type { Cli } from '../context.js';
import { invalid } from '../../core/validate.js';
import { isStreamEntrypoint } from '../../runagent/frames.js';
import { humanValue } from '../format.js';
import { drain } from '../stream.js';

const ENV_HELP = `
Environment (then ~/.runagent/config.json: api_key, api_url, timeout):
  RUNAGENT_API_KEY    API key (--api-key)
  RUNAGENT_BASE_URL   the server, e.g. http://127.0.0.1:8450 (--url); also RUNAGENT_API_URL
  RUNAGENT_TIMEOUT    request timeout in seconds (--timeout takes ms)
  RUNAGENT_LOG_LEVEL  the client's log level (debug, info, warn, error, off)`;

/** Registers `runagent` on `program`. */
export function registerRunAgent(program: Command, cli: Cli): void {
  runAgentOptions(program.command('runagent <agent>').description('run a deployed RunAgent agent (--stream: chunks as they come)'))
    .requiredOption('--input <json>', 'the entrypoint’s keyword arguments, as a JSON object')
    .option('--stream', 'use the streaming entrypoint (generic_stream unless --entrypoint)')
    .option('--entrypoint <tag>', 'the entrypoint tag (default generic, or generic_stream with --stream; a streaming tag ends in _stream)')
    .addHelpText('after', `${ENV_HELP}\n\nExamples:\n  agentwire runagent 6f1c… --input '{"query": "Hello"}'\n  agentwire runagent 6f1c… --input '{"query": "Tell a story"}' --stream`)
    .action(async (agentId: string, o: RunAgentConnection & { input: string; stream?: boolean; entrypoint?: string }, cmd: Command) => {
      const s = cli.session(cmd);
      const input = parseJsonObject(o.input, '--input');
      // The client's own message names its methods (run / runStream); here the flag decides.
      const tag = o.entrypoint ?? (o.stream ? 'generic_stream' : 'generic');
      if (!o.stream && isStreamEntrypoint(tag)) invalid(`Entrypoint \`${tag}\` is a streaming entrypoint (its tag ends in _stream): add --stream`);
      if (o.stream && !isStreamEntrypoint(tag)) invalid(`Entrypoint \`${tag}\` is not a streaming entrypoint (its tag does not end in _stream): drop --stream`);
      const ra = await runAgentClient(s, agentId, o);
      if (!o.stream) {
        const result = await s.out.waiting(`running ${tag}…`, () => ra.run(tag, input, { signal: s.signal }));
        if (s.json) s.out.document(result);
        else s.out.line(humanValue(result));
        return;
      }
      const stream = ra.runStream(tag, input, { signal: s.signal });
      let last = '\n';
      await drain(s, stream, (chunk) => {
        if (s.json) return s.out.record({ type: 'chunk', value: chunk });
        // Chunks are written as they come, without separators (as RunAgent's Python SDK examples `print(chunk, end="")`).
        const piece = typeof chunk === 'string' ? chunk : JSON.stringify(chunk);
        if (piece) last = piece;
        s.out.write(piece);
      }, `running ${tag}…`);
      if (s.json) s.out.record({ type: 'completed', invocationId: stream.invocationId, ...stream.completion });
      else if (!last.endsWith('\n')) s.out.line();
    });
}
