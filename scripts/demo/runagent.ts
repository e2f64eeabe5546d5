/**
 * The RunAgent part of the `npm start` tour: runGeneric, then a streamed answer printed chunk
 * by chunk, then what failures look like. Against the embedded mock (Prism + the captured
 * run-stream frames), or a real RunAgent server when `RUNAGENT_BASE_URL` (or the seed's
 * `RUNAGENT_API_URL`) is set; then `RUNAGENT_AGENT_ID` names the agent and the key comes
 * from `RUNAGENT_API_KEY` or `~/.runagent/config.json`, as the client resolves it.
 */
import { RunAgentClient, RunAgentError, StreamError, ValidationError } from '../../src/runagent/index.js';
import type { DemoSection } from './types.js';

/** The captured agent's id placeholder (openapi/runagent.yaml). */
const DEMO_AGENT = '14bc8f86-c108-485b-adb7-cf06f2831091';

export const section: DemoSection = {
  title: 'RunAgent: runGeneric and a streamed answer',
  realWhen: ['RUNAGENT_BASE_URL', 'RUNAGENT_API_URL'],
  async run(say, mock) {
    const agentId = mock ? DEMO_AGENT : (process.env.RUNAGENT_AGENT_ID ?? DEMO_AGENT);
    // Against the mock the base URL and a throwaway key are explicit, so no real key from the
    // environment or ~/.runagent/config.json is sent anywhere.
    const ra = mock ? new RunAgentClient({ agentId, baseUrl: mock.urls.runagent, apiKey: 'demo-key-not-secret' }) : new RunAgentClient({ agentId });
    const settings = await ra.settings();
    say.line(`agent ${agentId} at ${settings.baseUrl} (base URL from ${settings.sources.baseUrl}), timeout ${settings.timeout} ms`);

    say.step('runGeneric({ message: "hello rig", extra: 1 }) — POST /run, data decoded twice');
    const answer = await ra.runGeneric({ message: 'hello rig', extra: 1 });
    say.data(answer);

    say.step('runGenericStream({ message: "hi" }) — the run-stream WebSocket, chunk by chunk');
    const started = performance.now();
    const stream = ra.runGenericStream({ message: 'hi' });
    for await (const chunk of stream) say.line(`+${String(Math.round(performance.now() - started)).padStart(4)} ms  ${chunk}`);
    say.ok(`stream_completed: ${stream.completion?.totalChunks} chunks in ${Math.round(stream.completion?.executionTimeMs ?? 0)} ms (invocation ${stream.invocationId})`);

    say.step('runStream("generic", …) — a non-stream tag: ValidationError before any I/O');
    try {
      ra.runStream('generic', {});
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      say.caught(`${err.name}: ${err.message}`);
    }

    if (!mock) return;
    say.step('An agent that raises: HTTP 200 with success:false is still an error');
    try {
      await ra.runGeneric({}, { headers: { Prefer: 'example=agentRaised' } });
    } catch (err) {
      if (!(err instanceof RunAgentError)) throw err;
      say.caught(`${err.name} [${err.code}]: ${err.message}`);
    }

    say.step('A stream cut before stream_completed (the mock drops after 3 frames)');
    const cut = ra.runGenericStream({ message: 'hi' }, { headers: { Prefer: 'delay=50, drop-after=3' } });
    try {
      for await (const chunk of cut) say.line(chunk);
    } catch (err) {
      if (!(err instanceof StreamError)) throw err;
      say.caught(`${err.name}: ${err.message}`);
    }
  },
};
