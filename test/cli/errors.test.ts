import { describe, expect, it } from 'vitest';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from '../../src/cli/errors.js';
import { RedirectError, ResponseValidationError, ServerError } from '../../src/core/errors.js';

describe('exit codes of the response and redirect errors', () => {
  it('a 2xx that is not the API JSON exits as a server failure (6); a refused redirect as usage (2); both documented', () => {
    expect(exitCodeFor(new ResponseValidationError('GET /jobs/: HTTP 200 with a body that is not JSON', { statusCode: 200 }))).toBe(EXIT.server);
    expect(exitCodeFor(new RedirectError('redirected to another origin', { statusCode: 301 }))).toBe(EXIT.usage);
    expect(exitCodeFor(new ServerError('boom', { statusCode: 500 }))).toBe(EXIT.server);
    expect(EXIT_CODES_HELP).toMatch(/6 +server error \(HTTP 5xx; a 2xx whose body is not the API's JSON\)/);
    expect(EXIT_CODES_HELP).toMatch(/a redirect to another origin/);
  });
});
