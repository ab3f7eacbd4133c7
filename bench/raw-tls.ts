/**
 * The benchmark's floor: a pipelined client that does nothing but TLS and
 * framing. One pre-encoded Encrypt request (the same bytes KmipClient sends),
 * written as it is, one socket write per request as soon as a slot is free;
 * answers split by their 8-byte TTLV header and matched in order (the
 * responder answers in order). No codec, no IDs, no timers, no checks.
 */
import * as tls from 'node:tls';
import { Deque } from '../lib/transport/deque';

export class RawTlsClient {
  readonly #sock: tls.TLSSocket;
  readonly #request: Buffer;
  readonly #depth: number;
  readonly #waiting = new Deque<() => void>();
  readonly #inflight = new Deque<() => void>();
  #pending: Buffer | null = null;

  private constructor(sock: tls.TLSSocket, request: Buffer, depth: number) {
    this.#sock = sock;
    this.#request = request;
    this.#depth = depth;
    sock.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  static connect(opts: tls.ConnectionOptions, request: Buffer, depth: number): Promise<RawTlsClient> {
    return new Promise((resolve, reject) => {
      const sock = tls.connect(opts, () => {
        sock.off('error', reject);
        sock.on('error', () => undefined);
        resolve(new RawTlsClient(sock, request, depth));
      });
      sock.setNoDelay(true);
      sock.once('error', reject);
    });
  }

  /** Sends the request; `done` runs when its answer has arrived. */
  send(done: () => void): void {
    if (this.#inflight.length < this.#depth && this.#waiting.length === 0) {
      this.#inflight.push(done);
      this.#sock.write(this.#request);
    } else {
      this.#waiting.push(done);
    }
  }

  #onData(chunk: Buffer): void {
    let buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = null;
    while (buf.length >= 8) {
      const len = 8 + buf.readUInt32BE(4);
      if (buf.length < len) break;
      buf = buf.subarray(len);
      const done = this.#inflight.shift();
      const next = this.#waiting.shift();
      if (next) {
        this.#inflight.push(next);
        this.#sock.write(this.#request);
      }
      if (done) done();
    }
    if (buf.length > 0) this.#pending = buf;
  }

  close(): void {
    this.#sock.destroy();
  }
}
