/**
 * Human views of the hosted API's records and events: Runs (times epoch ms),
 * trace summaries and spans (times ISO-8601), `runs watch` event lines. All times local.
 */
import type { Run, RunStreamEvent, Span, TraceDetail, TraceSummary } from '../hosted/index.js';
import { between, duration, humanValue, localTime, NONE, opt, short, statusStyle, text } from './format.js';
import type { Column, Output } from './output.js';

const RUN_COLUMNS: Column<Run>[] = [
  { title: 'RUN ID', value: (r) => r.id },
  { title: 'AGENT', value: (r) => text(r.agentId) },
  { title: 'STATUS', value: (r) => text(r.status), style: (r) => statusStyle(r.status) },
  { title: 'STARTED', value: (r) => localTime(r.startedAt) },
  { title: 'DURATION', value: (r) => between(r.startedAt, r.endedAt) },
  { title: 'INPUT', value: (r) => short(typeof r.input === 'string' ? r.input : JSON.stringify(r.input), 40) },
];

/** Runs as a table (the server's order: newest first). */
export function runTable(out: Output, runs: readonly Run[]): void {
  out.table(RUN_COLUMNS, runs, 'no runs');
}

/** One Run as a key/value list. */
export function runFields(out: Output, r: Run): void {
  const result = r.result as { output?: unknown; usage?: { totalTokens?: number; promptTokens?: number; completionTokens?: number }; model?: string } | undefined;
  const usage = result?.usage;
  out.fields([
    ['run id', r.id],
    ['root', r.rootId !== r.id ? opt(r.rootId) : undefined],
    ['parent', opt(r.parentId)],
    ['agent', opt(r.agentId)],
    ['status', text(r.status), statusStyle(r.status)],
    ['session', opt(r.sessionId)],
    ['input', r.input === undefined ? undefined : humanValue(r.input)],
    ['started', localTime(r.startedAt)],
    ['ended', r.endedAt ? localTime(r.endedAt) : undefined],
    ['duration', r.endedAt ? between(r.startedAt, r.endedAt) : undefined],
    ['error', opt(r.error)],
    ['output', result?.output === undefined ? undefined : humanValue(result.output)],
    ['model', opt(result?.model)],
    ['tokens', usage?.totalTokens === undefined ? undefined : `${usage.totalTokens} (${usage.promptTokens ?? '?'} in, ${usage.completionTokens ?? '?'} out)`],
  ]);
}

const TRACE_COLUMNS: Column<TraceSummary>[] = [
  { title: 'TRACE ID', value: (t) => t.traceId },
  { title: 'AGENT', value: (t) => text(t.agentId ?? t.rootName) },
  { title: 'STATUS', value: (t) => text(t.status), style: (t) => statusStyle(t.status) },
  { title: 'STARTED', value: (t) => localTime(t.startedAt) },
  { title: 'DURATION', value: (t) => duration(t.durationMs) },
  { title: 'SPANS', value: (t) => text(t.spanCount) },
  { title: 'TOKENS', value: (t) => text(t.totalTokens) },
];

/** Trace summaries as a table. */
export function traceTable(out: Output, traces: readonly TraceSummary[]): void {
  out.table(TRACE_COLUMNS, traces, 'no traces');
}

/** A trace: its summary as a key/value list, then its spans as an indented tree. */
export function traceDetail(out: Output, t: TraceDetail): void {
  const s = t.summary;
  out.fields([
    ['trace id', s.traceId],
    ['agent', opt(s.agentId ?? s.rootName)],
    ['status', text(s.status), statusStyle(s.status)],
    ['started', localTime(s.startedAt)],
    ['ended', s.endedAt ? localTime(s.endedAt) : undefined],
    ['duration', duration(s.durationMs)],
    ['spans', opt(s.spanCount)],
    ['tokens', opt(s.totalTokens)],
    ['cost', s.totalCostUsd === null || s.totalCostUsd === undefined ? undefined : `$${s.totalCostUsd}`],
  ]);
  out.line();
  const rows = spanTree(t.spans);
  out.table<{ span: Span; depth: number }>(
    [
      { title: 'SPAN', value: ({ span, depth }) => `${'  '.repeat(depth)}${span.name}` },
      { title: 'KIND', value: ({ span }) => text(span.kind) },
      { title: 'STATUS', value: ({ span }) => text(span.status), style: ({ span }) => statusStyle(span.status) },
      { title: 'START', value: ({ span }) => localTime(span.startedAt) },
      { title: 'DURATION', value: ({ span }) => duration(span.durationMs) },
      { title: 'ERROR', value: ({ span }) => (span.error ? short(String(span.error), 40) : '') },
    ],
    rows,
    'no spans',
  );
}

/** Spans in tree order (each after its parent, siblings by start time) with their depth. */
function spanTree(spans: readonly Span[]): Array<{ span: Span; depth: number }> {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, Span[]>();
  for (const span of spans) {
    const parent = span.parentId && ids.has(span.parentId) ? span.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const out: Array<{ span: Span; depth: number }> = [];
  const visit = (parent: string | null, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => String(a.startedAt).localeCompare(String(b.startedAt)));
    for (const span of list) {
      out.push({ span, depth });
      if (depth < 64) visit(span.spanId, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

/** One `runs watch` event as one line: `#seq  type  runId  what happened` (child runs marked). */
export function runEventLine(out: Output, rootId: string, e: RunStreamEvent): string {
  if (e.type === 'snapshot') return `${out.style('bold', 'snapshot')}  ${e.run.id}  ${out.style(statusStyle(e.run.status), e.run.status)} (the run ended a while ago; its stored record)`;
  const seq = `#${e.seq ?? '?'}`.padEnd(4);
  const who = (e.runId === rootId ? e.runId : `${e.runId} (child)`).padEnd(24);
  const ev = e as Record<string, unknown>;
  const toolName = (ev.toolCall as { name?: string } | undefined)?.name;
  let what = '';
  switch (e.type) {
    case 'run-spawn':
      what = text(ev.agentId);
      break;
    case 'text-delta':
    case 'reply':
      what = JSON.stringify(ev.text ?? '');
      break;
    case 'tool-call-start':
    case 'tool-call-end':
      what = text(toolName);
      break;
    case 'client-tool-request':
      what = `${text(ev.name)} (needs an answer from the caller)`;
      break;
    case 'step-complete':
      what = `step ${text(ev.step)}`;
      break;
    case 'draining':
      what = `waiting for ${Array.isArray(ev.pendingChildren) ? ev.pendingChildren.length : '?'} child run(s)`;
      break;
    case 'run-complete':
      what = short(humanValue((ev.result as { output?: unknown } | undefined)?.output ?? NONE), 60);
      break;
    case 'run-error':
      what = text(ev.error);
      break;
    case 'run-cancelled':
      what = 'cancelled';
      break;
  }
  const style = e.type === 'run-error' ? 'red' : e.type === 'run-complete' ? 'green' : e.type === 'run-cancelled' ? 'yellow' : undefined;
  return `${out.style('gray', seq)}  ${out.style(style, e.type.padEnd(19))}  ${who}  ${what}`.trimEnd();
}
