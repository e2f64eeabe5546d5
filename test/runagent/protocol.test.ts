/**
 * The pure protocol pieces: the run-stream URL (where the key may travel), structured payload
 * decoding for every type, frame reading, and that a `?token=` URL never reaches a message.
 */
import { describe, expect, it } from 'vitest';
import { Secrets } from '../../src/core/redact.js';
import { openWebSocket } from '../../src/core/websocket.js';
import { ConnectionError } from '../../src/core/errors.js';
import { StreamError } from '../../src/runagent/index.js';
import { buildRunRequest, parseRunStreamFrame, runStreamUrl } from '../../src/runagent/frames.js';
import { decodeStructuredPayload } from '../../src/runagent/payload.js';
import { closedPort } from '../support/servers.js';
import { AGENT, TOKEN, structured } from './helpers.js';

describe('streamUrl', () => {
  it('http → ws, https → wss, the base path kept, no token unless asked', () => {
    expect(runStreamUrl('http://127.0.0.1:8450', AGENT)).toBe(`ws://127.0.0.1:8450/api/v1/agents/${AGENT}/run-stream`);
    expect(runStreamUrl('https://api.run-agent.ai/', 'a1')).toBe('wss://api.run-agent.ai/api/v1/agents/a1/run-stream');
    expect(runStreamUrl('http://127.0.0.1:4010/runagent', 'a1')).toBe('ws://127.0.0.1:4010/runagent/api/v1/agents/a1/run-stream');
  });

  it('puts the key in ?token= only when headers are impossible (the caller passes it: browsers)', () => {
    const url = new URL(runStreamUrl('https://api.run-agent.ai', 'a1', 'k&y=1 2'));
    expect(url.searchParams.get('token')).toBe('k&y=1 2');
    expect([...url.searchParams.keys()]).toEqual(['token']);
  });

  it('encodes the agent id into one path segment', () => {
    expect(runStreamUrl('http://h', 'a b')).toBe('ws://h/api/v1/agents/a%20b/run-stream');
  });

  it('a ?token= URL is redacted from connection errors', async () => {
    const port = await closedPort();
    const url = runStreamUrl(`http://127.0.0.1:${port}`, AGENT, TOKEN);
    expect(url).toContain(TOKEN);
    const error = await openWebSocket(url, {
      label: 'run-stream',
      handshakeTimeoutMs: 1000,
      secrets: new Secrets().add(TOKEN),
      refused: () => new ConnectionError('refused'),
    }).catch((e: any) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).toContain(`/api/v1/agents/${AGENT}/run-stream`);
  });
});

describe('decodeStructured', () => {
  it.each([
    ['string', 'chunk 1/5 for hi'],
    ['object', { answer: 'echo: hello rig', kwargs_seen: ['extra'] }],
    ['array', [1, [2], { three: 3 }]],
    ['number', -0.5],
    ['boolean', true],
    ['null', null],
  ])('type %s, double-encoded', (type, value) => {
    expect(decodeStructuredPayload(structured(type, value), 'x')).toEqual(value);
  });

  it('the captured POST /run data', () => {
    const data = '{"type": "object", "payload": "{\\"answer\\": \\"echo: hello rig\\", \\"kwargs_seen\\": [\\"extra\\"]}"}';
    expect(decodeStructuredPayload(data, 'x')).toEqual({ answer: 'echo: hello rig', kwargs_seen: ['extra'] });
  });

  it('a payload that is not JSON is the value as it is; an object payload is used as is', () => {
    expect(decodeStructuredPayload('{"type":"string","payload":"plain"}', 'x')).toBe('plain');
    expect(decodeStructuredPayload({ type: 'object', payload: { a: 1 } }, 'x')).toEqual({ a: 1 });
  });

  it('type null gives null; JSON without {type, payload} is returned as it is; an unknown type is decoded anyway', () => {
    expect(decodeStructuredPayload('{"type":"null","payload":"None"}', 'x')).toBeNull();
    expect(decodeStructuredPayload('{"answer":1}', 'x')).toEqual({ answer: 1 });
    expect(decodeStructuredPayload('{"type":"dataframe","payload":"[[1,2]]"}', 'x')).toEqual([[1, 2]]);
  });

  it('data that is not JSON is a StreamError', () => {
    expect(() => decodeStructuredPayload('{"type": "str', 'POST /run data')).toThrow(StreamError);
    expect(() => decodeStructuredPayload('{"type": "str', 'POST /run data')).toThrow(/POST \/run data is not JSON/);
  });
});

describe('parseFrame', () => {
  it('reads status frames with their extra fields; unknown ones are "unknown"', () => {
    expect(parseRunStreamFrame('{"type":"status","status":"stream_started","invocation_id":"i1"}')).toEqual({ kind: 'started', invocationId: 'i1' });
    expect(parseRunStreamFrame('{"type":"status","status":"paused"}').kind).toBe('unknown');
    expect(parseRunStreamFrame('{"kind":"x"}').kind).toBe('unknown');
  });

  it('rejects frames that are not JSON objects, and data frames without content', () => {
    for (const text of ['nope', '"a string"', '[1]', 'null']) expect(() => parseRunStreamFrame(text)).toThrow(StreamError);
    expect(() => parseRunStreamFrame('{"type":"data"}', 3)).toThrow(/data frame 3 has no content/);
  });
});

describe('runRequest', () => {
  it('sends the timeout in whole seconds, rounded up, at least 1', () => {
    expect(buildRunRequest('generic', {}, [], 30_000).timeout_seconds).toBe(30);
    expect(buildRunRequest('generic', {}, [], 1_001).timeout_seconds).toBe(2);
    expect(buildRunRequest('generic', {}, [], 10).timeout_seconds).toBe(1);
  });
});
