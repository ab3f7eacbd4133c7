/**
 * Failover benchmark: development KMIP servers in child processes (three,
 * holding the same "replicated" key), a stall/refuse proxy in another child
 * process in front of them, and a client in this process under steady paced
 * load (Encrypt and Decrypt alternating, as S3 PUTs and GETs), with DEFAULT
 * client settings. Scenarios:
 *
 *  1. hang:     one of three hosts hangs mid-run (TLS up, never answers);
 *  2. restart:  a single host is killed (SIGKILL) and restarted on its port;
 *  3. all-down: the three hosts refuse connections for 3 s, then come back;
 *  4. spread vs failover: share of the load per host in each mode.
 *
 * Printed per scenario: calls, failed %, longest call, time from the server
 * being back (listening) to the first successful call, per-host share.
 *
 * npm run bench:failover                    # rate 100 calls/s
 * npm run bench:failover -- --rate 200      # another pace
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KmipClient, type KmipClientOptions } from '../lib/client';
import { silentLogger } from '../lib/logger';
import { ensureDevPki, type DevPki } from '../lib/server/certs';

const CBC = { blockCipherMode: 1, paddingMethod: 3, cryptographicAlgorithm: 3 } as const;
const IV = Buffer.alloc(16);
const BIN = path.join(__dirname, '..', 'bin', 'kmip-kms.js');

function argValue(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}
const RATE = argValue('rate', 100);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Servers and proxy in child processes

class DevServerProcess {
  child: ChildProcess | null = null;
  constructor(readonly port: number, readonly certs: string, readonly dataFile: string) {}

  /** Starts the server and resolves when it listens, with the time it said so. */
  async start(): Promise<number> {
    const child = spawn(process.execPath, [BIN, 'dev-server', '--port', String(this.port), '--certs', this.certs, '--data', this.dataFile], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.child = child;
    return new Promise<number>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        if (/listening on /.test(buf)) {
          buf = '';
          resolve(Date.now());
        }
      });
      child.once('exit', (code) => reject(new Error(`dev server on port ${this.port} exited with ${String(code)}`)));
    });
  }

  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
  }
}

class Proxy {
  readonly ports: number[];
  readonly #child: ChildProcess;
  private constructor(child: ChildProcess, ports: number[]) {
    this.#child = child;
    this.ports = ports;
  }

  static async start(upstreams: number[]): Promise<Proxy> {
    const child = fork(path.join(__dirname, 'stall-proxy.js'), [JSON.stringify(upstreams)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const ports = await new Promise<number[]>((resolve, reject) => {
      child.once('message', (m: { ready?: number[] }) => (m.ready ? resolve(m.ready) : reject(new Error('proxy did not start'))));
      child.once('exit', () => reject(new Error('proxy exited')));
    });
    return new Proxy(child, ports);
  }

  /** Switches lane `index`; resolves with the time the switch took effect. */
  set(index: number, cmd: 'pass' | 'stall' | 'refuse'): Promise<number> {
    return new Promise<number>((resolve) => {
      const on = (m: { done?: string; index?: number; at?: number }): void => {
        if (m.done === cmd && m.index === index) {
          this.#child.off('message', on);
          resolve(m.at ?? Date.now());
        }
      };
      this.#child.on('message', on);
      this.#child.send({ cmd, index });
    });
  }

  stop(): void {
    this.#child.kill();
  }
}

async function freePorts(n: number): Promise<number[]> {
  const net = await import('node:net');
  const out: number[] = [];
  const servers: import('node:net').Server[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    out.push((s.address() as import('node:net').AddressInfo).port);
    servers.push(s);
  }
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return out;
}

// ---------------------------------------------------------------------------
// Load

interface Call {
  readonly start: number;
  end: number;
  ok: boolean;
}

interface ScenarioResult {
  readonly name: string;
  readonly conditions: string;
  readonly calls: Call[];
  readonly backAt: number | undefined;
  readonly share: string;
}

function clientOptions(pki: DevPki, ports: readonly number[], over: Partial<KmipClientOptions> = {}): KmipClientOptions {
  // Default settings apart from where the servers are and the queue bound of a benchmark.
  return {
    hosts: ports.map((port) => ({ host: '127.0.0.1', port })),
    tls: { ca: fs.readFileSync(pki.caPath), cert: fs.readFileSync(pki.clientCertPath), key: fs.readFileSync(pki.clientKeyPath) },
    logger: silentLogger,
    ...over,
  };
}

/** Paced load for `durationMs`: one call every 1000/RATE ms, Encrypt and Decrypt alternating, whatever the answers. */
async function load(client: KmipClient, uid: string, wrapped: Buffer, durationMs: number, events: Array<[number, () => Promise<void>]>): Promise<Call[]> {
  const calls: Call[] = [];
  const pending: Promise<void>[] = [];
  const data = Buffer.alloc(32, 7);
  const t0 = Date.now();
  const total = Math.round((durationMs / 1000) * RATE);
  const evs = events.map(([at, fn]) => ({ at, fn, fired: false }));
  const evDone: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    for (const e of evs) {
      if (!e.fired && Date.now() - t0 >= e.at) {
        e.fired = true;
        evDone.push(e.fn());
      }
    }
    const c: Call = { start: Date.now(), end: 0, ok: false };
    calls.push(c);
    const p = i % 2 === 0 ? client.encrypt(uid, data, { cryptographicParameters: CBC, ivCounterNonce: IV }) : client.decrypt(uid, wrapped, { cryptographicParameters: CBC, ivCounterNonce: IV });
    pending.push(
      p.then(
        () => {
          c.end = Date.now();
          c.ok = true;
        },
        () => {
          c.end = Date.now();
        },
      ),
    );
  }
  for (const e of evs) if (!e.fired) evDone.push(e.fn());
  await Promise.all(pending);
  await Promise.all(evDone);
  return calls;
}

function shareOf(client: KmipClient): string {
  const s = client.stats();
  if (process.argv.includes('--verbose')) {
    for (const h of s.hosts) console.log(`  ${h.host}: ${h.state}, requests ${h.requests}, errors ${JSON.stringify(h.errors)}, reconnects ${h.reconnects}, connect failures ${h.connectFailures}, resent ${h.resent}, p50/p99 ${h.latencyMs.p50}/${h.latencyMs.p99} ms`);
  }
  const total = s.hosts.reduce((n, h) => n + h.requests, 0) || 1;
  return s.hosts.map((h, i) => `host ${i + 1} ${((100 * h.requests) / total).toFixed(0)}%`).join(', ');
}

function report(r: ScenarioResult): void {
  const failed = r.calls.filter((c) => !c.ok).length;
  const longest = Math.max(0, ...r.calls.map((c) => c.end - c.start));
  let back = '—';
  if (r.backAt !== undefined) {
    const first = r.calls.filter((c) => c.ok && c.end >= r.backAt!).sort((a, b) => a.end - b.end)[0];
    back = first ? `${first.end - r.backAt} ms` : 'never';
  }
  console.log(`\n${r.name}`);
  console.log(`  conditions: ${r.conditions}`);
  console.log(
    `  calls ${r.calls.length}, failed ${failed} (${((100 * failed) / Math.max(1, r.calls.length)).toFixed(2)}%), longest call ${longest} ms, ` +
      `server back -> first success ${back}; per-host share: ${r.share}`,
  );
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-failover-'));
  const servers: DevServerProcess[] = [];
  let proxy: Proxy | undefined;
  try {
    const pki = await ensureDevPki(path.join(dir, 'certs'));
    const ports = await freePorts(3);
    console.log(
      `node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
        `paced load ${RATE} calls/s (Encrypt/Decrypt alternating), default client settings`,
    );

    // One server makes the key; its data file is copied to the others ("replicated").
    const seed = new DevServerProcess(ports[0]!, pki.dir, path.join(dir, 'data-0.json'));
    await seed.start();
    const setup = new KmipClient(clientOptions(pki, [ports[0]!]));
    const key = await setup.create();
    await setup.activate(key.uniqueIdentifier);
    const uid = key.uniqueIdentifier;
    const wrapped = (await setup.encrypt(uid, Buffer.alloc(32, 7), { cryptographicParameters: CBC, ivCounterNonce: IV })).data;
    await setup.close();
    seed.kill();
    await sleep(100);
    for (let i = 0; i < 3; i++) {
      const f = path.join(dir, `data-${i}.json`);
      if (i > 0) fs.copyFileSync(path.join(dir, 'data-0.json'), f);
      servers.push(new DevServerProcess(ports[i]!, pki.dir, f));
    }
    await Promise.all(servers.map((s) => s.start()));
    proxy = await Proxy.start(ports);
    const px = proxy;

    // 1. One of three hosts hangs mid-run.
    {
      const client = new KmipClient(clientOptions(pki, px.ports));
      const calls = await load(client, uid, wrapped, 12_000, [[4000, async () => void (await px.set(0, 'stall'))]]);
      report({ name: '1. host 1 of 3 hangs mid-run (TLS up, never answers), from 4 s to the end (12 s)', conditions: 'three hosts through the proxy, spread (default)', calls, backAt: undefined, share: shareOf(client) });
      await client.close({ drainTimeoutMs: 0 });
      await px.set(0, 'pass');
    }

    // 2. A single host killed and restarted.
    {
      const s = servers[0]!;
      const client = new KmipClient(clientOptions(pki, [s.port]));
      let backAt: number | undefined;
      const calls = await load(client, uid, wrapped, 10_000, [
        [3000, async () => s.kill()],
        [6000, async () => void (backAt = await s.start())],
      ]);
      report({ name: '2. single host killed (SIGKILL) at 3 s and restarted at 6 s (10 s)', conditions: 'one host, direct', calls, backAt, share: shareOf(client) });
      await client.close({ drainTimeoutMs: 0 });
    }

    // 3. All hosts down for 3 s, then back.
    {
      const client = new KmipClient(clientOptions(pki, px.ports));
      let backAt: number | undefined;
      const calls = await load(client, uid, wrapped, 10_000, [
        [3000, async () => void (await Promise.all([0, 1, 2].map((i) => px.set(i, 'refuse'))))],
        [6000, async () => void (backAt = Math.max(...(await Promise.all([0, 1, 2].map((i) => px.set(i, 'pass'))))))],
      ]);
      report({ name: '3. all three hosts refuse connections from 3 s to 6 s (10 s)', conditions: 'three hosts through the proxy, spread (default)', calls, backAt, share: shareOf(client) });
      await client.close({ drainTimeoutMs: 0 });
    }

    // 4. Distribution.
    for (const mode of ['spread', 'failover'] as const) {
      const client = new KmipClient(clientOptions(pki, px.ports, { hostSelection: mode }));
      const calls = await load(client, uid, wrapped, 5000, []);
      report({ name: `4. distribution, hostSelection ${mode} (5 s)`, conditions: 'three healthy hosts through the proxy', calls, backAt: undefined, share: shareOf(client) });
      await client.close({ drainTimeoutMs: 0 });
    }
  } finally {
    proxy?.stop();
    for (const s of servers) s.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
