/**
 * The web-standard platform pieces (browsers and any runtime without the `node` export
 * condition), reached through the package's `#platform` import. Their Node counterparts are in
 * `node.ts`, with the same names.
 */
import type { RunAgentUserConfig } from '../runagent/config-file.js';

/** No files to read outside Node: RunAgent settings come from options only. */
export const readRunAgentUserConfig: (() => Promise<RunAgentUserConfig>) | undefined = undefined;
