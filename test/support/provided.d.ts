/** What `test/global-setup.ts` provides to every test: `inject('mock')`. */
import type { ApiName } from '../../mock/src/types.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's one mock server: its base URL and each API's base URL (`url + '/agent'`, …). */
    mock: { url: string; urls: Record<ApiName, string> };
  }
}
