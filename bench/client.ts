/**
 * Client benchmark: raw TLS (pre-encoded request, framing only), KmipClient
 * Encrypt, KmipBackend cipherDataKey+decipherDataKey pairs, and KmipClient
 * with batching on (batchSize 8, `--batch N`), side by side
 * and interleaved (every round runs every cell once, so load drifts hit all
 * three alike), at 1, 8, 64 and 256 callers, one connection, pipeline depth 8,
 * against a responder in a child process (bench/responder.ts) that answers
 * each response in its own TLS record (`--coalesce` lets it merge).
 *
 * Two caller models: `turn` issues the next request one event-loop turn after
 * the answer (setImmediate: a new S3 request would); `callback` issues it from
 * the completion callback itself. Printed per cell: median over the rounds of
 * throughput, p50/p99 latency, client CPU µs per request (whole process:
 * JavaScript, TLS, GC), and the ratios to raw TLS of the same round.
 *
 * npm run bench:client                          # 5 rounds of 500 ms cells
 * npm run bench:client -- --rounds 7 --ms 800   # longer
 * npm run bench:client -- --coalesce            # responder merges its writes
 * npm run bench:client -- --batch 16            # batchSize of the batched KmipClient (default 8)
 * npm run bench:client -- --callers 64 --model callback --kinds raw,client
 * npm run bench:client -- --soak                # + 1 000 000 KmipClient Encrypts, memory sampled
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { KmipBackend } from '../lib/backend';
import { KmipClient } from '../lib/client';
import { silentLogger } from '../lib/logger';
import { encrypt, Op } from '../lib/kmip/operations';
import { requestMessage } from '../lib/kmip/protocol';
import { encode } from '../lib/ttlv';
import { makeTestPki, type TestPki } from '../tests/support/certs';
import { RawTlsClient } from './raw-tls';
import { spawnListening } from './child';

// ---------------------------------------------------------------------------
// Arguments

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const has = (name: string): boolean => process.argv.includes(name);
const list = (name: string, dflt: string): string[] => (argValue(name) ?? dflt).split(',').filter((x) => x.length > 0);

const ROUNDS = Number(argValue('--rounds') ?? 5);
const CELL_MS = Number(argValue('--ms') ?? 500);
const DEPTH = Number(argValue('--depth') ?? 8);
const CALLERS = list('--callers', '1,8,64,256').map(Number);
const MODELS = list('--model', 'turn,callback') as Model[];
const COALESCE = has('--coalesce');
const BATCH = Number(argValue('--batch') ?? 8);
const MAX_OPS = 2_000_000; // bound on one cell, whatever --ms says

type Model = 'turn' | 'callback';
type Kind = 'raw' | 'client' | 'backend' | 'batched';
const KINDS = list('--kinds', 'raw,client,backend,batched') as Kind[];

const KEY_ID = 'bench-key';
const CBC = { blockCipherMode: 1, paddingMethod: 3, cryptographicAlgorithm: 3 } as const;
const IV = Buffer.alloc(16);
const DATA = Buffer.alloc(32, 1);

// ---------------------------------------------------------------------------
// One cell: `callers` loops issuing requests for CELL_MS

interface Cell {
  /** Completed requests (pairs for the backend). */
  readonly n: number;
  readonly perSec: number;
  readonly p50: number;
  readonly p99: number;
  /** Client process CPU per completed request (pair), µs. */
  readonly cpuUs: number;
  readonly errors: number;
}

/** Starts one request; calls exactly one of done/fail. `model` is how the backend chains its pair. */
type Issue = (done: () => void, fail: (err: unknown) => void, model: Model) => void;

const lat = new Float64Array(MAX_OPS);

function runCell(issue: Issue, callers: number, model: Model, ms: number): Promise<Cell> {
  return new Promise((resolve) => {
    let n = 0;
    let issued = 0;
    let errors = 0;
    let firstError: unknown;
    let active = callers;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const deadline = t0 + ms;
    const finish = (): void => {
      const secs = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const sorted = lat.subarray(0, n).sort();
      if (errors > 0) console.error(`  ${errors} errors, first: ${String((firstError as Error)?.message ?? firstError)}`);
      resolve({
        n,
        perSec: n / secs,
        p50: n > 0 ? sorted[Math.floor(n * 0.5)]! : NaN,
        p99: n > 0 ? sorted[Math.min(n - 1, Math.floor(n * 0.99))]! : NaN,
        cpuUs: n > 0 ? (cpu.user + cpu.system) / n : NaN,
        errors,
      });
    };
    const caller = (): void => {
      let start = 0;
      const next = (): void => {
        if (issued >= MAX_OPS || performance.now() >= deadline) {
          if (--active === 0) finish();
          return;
        }
        issued++;
        start = performance.now();
        issue(done, fail, model);
      };
      const again = (): void => {
        if (model === 'callback') next();
        else setImmediate(next);
      };
      const done = (): void => {
        lat[n++] = performance.now() - start;
        again();
      };
      const fail = (err: unknown): void => {
        if (errors++ === 0) firstError = err;
        again();
      };
      next();
    };
    for (let i = 0; i < callers; i++) caller();
  });
}

// ---------------------------------------------------------------------------
// The three clients

function startResponder(pki: TestPki): Promise<{ port: number; child: ChildProcess }> {
  const args = [path.join(__dirname, 'responder.js'), pki.caPath, pki.serverCertPath, pki.serverKeyPath];
  if (COALESCE) args.push('--coalesce');
  return spawnListening(args, 'responder');
}

/** The Encrypt request message KmipClient sends (KMIP 1.4, what the responder negotiates). */
function preEncodedEncrypt(): Buffer {
  const v = { major: 1, minor: 4 };
  const op = encrypt({ uniqueIdentifier: KEY_ID, data: DATA, cryptographicParameters: CBC, ivCounterNonce: IV });
  return encode(requestMessage(v, [{ operation: Op.Encrypt, id: Buffer.from([0, 0, 0, 1]), payload: op.payload(v) }]));
}

interface Clients {
  readonly issue: Record<Kind, Issue>;
  close(): Promise<void>;
}

async function makeClients(port: number, pki: TestPki): Promise<Clients> {
  const raw = await RawTlsClient.connect(
    { host: '127.0.0.1', port, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, servername: 'localhost', minVersion: 'TLSv1.2' },
    preEncodedEncrypt(),
    DEPTH,
  );
  const client = new KmipClient({
    hosts: [{ host: '127.0.0.1', port }],
    tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, servername: 'localhost' },
    pipelineDepth: DEPTH,
    skipQuery: true,
    maxQueueLength: 100_000,
    queueTimeoutMs: 120_000,
    requestTimeoutMs: 60_000,
    logger: silentLogger,
  });
  // The same with batching on: waiting requests share request messages.
  const batched = new KmipClient({
    hosts: [{ host: '127.0.0.1', port }],
    tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, servername: 'localhost' },
    pipelineDepth: DEPTH,
    batchSize: BATCH,
    skipQuery: true,
    maxQueueLength: 100_000,
    queueTimeoutMs: 120_000,
    requestTimeoutMs: 60_000,
    logger: silentLogger,
  });
  // The host's parsed config.kmip, as cloudserver hands it over.
  const backend = new KmipBackend({
    kmip: {
      providerName: 'kmip',
      client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
      transport: {
        pipelineDepth: DEPTH,
        skipQuery: true,
        maxQueueLength: 100_000,
        queueTimeoutMs: 120_000,
        requestTimeoutMs: 60_000,
        tls: {
          host: '127.0.0.1',
          port,
          key: Buffer.from(pki.clientKey),
          cert: Buffer.from(pki.clientCert),
          ca: [Buffer.from(pki.ca)],
          servername: 'localhost',
        },
      },
    },
    logger: silentLogger,
  });
  // The host's request logger; this one prints nothing (like a host at its default level for debug lines).
  const reqLog = silentLogger;
  const encryptOpts = { cryptographicParameters: CBC, ivCounterNonce: IV };
  const dataKey = Buffer.alloc(32, 7);
  const issue: Record<Kind, Issue> = {
    raw: (done) => raw.send(done),
    client: (done, fail) => {
      client.encrypt(KEY_ID, DATA, encryptOpts).then(done, fail);
    },
    batched: (done, fail) => {
      batched.encrypt(KEY_ID, DATA, encryptOpts).then(done, fail);
    },
    backend: (done, fail, model) => {
      backend.cipherDataKey(1, KEY_ID, dataKey, reqLog, (err, wrapped) => {
        if (err) return fail(err);
        const unwrap = (): void =>
          backend.decipherDataKey(1, KEY_ID, wrapped, reqLog, (e) => {
            if (e) fail(e);
            else done();
          });
        if (model === 'callback') unwrap();
        else setImmediate(unwrap);
      });
    },
  };
  return {
    issue,
    async close() {
      raw.close();
      await client.close();
      await batched.close();
      await backend.close();
    },
  };
}

// ---------------------------------------------------------------------------
// Report

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const k = (x: number): string => (Number.isFinite(x) ? `${(x / 1000).toFixed(1)}k` : '-');
const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
const pc = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '-');

type Results = Map<string, Cell[]>;
const key = (model: Model, callers: number, kind: Kind): string => `${model}/${callers}/${kind}`;

function report(results: Results): void {
  for (const model of MODELS) {
    console.log(
      `\n### Caller model \`${model}\`: next request ${model === 'turn' ? 'one event-loop turn after the answer (setImmediate)' : 'issued from the completion callback'}\n`,
    );
    console.log('| callers | raw TLS req/s | KmipClient req/s | client % of raw | p50 / p99 ms raw | p50 / p99 ms client | CPU µs/req raw / client (+over raw) | backend pairs/s | pair p50 / p99 ms | CPU µs/pair (−2 client req) | pairs % of raw/2 |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const callers of CALLERS) {
      const cells = (kind: Kind): Cell[] => results.get(key(model, callers, kind)) ?? [];
      const raw = cells('raw');
      const cl = cells('client');
      const be = cells('backend');
      const m = (cs: Cell[], pick: (c: Cell) => number): number => median(cs.map(pick));
      // Ratios per round (same moment, same load), then their median.
      const perRound = (a: Cell[], b: Cell[], fn: (x: Cell, y: Cell) => number): number =>
        median(a.map((x, i) => (b[i] ? fn(x, b[i]!) : NaN)));
      const clientPct = perRound(cl, raw, (c, r) => c.perSec / r.perSec);
      const cpuOver = perRound(cl, raw, (c, r) => c.cpuUs - r.cpuUs);
      const pairOver = perRound(be, cl, (b, c) => b.cpuUs - 2 * c.cpuUs);
      const pairPct = perRound(be, raw, (b, r) => (2 * b.perSec) / r.perSec);
      console.log(
        `| ${callers} | ${k(m(raw, (c) => c.perSec))} | ${k(m(cl, (c) => c.perSec))} | ${pc(clientPct)} | ` +
          `${f(m(raw, (c) => c.p50), 2)} / ${f(m(raw, (c) => c.p99), 2)} | ${f(m(cl, (c) => c.p50), 2)} / ${f(m(cl, (c) => c.p99), 2)} | ` +
          `${f(m(raw, (c) => c.cpuUs))} / ${f(m(cl, (c) => c.cpuUs))} (${cpuOver >= 0 ? '+' : ''}${f(cpuOver)}) | ` +
          `${k(m(be, (c) => c.perSec))} | ${f(m(be, (c) => c.p50), 2)} / ${f(m(be, (c) => c.p99), 2)} | ` +
          `${f(m(be, (c) => c.cpuUs))} (${pairOver >= 0 ? '+' : ''}${f(pairOver)}) | ${pc(pairPct)} |`,
      );
    }
  }
}

/** KmipClient with batchSize > 1 against raw TLS (which sends each request alone), same rounds. */
function reportBatched(results: Results): void {
  if (!KINDS.includes('batched')) return;
  for (const model of MODELS) {
    console.log(`\n### KmipClient with batchSize ${BATCH}, caller model \`${model}\`\n`);
    console.log('| callers | raw TLS req/s | batched KmipClient req/s | % of raw | p50 / p99 ms | CPU µs/req raw / batched (+over raw) |');
    console.log('|---|---|---|---|---|---|');
    for (const callers of CALLERS) {
      const raw = results.get(key(model, callers, 'raw')) ?? [];
      const ba = results.get(key(model, callers, 'batched')) ?? [];
      const m = (cs: Cell[], pick: (c: Cell) => number): number => median(cs.map(pick));
      const perRound = (a: Cell[], b: Cell[], fn: (x: Cell, y: Cell) => number): number => median(a.map((x, i) => (b[i] ? fn(x, b[i]!) : NaN)));
      const pct = perRound(ba, raw, (b, r) => b.perSec / r.perSec);
      const over = perRound(ba, raw, (b, r) => b.cpuUs - r.cpuUs);
      console.log(
        `| ${callers} | ${k(m(raw, (c) => c.perSec))} | ${k(m(ba, (c) => c.perSec))} | ${pc(pct)} | ${f(m(ba, (c) => c.p50), 2)} / ${f(m(ba, (c) => c.p99), 2)} | ` +
          `${f(m(raw, (c) => c.cpuUs))} / ${f(m(ba, (c) => c.cpuUs))} (${over >= 0 ? '+' : ''}${f(over)}) |`,
      );
    }
  }
}

function conditions(): string {
  const cpus = os.cpus();
  const la = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  return `node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? '?'}, load average ${la}`;
}

// ---------------------------------------------------------------------------

async function soak(issue: Issue): Promise<void> {
  const total = 1_000_000;
  const step = 100_000;
  console.log(`\nsoak: ${total} KmipClient Encrypts, 64 callers, depth ${DEPTH}; resident / heap MiB every ${step}:`);
  const samples: string[] = [];
  for (let done = 0; done < total; ) {
    // Bounded in count (step per slice) and time (the cell's own 120 s cap).
    const r = await runCellCount(issue, 64, step);
    done += r;
    const mem = process.memoryUsage();
    samples.push(`${(mem.rss / 1048576).toFixed(0)}/${(mem.heapUsed / 1048576).toFixed(0)}`);
  }
  console.log('  ' + samples.join(' '));
}

/** Runs exactly `count` requests (or 120 s), returns how many completed. */
function runCellCount(issue: Issue, callers: number, count: number): Promise<number> {
  return new Promise((resolve) => {
    let issued = 0;
    let completed = 0;
    let active = callers;
    const deadline = Date.now() + 120_000;
    const caller = (): void => {
      const next = (): void => {
        if (issued >= count || Date.now() >= deadline) {
          if (--active === 0) resolve(completed);
          return;
        }
        issued++;
        issue(done, done, 'callback');
      };
      const done = (): void => {
        completed++;
        setImmediate(next);
      };
      next();
    };
    for (let i = 0; i < callers; i++) caller();
  });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-bench-'));
  try {
    const pki = await makeTestPki(dir);
    const responder = await startResponder(pki);
    try {
      const clients = await makeClients(responder.port, pki);
      try {
        console.log(`## bench:client — ${conditions()}`);
        console.log(
          `one connection, pipeline depth ${DEPTH}; responder in a child process, ${COALESCE ? 'coalescing its writes (--coalesce)' : 'one TLS record per response'}; ` +
            `${ROUNDS} interleaved rounds of ${CELL_MS} ms cells, medians; KmipBackend = cipherDataKey + decipherDataKey pairs, request logger dropping debug lines`,
        );
        // Warm-up: connects, JIT, allocation pools.
        for (const kind of KINDS) for (const model of MODELS) await runCell(clients.issue[kind], 64, model, Math.min(CELL_MS, 300));
        const results: Results = new Map();
        for (let round = 0; round < ROUNDS; round++) {
          for (const model of MODELS) {
            for (const callers of CALLERS) {
              for (const kind of KINDS) {
                const c = await runCell(clients.issue[kind], callers, model, CELL_MS);
                const kk = key(model, callers, kind);
                results.set(kk, [...(results.get(kk) ?? []), c]);
              }
            }
          }
          process.stderr.write(`round ${round + 1}/${ROUNDS} done (load average ${os.loadavg()[0]!.toFixed(2)})\n`);
        }
        report(results);
        reportBatched(results);
        console.log(`\nafter the run: ${conditions()}`);
        if (has('--soak')) await soak(clients.issue.client);
      } finally {
        await clients.close();
      }
    } finally {
      responder.child.kill();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
