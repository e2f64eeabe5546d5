import { NotFoundError, RayClient } from 'agentwire/ray';
import { expect, inject, it } from 'vitest';
import { cancelJob, runJob } from '../src/jobs.js';

const { url, urls } = inject('mock');

it('runs a job: submitted, its log followed to the end, SUCCEEDED', async () => {
  // Frames without the recorded 1 s pacing, for this one tail.
  await fetch(`${url}/__mock/scenario`, { method: 'PUT', body: JSON.stringify({ api: 'ray', scenario: { delayMs: 0 }, times: 1 }) });
  const report = await runJob(urls.ray, 'python3 work.py');
  expect(report.id).toMatch(/^raysubmit_/);
  expect(report.lines.length).toBeGreaterThan(0);
  expect(report.status).toBe('SUCCEEDED');
});

it('reports a failing command as FAILED', async () => {
  await fetch(`${url}/__mock/scenario`, { method: 'PUT', body: JSON.stringify({ api: 'ray', scenario: { delayMs: 0 }, times: 1 }) });
  expect((await runJob(urls.ray, 'exit 3')).status).toBe('FAILED');
});

it('cancels a running job, and the cluster says STOPPED', async () => {
  const ray = new RayClient({ address: urls.ray, token: undefined });
  const { submission_id: id } = await ray.jobs.submit({ entrypoint: 'sleep 300' });
  expect(await cancelJob(urls.ray, id)).toBe(true);
  expect((await ray.jobs.get(id)).status).toBe('STOPPED');
});

it('a job the cluster never saw is NotFoundError', async () => {
  await expect(new RayClient({ address: urls.ray, token: undefined }).jobs.get('raysubmit_never')).rejects.toBeInstanceOf(NotFoundError);
});
