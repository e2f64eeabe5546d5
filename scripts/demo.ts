/**
 * `npm start`: a tour of every client. Each section runs against the embedded mock server,
 * or against a real server when its environment says where one is (see each section's
 * `realWhen`, printed at the start). Exits non-zero if any section fails.
 */
import { startMockServer, type MockServer } from '../mock/src/index.js';
import { section as agent } from './demo/agent.js';
import { section as hosted } from './demo/hosted.js';
import { say } from './demo/printer.js';
import { section as ray } from './demo/ray.js';
import { section as runagent } from './demo/runagent.js';
import type { DemoSection } from './demo/types.js';

const sections: DemoSection[] = [agent, hosted, runagent, ray];
const isReal = (s: DemoSection) => s.realWhen.some((name) => process.env[name]);

say.section('agentwire tour');
for (const s of sections) {
  say.line(`${s.title}: ${isReal(s) ? `real server (${s.realWhen.filter((n) => process.env[n]).join(', ')})` : `embedded mock (set ${s.realWhen.join(' / ')} for a real server)`}`);
}

let mock: MockServer | undefined;
if (sections.some((s) => !isReal(s))) {
  const started = performance.now();
  // Stateful: a job submitted or a run started in the tour is the one it follows, lists and stops.
  mock = await startMockServer({ quiet: true, stateful: true });
  say.ok(`mock server up at ${mock.url} in ${Math.round(performance.now() - started)} ms (Prism + streaming front, stateful: what the tour submits or starts is what it follows and lists)`);
}

let failed = 0;
try {
  for (const s of sections) {
    say.section(s.title);
    try {
      await s.run(say, isReal(s) ? undefined : mock);
    } catch (err) {
      failed++;
      say.caught(`section failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
  }
} finally {
  await mock?.close();
}
say.section(failed ? `${failed} section(s) failed` : 'tour complete');
process.exitCode = failed ? 1 : 0;
