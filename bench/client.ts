/**
 * Client benchmark: Encrypt throughput and latency percentiles at 1, 8, 64 and
 * 256 concurrent callers, pipeline depth 1 and 8, against (a) a real PyKMIP
 * server and (b) a minimal loopback TLS server in its own process answering
 * pre-encoded responses (the client's own ceiling). Also client CPU per request.
 *
 * npm run bench:client                 # both servers
 * npm run bench:client -- --fast-only  # skip PyKMIP
 * npm run bench:client -- --soak       # + 1 000 000 requests, resident size sampled
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KmipClient } from '../lib/client';
import { silentLogger } from '../lib/logger';
import { makeTestPki, type TestPki } from '../tests/support/certs';
import { pykmipAvailable, startPykmip } from '../tests/support/pykmip';

const args = new Set(process.argv.slice(2));
const CBC = { blockCipherMode: 1, paddingMethod: 3, cryptographicAlgorithm: 3 } as const;
const IV = Buffer.alloc(16);

interface Row {
  server: string;
  depth: number;
  callers: number;
  requests: number;
  perSec: number;
  p50: number;
  p99: number;
  cpuUs: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(client: KmipClient, uid: string, callers: number, totalRequests: number): Promise<Omit<Row, 'server' | 'depth' | 'callers'>> {
  const data = Buffer.alloc(32, 1);
  const lat: number[] = [];
  let issued = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  async function worker(): Promise<void> {
    while (issued < totalRequests) {
      issued++;
      const s = process.hrtime.bigint();
      await client.encrypt(uid, data, { cryptographicParameters: CBC, ivCounterNonce: IV });
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  }
  await Promise.all(Array.from({ length: callers }, worker));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  return {
    requests: lat.length,
    perSec: lat.length / secs,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    cpuUs: (cpu.user + cpu.system) / lat.length,
  };
}

function print(rows: Row[]): void {
  console.log('\nserver     depth callers  requests    Encrypt/s   p50 ms   p99 ms  client CPU µs/req');
  for (const r of rows) {
    console.log(
      `${r.server.padEnd(10)} ${String(r.depth).padStart(5)} ${String(r.callers).padStart(7)} ${String(r.requests).padStart(9)} ${r.perSec.toFixed(0).padStart(12)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.cpuUs.toFixed(1).padStart(18)}`,
    );
  }
}

async function startEcho(pki: TestPki): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'echo-server.js'), pki.caPath, pki.serverCertPath, pki.serverKeyPath], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /PORT (\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`echo server exited with ${String(code)}`)));
  });
  return { port, child };
}

function clientFor(port: number, pki: TestPki, depth: number, skipQuery: boolean): KmipClient {
  return new KmipClient({
    hosts: [{ host: '127.0.0.1', port }],
    tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, servername: 'localhost' },
    pipelineDepth: depth,
    skipQuery,
    maxQueueLength: 100_000,
    queueTimeoutMs: 120_000,
    requestTimeoutMs: 60_000,
    logger: silentLogger,
  });
}

/** PyKMIP's own client (sequential, its only mode) against the same server: the bar to meet. */
function pykmipOwnClient(port: number, pki: TestPki): string {
  const py = [
    'import time, os',
    'from kmip.pie.client import ProxyKmipClient',
    'from kmip import enums',
    `c = ProxyKmipClient(hostname='127.0.0.1', port=${port}, cert=${JSON.stringify(pki.clientCertPath)}, key=${JSON.stringify(pki.clientKeyPath)}, ca=${JSON.stringify(pki.caPath)}, ssl_version='PROTOCOL_TLSv1_2', config_file='/dev/null')`,
    'c.open()',
    'uid = c.create(enums.CryptographicAlgorithm.AES, 256)',
    'c.activate(uid)',
    "p = {'block_cipher_mode': enums.BlockCipherMode.CBC, 'padding_method': enums.PaddingMethod.PKCS5, 'cryptographic_algorithm': enums.CryptographicAlgorithm.AES}",
    'd = os.urandom(32)',
    'iv = bytes(16)',
    'for i in range(20): c.encrypt(d, uid=uid, cryptographic_parameters=p, iv_counter_nonce=iv)',
    'n = 300',
    't0 = time.time()',
    'for i in range(n): c.encrypt(d, uid=uid, cryptographic_parameters=p, iv_counter_nonce=iv)',
    'dt = time.time() - t0',
    "print('PyKMIP ProxyKmipClient (sequential, 1 caller): %.0f Encrypt/s, %.2f ms each' % (n / dt, dt / n * 1000))",
    'c.close()',
  ].join('\n');
  try {
    return execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', timeout: 120_000 }).trim();
  } catch (err) {
    return `PyKMIP's own client could not run: ${(err as Error).message.split('\n')[0]}`;
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  let pyRef: string | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-bench-'));
  try {
    const pki = await makeTestPki(dir);
    console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})`);

    // (b) minimal server: the client's ceiling.
    const echo = await startEcho(pki);
    try {
      for (const depth of [1, 8]) {
        for (const callers of [1, 8, 64, 256]) {
          const c = clientFor(echo.port, pki, depth, true);
          await run(c, 'bench-key', Math.min(callers, 8), 2000); // warm-up + connect
          const n = callers === 1 ? 20_000 : depth === 1 ? 40_000 : 200_000;
          const r = await run(c, 'bench-key', callers, n);
          rows.push({ server: 'minimal', depth, callers, ...r });
          await c.close();
        }
      }
      if (args.has('--soak')) {
        const c = clientFor(echo.port, pki, 8, true);
        const total = 1_000_000;
        console.log(`\nsoak: ${total} Encrypts, 64 callers, depth 8; resident size (MiB) every 100 000:`);
        const samples: string[] = [];
        for (let done = 0; done < total; done += 100_000) {
          await run(c, 'bench-key', 64, 100_000);
          samples.push((process.memoryUsage().rss / 1048576).toFixed(0));
        }
        console.log('  ' + samples.join(' '));
        await c.close();
      }
    } finally {
      echo.child.kill();
    }

    // (a) PyKMIP: the server is the limit.
    if (!args.has('--fast-only')) {
      if (!pykmipAvailable()) console.log('\nPyKMIP not installed (apt-get install python3-pykmip): skipping its rows');
      else {
        const srv = await startPykmip({ logLevel: 'WARNING' });
        try {
          for (const depth of [1, 8]) {
            const c = new KmipClient({
              hosts: [{ host: srv.host, port: srv.port }],
              tls: { ca: srv.pki.ca, cert: srv.pki.clientCert, key: srv.pki.clientKey, servername: 'localhost' },
              pipelineDepth: depth,
              protocolVersions: [{ major: 1, minor: 4 }],
              maxQueueLength: 100_000,
              queueTimeoutMs: 120_000,
              requestTimeoutMs: 60_000,
              logger: silentLogger,
            });
            const key = await c.create();
            await c.activate(key.uniqueIdentifier);
            for (const callers of [1, 8, 64, 256]) {
              const r = await run(c, key.uniqueIdentifier, callers, Math.max(300, callers * 3));
              rows.push({ server: 'pykmip', depth, callers, ...r });
            }
            await c.close();
          }
          pyRef = pykmipOwnClient(srv.port, srv.pki);
        } finally {
          await srv.stop();
        }
      }
    }
    print(rows);
    if (pyRef) console.log(`\nreference: ${pyRef}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
