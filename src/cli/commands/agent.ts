/**
 * The agent server's commands (`AgentClient`): `jobs list|get|stop`,
 * `logs <job>` (a live tail over WebSocket or HTTP), `nodes [id]`, `tasks [id]`, `serve [name]`.
 * Connection: `--url`/`AGENT_URL`, `--token`/`AGENT_TOKEN`, `--user-token`/`AGENT_USER_TOKEN`,
 * `--tenant`/`AGENT_TENANT`.
 */
import { Option, type Command } from 'commander';
import { intArg } from '../args.js';
import { agentClient, agentOptions, type AgentConnection } from '../connect.js';
import type { Cli } from '../context.js';
import { drain } from '../stream.js';
import { jobFields, jobTable, nodeFields, nodeTable, serveFields, serveTable, taskFields, taskTable } from '../ray-views.js';

const ENV_HELP = `
Environment:
  AGENT_URL         the agent server, e.g. https://agent.example.com (--url)
  AGENT_TOKEN       the agent token (--token)
  AGENT_USER_TOKEN  optional user token (--user-token)
  AGENT_TENANT      optional tenant (--tenant)`;

/** A command of the agent group: the connection options and the environment in its help. */
function agentCommand(parent: Command, spec: string, description: string): Command {
  return agentOptions(parent.command(spec).description(description)).addHelpText('after', ENV_HELP);
}

/** Registers `jobs`, `logs`, `nodes`, `tasks` and `serve` on `program`. */
export function registerAgent(program: Command, cli: Cli): void {
  const jobs = program.command('jobs').description('Ray jobs of the agent server: list, get, stop').addHelpText('after', ENV_HELP);

  agentCommand(jobs, 'list', 'list every job (newest first)').action(async (o: AgentConnection, cmd: Command) => {
    const s = cli.session(cmd);
    const agent = await agentClient(s, o);
    const list = await s.out.waiting('listing jobs…', () => agent.listJobs({ signal: s.signal }));
    if (s.json) s.out.document(list);
    else jobTable(s.out, list);
  });

  agentCommand(jobs, 'get <job>', 'show one job (by submission id or job id)').action(async (id: string, o: AgentConnection, cmd: Command) => {
    const s = cli.session(cmd);
    const agent = await agentClient(s, o);
    const job = await s.out.waiting('reading the job…', () => agent.getJob(id, { signal: s.signal }));
    if (s.json) s.out.document(job);
    else jobFields(s.out, job);
  });

  agentCommand(jobs, 'stop <job>', 'ask a job to stop').action(async (id: string, o: AgentConnection, cmd: Command) => {
    const s = cli.session(cmd);
    const agent = await agentClient(s, o);
    const result = await s.out.waiting('stopping…', () => agent.stopJob(id, { signal: s.signal }));
    if (s.json) s.out.document(result);
    else if (result.stopped) s.out.line(`Stop requested for job ${id} (it may read RUNNING for a few more seconds)`);
    else s.out.line(`Job ${id} had already ended: nothing to stop`);
  });

  agentCommand(program, 'logs <job>', "follow a job's log live, line by line, until it ends (Ctrl-C to stop)")
    .addOption(new Option('--protocol <protocol>', 'WebSocket, HTTP, or WebSocket then HTTP on a 5xx-class failure').choices(['auto', 'websocket', 'http']).default('auto'))
    .option('--idle-timeout <ms>', 'fail when nothing arrives for this long (ms, at most 300000)', intArg(1, 300_000))
    .option('--no-follow', 'print the log so far and exit instead of following it')
    .action(async (id: string, o: AgentConnection & { protocol: 'auto' | 'websocket' | 'http'; idleTimeout?: number; follow: boolean }, cmd: Command) => {
      const s = cli.session(cmd);
      const agent = await agentClient(s, o);
      if (!o.follow) {
        const { logs } = await s.out.waiting('reading the log…', () => agent.getJobLogs(id, { signal: s.signal }));
        if (s.json) s.out.document({ logs });
        else s.out.write(logs.endsWith('\n') || !logs ? logs : `${logs}\n`);
        return;
      }
      const tail = agent.tailJobLogs(id, { protocol: o.protocol, signal: s.signal, ...(o.idleTimeout === undefined ? {} : { timeout: o.idleTimeout }) });
      let noted = false;
      await drain(s, tail, (line) => {
        if (!noted && tail.fallbackReason) {
          noted = true;
          s.out.note(`note: the WebSocket failed (${tail.fallbackReason.message}); following over HTTP`);
        }
        if (s.json) s.out.record({ line });
        else s.out.line(line);
      }, `waiting for the log of ${id}…`);
    });

  agentCommand(program, 'nodes [node]', 'list the Ray nodes, or show one').action(async (id: string | undefined, o: AgentConnection, cmd: Command) => {
    const s = cli.session(cmd);
    const agent = await agentClient(s, o);
    if (id !== undefined) {
      const node = await s.out.waiting('reading the node…', () => agent.getNode(id, { signal: s.signal }));
      if (s.json) s.out.document(node);
      else nodeFields(s.out, node);
      return;
    }
    const list = await s.out.waiting('listing nodes…', () => agent.listNodes({ signal: s.signal }));
    if (s.json) s.out.document(list);
    else nodeTable(s.out, list);
  });

  agentCommand(program, 'tasks [task]', 'list the Ray tasks, or show one').action(async (id: string | undefined, o: AgentConnection, cmd: Command) => {
    const s = cli.session(cmd);
    const agent = await agentClient(s, o);
    if (id !== undefined) {
      const task = await s.out.waiting('reading the task…', () => agent.getTask(id, { signal: s.signal }));
      if (s.json) s.out.document(task);
      else taskFields(s.out, task);
      return;
    }
    const list = await s.out.waiting('listing tasks…', () => agent.listTasks({ signal: s.signal }));
    if (s.json) s.out.document(list);
    else taskTable(s.out, list);
  });

  agentCommand(program, 'serve [app]', 'list the Ray Serve applications, or show one').action(async (name: string | undefined, o: AgentConnection, cmd: Command) => {
    const s = cli.session(cmd);
    const agent = await agentClient(s, o);
    if (name !== undefined) {
      const app = await s.out.waiting('reading the application…', () => agent.getServeApplication(name, { signal: s.signal }));
      if (s.json) s.out.document(app);
      else serveFields(s.out, app);
      return;
    }
    const list = await s.out.waiting('listing Serve applications…', () => agent.listServeApplications({ signal: s.signal }));
    if (s.json) s.out.document(list);
    else serveTable(s.out, list);
  });
}
