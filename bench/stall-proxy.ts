/**
 * A TCP proxy in its own process for the failover benchmark: one listening
 * port per upstream KMIP server, each switchable by IPC message between
 *
 *  - `pass`:   forward bytes both ways (the default);
 *  - `stall`:  a hung appliance: existing connections stop forwarding in both
 *              directions (TCP and TLS stay up, nothing is ever answered), new
 *              connections are accepted and never forwarded (the TLS handshake
 *              never completes);
 *  - `refuse`: a dead host: the port is closed (connections refused) and every
 *              connection is destroyed.
 *
 * Started with `fork(stall-proxy.js, [JSON upstream ports])`; it answers
 * `{ ready: [ports] }`, then each `{ cmd, index }` with `{ done: cmd, index, at }`
 * (`at` = Date.now() when the switch took effect).
 */
import * as net from 'node:net';

type Mode = 'pass' | 'stall' | 'refuse';

interface Pair {
  readonly client: net.Socket;
  upstream: net.Socket | null;
}

class Lane {
  mode: Mode = 'pass';
  port = 0;
  readonly pairs = new Set<Pair>();
  #server: net.Server | null = null;

  constructor(readonly upstreamPort: number) {}

  async listen(): Promise<void> {
    const srv = net.createServer((sock) => this.#accept(sock));
    srv.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.port, '127.0.0.1', () => {
        srv.off('error', reject);
        resolve();
      });
    });
    this.port = (srv.address() as net.AddressInfo).port;
    this.#server = srv;
  }

  #accept(client: net.Socket): void {
    const pair: Pair = { client, upstream: null };
    this.pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      this.pairs.delete(pair);
      pair.upstream?.destroy();
    });
    if (this.mode === 'stall') {
      client.pause();
      return;
    }
    const up = net.connect(this.upstreamPort, '127.0.0.1');
    pair.upstream = up;
    up.on('error', () => client.destroy());
    up.on('close', () => client.destroy());
    client.pipe(up);
    up.pipe(client);
  }

  async set(mode: Mode): Promise<void> {
    if (mode === this.mode) return;
    const was = this.mode;
    this.mode = mode;
    if (mode === 'stall') {
      for (const p of this.pairs) {
        p.client.unpipe();
        p.upstream?.unpipe();
        p.client.pause();
        p.upstream?.pause();
      }
    } else if (mode === 'refuse') {
      const srv = this.#server;
      this.#server = null;
      for (const p of this.pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      this.pairs.clear();
      if (srv) await new Promise<void>((r) => srv.close(() => r()));
    } else {
      // Back to normal: stalled connections are dropped (their state is lost), the port listens.
      if (was === 'stall') {
        for (const p of this.pairs) {
          p.client.destroy();
          p.upstream?.destroy();
        }
        this.pairs.clear();
      }
      if (!this.#server) await this.listen();
    }
  }
}

async function main(): Promise<void> {
  const upstreams = JSON.parse(process.argv[2] ?? '[]') as number[];
  const lanes = upstreams.map((p) => new Lane(p));
  for (const l of lanes) await l.listen();
  process.on('message', (m: { cmd: Mode; index: number }) => {
    const lane = lanes[m.index];
    if (!lane) return;
    void lane.set(m.cmd).then(() => process.send?.({ done: m.cmd, index: m.index, at: Date.now() }));
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: lanes.map((l) => l.port) });
}

void main();
