/**
 * Opt-in OpenTelemetry against small real servers on 127.0.0.1, recorded by
 * `@opentelemetry/sdk-trace-base`'s in-memory exporter: one CLIENT span per physical HTTP request
 * (HTTP semantic conventions), retries each visible with `http.request.resend_count`, W3C
 * `traceparent` sent, no secret in any attribute — and nothing at all when tracing is off.
 */
import * as otel from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { Secrets } from '../../src/core/redact.js';
import { redactUrl } from '../../src/core/tracing.js';
import { RayClient } from '../../src/ray/index.js';
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
