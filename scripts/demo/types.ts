import type { MockServer } from '../../mock/src/index.js';
import type { Say } from './printer.js';

/**
 * One part of the `npm start` tour. `mock` is the embedded mock server, or `undefined` when
 * the section's environment points at a real server (each section reads its own variables).
 */
export interface DemoSection {
  title: string;
  /** Environment variables that point this section at a real server instead of the mock. */
  realWhen: string[];
  run(say: Say, mock: MockServer | undefined): Promise<void>;
}
