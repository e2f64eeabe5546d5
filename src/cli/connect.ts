/**
 * The connection options of each command group and the client each builds. Flags come first,
 * then the environment: the agent group reads `AGENT_*` through commander (`Option.env`); the
 * other clients read their own variables (`AGNTZ_*`, `RUNAGENT_*`, `RAY_*`) when a flag is not
 * given, so their rules (Ray's `RAY_ADDRESS` check, RunAgent's config file) stay in one place.
 * Clients are imported when a command needs one, so `agentwire --help` loads none of them.
 */
import { Option, type Command } from 'commander';
import type { AgentClient } from '../agent/index.js';
import type { HostedClient } from '../hosted/index.js';
import type { RayClient } from '../ray/index.js';
import type { RunAgentClient } from '../runagent/index.js';
import { invalid, readEnv } from '../core/validate.js';
import type { Session } from './context.js';

/** Options of the agent group's commands. */
export interface AgentConnection {
  url?: string;
  token?: string;
  userToken?: string;
  tenant?: string;
}

/** Adds `--url`, `--token`, `--user-token`, `--tenant` (env `AGENT_URL`, `AGENT_TOKEN`, `AGENT_USER_TOKEN`, `AGENT_TENANT`). */
export function agentOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'agent server URL').env('AGENT_URL'))
    .addOption(new Option('--token <token>', 'agent token, sent as "Authorization: <token>"').env('AGENT_TOKEN'))
    .addOption(new Option('--user-token <token>', 'user token (SYNAPSE-User)').env('AGENT_USER_TOKEN'))
    .addOption(new Option('--tenant <tenant>', 'tenant (SYNAPSE-Tenant)').env('AGENT_TENANT'));
}

/** An {@link AgentClient} from the flags or `AGENT_*`. Throws `ValidationError` when the URL or token is missing. */
export async function agentClient(s: Session, o: AgentConnection): Promise<AgentClient> {
  const url = o.url?.trim();
  const token = s.secret(o.token?.trim());
  if (!url) invalid('No agent server: pass --url <url> or set AGENT_URL');
  if (!token) invalid('No agent token: pass --token <token> or set AGENT_TOKEN');
  const { AgentClient } = await import('../agent/index.js');
  return new AgentClient({ ...s.clientOptions(), baseUrl: url, agentToken: token, userToken: s.secret(o.userToken), tenant: s.secret(o.tenant) });
}

/** Options of the Ray group's commands. */
export interface RayConnection {
  address?: string;
  url?: string;
  token?: string;
}

/** Adds `--address` (alias `--url`) and `--token` (env `RAY_DASHBOARD_ADDRESS` / `RAY_ADDRESS`, `RAY_AUTH_TOKEN`). */
export function rayOptions(cmd: Command): Command {
  return cmd
    .option('--address <url>', 'Ray dashboard URL, e.g. http://127.0.0.1:8265 (env: RAY_DASHBOARD_ADDRESS, then RAY_ADDRESS)')
    .addOption(new Option('--url <url>', 'the same as --address').hideHelp())
    .option('--token <token>', 'Ray auth token, sent as "Authorization: Bearer <token>" (env: RAY_AUTH_TOKEN)');
}

/**
 * A {@link RayClient} for `--address`, else `RAY_DASHBOARD_ADDRESS` / `RAY_ADDRESS` (the client's
 * rule, worded with the flags); the client falls back to `RAY_AUTH_TOKEN`.
 */
export async function rayClient(s: Session, o: RayConnection): Promise<RayClient> {
  const [{ RayClient }, { resolveAddress }] = await Promise.all([import('../ray/index.js'), import('../ray/address.js')]);
  const address = resolveAddress(o.address ?? o.url, { name: '--address', option: '--address', passAddress: 'pass --address http://<head>:8265', passToken: 'pass --token <token>' });
  return new RayClient({ ...s.clientOptions(), address, token: s.secret(o.token) });
}

/** Options of the hosted group's commands. */
export interface HostedConnection {
  url?: string;
  apiKey?: string;
}

/** Adds `--url` and `--api-key` (env `AGNTZ_BASE_URL`, `AGNTZ_API_KEY`). */
export function hostedOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'agntz worker URL (env: AGNTZ_BASE_URL; default https://api.agntz.co)')
    .option('--api-key <key>', 'API key, sent as "Authorization: Bearer <key>" (env: AGNTZ_API_KEY)');
}

/** A {@link HostedClient}; the client falls back to `AGNTZ_API_KEY` and `AGNTZ_BASE_URL`. */
export async function hostedClient(s: Session, o: HostedConnection): Promise<HostedClient> {
  const apiKey = s.secret(o.apiKey ?? readEnv('AGNTZ_API_KEY'));
  if (!apiKey) invalid('No API key: pass --api-key <key> or set AGNTZ_API_KEY');
  const { HostedClient } = await import('../hosted/index.js');
  return new HostedClient({ ...s.clientOptions(), baseUrl: o.url, apiKey });
}

/** Options of the `runagent` command. */
export interface RunAgentConnection {
  url?: string;
  apiKey?: string;
}

/** Adds `--url` and `--api-key` (env `RUNAGENT_BASE_URL` / `RUNAGENT_API_URL`, `RUNAGENT_API_KEY`; `~/.runagent/config.json`). */
export function runAgentOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'RunAgent server URL (env: RUNAGENT_BASE_URL, RUNAGENT_API_URL; ~/.runagent/config.json api_url)')
    .option('--api-key <key>', 'API key, sent as "Authorization: Bearer <key>" (env: RUNAGENT_API_KEY; config api_key)');
}

/** A {@link RunAgentClient} for `agentId`; the client reads `RUNAGENT_*` and `~/.runagent/config.json` for what is not given. */
export async function runAgentClient(s: Session, agentId: string, o: RunAgentConnection): Promise<RunAgentClient> {
  const { RunAgentClient } = await import('../runagent/index.js');
  const apiKey = s.secret(o.apiKey);
  return new RunAgentClient({ ...s.clientOptions(), agentId, ...(o.url === undefined ? {} : { baseUrl: o.url }), ...(apiKey === undefined ? {} : { apiKey }) });
}
