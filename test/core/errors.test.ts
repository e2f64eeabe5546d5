import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ClientError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RequestTimeoutError,
  ServerError,
  StreamLimitError,
  ValidationError,
} from '../../src/core/errors.js';

describe('status-specific error classes', () => {
  it('carry their status when raised without one', () => {
    const cases: [ClientError, number][] = [
      [new ValidationError('x'), 400],
      [new AuthenticationError('x'), 401],
      [new PermissionDeniedError('x'), 403],
      [new NotFoundError('x'), 404],
      [new RequestTimeoutError('x'), 408],
      [new ConflictError('x'), 409],
      [new RateLimitError('x'), 429],
      [new StreamLimitError('x'), 429],
      [new ServerError('x'), 500],
      [new ConnectionError('x'), 503],
    ];
    for (const [err, status] of cases) expect([err.name, err.statusCode]).toEqual([err.name, status]);
  });

  it("keep the server's status (422, 502) and an explicit undefined falls back", () => {
    expect(new ValidationError('x', { statusCode: 422 }).statusCode).toBe(422);
    expect(new ServerError('x', { statusCode: 502 }).statusCode).toBe(502);
    expect(new NotFoundError('x', { statusCode: undefined }).statusCode).toBe(404);
    expect(new ClientError('x').statusCode).toBeUndefined();
  });
});
