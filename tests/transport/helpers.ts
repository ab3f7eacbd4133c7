/**
 * Shared helpers for the transport fault tests: one test PKI per file, a
 * per-test harness that owns fault servers and clients and closes them all
 * after the test, an unhandled-rejection tracker, and small assertions.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before } from 'node:test';
import { KmipClient, type KmipClientOptions } from '../../lib/client';
import { KmipError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { CipherResult } from '../../lib/kmip/operations';
import { makeTestPki, type TestPki } from '../support/certs';
import { expectedCipher, FaultServer, OP, type FaultServerOptions } from '../support/fault-server';

export { OP };

export interface LogEntry {
  readonly level: string;
  readonly msg: string;
  readonly fields: Record<string, unknown> | undefined;
}

export interface Settled<T> {
  readonly ok: boolean;
  readonly value?: T;
  readonly error?: unknown;
  /** Milliseconds from the call to settlement. */
  readonly ms: number;
}

/** Never rejects: the outcome and how long it took. Attaches a handler at once (no unhandled rejection). */
export function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  const t0 = Date.now();
  return p.then(
    (value) => ({ ok: true, value, ms: Date.now() - t0 }),
    (error: unknown) => ({ ok: false, error, ms: Date.now() - t0 }),
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A port nothing listens on (bound then released). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Asserts `r` is the fault server's answer to exactly this request. */
export function assertCipher(r: CipherResult, operation: number, uid: string, data: Buffer): void {
  assert.equal(r.uniqueIdentifier, uid);
  assert.ok(r.data.equals(expectedCipher(operation, uid, data)), `wrong Data for ${uid}/${data.toString('hex')}`);
}

/** Asserts a settled failure is a KmipError of `cls` with `code`; returns the error. */
export function assertKmipError<E extends KmipError>(
  s: Settled<unknown>,
  cls: abstract new (...args: never[]) => E,
  code: string,
  what = 'request',
): E {
  assert.equal(s.ok, false, `${what} should have failed but resolved ${JSON.stringify(s.value)}`);
  const e = s.error;
  assert.ok(e instanceof KmipError, `${what}: not a KmipError: ${String(e)}`);
  assert.ok(e instanceof cls, `${what}: expected ${cls.name}, got ${(e as Error).name}: ${(e as Error).message}`);
  assert.equal((e as KmipError).code, code);
  return e as E;
}

/** Installs the unhandled-rejection tracker and the test PKI for one test file. */
export function fileSetup(): { pki(): TestPki } {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  let pki: TestPki | undefined;
  let dir: string | undefined;
  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-faults-'));
    pki = await makeTestPki(dir);
  });
  afterEach(async () => {
    // Let late rejections surface before checking.
    await new Promise((r) => setImmediate(r));
    const got = unhandled.splice(0);
    assert.deepEqual(got.map(String), [], 'unhandled promise rejections');
  });
  after(() => {
    process.off('unhandledRejection', onUnhandled);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    pki: () => {
      if (!pki) throw new Error('PKI not ready');
      return pki;
    },
  };
}

type Target = FaultServer | { host: string; port: number };

/** Owns the servers and clients of one test; `cleanup()` closes them all. */
export class Harness {
  readonly servers: FaultServer[] = [];
  readonly clients: KmipClient[] = [];
  readonly logs: LogEntry[] = [];
  readonly logger: Logger;

  constructor(readonly pki: TestPki) {
    const log =
      (level: string) =>
      (msg: string, fields?: Record<string, unknown>): void => {
        this.logs.push({ level, msg, fields });
      };
    this.logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }

  async server(opts: Omit<FaultServerOptions, 'pki'> = {}): Promise<FaultServer> {
    const s = await FaultServer.start({ pki: this.pki, ...opts });
    this.servers.push(s);
    return s;
  }

  clientOptions(targets: readonly Target[], over: Partial<KmipClientOptions> = {}): KmipClientOptions {
    return {
      hosts: targets.map((t) => ({ host: t.host, port: t.port })),
      tls: { ca: this.pki.ca, cert: this.pki.clientCert, key: this.pki.clientKey },
      timerResolutionMs: 10,
      requestTimeoutMs: 2000,
      connectTimeoutMs: 2000,
      handshakeTimeoutMs: 2000,
      queueTimeoutMs: 5000,
      reconnect: { baseDelayMs: 50, maxDelayMs: 200, jitter: 0 },
      logger: this.logger,
      ...over,
    };
  }

  client(targets: readonly Target[], over: Partial<KmipClientOptions> = {}): KmipClient {
    const c = new KmipClient(this.clientOptions(targets, over));
    this.clients.push(c);
    return c;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close({ drainTimeoutMs: 0 }).catch(() => undefined)));
    await Promise.all(this.servers.map((s) => s.close()));
  }
}

/** Per test: `const h = harness(t)`; everything it made is closed after the test. */
export function harnessFor(setup: { pki(): TestPki }): (t: { after(fn: () => Promise<void>): void }) => Harness {
  return (t) => {
    const h = new Harness(setup.pki());
    t.after(() => h.cleanup());
    return h;
  };
}

const HANDLE_TYPES = ['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'ConnectWrap', 'Timeout'];

/** Waits until no socket, server or ref'd timer is active (unref'd timers are not listed). */
export async function assertNoHandles(timeoutMs = 3000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const left = process.getActiveResourcesInfo().filter((r) => HANDLE_TYPES.includes(r));
    // One ref'd Timeout is our own sleep below.
    const meaningful = left.filter((r) => r !== 'Timeout');
    if (meaningful.length === 0 && left.length <= 1) return;
    if (Date.now() - t0 > timeoutMs) assert.fail(`handles still open after close: ${left.join(', ')}`);
    await sleep(10);
  }
}

/** Distinct test data per index. */
export const dataFor = (i: number, len = 16 + (i % 40)): Buffer => {
  const b = Buffer.alloc(len);
  for (let k = 0; k < len; k++) b[k] = (i * 31 + k * 7) & 0xff;
  return b;
};
