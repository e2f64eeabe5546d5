import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AgentClient, type AgentClientOptions } from '../../src/agent/index.js';

export const AGENT_TOKEN = 'agent_tok_3f9c2b7e1d';
export const USER_TOKEN = 'user_tok_8a1e5c0b4f';
export const TENANT = 'tenant_acme_01';

/** A client for a test server: no retries and short backoff unless asked. */
export function agentClient(baseUrl: string, extra: Partial<AgentClientOptions> = {}): AgentClient {
  return new AgentClient({ baseUrl, agentToken: AGENT_TOKEN, maxRetries: 0, logLevel: 'off', ...extra });
}

/** Everything an iterable yields, and the error it ended with, if any. */
export async function drain(iterable: AsyncIterable<string>): Promise<{ lines: string[]; error: any }> {
  const lines: string[] = [];
  try {
    for await (const line of iterable) lines.push(line);
    return { lines, error: undefined };
  } catch (error) {
    return { lines, error };
  }
}

const asyncapi = parse(readFileSync(new URL('../../openapi/agent-logs.asyncapi.yaml', import.meta.url), 'utf8'));

/** The captured `[live]` Ray frames (ws-tail-frames.txt), as the spec's `log` examples hold them. */
export const CAPTURED_LOG_EVENTS: Array<{ type: string; message: string }> = asyncapi.components.messages.log.examples.map(
  (e: { payload: { type: string; message: string } }) => e.payload,
);
/** The spec's `complete` and `error` examples. */
export const COMPLETE_EVENT = asyncapi.components.messages.complete.examples[0].payload;
export const ERROR_EVENT = asyncapi.components.messages.error.examples[0].payload;

/** The captured frames as WebSocket text frames (JSON `log` events), then `complete`. */
export const CAPTURED_FRAMES: string[] = [...CAPTURED_LOG_EVENTS.map((e) => JSON.stringify(e)), JSON.stringify(COMPLETE_EVENT)];

/** The 23 lines of the captured job, written out: 2 preamble lines (the entrypoint's newline makes a third), then 0..19. */
export const CAPTURED_LINES: string[] = [
  '2026-11-22 03:55:32,015\tINFO job_manager.py:583 -- Runtime env is setting up.',
  'Running entrypoint for job raysubmit_NRBzaQRtepYZud2i: python3 -c "import time',
  'for i in range(20): print(i, flush=True); time.sleep(0.2)"',
  ...Array.from({ length: 20 }, (_, i) => String(i)),
];
