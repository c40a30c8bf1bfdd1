// An open-loop load generator: requests leave at a constant rate whether or not earlier ones have
// had their response, and each latency is counted from the moment its request was due to leave.
//
// autocannon's `overallRate` works another way: each connection sends its share of the second's
// requests back to back as soon as the second starts, then waits for the next second. At 500/s on
// 64 connections that is a burst of 500 requests at the start of every second, so its latencies
// measure how long the server takes to work through a burst, not a steady 500/s.
import http from 'node:http';
import { percentileOfSorted } from './percentile.js';

export interface ConstantRateOptions {
  url: string;
  /** Requests per second. */
  rate: number;
  durationSeconds: number;
  /** Seconds offered at the same rate before the measured ones, while connections open; not counted. */
  warmUpSeconds?: number;
  /** Request body maker; each request gets a fresh one. GET when absent. */
  body?: () => string;
  /** Maximum requests in flight (keep-alive sockets, 64 by default). Further due requests wait for a socket. */
  maxSockets?: number;
}

export interface ConstantRateResult {
  /** Responses with a 2xx status. */
  succeeded: number;
  /** Responses with another status, and requests that failed without a response. */
  failed: number;
  /** The failures by HTTP status, or by error code for a request that got no response. */
  failuresByStatus: Record<string, number>;
  /** Responses per second over the time from the first due request to the last response. */
  throughput: number;
  /** Milliseconds from the moment each request was due to its complete response. */
  latency: { p50: number; p90: number; p99: number; max: number };
  /** Highest latency of the requests due in each second of the run, to show when a backlog formed. */
  maxLatencyPerSecond: number[];
}

/** Offers `rate` requests per second for `durationSeconds` and waits for every response. */
export async function offerConstantRate(options: ConstantRateOptions): Promise<ConstantRateResult> {
  // FIFO keeps every socket in use: with LIFO the sockets opened in a slow moment sat idle past the
  // server's 5 s keep-alive timeout, and a request sent as the server closed one failed with ECONNRESET.
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'fifo' });
  const warmUp = Math.round(options.rate * (options.warmUpSeconds ?? 0));
  const total = warmUp + Math.round(options.rate * options.durationSeconds);
  const intervalMs = 1000 / options.rate;
  const latencies: number[] = [];
  const maxLatencyPerSecond: number[] = [];
  let succeeded = 0;
  let failed = 0;
  const failuresByStatus: Record<string, number> = {};
  const countFailure = (status: string) => {
    failed += 1;
    failuresByStatus[status] = (failuresByStatus[status] ?? 0) + 1;
  };

  const startedAt = performance.now();
  const measuredFrom = startedAt + warmUp * intervalMs;
  const send = (dueAt: number, counted: boolean): Promise<void> =>
    new Promise((resolve) => {
      const body = options.body?.();
      const request = http.request(
        options.url,
        {
          agent,
          method: body === undefined ? 'GET' : 'POST',
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
        },
        (response) => {
          response.resume();
          response.once('end', () => {
            resolve();
            if (!counted) return;
            const latency = performance.now() - dueAt;
            latencies.push(latency);
            const second = Math.floor((dueAt - measuredFrom) / 1000);
            maxLatencyPerSecond[second] = Math.max(maxLatencyPerSecond[second] ?? 0, latency);
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) succeeded += 1;
            else countFailure(String(status));
          });
        },
      );
      request.once('error', (error: NodeJS.ErrnoException) => {
        if (counted) countFailure(error.code ?? 'error');
        resolve();
      });
      request.end(body);
    });

  // A timer wakes up every millisecond or so and sends every request whose time has come, so a late
  // wake-up sends the overdue requests at once and their latency still counts from their due time.
  const pending: Promise<void>[] = [];
  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && startedAt + next * intervalMs <= now) {
      pending.push(send(startedAt + next * intervalMs, next >= warmUp));
      next += 1;
    }
    const wait = startedAt + next * intervalMs - performance.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }
  await Promise.all(pending);
  const elapsedSeconds = (performance.now() - measuredFrom) / 1000;
  agent.destroy();

  const sorted = latencies.sort((a, b) => a - b);
  return {
    succeeded,
    failed,
    failuresByStatus,
    throughput: (succeeded + failed) / elapsedSeconds,
    latency: {
      p50: percentileOfSorted(sorted, 0.5),
      p90: percentileOfSorted(sorted, 0.9),
      p99: percentileOfSorted(sorted, 0.99),
      max: sorted.at(-1) ?? 0,
    },
    maxLatencyPerSecond: Array.from(maxLatencyPerSecond, (value) => value ?? 0),
  };
}
