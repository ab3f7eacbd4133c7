/**
 * Shared helpers for the dev server tests: a test PKI per file, a server per
 * test or suite, a raw TLS client speaking our codec, and KmipClient options.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { KmipClient, type KmipClientOptions } from '../../lib/client';
import { KmipOperationError } from '../../lib/errors';
import { requestMessage, readResponseMessage, type ProtocolVersion, type RequestBatchItem, type RequestHeaderOptions, type ResponseMessage } from '../../lib/kmip/protocol';
import type { OperationRequest } from '../../lib/kmip/operations';
import { silentLogger, type Logger } from '../../lib/logger';
import { KmipDevServer, type KmipDevServerOptions } from '../../lib/server';
import { decode, encode, TtlvFramer, type StructureItem, type TtlvItem } from '../../lib/ttlv';
import { makeTestPki, type TestPki } from '../support/certs';

export const V14: ProtocolVersion = { major: 1, minor: 4 };
export const V20: ProtocolVersion = { major: 2, minor: 0 };
export const V12: ProtocolVersion = { major: 1, minor: 2 };

export const VERSIONS: ReadonlyArray<{ readonly label: string; readonly v: ProtocolVersion }> = [
  { label: 'KMIP 1.4', v: V14 },
  { label: 'KMIP 2.0', v: V20 },
];

export const CBC_PKCS5 = { blockCipherMode: 1, paddingMethod: 3, cryptographicAlgorithm: 3 } as const;
export const T = { timeout: 30_000 };

const tmpDirs: string[] = [];
process.on('exit', () => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A new temporary folder, removed when the test process exits. */
export function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

export function makePki(name: string): Promise<TestPki> {
  return makeTestPki(tmpDir(`kmip-dev-${name}-`));
}

export async function startServer(pki: TestPki, extra: Partial<KmipDevServerOptions> = {}): Promise<KmipDevServer> {
  const s = new KmipDevServer({
    tls: { ca: pki.ca, cert: fs.readFileSync(pki.serverCertPath, 'utf8'), key: fs.readFileSync(pki.serverKeyPath, 'utf8') },
    logger: silentLogger,
    ...extra,
  });
  await s.listen();
  return s;
}

export function clientOptions(
  server: KmipDevServer,
  pki: TestPki,
  extra: Partial<KmipClientOptions> = {},
  cred?: { cert: string; key: string },
): KmipClientOptions {
  const a = server.address!;
  return {
    hosts: [{ host: a.host, port: a.port }],
    tls: { ca: pki.ca, cert: cred?.cert ?? pki.clientCert, key: cred?.key ?? pki.clientKey, servername: 'localhost' },
    logger: silentLogger as Logger,
    ...extra,
  };
}

export function client(server: KmipDevServer, pki: TestPki, version: ProtocolVersion, cred?: { cert: string; key: string }): KmipClient {
  return new KmipClient(clientOptions(server, pki, { protocolVersions: [version] }, cred));
}

export function aes(mode: 'cbc' | 'ecb', key: Buffer, iv: Buffer | null, data: Buffer, decrypt = false, padding = true): Buffer {
  const alg = `aes-${key.length * 8}-${mode}`;
  const c = decrypt ? crypto.createDecipheriv(alg, key, iv) : crypto.createCipheriv(alg, key, iv);
  c.setAutoPadding(padding);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Awaits `p`, which must reject with a KmipOperationError with that Result Reason (by name). */
export async function failsWith(p: Promise<unknown>, reason: string, message?: RegExp): Promise<KmipOperationError> {
  try {
    const v = await p;
    return assert.fail(`expected ${reason}, but it resolved: ${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))}`);
  } catch (err) {
    if (!(err instanceof KmipOperationError)) throw err;
    assert.equal(err.resultReason, reason, err.message);
    if (message) assert.match(err.resultMessage ?? '', message);
    return err;
  }
}

export function stateOf(attrs: ReadonlyArray<{ name: string; value: unknown }>): unknown {
  return attrs.find((a) => a.name === 'State')?.value;
}

// ---------------------------------------------------------------------------
// Raw TLS client: our framer and codec, no transport logic.

export interface RawResponse {
  readonly tree: TtlvItem;
  readonly msg: ResponseMessage;
}

export class RawClient {
  readonly socket: tls.TLSSocket;
  readonly #framer = new TtlvFramer();
  readonly #queue: RawResponse[] = [];
  readonly #waiters: Array<(r: RawResponse | Error) => void> = [];
  #ended = false;
  readonly closed: Promise<void>;

  private constructor(socket: tls.TLSSocket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#framer.push(chunk, (m) => {
        const tree = decode(Buffer.from(m));
        const r = { tree, msg: readResponseMessage(tree) };
        const w = this.#waiters.shift();
        if (w) w(r);
        else this.#queue.push(r);
      });
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.#ended = true;
        for (const w of this.#waiters.splice(0)) w(new Error('connection closed'));
        resolve();
      });
    });
    socket.on('error', () => undefined);
  }

  static connect(server: KmipDevServer, pki: TestPki, cred?: { cert: string; key: string; ca?: string }): Promise<RawClient> {
    const a = server.address!;
    return new Promise((resolve, reject) => {
      const s = tls.connect({
        host: a.host,
        port: a.port,
        servername: 'localhost',
        ca: cred?.ca ?? pki.ca,
        cert: cred?.cert ?? pki.clientCert,
        key: cred?.key ?? pki.clientKey,
        minVersion: 'TLSv1.2',
      });
      s.once('secureConnect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(msg: TtlvItem): void {
    this.write(encode(msg));
  }

  next(timeoutMs = 5000): Promise<RawResponse> {
    const q = this.#queue.shift();
    if (q) return Promise.resolve(q);
    if (this.#ended) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(w);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      const w = (r: RawResponse | Error): void => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      this.#waiters.push(w);
    });
  }

  /** Sends one request message and waits for the next response. */
  async call(version: ProtocolVersion, items: readonly RequestBatchItem[], header?: RequestHeaderOptions): Promise<RawResponse> {
    this.send(requestMessage(version, items, header));
    return this.next();
  }

  close(): void {
    this.socket.destroy();
  }
}

let idSeq = 1;
export function batchId(): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(idSeq++);
  return b;
}

/** A request batch item from one of our operation builders, encoded for `version`. */
/** `id` null sends no Unique Batch Item ID. */
export function item<R>(op: OperationRequest<R>, version: ProtocolVersion, id: Buffer | null = batchId()): RequestBatchItem {
  return id === null ? { operation: op.operation, payload: op.payload(version) } : { operation: op.operation, id, payload: op.payload(version) };
}

/** The text of a payload child, or undefined. */
export function payloadText(p: StructureItem | undefined, tag: number): string | undefined {
  const c = p?.value.find((x) => x.tag === tag);
  return c && c.type === 0x07 ? c.value : undefined;
}

export function payloadBytes(p: StructureItem | undefined, tag: number): Buffer | undefined {
  const c = p?.value.find((x) => x.tag === tag);
  return c && c.type === 0x08 ? c.value : undefined;
}
