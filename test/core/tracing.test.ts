/**
 * Opt-in OpenTelemetry against small real servers on 127.0.0.1, recorded by
 * `@opentelemetry/sdk-trace-base`'s in-memory exporter: one CLIENT span per physical HTTP request
 * (HTTP semantic conventions), retries each visible with `http.request.resend_count`, W3C
 * `traceparent` sent, no secret in any attribute — and nothing at all when tracing is off.
 */
import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { Secrets } from '../../src/core/redact.js';
import { redactUrl } from '../../src/core/tracing.js';
import { AgentClient } from '../../src/agent/index.js';
import { HostedClient } from '../../src/hosted/index.js';
import { RayClient } from '../../src/ray/index.js';
import { RunAgentClient } from '../../src/runagent/index.js';
import { jobRecord } from '../ray/support.js';
import { closedPort, startServer, type TestServer } from '../support/servers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const TOKEN = 'ray-secret-token-1234';

let server: TestServer | undefined;
beforeAll(() => {
  otel.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  otel.trace.setGlobalTracerProvider(provider);
});
afterAll(() => {
  otel.trace.disable();
  otel.context.disable();
});
afterEach(async () => {
  exporter.reset();
  await server?.close();
  server = undefined;
});

const ray = (address: string, traced = true) =>
  new RayClient({ address, token: TOKEN, logLevel: 'off', maxRetries: 2, ...(traced ? { tracing: { api: otel } } : {}) });

/** Every attribute value (and status message, event attribute) of the spans, as text. */
function allText(spans: ReadableSpan[]): string {
  return JSON.stringify(spans.map((s) => [s.name, s.attributes, s.status, s.events.map((e) => [e.name, e.attributes])]));
}

describe('HTTP spans', () => {
  it('a retried GET is one CLIENT span per attempt under the caller\'s span, the retry counted, traceparent sent', async () => {
    let n = 0;
    server = await startServer((_req, res) => {
      n++;
      if (n === 1) res.writeHead(503, { 'content-type': 'application/json', 'retry-after-ms': '0' }).end('{"detail":"busy"}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jobRecord('raysubmit_1', 'RUNNING')));
    });
    const client = ray(server.url);
    const tracer = otel.trace.getTracer('test');
    await tracer.startActiveSpan('caller', async (parent) => {
      await client.jobs.get('raysubmit_1');
      parent.end();
    });
    const spans = exporter.getFinishedSpans();
    const caller = spans.find((s) => s.name === 'caller')!;
    const attempts = spans.filter((s) => s.kind === otel.SpanKind.CLIENT);
    expect(attempts).toHaveLength(2);
    const port = Number(new URL(server.url).port);
    for (const [i, span] of attempts.entries()) {
      expect(span.name).toBe('GET /api/jobs/{job_or_submission_id}');
      expect(span.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(caller.spanContext().traceId);
      expect(span.attributes).toMatchObject({
        'http.request.method': 'GET',
        'server.address': '127.0.0.1',
        'server.port': port,
        'url.full': `${server.url}/api/jobs/raysubmit_1`,
        'url.template': '/api/jobs/{job_or_submission_id}',
      });
      // Each request carried its own span's context.
      const sent = server.requests[i]!.headers.traceparent;
      expect(sent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    }
    const [first, second] = attempts as [ReadableSpan, ReadableSpan];
    expect(first.attributes['http.response.status_code']).toBe(503);
    expect(first.attributes['error.type']).toBe('503');
    expect(first.status.code).toBe(otel.SpanStatusCode.ERROR);
    expect(first.attributes['http.request.resend_count']).toBeUndefined();
    expect(second.attributes['http.response.status_code']).toBe(200);
    expect(second.attributes['error.type']).toBeUndefined();
    expect(second.attributes['http.request.resend_count']).toBe(1);
    expect(second.status.code).toBe(otel.SpanStatusCode.UNSET);
    expect(allText(spans)).not.toContain(TOKEN);
  });

  it('a refused connection: each attempt a span with error.type ECONNREFUSED, no secret in the message', async () => {
    const port = await closedPort();
    const client = new RayClient({ address: `http://127.0.0.1:${port}`, token: TOKEN, logLevel: 'off', maxRetries: 1, tracing: { tracer: provider.getTracer('mine') } });
    await expect(client.jobs.get('raysubmit_1')).rejects.toThrow();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    expect(spans.map((s) => s.attributes['error.type'])).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    expect(spans[1]!.attributes['http.request.resend_count']).toBe(1);
    expect(spans.every((s) => s.status.code === otel.SpanStatusCode.ERROR && s.attributes['http.response.status_code'] === undefined)).toBe(true);
    expect(allText(spans)).not.toContain(TOKEN);
  });

  it("the API's registered propagator writes the headers, with the request's span in its context", async () => {
    const propagator: otel.TextMapPropagator = {
      inject: (ctx, carrier, setter) => setter.set(carrier, 'x-test-span', otel.trace.getSpan(ctx)?.spanContext().spanId ?? 'none'),
      extract: (ctx) => ctx,
      fields: () => ['x-test-span'],
    };
    otel.propagation.setGlobalPropagator(propagator);
    try {
      server = await startServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jobRecord('raysubmit_1', 'RUNNING')));
      });
      await ray(server.url).jobs.get('raysubmit_1');
    } finally {
      otel.propagation.disable();
    }
    const [span] = exporter.getFinishedSpans();
    expect(server.requests[0]!.headers['x-test-span']).toBe(span!.spanContext().spanId);
    // That propagator wrote no traceparent: the client wrote one from the span.
    expect(server.requests[0]!.headers.traceparent).toBe(`00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`);
  });

  it('a followed redirect is a request of its own: the hop a span with its 307, the next counted as a resend', async () => {
    server = await startServer((req, res) => {
      if (req.url === '/api/jobs/old') res.writeHead(307, { location: '/api/jobs/raysubmit_1' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jobRecord('raysubmit_1', 'RUNNING')));
    });
    await ray(server.url).jobs.get('old');
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.attributes['http.response.status_code'], s.attributes['http.request.resend_count'], s.status.code])).toEqual([
      [307, undefined, otel.SpanStatusCode.UNSET],
      [200, 1, otel.SpanStatusCode.UNSET],
    ]);
    expect(spans[1]!.attributes['url.full']).toBe(`${server.url}/api/jobs/raysubmit_1`);
  });

  it('url.full carries no credentials: userinfo, secret query values and known tokens are REDACTED', () => {
    const secrets = new Secrets().add(TOKEN);
    const out = redactUrl(`https://user:pw@example.com:8443/a/${TOKEN}?token=abc&sig=xyz&limit=5`, secrets);
    expect(out).toBe('https://REDACTED:REDACTED@example.com:8443/a/[REDACTED]?token=REDACTED&sig=REDACTED&limit=5');
  });

  it('off by default: a registered global provider records nothing, no traceparent is sent', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jobRecord('raysubmit_1', 'RUNNING')));
    });
    await ray(server.url, false).jobs.get('raysubmit_1');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.traceparent).toBeUndefined();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('a tracing option that is neither { api } nor { tracer } is a ValidationError before any request', () => {
    expect(() => new RayClient({ address: 'http://127.0.0.1:1', tracing: {} })).toThrow(ValidationError);
    expect(() => new RayClient({ address: 'http://127.0.0.1:1', tracing: { api: {} as never } })).toThrow(ValidationError);
  });
});

/** The CLIENT spans whose parent is `span`. */
const childrenOf = (spans: ReadableSpan[], span: ReadableSpan) =>
  spans.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId && s.kind === otel.SpanKind.CLIENT);

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('stream spans', () => {
  const traced = { tracing: { api: otel }, logLevel: 'off' } as const;

  it('an agent tail that falls back: one span, a fallback event, the handshake and the HTTP tail carry its context, lines counted', async () => {
    const LOG = (message: string) => JSON.stringify({ type: 'log', message });
    server = await startServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`data: ${LOG('one')}\ndata: ${LOG('two')}\ndata: {"type":"complete"}\n`);
      },
      { ws: () => {}, wsRefuse: () => 503 },
    );
    const client = new AgentClient({ baseUrl: server.url, agentToken: 'agent-secret-token', maxRetries: 0, ...traced });
    expect(await collect(client.tailJobLogs('raysubmit_1'))).toEqual(['one', 'two']);
    const spans = exporter.getFinishedSpans();
    const tail = spans.find((s) => s.name === 'tail /jobs/{job_id}/logs')!;
    expect(tail.kind).toBe(otel.SpanKind.INTERNAL);
    expect(tail.attributes).toMatchObject({ 'agentwire.job.id': 'raysubmit_1', 'agentwire.tail.protocol': 'auto', 'agentwire.stream.items': 2 });
    expect(tail.status.code).toBe(otel.SpanStatusCode.UNSET);
    expect(tail.events.map((e) => e.name)).toEqual(['fallback']);
    expect(tail.events[0]!.attributes).toMatchObject({ 'agentwire.tail.protocol': 'http', 'agentwire.stream.items': 0 });
    const [http] = childrenOf(spans, tail);
    expect(http?.name).toBe('GET /jobs/{job_id}/logs/stream/');
    expect(http?.attributes['http.response.status_code']).toBe(200);
    const [upgrade, get] = server.requests;
    expect(upgrade?.method).toBe('UPGRADE');
    expect(upgrade?.headers.traceparent).toBe(`00-${tail.spanContext().traceId}-${tail.spanContext().spanId}-01`);
    expect(get?.headers.traceparent).toBe(`00-${http!.spanContext().traceId}-${http!.spanContext().spanId}-01`);
    expect(allText(spans)).not.toContain('agent-secret-token');
  });

  it('a resumed runs.stream: one span, a reconnect event with since, one CLIENT span per connection, events counted', async () => {
    let n = 0;
    const sse = (res: ServerResponse, body: string) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end(body);
    server = await startServer((_req, res) => {
      n++;
      if (n === 1) sse(res, 'event: text-delta\nid: 1\ndata: {"runId":"run_1","seq":1,"delta":"hi"}\n\n'); // ends early: a reconnect
      else sse(res, 'event: run-complete\nid: 2\ndata: {"runId":"run_1","seq":2}\n\n');
    });
    const client = new HostedClient({ apiKey: 'ar_live_secret_key', baseUrl: server.url, maxRetries: 1, ...traced });
    const events = await collect(client.runs.stream('run_1'));
    expect(events.map((e) => e.type)).toEqual(['text-delta', 'run-complete']);
    const spans = exporter.getFinishedSpans();
    const stream = spans.find((s) => s.name === 'stream GET /runs/{runId}/stream')!;
    expect(stream.attributes).toMatchObject({ 'agentwire.run.id': 'run_1', 'agentwire.stream.items': 2 });
    expect(stream.events.map((e) => [e.name, e.attributes?.['agentwire.stream.since'], e.attributes?.['agentwire.stream.reason']])).toEqual([['reconnect', 1, 'ended early']]);
    const connections = childrenOf(spans, stream);
    expect(connections.map((s) => s.attributes['url.full'])).toEqual([`${server.url}/runs/run_1/stream`, `${server.url}/runs/run_1/stream?since=1`]);
    expect(connections.every((s) => s.name === 'GET /runs/{runId}/stream' && s.attributes['http.response.status_code'] === 200)).toBe(true);
    expect(server.requests.map((r) => r.headers.traceparent)).toEqual(connections.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`));
    expect(allText(spans)).not.toContain('ar_live_secret_key');
  });

  it('a stream that fails ends its span with the error: a refused runs.stream', async () => {
    server = await startServer((_req, res) => void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such run"}'));
    const client = new HostedClient({ apiKey: 'ar_live_secret_key', baseUrl: server.url, maxRetries: 0, ...traced });
    await expect(collect(client.runs.stream('run_1'))).rejects.toThrow();
    const stream = exporter.getFinishedSpans().find((s) => s.name === 'stream GET /runs/{runId}/stream')!;
    expect(stream.status.code).toBe(otel.SpanStatusCode.ERROR);
    expect(stream.attributes).toMatchObject({ 'agentwire.stream.items': 0 });
    expect(stream.attributes['error.type']).toBeDefined();
  });

  it('a Ray tail and a RunAgent run-stream: one span each, lines / chunks counted, traceparent on the handshake', async () => {
    const chunk = JSON.stringify({ type: 'data', content: JSON.stringify({ type: 'string', payload: JSON.stringify('chunk 1') }) });
    server = await startServer(
      (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jobRecord('raysubmit_1', 'SUCCEEDED'))),
      {
        ws: (ws: WebSocket, req) => {
          if (req.url?.includes('/logs/tail')) {
            ws.send('line 1\nline 2\n');
            ws.close(1000);
            return;
          }
          ws.once('message', () => {
            ws.send('{"type":"status","status":"stream_started","invocation_id":"inv-1"}');
            ws.send(chunk);
            ws.send('{"type":"status","status":"stream_completed","total_chunks":1,"execution_time":0.1,"invocation_id":"inv-1"}');
            ws.close(1000);
          });
        },
      },
    );
    expect(await collect(ray(server.url).jobs.tail('raysubmit_1'))).toEqual(['line 1', 'line 2']);
    const runagent = new RunAgentClient({ agentId: 'agent_1', apiKey: 'ra-secret-key', baseUrl: server.url, timeout: 3000, maxRetries: 0, ...traced });
    expect(await collect(runagent.runGenericStream({ query: 'hi' }))).toEqual(['chunk 1']);
    const spans = exporter.getFinishedSpans();
    const tail = spans.find((s) => s.name === 'tail /api/jobs/{job_id}/logs/tail')!;
    const run = spans.find((s) => s.name === 'run-stream /api/v1/agents/{agent_id}/run-stream')!;
    expect(tail.attributes['agentwire.stream.items']).toBe(2);
    expect(childrenOf(spans, tail).map((s) => s.name)).toEqual(['GET /api/jobs/{job_or_submission_id}']); // the read after the close
    expect(run.attributes).toMatchObject({ 'agentwire.stream.items': 1, 'agentwire.entrypoint': 'generic_stream' });
    const upgrades = server.requests.filter((r) => r.method === 'UPGRADE');
    expect(upgrades.map((r) => r.headers.traceparent)).toEqual([tail, run].map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`));
    expect(allText(spans)).not.toContain(TOKEN);
    expect(allText(spans)).not.toContain('ra-secret-key');
  });
});
