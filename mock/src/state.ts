/**
 * The mock's state, one per mock server (opt-in: `startMockServer({ stateful: true })`;
 * `mock.reset()` forgets it; unknown ids are 404 with or without it): jobs submitted
 * to Ray (`POST /ray/api/jobs/`) and runs started on the hosted API (`POST /hosted/runs`,
 * `POST /hosted/run`), answered the way the real servers answer them. It sits in front of
 * Prism and the stream modules:
 *
 * - An id the mock made (a submitted job, a started run) is answered here: get, list (added to
 *   Prism's page), logs, stop, delete (Ray), cancel (hosted), and the streams play for it.
 * - An id the specs' examples use is left to Prism and the stream modules, as before.
 * - Any other id is unknown: 404 with the real server's body — Ray `text/plain`
 *   `Job <id> does not exist`; the agent API `{"detail": "Job <id> does not exist"}` (its log
 *   tails send the in-band `error` frame instead, as the agent server does); hosted
 *   `{"error": "Run not found"}` / `{"error": "Trace not found"}`; RunAgent
 *   `{"detail": "Not Found"}` (its run-stream WebSocket is refused with 403).
 * - A request with `Prefer: code=…` or `example=…` is Prism's (or the module's) whatever its id.
 *
 * Jobs are shared by `/ray` and `/agent` (the agent server fronts the Ray cluster). A job is
 * `RUNNING` until {@link MockStateOptions.jobRunMs} has passed or a log tail of it was opened
 * (the tail replays the whole log up to its end), then `SUCCEEDED` — or `FAILED` when its
 * entrypoint is `exit <n>` with n ≠ 0 (Ray's `JOB_ENTRYPOINT_COMMAND_ERROR`), or `STOPPED`
 * once stopped. A hosted run is `running` until `runMs` has passed or its stream was opened,
 * then `completed`; `cancel` answers the run as it is (the worker answers 200 while the run is
 * still `running`) and the run reads `cancelled` from then on.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ApiName } from './types.js';

/** A buffered HTTP answer (Prism's, or the state's own). */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Asks Prism the same request (with `body` instead of the request's own, once it was read). */
export type AskPrism = (body?: Buffer) => Promise<Answer>;

/** Options of the state (part of `startMockServer`'s options). */
export interface MockStateOptions {
  /**
   * `true`: jobs submitted and runs started through this mock are kept and answered (see the
   * module comment). Default `false`: every answer is the specs' examples, as many tests sharing
   * one mock expect; unknown ids are 404 either way.
   */
  stateful?: boolean;
  /** How long a submitted job runs before it ends, ms (default 1500), unless a tail ends it first. */
  jobRunMs?: number;
  /** How long a started hosted run stays `running`, ms (default 1500), unless its stream ends it first. */
  runMs?: number;
}

/** The specs the state reads the example ids and templates from. */
export interface StateSpecs {
  spec(api: ApiName): Promise<any>;
  asyncapi(name: string): Promise<any>;
}

interface Job {
  record: Record<string, any>;
  submittedAt: number;
  finishedAt?: number;
  stoppedAt?: number;
  exitCode: number;
}

interface Run {
  run: Record<string, any>;
  startedAt: number;
  finishedAt?: number;
  cancelledAt?: number;
  traceDeleted?: boolean;
}

const ID_KEYS = new Set(['submission_id', 'job_id', 'runId', 'rootRunId', 'rootId', 'parentId', 'traceId', 'id', 'agent_id']);
const SSE_IDS = /"(?:runId|rootRunId|rootId|parentId|traceId|id)":"([^"\\]+)"/g;
const TERMINAL_JOB = new Set(['SUCCEEDED', 'FAILED', 'STOPPED']);

/** Every id the specs' examples use for `api` (values of id keys, path parameter examples, ids in SSE examples). */
export function exampleIds(...docs: unknown[]): Set<string> {
  const ids = new Set<string>();
  const walk = (node: unknown, depth: number): void => {
    if (depth > 80) return;
    if (typeof node === 'string') {
      if (node.includes('data:')) for (const m of node.matchAll(SSE_IDS)) ids.add(m[1]!);
      return;
    }
    if (Array.isArray(node)) return node.forEach((n) => walk(n, depth + 1));
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, any>;
    if (o.in === 'path') {
      if (typeof o.example === 'string') ids.add(o.example);
      for (const e of Object.values<any>(o.examples ?? {})) if (typeof e?.value === 'string') ids.add(e.value);
    }
    for (const [k, v] of Object.entries(o)) {
      if (ID_KEYS.has(k) && typeof v === 'string' && v) ids.add(v);
      else if (k === 'parameters' && v && typeof v === 'object' && !Array.isArray(v)) {
        // AsyncAPI channel parameters: {name: {examples: [ids]}}
        for (const p of Object.values<any>(v)) for (const e of Array.isArray(p?.examples) ? p.examples : []) if (typeof e === 'string') ids.add(e);
        walk(v, depth + 1);
      } else walk(v, depth + 1);
    }
  };
  for (const doc of docs) walk(doc, 0);
  return ids;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(body)) };
}

function text(status: number, body: string): Answer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(body) };
}

function parseJson(buf: Buffer): any {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function hasPreferChoice(req: IncomingMessage): boolean {
  const prefer = req.headers.prefer;
  const value = Array.isArray(prefer) ? prefer.join(',') : (prefer ?? '');
  return /(^|[,;\s])(code|example)\s*=/i.test(value);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** What the state decided for one request. */
export type Decision =
  | { kind: 'answer'; answer: Answer }
  /** Leave it to the stream module or Prism, as is. */
  | { kind: 'pass' };

/** The state of one mock server. */
export class MockState {
  readonly #jobs = new Map<string, Job>();
  readonly #runs = new Map<string, Run>();
  readonly #specs: StateSpecs;
  readonly #jobRunMs: number;
  readonly #runMs: number;
  readonly #stateful: boolean;
  readonly #ids = new Map<string, Promise<Set<string>>>();
  #wss: WebSocketServer | undefined;

  constructor(specs: StateSpecs, options: MockStateOptions = {}) {
    this.#specs = specs;
    this.#jobRunMs = options.jobRunMs ?? 1500;
    this.#runMs = options.runMs ?? 1500;
    this.#stateful = options.stateful ?? false;
  }

  /** Forgets every job and run the mock made. */
  reset(): void {
    this.#jobs.clear();
    this.#runs.clear();
  }

  /** Closes the state's WebSocket server (its sockets are the front's, destroyed by it). */
  close(): void {
    this.#wss?.close();
  }

  #known(key: string, load: () => Promise<unknown[]>): Promise<Set<string>> {
    let ids = this.#ids.get(key);
    if (!ids) {
      ids = load().then((docs) => exampleIds(...docs));
      ids.catch(() => this.#ids.delete(key));
      this.#ids.set(key, ids);
    }
    return ids;
  }

  #jobExamples(api: 'agent' | 'ray'): Promise<Set<string>> {
    return this.#known(api, () =>
      Promise.all([this.#specs.spec(api).catch(() => undefined), this.#specs.asyncapi(api === 'agent' ? 'agent-logs' : 'ray-logs').catch(() => undefined)]),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Jobs (Ray and the agent API)

  #jobStatus(job: Job, now = Date.now()): string {
    if (job.stoppedAt !== undefined) return 'STOPPED';
    if (job.finishedAt === undefined && now - job.submittedAt >= this.#jobRunMs) job.finishedAt = job.submittedAt + this.#jobRunMs;
    if (job.finishedAt === undefined) return 'RUNNING';
    return job.exitCode === 0 ? 'SUCCEEDED' : 'FAILED';
  }

  #jobRecord(job: Job): Record<string, any> {
    const status = this.#jobStatus(job);
    const r = job.record;
    const end = status === 'STOPPED' ? job.stoppedAt : status === 'RUNNING' ? null : job.finishedAt;
    const messages: Record<string, string> = {
      RUNNING: 'Job is currently running.',
      SUCCEEDED: 'Job finished successfully.',
      STOPPED: 'Job was intentionally stopped.',
      FAILED: `Job entrypoint command failed with exit code ${job.exitCode}, last available logs (truncated to 20,000 chars):\n${this.#logs(job)}`,
    };
    return {
      ...r,
      status,
      message: messages[status],
      error_type: status === 'FAILED' ? 'JOB_ENTRYPOINT_COMMAND_ERROR' : null,
      end_time: end ?? null,
      driver_exit_code: status === 'SUCCEEDED' || status === 'FAILED' ? job.exitCode : null,
    };
  }

  #logs(job: Job): string {
    const stamp = new Date(job.submittedAt).toISOString().replace('T', ' ').replace('Z', '').replace('.', ',');
    return `${stamp}\tINFO job_manager.py:583 -- Runtime env is setting up.\nRunning entrypoint for job ${job.record.submission_id}: ${job.record.entrypoint}\n`;
  }

  #submit(body: any): Answer {
    const id = typeof body.submission_id === 'string' && body.submission_id ? body.submission_id : `raysubmit_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 16)}`;
    if (this.#jobs.has(id)) {
      return text(500, `Traceback (most recent call last):\nValueError: Job with submission_id ${id} already exists. Please use a different submission_id.`);
    }
    const now = Date.now();
    const exit = /^\s*exit\s+(\d+)\s*$/.exec(String(body.entrypoint));
    this.#jobs.set(id, {
      submittedAt: now,
      exitCode: exit ? Number(exit[1]) : 0,
      record: {
        type: 'SUBMISSION',
        job_id: null,
        submission_id: id,
        driver_info: null,
        status: 'RUNNING',
        entrypoint: body.entrypoint,
        message: '',
        error_type: null,
        start_time: now,
        end_time: null,
        metadata: body.metadata ?? null,
        runtime_env: body.runtime_env ?? null,
        driver_agent_http_address: 'http://127.0.0.1:52365',
        driver_node_id: '587cd5c11727c1b991afa24a8614432a0cb6235eae0bc61041e38dae',
        driver_exit_code: null,
      },
    });
    return json(200, { job_id: id, submission_id: id });
  }

  #jobs_(): Record<string, any>[] {
    return [...this.#jobs.values()].map((j) => this.#jobRecord(j));
  }

  /** A job's tail was opened: it replays the whole log, so the job has ended by its end. */
  #tailOpened(job: Job): void {
    if (job.stoppedAt === undefined && job.finishedAt === undefined) job.finishedAt = Date.now();
  }

  async #rayRequest(req: IncomingMessage, path: string, ask: AskPrism): Promise<Decision> {
    const method = req.method ?? 'GET';
    if (path === '/api/jobs/') {
      if (method === 'POST' && this.#stateful) {
        const body = await readBody(req);
        const parsed = parseJson(body);
        if (!parsed || typeof parsed !== 'object' || typeof parsed.entrypoint !== 'string') return { kind: 'answer', answer: await ask(body) };
        const answer = await ask(body); // Prism validates the body the same way
        return { kind: 'answer', answer: answer.status === 200 ? this.#submit(parsed) : answer };
      }
      if (method === 'GET' && this.#jobs.size) return { kind: 'answer', answer: appendJobs(await ask(), this.#jobs_()) };
      return { kind: 'pass' };
    }
    const m = /^\/api\/jobs\/([^/]+)(\/stop|\/logs)?$/.exec(path);
    if (!m) return { kind: 'pass' };
    const id = decode(m[1]!);
    const what = m[2];
    const job = this.#jobs.get(id);
    if (!job) {
      if ((await this.#jobExamples('ray')).has(id)) {
        if (what !== undefined || method !== 'GET') return { kind: 'pass' };
        return { kind: 'answer', answer: echoId(await ask(), await this.#specs.spec('ray'), id, ['submission_id', 'job_id'], 'status') };
      }
      req.resume();
      return { kind: 'answer', answer: text(404, `Job ${id} does not exist`) };
    }
    req.resume();
    if (what === '/stop' && method === 'POST') return { kind: 'answer', answer: json(200, { stopped: this.#stop(job) }) };
    if (what === '/logs' && method === 'GET') return { kind: 'answer', answer: json(200, { logs: this.#logs(job) }) };
    if (what === undefined && method === 'GET') return { kind: 'answer', answer: json(200, this.#jobRecord(job)) };
    if (what === undefined && method === 'DELETE') {
      const status = this.#jobStatus(job);
      if (!TERMINAL_JOB.has(status)) {
        return { kind: 'answer', answer: text(500, `Traceback (most recent call last):\nRuntimeError: Attempted to delete job '${id}', but it is in a non-terminal state ${status}.`) };
      }
      this.#jobs.delete(id);
      return { kind: 'answer', answer: json(200, { deleted: true }) };
    }
    return { kind: 'answer', answer: text(405, '405: Method Not Allowed') };
  }

  #stop(job: Job): boolean {
    if (TERMINAL_JOB.has(this.#jobStatus(job))) return false;
    job.stoppedAt = Date.now();
    return true;
  }

  async #agentRequest(req: IncomingMessage, path: string, ask: AskPrism): Promise<Decision> {
    const method = req.method ?? 'GET';
    if (!req.headers.authorization) return { kind: 'pass' }; // Prism's 401
    if (path === '/jobs/' && method === 'GET' && this.#jobs.size) return { kind: 'answer', answer: appendJobs(await ask(), this.#jobs_()) };
    const m = /^\/jobs\/([^/]+)\/(logs\/stream\/|logs\/|stop\/)?$/.exec(path);
    if (!m) return { kind: 'pass' };
    const id = decode(m[1]!);
    const what = m[2];
    const job = this.#jobs.get(id);
    if (!job) {
      if ((await this.#jobExamples('agent')).has(id) || (await this.#jobExamples('ray')).has(id)) {
        if (what !== undefined || method !== 'GET') return { kind: 'pass' };
        return { kind: 'answer', answer: echoId(await ask(), await this.#specs.spec('agent'), id, ['submission_id', 'job_id'], 'status') };
      }
      req.resume();
      if (what === 'logs/stream/' && method === 'GET') return { kind: 'answer', answer: agentTailError(id) };
      return { kind: 'answer', answer: json(404, { detail: `Job ${id} does not exist` }) };
    }
    if (what === 'logs/stream/') {
      if (method === 'GET') this.#tailOpened(job);
      return { kind: 'pass' }; // the module plays the tail
    }
    req.resume();
    if (what === 'stop/' && method === 'POST') return { kind: 'answer', answer: json(200, { stopped: this.#stop(job) }) };
    if (what === 'logs/' && method === 'GET') return { kind: 'answer', answer: json(200, { logs: this.#logs(job) }) };
    if (what === undefined && method === 'GET') return { kind: 'answer', answer: json(200, this.#jobRecord(job)) };
    return { kind: 'pass' };
  }

  // -------------------------------------------------------------------------------------------
  // Hosted runs

  #runStatus(run: Run, now = Date.now()): string {
    if (run.cancelledAt !== undefined) return 'cancelled';
    if (run.finishedAt === undefined && now - run.startedAt >= this.#runMs) run.finishedAt = run.startedAt + this.#runMs;
    return run.finishedAt === undefined ? 'running' : 'completed';
  }

  #runView(run: Run): Record<string, any> {
    const status = this.#runStatus(run);
    const out: Record<string, any> = { ...run.run, status };
    if (status === 'completed') {
      out.endedAt = run.finishedAt;
      out.result ??= { output: 'Hello from the fake model.' };
    } else if (status === 'cancelled') out.endedAt = run.cancelledAt;
    return out;
  }

  async #hostedRequest(req: IncomingMessage, path: string, ask: AskPrism): Promise<Decision> {
    const method = req.method ?? 'GET';
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) return { kind: 'pass' }; // the worker's 401
    if (path === '/runs' && method === 'POST' && this.#stateful) {
      const body = await readBody(req);
      const answer = await ask(body);
      const parsed = parseJson(body);
      const template = parseJson(answer.body);
      if (answer.status !== 201 || !template || typeof parsed?.agentId !== 'string') return { kind: 'answer', answer };
      const id = newRunId();
      const now = Date.now();
      const run = { ...template, id, rootId: id, agentId: parsed.agentId, input: parsed.input ?? template.input, status: 'running', startedAt: now };
      this.#runs.set(id, { run, startedAt: now });
      return { kind: 'answer', answer: json(201, run, { location: `/runs/${id}` }) };
    }
    if (path === '/run' && method === 'POST' && this.#stateful) {
      const body = await readBody(req);
      const answer = await ask(body);
      const parsed = parseJson(body);
      const template = parseJson(answer.body);
      if (answer.status !== 200 || !template || typeof template.runId !== 'string' || typeof parsed?.agentId !== 'string') return { kind: 'answer', answer };
      const id = newRunId();
      const now = Date.now();
      const result = JSON.parse(JSON.stringify(template).split(JSON.stringify(template.runId)).join(JSON.stringify(id)));
      this.#runs.set(id, {
        run: { id, rootId: id, agentId: parsed.agentId, input: parsed.input ?? null, status: 'completed', startedAt: now, depth: 0, result: { output: result.output } },
        startedAt: now,
        finishedAt: now,
      });
      return { kind: 'answer', answer: json(200, result) };
    }
    if (path.replace(/\/$/, '') === '/runs' && method === 'GET' && this.#runs.size) {
      if (new URL(req.url ?? '/', 'http://x').searchParams.has('cursor')) return { kind: 'pass' };
      const answer = await ask();
      const page = parseJson(answer.body);
      if (answer.status !== 200 || !Array.isArray(page?.rows)) return { kind: 'answer', answer };
      const mine = [...this.#runs.values()].reverse().map((r) => this.#runView(r));
      return { kind: 'answer', answer: json(200, { ...page, rows: [...mine, ...page.rows] }) };
    }
    const m = /^\/(runs|traces)\/([^/]+)(\/cancel|\/stream)?\/?$/.exec(path);
    if (!m) return { kind: 'pass' };
    const [, kind, raw, what] = m;
    const id = decode(raw!);
    const run = this.#runs.get(id);
    if (!run || (kind === 'traces' && run.traceDeleted)) {
      if (!run && (await this.#known('hosted', async () => [await this.#specs.spec('hosted')])).has(id)) {
        if (kind !== 'runs' || (what === undefined ? method !== 'GET' : what !== '/cancel' || method !== 'POST')) return { kind: 'pass' };
        const answer = await ask();
        if (what === '/cancel') return { kind: 'answer', answer: echoId(answer, undefined, id, ['id', 'rootId'], 'status') };
        return { kind: 'answer', answer: echoId(answer, await this.#specs.spec('hosted'), id, ['id'], 'agentId') };
      }
      req.resume();
      return { kind: 'answer', answer: json(404, { error: kind === 'runs' ? 'Run not found' : 'Trace not found' }) };
    }
    if (what === '/stream') {
      if (method !== 'GET') return { kind: 'pass' };
      if (kind === 'runs') {
        const status = this.#runStatus(run);
        if (status === 'running') run.finishedAt = Date.now();
        const example = status === 'cancelled' ? 'cancelled' : 'completed';
        const prefer = req.headers.prefer;
        req.headers.prefer = [...(Array.isArray(prefer) ? prefer : prefer ? [prefer] : []), `example=${example}`].join(', ');
      }
      return { kind: 'pass' }; // the module replays the example with this id
    }
    req.resume();
    if (kind === 'runs' && what === '/cancel' && method === 'POST') {
      const before = this.#runView(run);
      if (before.status === 'running') run.cancelledAt = Date.now();
      return { kind: 'answer', answer: json(200, before) };
    }
    if (kind === 'runs' && what === undefined && method === 'GET') return { kind: 'answer', answer: json(200, this.#runView(run)) };
    if (kind === 'traces' && what === undefined && method === 'DELETE') {
      run.traceDeleted = true;
      return { kind: 'answer', answer: { status: 204, headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: Buffer.alloc(0) } };
    }
    if (kind === 'traces' && what === undefined && method === 'GET') {
      const answer = await ask();
      const trace = parseJson(answer.body);
      const from = trace?.summary?.traceId;
      if (answer.status !== 200 || typeof from !== 'string') return { kind: 'answer', answer };
      return { kind: 'answer', answer: json(200, JSON.parse(JSON.stringify(trace).split(JSON.stringify(from)).join(JSON.stringify(id)))) };
    }
    return { kind: 'pass' };
  }

  // -------------------------------------------------------------------------------------------
  // RunAgent

  async #runagentKnows(id: string): Promise<boolean> {
    return (await this.#known('runagent', async () => [await this.#specs.spec('runagent')])).has(id);
  }

  async #runagentRequest(req: IncomingMessage, path: string): Promise<Decision> {
    const m = /^\/api\/v1\/agents\/([^/]+)\/(architecture|run)\/?$/.exec(path);
    if (!m || (await this.#runagentKnows(decode(m[1]!)))) return { kind: 'pass' };
    req.resume();
    return { kind: 'answer', answer: json(404, { detail: 'Not Found' }) };
  }

  // -------------------------------------------------------------------------------------------
  // Entry points for the front

  /**
   * Decides an HTTP request under `/<api>` (`path` without the prefix and query): answer it here
   * or leave it to the module / Prism. `ask` sends it to Prism and buffers the answer.
   */
  async request(api: ApiName, req: IncomingMessage, path: string, ask: AskPrism): Promise<Decision> {
    if (hasPreferChoice(req)) return { kind: 'pass' };
    switch (api) {
      case 'ray':
        return this.#rayRequest(req, path, ask);
      case 'agent':
        return this.#agentRequest(req, path, ask);
      case 'hosted':
        return this.#hostedRequest(req, path, ask);
      case 'runagent':
        return this.#runagentRequest(req, path);
    }
  }

  /**
   * Decides a WebSocket upgrade: `true` if the state answered it (refused, or an agent tail's
   * in-band `error` frame for an unknown job), `false` to leave it to the module.
   */
  async upgrade(api: ApiName, req: IncomingMessage, socket: Duplex, head: Buffer, path: string): Promise<boolean> {
    if (hasPreferChoice(req)) return false;
    let m: RegExpExecArray | null;
    if ((api === 'ray' && (m = /^\/api\/jobs\/([^/]+)\/logs\/tail$/.exec(path))) || (api === 'agent' && (m = /^\/jobs\/([^/]+)\/logs\/$/.exec(path)))) {
      const id = decode(m[1]!);
      const job = this.#jobs.get(id);
      if (job) {
        this.#tailOpened(job);
        return false;
      }
      if (api === 'ray') return false; // the Ray module refuses ids the specs do not know
      if (!req.headers.authorization) return false;
      if ((await this.#jobExamples('agent')).has(id) || (await this.#jobExamples('ray')).has(id)) return false;
      this.#wss ??= new WebSocketServer({ noServer: true, perMessageDeflate: false });
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => ws.terminate());
        ws.send(JSON.stringify({ type: 'error', message: `Job ${id} does not exist` }), () => ws.close(1000));
      });
      return true;
    }
    if (api === 'runagent' && (m = /^\/api\/v1\/agents\/([^/]+)\/run-stream\/?$/.exec(path))) {
      if (await this.#runagentKnows(decode(m[1]!))) return false;
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return true;
    }
    return false;
  }

  /** Does the Ray tail of `id` exist because the mock made the job? (The Ray module asks.) */
  hasJob(id: string): boolean {
    return this.#jobs.has(id);
  }
}

function newRunId(): string {
  return `run_${randomBytes(9).toString('base64url').slice(0, 12)}`;
}

/** The first record in `doc` (its examples, components included) for which `match` holds. */
function findRecord(doc: unknown, match: (o: Record<string, any>) => boolean): Record<string, any> | undefined {
  const stack: unknown[] = [doc];
  while (stack.length) {
    const node = stack.shift();
    if (Array.isArray(node)) stack.push(...node);
    else if (node && typeof node === 'object') {
      if (match(node as Record<string, any>)) return node as Record<string, any>;
      stack.push(...Object.values(node));
    }
  }
  return undefined;
}

/**
 * Prism's 200 for an example id, made to answer for that id as the real server would: the
 * spec's own record of that id when it has one (Prism picks the operation's first example
 * whatever the id), else Prism's record with the id fields set to the path's id.
 */
function echoId(answer: Answer, doc: unknown, id: string, idKeys: readonly string[], recordKey: string): Answer {
  const body = parseJson(answer.body);
  if (answer.status !== 200 || !body || typeof body !== 'object' || Array.isArray(body)) return answer;
  if (idKeys.some((k) => body[k] === id)) return answer;
  const record = findRecord(doc, (o) => recordKey in o && idKeys.some((k) => o[k] === id));
  if (record) return json(200, record);
  const out = { ...body };
  for (const k of idKeys) if (k in out && (out[k] !== null || k === idKeys[0])) out[k] = id;
  return json(200, out);
}

/** Prism's list answer with the state's jobs added (when it is a 200 array). */
function appendJobs(answer: Answer, jobs: Record<string, any>[]): Answer {
  const list = parseJson(answer.body);
  if (answer.status !== 200 || !Array.isArray(list)) return answer;
  return json(200, [...list, ...jobs]);
}

/** The agent's HTTP tail of a job Ray does not know: its in-band `error` event, then the end. */
function agentTailError(id: string): Answer {
  return text(200, `data: ${JSON.stringify({ type: 'error', message: `Job ${id} does not exist` })}\n`);
}

/** Writes a buffered answer. */
export function sendAnswer(res: ServerResponse, answer: Answer): void {
  const headers = { ...answer.headers };
  delete headers['transfer-encoding'];
  delete headers['content-length'];
  delete headers.connection;
  res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
  res.end(answer.body);
}
