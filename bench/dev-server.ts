/**
 * Dev server benchmark: Encrypt/s that the dev server, in its own process,
 * serves to one client (one connection) with 64 requests in flight
 * (pipeline depth 64, 64 callers), AES-256-CBC of 32 bytes with a client IV.
 * Prints the conditions (node, CPU, load average) beside the figures.
 *
 * npm run bench:dev-server                      # one answer per TLS record (default)
 * npm run bench:dev-server -- --coalesce        # the server merges answers into records
 * npm run bench:dev-server -- --requests 400000 --runs 5
 * npm run bench:dev-server -- --cpu-prof        # the server writes a .cpuprofile to the cwd
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KmipClient } from '../lib/client';
import { silentLogger } from '../lib/logger';
import { makeTestPki, type TestPki } from '../tests/support/certs';
import { spawnListening } from './child';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const num = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : dflt;
};
const REQUESTS = num('--requests', 200_000);
const RUNS = num('--runs', 3);
const IN_FLIGHT = 64;
const CBC = { blockCipherMode: 1, paddingMethod: 3, cryptographicAlgorithm: 3 } as const;

function startChild(pki: TestPki): Promise<{ port: number; child: ChildProcess }> {
  const nodeArgs = flag('--cpu-prof') ? ['--cpu-prof'] : [];
  const args = [...nodeArgs, path.join(__dirname, 'dev-server-child.js'), pki.caPath, pki.serverCertPath, pki.serverKeyPath];
  if (flag('--coalesce')) args.push('--coalesce');
  return spawnListening(args, 'dev server');
}

/** The server process's CPU time so far (µs). */
function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const m = /CPU (\d+)/.exec(buf);
      if (m) {
        child.stdout!.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stdin!.write('cpu\n');
  });
}

async function run(c: KmipClient, uid: string, total: number): Promise<{ perSec: number }> {
  const data = Buffer.alloc(32, 1);
  const iv = Buffer.alloc(16);
  let issued = 0;
  const t0 = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (issued < total) {
      issued++;
      await c.encrypt(uid, data, { cryptographicParameters: CBC, ivCounterNonce: iv });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { perSec: total / secs };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-bench-dev-'));
  try {
    const pki = await makeTestPki(dir);
    const srv = await startChild(pki);
    try {
      const c = new KmipClient({
        hosts: [{ host: '127.0.0.1', port: srv.port }],
        tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, servername: 'localhost' },
        pipelineDepth: IN_FLIGHT,
        maxQueueLength: 100_000,
        queueTimeoutMs: 120_000,
        requestTimeoutMs: 60_000,
        logger: silentLogger,
      });
      const { uniqueIdentifier: uid } = await c.create({ activationDate: new Date() });
      await run(c, uid, 20_000); // warm-up
      const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
      const figures: number[] = [];
      const cpuPerReq: number[] = [];
      const clientCpu: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const cpu0 = await serverCpu(srv.child);
        const own0 = process.cpuUsage();
        figures.push((await run(c, uid, REQUESTS)).perSec);
        const own = process.cpuUsage(own0);
        clientCpu.push((own.user + own.system) / REQUESTS);
        cpuPerReq.push(((await serverCpu(srv.child)) - cpu0) / REQUESTS);
      }
      await c.close();
      figures.sort((a, b) => a - b);
      console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average before: ${load}, after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
      console.log(
        `dev server (own process, ${flag('--coalesce') ? 'coalesced records' : 'one answer per TLS record'}), 1 client, ${IN_FLIGHT} in flight, ${REQUESTS} Encrypts x ${RUNS} runs:`,
      );
      console.log(`  Encrypt/s: median ${figures[Math.floor(figures.length / 2)]!.toFixed(0)} (runs: ${figures.map((f) => f.toFixed(0)).join(', ')})`);
      cpuPerReq.sort((a, b) => a - b);
      const med = cpuPerReq[Math.floor(cpuPerReq.length / 2)]!;
      console.log(`  server CPU per Encrypt: median ${med.toFixed(1)} µs (runs: ${cpuPerReq.map((f) => f.toFixed(1)).join(', ')}); one core's ceiling: ${(1e6 / med).toFixed(0)} Encrypt/s`);
      clientCpu.sort((a, b) => a - b);
      console.log(`  client CPU per Encrypt: median ${clientCpu[Math.floor(clientCpu.length / 2)]!.toFixed(1)} µs`);
    } finally {
      srv.child.kill('SIGTERM');
      await new Promise((r) => srv.child.once('exit', r));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
