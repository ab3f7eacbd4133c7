/**
 * KmipClient against a real PyKMIP server: Encrypt throughput and latency
 * percentiles at 1, 8, 64 and 256 callers, pipeline depth 1 and 8 (the
 * server's single lock is the limit), and PyKMIP's own client against the
 * same server as the reference. The client's own ceiling is bench/client.ts.
 *
 * npm run bench:pykmip
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { KmipClient } from '../lib/client';
import { silentLogger } from '../lib/logger';
import type { TestPki } from '../tests/support/certs';
import { pykmipAvailable, startPykmip } from '../tests/support/pykmip';

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
  {
    console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

    // (a) PyKMIP: the server is the limit.
    {
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
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
