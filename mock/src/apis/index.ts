/** Every API module of the mock server, one per API name, listed statically. */
import type { MockApi } from '../types.js';
import { agentMock } from './agent.js';
import { hostedMock } from './hosted.js';
import { rayMock } from './ray.js';
import { runagentMock } from './runagent.js';

/** The mock server's API modules: `agent`, `hosted`, `runagent`, `ray`. */
export const mockApis: readonly MockApi[] = [agentMock, hostedMock, runagentMock, rayMock];
