/**
 * The Ray dashboard's streaming route for the mock server (`/ray/…`): the job log tail
 * WebSocket `/api/jobs/{job_or_submission_id}/logs/tail` (`openapi/ray-logs.asyncapi.yaml`,
 * Ray 2.58 `job_head.py`). Every other request under `/ray` is answered by Prism from
 * `openapi/ray.yaml`.
 *
 * The tail replays the captured frames (the `logBatch` examples, raw text batches that may end
 * mid-line) paced as recorded (the channel's `x-frame-interval-ms`) unless the scenario sets
 * `delayMs`, then closes with 1000 as Ray does. A job id neither the specs' examples nor the
 * mock's state know (e.g. `raysubmit_doesnotexist`, `nope`) is refused before the upgrade with Ray's 404 `text/plain`
 * `Job <id> does not exist`. Scenarios: `refuse=<status>` answers that status instead of
 * upgrading; `drop-after=<n>` destroys the connection after n frames (close 1006 at the
 * client); `truncate` withholds the last frame and closes 1000; `delay=<ms>` paces frames.
 * (`invalid-payload` has no meaning here: Ray's frames are raw text, never JSON.)
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { replayFrames } from '../pacing.js';
import type { MockApi, MockRequestContext } from '../types.js';

const TAIL = /^\/api\/jobs\/([^/]+)\/logs\/tail$/;

/** The captured tail: frames in order and the recorded spacing. */
interface TailRecording {
  frames: string[];
  intervalMs: number;
}

let wss: WebSocketServer | undefined;
let recording: Promise<TailRecording> | undefined;
let knownIds: Promise<Set<string>> | undefined;

/** The Ray dashboard's module of the mock server. */
export const rayMock: MockApi = {
  name: 'ray',
  async upgrade(req, socket, head, ctx) {
    const match = TAIL.exec(ctx.path);
    if (!match) return false;
    let id: string;
    try {
      id = decodeURIComponent(match[1]!);
    } catch {
      id = match[1]!;
    }
    if (!ctx.hasJob(id) && !(await jobIds(ctx)).has(id)) {
      refuse(socket, 404, `Job ${id} does not exist`);
      return true;
    }
    const scenario = ctx.scenario;
    if (scenario.refuse !== undefined) {
      refuse(socket, scenario.refuse, `Refused by the mock scenario (refuse=${scenario.refuse})`);
      return true;
    }
    const { frames, intervalMs } = await tailRecording(ctx);
    wss ??= new WebSocketServer({ noServer: true, perMessageDeflate: false });
    wss.handleUpgrade(req as IncomingMessage, socket, head, (ws) => {
      const stop = new AbortController();
      ws.once('close', () => stop.abort());
      ws.on('error', () => stop.abort());
      void replayFrames(frames, {
        intervalMs,
        scenario,
        signal: stop.signal,
        send: (frame) =>
          new Promise<void>((resolve, reject) => ws.send(frame, (err) => (err && !stop.signal.aborted ? reject(err) : resolve()))),
        drop: () => ws.terminate(),
        end: () => ws.close(1000),
      }).catch(() => ws.terminate());
    });
    return true;
  },
};

/** Answers an upgrade with plain HTTP `text/plain`, as aiohttp does before the upgrade. */
function refuse(socket: Duplex, status: number, text: string): void {
  if (socket.destroyed) return;
  const body = Buffer.from(text, 'utf8');
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Refused'}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${text}`,
    () => socket.destroy(),
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** The `logBatch` examples of `ray-logs.asyncapi.yaml` and its `x-frame-interval-ms`. */
function tailRecording(ctx: MockRequestContext): Promise<TailRecording> {
  recording ??= ctx.asyncapi('ray-logs').then((doc) => {
    const channel = doc?.channels?.jobLogsTail ?? Object.values(doc?.channels ?? {})[0];
    const examples: Array<{ payload?: unknown }> = doc?.components?.messages?.logBatch?.examples ?? [];
    const frames = examples.map((e) => e.payload).filter((p): p is string => typeof p === 'string');
    const interval = Number(channel?.['x-frame-interval-ms']);
    return { frames, intervalMs: Number.isFinite(interval) && interval >= 0 ? interval : 1000 };
  });
  recording.catch(() => (recording = undefined));
  return recording;
}

/**
 * Every job id the specs' examples know: each `submission_id` / `job_id` string in
 * `ray.yaml`'s examples, the path parameter's examples and the tail channel's.
 */
function jobIds(ctx: MockRequestContext): Promise<Set<string>> {
  knownIds ??= Promise.all([ctx.spec(), ctx.asyncapi('ray-logs')]).then(([spec, asyncapi]) => {
    const ids = new Set<string>();
    collectIds(spec, ids);
    for (const example of Object.values<{ value?: unknown }>(spec?.components?.parameters?.JobOrSubmissionId?.examples ?? {})) {
      if (typeof example?.value === 'string') ids.add(example.value);
    }
    const channel = asyncapi?.channels?.jobLogsTail;
    for (const id of channel?.parameters?.job_or_submission_id?.examples ?? []) if (typeof id === 'string') ids.add(id);
    return ids;
  });
  knownIds.catch(() => (knownIds = undefined));
  return knownIds;
}

function collectIds(node: unknown, ids: Set<string>, depth = 0): void {
  if (!node || typeof node !== 'object' || depth > 64) return;
  if (Array.isArray(node)) {
    for (const item of node) collectIds(item, ids, depth + 1);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'submission_id' || key === 'job_id') && typeof value === 'string' && value) ids.add(value);
    else collectIds(value, ids, depth + 1);
  }
}
