/**
 * The Node implementations of the platform pieces, reached through the package's `#platform`
 * import (`node` condition). Their web-standard counterparts are in `web.ts`, with the same names.
 */
export { readRunAgentUserConfig } from '../runagent/config-file.js';
