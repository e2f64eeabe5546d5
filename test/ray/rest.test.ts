/**
 * Every REST endpoint of `openapi/ray.yaml` through RayClient against the shared mock (Prism
 * under `/ray`, a path prefix the client must keep): each success and each error status the
 * spec documents, asked for with `Prefer: code=<status>, example=<name>`.
 */
import { describe, expect, inject, it } from 'vitest';
import {
  AuthenticationError,
  ClientError,
  NotFoundError,
  PermissionDeniedError,
  RayClient,
  ServerError,
  ValidationError,
  type RequestOptions,
} from '../../src/ray/index.js';

const { urls } = inject('mock');
const ray = new RayClient({ address: urls.ray, maxRetries: 0 });
const prefer = (value: string) => ({ headers: { Prefer: value } });

describe('version', () => {
  it('GET /api/version', async () => {
    expect(await ray.version()).toEqual({ version: '5', ray_version: '2.58.0', ray_commit: '0'.repeat(40), session_name: 'session_2026-11-22_03-44-13_000000_15012' });
  });
});

describe('jobs (REST)', () => {
  it('submit → {job_id, submission_id}; list; get; stop; delete; logs', async () => {
    expect(await ray.jobs.submit({ entrypoint: 'sleep 300', submissionId: 'rayrig_long_1', metadata: { k: 'v' } })).toEqual({ job_id: 'rayrig_tasks_1', submission_id: 'rayrig_tasks_1' });
    const submitted = await ray.jobs.submit({ entrypoint: 'echo hi' }, prefer('example=generatedId'));
    expect(submitted.submission_id).toBe('raysubmit_NRBzaQRtepYZud2i');

    const jobs = await ray.jobs.list();
    expect(jobs.map((j) => [j.submission_id, j.status])).toEqual([
      ['rayrig_fail_1', 'FAILED'],
      ['rayrig_tasks_1', 'SUCCEEDED'],
    ]);
    expect(await ray.jobs.list(prefer('example=empty'))).toEqual([]);

    const job = await ray.jobs.get('rayrig_tasks_1');
    expect(job).toMatchObject({ status: 'SUCCEEDED', job_id: '03000000', driver_exit_code: 0, start_time: 1795319846748, end_time: 1795319849412 });
    expect((await ray.jobs.get('rayrig_long_1', prefer('example=running'))).job_id).toBeNull();

    expect(await ray.jobs.stop('rayrig_long_1')).toBe(true);
    expect(await ray.jobs.stop('rayrig_long_1', prefer('example=alreadyTerminal'))).toBe(false);
    expect(await ray.jobs.delete('rayrig_long_1')).toBe(true);
    expect(await ray.jobs.logs('rayrig_fail_1', prefer('example=failed'))).toBe(
      '2026-11-22 03:57:00,504\tINFO job_manager.py:583 -- Runtime env is setting up.\nRunning entrypoint for job rayrig_fail_1: exit 3\n',
    );
  });

  type Case = [name: string, call: (o: RequestOptions) => Promise<unknown>, prefer: string, error: typeof ClientError, message: string];
  const TB = (last: string) => last; // a traceback's message is its last exception line
  const cases: Case[] = [
    ['version 401', (o) => ray.version(o), 'code=401', AuthenticationError, 'Unauthorized: Missing authentication token (HTTP 401)'],
    ['version 403', (o) => ray.version(o), 'code=403', PermissionDeniedError, 'Forbidden: Invalid authentication token (HTTP 403)'],
    ['version 500', (o) => ray.version(o), 'code=500', ServerError, '500 Internal Server Error (HTTP 500)'],
    ['submit 400 entrypoint', (o) => ray.jobs.submit({ entrypoint: 'x' }, o), 'code=400, example=entrypointNotString', ValidationError, TB("TypeError: entrypoint must be a string, got <class 'int'> (HTTP 400)")],
    ['submit 400 missing', (o) => ray.jobs.submit({ entrypoint: 'x' }, o), 'code=400, example=missingEntrypoint', ValidationError, TB("TypeError: JobSubmitRequest.__init__() missing 1 required positional argument: 'entrypoint' (HTTP 400)")],
    ['submit 400 unknown field', (o) => ray.jobs.submit({ entrypoint: 'x' }, o), 'code=400, example=unknownField', ValidationError, TB("TypeError: JobSubmitRequest.__init__() got an unexpected keyword argument 'bogus_field' (HTTP 400)")],
    ['submit 401', (o) => ray.jobs.submit({ entrypoint: 'x' }, o), 'code=401', AuthenticationError, 'Unauthorized: Missing authentication token (HTTP 401)'],
    ['submit 403', (o) => ray.jobs.submit({ entrypoint: 'x' }, o), 'code=403', PermissionDeniedError, 'Forbidden: Invalid authentication token (HTTP 403)'],
    ['submit 405', (o) => ray.jobs.submit({ entrypoint: 'x' }, o), 'code=405', ClientError, '405: Method Not Allowed (HTTP 405)'],
    ['submit 500 duplicate', (o) => ray.jobs.submit({ entrypoint: 'x' }, o), 'code=500, example=duplicateSubmissionId', ServerError, TB('ValueError: Job with submission_id rayrig_long_1 already exists. Please use a different submission_id. (HTTP 500)')],
    ['submit 500 malformed', (o) => ray.jobs.submit({ entrypoint: 'x' }, o), 'code=500, example=malformedJson', ServerError, '500 Internal Server Error (HTTP 500)'],
    ['list 401', (o) => ray.jobs.list(o), 'code=401', AuthenticationError, 'Unauthorized: Missing authentication token (HTTP 401)'],
    ['list 403', (o) => ray.jobs.list(o), 'code=403', PermissionDeniedError, 'Forbidden: Invalid authentication token (HTTP 403)'],
    ['list 500', (o) => ray.jobs.list(o), 'code=500', ServerError, '500 Internal Server Error (HTTP 500)'],
    ['get 401', (o) => ray.jobs.get('rayrig_long_1', o), 'code=401', AuthenticationError, 'Unauthorized: Missing authentication token (HTTP 401)'],
    ['get 403', (o) => ray.jobs.get('rayrig_long_1', o), 'code=403', PermissionDeniedError, 'Forbidden: Invalid authentication token (HTTP 403)'],
    ['get 404', (o) => ray.jobs.get('rayrig_long_1', o), 'code=404', NotFoundError, 'Job rayrig_long_1 does not exist (HTTP 404)'],
    ['get 404 route', (o) => ray.jobs.get('rayrig_long_1', o), 'code=404, example=routeNotFound', NotFoundError, '404: Not Found (HTTP 404)'],
    ['get 500', (o) => ray.jobs.get('rayrig_long_1', o), 'code=500', ServerError, '500 Internal Server Error (HTTP 500)'],
    ['delete 400', (o) => ray.jobs.delete('rayrig_long_1', o), 'code=400', ValidationError, 'Can only delete submission type jobs (HTTP 400)'],
    ['delete 401', (o) => ray.jobs.delete('rayrig_long_1', o), 'code=401', AuthenticationError, 'Unauthorized: Missing authentication token (HTTP 401)'],
    ['delete 403', (o) => ray.jobs.delete('rayrig_long_1', o), 'code=403', PermissionDeniedError, 'Forbidden: Invalid authentication token (HTTP 403)'],
    ['delete 404', (o) => ray.jobs.delete('rayrig_long_1', o), 'code=404', NotFoundError, 'Job rayrig_long_1 does not exist (HTTP 404)'],
    ['delete 405', (o) => ray.jobs.delete('rayrig_long_1', o), 'code=405, example=browserTraffic', ClientError, 'Method Not Allowed for browser traffic. (HTTP 405)'],
    ['delete 500 not terminal', (o) => ray.jobs.delete('rayrig_long_1', o), 'code=500, example=notTerminal', ServerError, TB("RuntimeError: Attempted to delete job 'rayrig_long_1', but it is in a non-terminal state RUNNING. (HTTP 500)")],
    ['delete 500 internal', (o) => ray.jobs.delete('rayrig_long_1', o), 'code=500, example=internal', ServerError, '500 Internal Server Error (HTTP 500)'],
    ['stop 400', (o) => ray.jobs.stop('rayrig_long_1', o), 'code=400', ValidationError, 'Can only stop submission type jobs (HTTP 400)'],
    ['stop 401', (o) => ray.jobs.stop('rayrig_long_1', o), 'code=401', AuthenticationError, 'Unauthorized: Missing authentication token (HTTP 401)'],
    ['stop 403', (o) => ray.jobs.stop('rayrig_long_1', o), 'code=403', PermissionDeniedError, 'Forbidden: Invalid authentication token (HTTP 403)'],
    ['stop 404', (o) => ray.jobs.stop('nope', o), 'code=404', NotFoundError, 'Job nope does not exist (HTTP 404)'],
    ['stop 405', (o) => ray.jobs.stop('rayrig_long_1', o), 'code=405', ClientError, '405: Method Not Allowed (HTTP 405)'],
    ['stop 500', (o) => ray.jobs.stop('rayrig_long_1', o), 'code=500', ServerError, '500 Internal Server Error (HTTP 500)'],
    ['logs 400', (o) => ray.jobs.logs('rayrig_long_1', o), 'code=400', ValidationError, 'Can only get logs of submission type jobs (HTTP 400)'],
    ['logs 401', (o) => ray.jobs.logs('rayrig_long_1', o), 'code=401', AuthenticationError, 'Unauthorized: Missing authentication token (HTTP 401)'],
    ['logs 403', (o) => ray.jobs.logs('rayrig_long_1', o), 'code=403', PermissionDeniedError, 'Forbidden: Invalid authentication token (HTTP 403)'],
    ['logs 404', (o) => ray.jobs.logs('nope', o), 'code=404', NotFoundError, 'Job nope does not exist (HTTP 404)'],
    ['logs 500', (o) => ray.jobs.logs('rayrig_long_1', o), 'code=500', ServerError, '500 Internal Server Error (HTTP 500)'],
  ];
  it.each(cases)('%s', async (_name, call, preferValue, ErrorClass, message) => {
    const err = await call(prefer(preferValue)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ErrorClass);
    expect((err as Error).message).toBe(message);
    expect(typeof (err as ClientError).detail).toBe('string'); // the whole text/plain body
    expect((err as ClientError).statusCode).toBe(Number(/code=(\d+)/.exec(preferValue)![1]));
  });

  it('keeps the full traceback on detail', async () => {
    const err = (await ray.jobs.submit({ entrypoint: 'x' }, prefer('code=500, example=duplicateSubmissionId')).catch((e) => e)) as ServerError;
    expect(err.detail).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(err.detail).toContain('job_manager.py", line 555, in submit_job');
  });
});

describe('state API', () => {
  const lists = [
    ['nodes', () => ray.state.nodes(), 1],
    ['tasks', () => ray.state.tasks(), 3],
    ['actors', () => ray.state.actors({ limit: 2 }), 2],
    ['jobs', () => ray.state.jobs(), 2],
    ['placementGroups', () => ray.state.placementGroups(), 0],
    ['workers', () => ray.state.workers(), 1],
  ] as const;
  it.each(lists)('%s → rows plus the envelope counters', async (_name, call, rows) => {
    const list = await call();
    expect(list.rows).toHaveLength(rows);
    expect(list).toMatchObject({ partialFailureWarning: '', warnings: [] });
    expect(list.numFiltered).toBeGreaterThanOrEqual(list.rows.length);
  });

  it('actors: total 5 with 2 rows (the limit cut the list)', async () => {
    const list = await ray.state.actors({ limit: 2 });
    expect(list).toMatchObject({ total: 5, numAfterTruncation: 5, numFiltered: 5 });
    expect(list.rows.map((a) => a.class_name)).toEqual(['JobSupervisor', 'JobSupervisor']);
  });

  it('nodes with detail carry start_time_ms', async () => {
    const list = await ray.state.nodes({ detail: true, ...prefer('example=detail') });
    expect(list.rows[0]).toMatchObject({ is_head_node: true, start_time_ms: 1795319055060, end_time_ms: 0 });
  });

  it('getNode / getTask / getActor / getJob / getWorker by filter', async () => {
    expect((await ray.state.getNode('587cd5c11727c1b991afa24a8614432a0cb6235eae0bc61041e38dae')).node_ip).toBe('127.0.0.1');
    expect((await ray.state.getTask('0ab01f2d6283d719ffffffffffffffffffffffff03000000')).name).toBe('sq');
    expect((await ray.state.getActor('7311c51e4029c8c94efecbed01000000')).class_name).toBe('JobSupervisor');
    expect((await ray.state.getJob('rayrig_fail_1')).submission_id).toBe('rayrig_fail_1');
    expect((await ray.state.getWorker('59f7f28c78a09e604c71a330eb8ab6b2fc2437e5b22347f279c981d8')).pid).toBe(16415);
  });

  it('a by-id lookup that matches nothing is NotFoundError', async () => {
    const err = await ray.state.getPlacementGroup('abc123').catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('Placement group abc123 not found (no row with placement_group_id=abc123)');
  });

  const errors = [
    ['nodes', 'code=400', ValidationError, "invalid literal for int() with base 10: 'notanumber' (HTTP 400)"],
    ['tasks', 'code=400, example=limitTooLarge', ValidationError, null],
    ['actors', 'code=401', AuthenticationError, 'Unauthorized: Missing authentication token (HTTP 401)'],
    ['jobs', 'code=403', PermissionDeniedError, 'Forbidden: Invalid authentication token (HTTP 403)'],
    ['placementGroups', 'code=500', ServerError, null],
    ['workers', 'code=500', ServerError, null],
  ] as const;
  it.each(errors)('%s %s', async (name, preferValue, ErrorClass, message) => {
    const err = await ray.state[name](prefer(preferValue)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ErrorClass);
    if (message) expect((err as Error).message).toBe(message);
    expect((err as Error).message).toMatch(/\(HTTP \d{3}\)$/);
  });
});

describe('serve', () => {
  it('getApplications / deploy / shutdown', async () => {
    expect(await ray.serve.getApplications()).toEqual({ deploy_mode: 'MULTI_APP', controller_info: {}, proxies: {}, applications: {}, target_capacity: null });
    const running = await ray.serve.getApplications(prefer('example=running'));
    expect(running.applications.app1?.status).toBe('RUNNING');
    await expect(ray.serve.deploy({ applications: [{ name: 'app1', route_prefix: '/', import_path: 'hello:app' }] })).resolves.toBeUndefined();
    await expect(ray.serve.shutdown()).resolves.toBeUndefined();
  });

  it('501 (Serve not installed) is a clear ServerError with code SERVE_NOT_INSTALLED', async () => {
    for (const call of [(o: RequestOptions) => ray.serve.getApplications(o), (o: RequestOptions) => ray.serve.deploy({ applications: [] }, o)]) {
      const err = await call(prefer('code=501')).catch((e) => e);
      expect(err).toBeInstanceOf(ServerError);
      expect(err).toMatchObject({ statusCode: 501, code: 'SERVE_NOT_INSTALLED' });
      expect(err.message).toBe('Ray Serve is not installed on this cluster\'s head: Serve dependencies are not installed. Please run `pip install "ray[serve]"`. (HTTP 501)');
    }
  });

  const errors = [
    ['get 400', (o: RequestOptions) => ray.serve.getApplications(o), 'code=400', ValidationError],
    ['get 401', (o: RequestOptions) => ray.serve.getApplications(o), 'code=401', AuthenticationError],
    ['get 403', (o: RequestOptions) => ray.serve.getApplications(o), 'code=403', PermissionDeniedError],
    ['get 500', (o: RequestOptions) => ray.serve.getApplications(o), 'code=500', ServerError],
    ['get 503', (o: RequestOptions) => ray.serve.getApplications(o), 'code=503', ServerError],
    ['deploy 400', (o: RequestOptions) => ray.serve.deploy({ applications: [] }, o), 'code=400', ValidationError],
    ['deploy 401', (o: RequestOptions) => ray.serve.deploy({ applications: [] }, o), 'code=401', AuthenticationError],
    ['deploy 403', (o: RequestOptions) => ray.serve.deploy({ applications: [] }, o), 'code=403', PermissionDeniedError],
    ['deploy 405', (o: RequestOptions) => ray.serve.deploy({ applications: [] }, o), 'code=405', ClientError],
    ['deploy 500', (o: RequestOptions) => ray.serve.deploy({ applications: [] }, o), 'code=500', ServerError],
    ['shutdown 401', (o: RequestOptions) => ray.serve.shutdown(o), 'code=401', AuthenticationError],
    ['shutdown 403', (o: RequestOptions) => ray.serve.shutdown(o), 'code=403', PermissionDeniedError],
    ['shutdown 405', (o: RequestOptions) => ray.serve.shutdown(o), 'code=405', ClientError],
    ['shutdown 500', (o: RequestOptions) => ray.serve.shutdown(o), 'code=500', ServerError],
  ] as const;
  it.each(errors)('%s', async (_name, call, preferValue, ErrorClass) => {
    const err = await call(prefer(preferValue)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ErrorClass);
    expect((err as ClientError).statusCode).toBe(Number(/code=(\d+)/.exec(preferValue)![1]));
    expect((err as Error).message).not.toContain('\n');
  });
});
