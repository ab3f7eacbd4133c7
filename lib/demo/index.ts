/**
 * `kmip-kms demo`: drives the backend through what the S3 server does — create
 * a bucket key, wrap and unwrap N data keys with M in flight, destroy the key —
 * verifies every unwrap, and measures.
 */
import { randomBytes } from 'node:crypto';
import type { KmipBackend } from '../backend/backend';
import { versionString } from '../kmip/protocol';

export interface DemoOptions {
  /** Data keys to wrap and unwrap. Default 2000. */
  readonly keys?: number;
  /** Operations in flight. Default 64. */
  readonly concurrency?: number;
  /** Called at most every 200 ms with the count done so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface DemoReport {
  readonly server: string | undefined;
  readonly protocolVersion: string | undefined;
  readonly vendor: string | undefined;
  readonly keyId: string;
  readonly keyArn: string;
  readonly operations: { readonly create: number; readonly wrap: number; readonly unwrap: number; readonly destroy: number };
  readonly verified: number;
  readonly mismatches: number;
  readonly seconds: number;
  /** Wraps plus unwraps per second. */
  readonly operationsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
}

const pct = (s: number[], p: number): number => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!);

export async function runDemo(backend: KmipBackend, opts: DemoOptions = {}): Promise<DemoReport> {
  const total = opts.keys ?? 2000;
  const concurrency = Math.max(1, opts.concurrency ?? 64);
  const created = await backend.createKey('kmip-kms-demo-bucket');
  const latencies: number[] = [];
  let next = 0;
  let done = 0;
  let mismatches = 0;
  let lastProgress = 0;
  const t0 = process.hrtime.bigint();
  async function worker(): Promise<void> {
    while (next < total) {
      next++;
      const dataKey = randomBytes(32);
      const a = process.hrtime.bigint();
      const wrapped = await backend.wrapDataKey(created.keyId, dataKey);
      const b = process.hrtime.bigint();
      const plain = await backend.unwrapDataKey(created.arn, wrapped);
      const c = process.hrtime.bigint();
      if (!plain.equals(dataKey)) mismatches++;
      plain.fill(0);
      dataKey.fill(0);
      latencies.push(Number(b - a) / 1e6, Number(c - b) / 1e6);
      done++;
      const now = Date.now();
      if (opts.onProgress && (now - lastProgress >= 200 || done === total)) {
        lastProgress = now;
        opts.onProgress(done, total);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await backend.destroyKey(created.keyId);
  latencies.sort((x, y) => x - y);
  const info = backend.client.serverInfo;
  return {
    server: info?.server,
    protocolVersion: info ? versionString(info.version) : undefined,
    vendor: info?.vendorIdentification,
    keyId: created.keyId,
    keyArn: created.arn,
    operations: { create: 1, wrap: total, unwrap: total, destroy: 1 },
    verified: total - mismatches,
    mismatches,
    seconds,
    operationsPerSecond: (2 * total) / seconds,
    latencyMs: { p50: pct(latencies, 50), p90: pct(latencies, 90), p99: pct(latencies, 99), max: latencies[latencies.length - 1] ?? 0 },
  };
}
