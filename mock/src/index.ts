/**
 * `agentwire-mock`: the mock server for tests of code that uses agentwire (a separate package,
 * so that the SDK's users do not install Prism).
 *
 * ```ts
 * import { startMockServer } from 'agentwire-mock';
 * const mock = await startMockServer({ quiet: true });   // 127.0.0.1, a free port
 * const agent = new AgentClient({ baseUrl: mock.urls.agent, agentToken: 't' });
 * mock.setScenario('agent', { dropAfter: 3 }, { times: 1 }); // next log tail drops after 3 frames
 * await mock.close();
 * ```
 *
 * One port, one path prefix per API (`/agent`, `/hosted`, `/runagent`, `/ray`). Plain HTTP is
 * answered by Prism from the `openapi/*.yaml` that the `agentwire` package ships (ask for a status or a named example
 * with `Prefer: code=404` / `Prefer: example=notFound`); streams (WebSocket, SSE, chunked log
 * tails) by the mock's own modules, shaped by a {@link StreamScenario} from `setScenario`,
 * `PUT /__mock/scenario`, a `Prefer: delay=10, drop-after=3, truncate, refuse=503,
 * invalid-payload` header or a `?__mock=…` query parameter.
 *
 * @module
 */
export { startMockServer } from './server.js';
export type { MockServer, MockServerOptions, SetScenarioOptions } from './server.js';
export type { ApiName, MockApi, MockRequestContext, StreamScenario } from './types.js';
export { API_NAMES } from './types.js';
