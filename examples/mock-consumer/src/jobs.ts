/**
 * The app: run a command on a Ray cluster and report how it went — submit the job, follow its
 * log to the end, then read its final status.
 */
import { RayClient } from 'agentwire/ray';

export interface JobReport {
  /** The submission id Ray gave the job. */
  id: string;
  /** Every log line, in order. */
  lines: string[];
  /** The job's final status: SUCCEEDED, FAILED or STOPPED. */
  status: string;
}

/** Submits `entrypoint` to the Ray dashboard at `address`, follows its log and returns the report. */
export async function runJob(address: string, entrypoint: string): Promise<JobReport> {
  const ray = new RayClient({ address, token: undefined });
  const { submission_id: id } = await ray.jobs.submit({ entrypoint });
  const lines: string[] = [];
  for await (const line of ray.jobs.tail(id)) lines.push(line);
  const job = await ray.jobs.wait(id, { timeout: 30_000 });
  return { id, lines, status: job.status };
}

/** Stops a job; true if it was still running. */
export async function cancelJob(address: string, id: string): Promise<boolean> {
  return new RayClient({ address, token: undefined }).jobs.stop(id);
}
