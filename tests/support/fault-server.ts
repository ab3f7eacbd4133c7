/**
 * A controllable KMIP server for fault injection in transport tests.
 *
 * TLS (TLS 1.2+, client certificate required and checked against the test CA)
 * on 127.0.0.1, port 0 by default, speaking TTLV with our own framer and codec.
 * By default it answers every request correctly and at once:
 *
 *  - Discover Versions: the client's offered versions that are in
 *    `server.versions` (default 2.0, 1.4, 1.3, 1.2), in the client's order
 *    (`versionsMode: 'all'` answers `server.versions` whatever was offered).
 *  - Query: Vendor Identification 'fault-server', the operations it knows,
 *    Object Type Symmetric Key.
 *  - Encrypt / Decrypt: Data = data XOR a key stream derived from the
 *    operation and the Unique Identifier (see `expectedCipher`), so every
 *    request's correct answer is determined by its own content; IV echoed.
 *  - Create: a new Unique Identifier `fs-key-<n>`.
 *  - Activate / Revoke / Destroy / GetAttributes / Get: echo the uid.
 *  - Locate: `loc-<name>`.
 *  - anything else: Operation Failed / Operation Not Supported.
 *
 * Every response batch item echoes the request's Unique Batch Item ID.
 *
 * Faults are injected per test through `server.script.onRequest(req, ctx)`,
 * which returns an `Action` (see below), plus a few connection-level knobs:
 * `writeMode` ('normal' | 'bytewise' | 'coalesce'), `mode` at construction
 * ('tls' | 'silent' = accepts TCP and never speaks | 'reset' = accepts TCP
 * and resets it on the first bytes, i.e. mid-handshake), `stop()` / `start()` / `restart()` on the same
 * port, and held answers released in any order with `conn.release()`.
 *
 * `close()` destroys every socket and the listener; nothing is left open.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { decode, encode, TtlvFramer, type StructureItem, type TtlvItem } from '../../lib/ttlv';
import { Op } from '../../lib/kmip/operations';
import { Tag } from '../../lib/kmip/tags';
import type { ProtocolVersion } from '../../lib/kmip/protocol';
import type { TestPki } from './certs';

/** Operation codes (lib/kmip's `Op`), under the name the transport tests use. */
export const OP = Op;

/** The operations this server answers, as its Query response lists them. */
const SERVED_OPERATIONS: readonly number[] = [
  OP.Create, OP.Locate, OP.Get, OP.GetAttributes, OP.Activate, OP.Revoke, OP.Destroy, OP.Query, OP.DiscoverVersions, OP.Encrypt, OP.Decrypt,
];

export const REASON = {
  ItemNotFound: 0x01,
  AuthenticationNotSuccessful: 0x03,
  InvalidMessage: 0x04,
  OperationNotSupported: 0x05,
  PermissionDenied: 0x0c,
  GeneralFailure: 0x100,
} as const;

export const STATUS = { Success: 0, OperationFailed: 1 } as const;

export const DEFAULT_SERVER_VERSIONS: readonly ProtocolVersion[] = [
  { major: 2, minor: 0 },
  { major: 1, minor: 4 },
  { major: 1, minor: 3 },
  { major: 1, minor: 2 },
];

/** The Data the default server returns for Encrypt/Decrypt of `data` under `uid`. */
export function expectedCipher(operation: number, uid: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  let block = Buffer.alloc(0);
  for (let i = 0; i < data.length; i++) {
    if (i % 32 === 0) {
      block = createHash('sha256').update(`${operation}:${uid}:${i / 32}`, 'utf8').digest();
    }
    out[i] = data[i]! ^ block[i % 32]!;
  }
  return out;
}

/** The key material the default server returns for Get. */
export function expectedKeyMaterial(uid: string): Buffer {
  return createHash('sha256').update(`key:${uid}`, 'utf8').digest();
}

// ---------------------------------------------------------------------------
// Requests and responses

export interface RequestItem {
  readonly operation: number;
  readonly id: Buffer | undefined;
  readonly payload: readonly TtlvItem[];
}

export interface ReceivedRequest {
  /** Arrival index over the whole server (every connection, every restart). */
  readonly seq: number;
  /** Connection number (1-based, in accept order). */
  readonly connId: number;
  /** Arrival index on its connection. */
  readonly connSeq: number;
  /** Index of the socket read ('data' event) it arrived in, on its connection: requests written together share one. */
  readonly chunk: number;
  readonly version: ProtocolVersion;
  readonly items: readonly RequestItem[];
  /** Operation of the first batch item. */
  readonly operation: number;
  /** Unique Batch Item ID of the first batch item. */
  readonly id: Buffer | undefined;
  /** Unique Identifier of the first batch item's payload, if any. */
  readonly uid: string | undefined;
  /** Data of the first batch item's payload, if any. */
  readonly data: Buffer | undefined;
  readonly message: TtlvItem;
}

export interface ResponseItemSpec {
  readonly operation?: number;
  /** Unique Batch Item ID to send; null omits it. */
  readonly id: Buffer | null;
  readonly status: number;
  readonly reason?: number;
  readonly message?: string;
  readonly payload?: TtlvItem[];
}

export type Action =
  /** Answer correctly now. */
  | 'answer'
  /** Never answer. */
  | 'drop'
  /** Keep the correct answer in `conn.held` until `conn.release()`. */
  | 'hold'
  /** Destroy the connection now, without answering. */
  | 'close'
  /** End the connection gracefully (FIN), without answering. */
  | 'end'
  /** Answer correctly after a delay. */
  | { readonly delayMs: number }
  /** Answer every batch item with this failure. */
  | { readonly fail: number; readonly message?: string; readonly status?: number }
  /** Answer with these batch items (response header made for them). */
  | { readonly items: readonly ResponseItemSpec[] }
  /** Write these bytes instead of an answer. */
  | { readonly raw: Buffer };

export interface RequestContext {
  readonly server: FaultServer;
  readonly conn: FaultConnection;
  /** The correct answer's batch items, to alter and return as `{ items }`. */
  defaultItems(): ResponseItemSpec[];
}

export interface Script {
  /** Decides what happens to each request (Discover Versions and Query included). Undefined = 'answer'. */
  onRequest?(req: ReceivedRequest, ctx: RequestContext): Action | undefined | void;
  /** Called for each accepted TLS connection. */
  onConnection?(conn: FaultConnection): void;
}

export type WriteMode = 'normal' | 'bytewise' | 'coalesce';

const s = (tag: number, value: TtlvItem[]): StructureItem => ({ tag, type: 0x01, value });
const int = (tag: number, value: number): TtlvItem => ({ tag, type: 0x02, value });
const en = (tag: number, value: number): TtlvItem => ({ tag, type: 0x05, value });
const txt = (tag: number, value: string): TtlvItem => ({ tag, type: 0x07, value });
const bytes = (tag: number, value: Buffer): TtlvItem => ({ tag, type: 0x08, value });

/** Encodes a Response Message. */
export function encodeResponse(version: ProtocolVersion, items: readonly ResponseItemSpec[]): Buffer {
  const header = s(Tag.ResponseHeader, [
    s(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, version.major), int(Tag.ProtocolVersionMinor, version.minor)]),
    { tag: Tag.TimeStamp, type: 0x09, value: BigInt(Math.floor(Date.now() / 1000)) },
    int(Tag.BatchCount, items.length),
  ]);
  const children: TtlvItem[] = [header];
  for (const it of items) {
    const bi: TtlvItem[] = [];
    if (it.operation !== undefined) bi.push(en(Tag.Operation, it.operation));
    if (it.id !== null) bi.push(bytes(Tag.UniqueBatchItemID, it.id));
    bi.push(en(Tag.ResultStatus, it.status));
    if (it.reason !== undefined) bi.push(en(Tag.ResultReason, it.reason));
    if (it.message !== undefined) bi.push(txt(Tag.ResultMessage, it.message));
    if (it.payload !== undefined) bi.push(s(Tag.ResponsePayload, it.payload));
    children.push(s(Tag.BatchItem, bi));
  }
  return encode(s(Tag.ResponseMessage, children));
}

function parseVersion(item: TtlvItem | undefined): ProtocolVersion | undefined {
  if (!item || item.type !== 0x01) return undefined;
  let major: number | undefined;
  let minor: number | undefined;
  for (const c of item.value) {
    if (c.tag === Tag.ProtocolVersionMajor && c.type === 0x02) major = c.value;
    if (c.tag === Tag.ProtocolVersionMinor && c.type === 0x02) minor = c.value;
  }
  return major === undefined || minor === undefined ? undefined : { major, minor };
}

function parseRequest(msg: TtlvItem): { version: ProtocolVersion; items: RequestItem[] } {
  if (msg.tag !== Tag.RequestMessage || msg.type !== 0x01) throw new Error(`not a Request Message (tag 0x${msg.tag.toString(16)})`);
  let version: ProtocolVersion | undefined;
  let batchCount: number | undefined;
  const items: RequestItem[] = [];
  for (const c of msg.value) {
    if (c.tag === Tag.RequestHeader && c.type === 0x01) {
      for (const h of c.value) {
        if (h.tag === Tag.ProtocolVersion) version = parseVersion(h);
        if (h.tag === Tag.BatchCount && h.type === 0x02) batchCount = h.value;
      }
    } else if (c.tag === Tag.BatchItem && c.type === 0x01) {
      let operation: number | undefined;
      let id: Buffer | undefined;
      let payload: TtlvItem[] = [];
      for (const f of c.value) {
        if (f.tag === Tag.Operation && f.type === 0x05) operation = f.value;
        else if (f.tag === Tag.UniqueBatchItemID && f.type === 0x08) id = f.value;
        else if (f.tag === Tag.RequestPayload && f.type === 0x01) payload = f.value;
      }
      if (operation === undefined) throw new Error('batch item without Operation');
      items.push({ operation, id, payload });
    }
  }
  if (!version) throw new Error('request header without Protocol Version');
  if (batchCount !== items.length) throw new Error(`Batch Count ${String(batchCount)} but ${items.length} items`);
  if (items.length === 0) throw new Error('request without batch items');
  return { version, items };
}

const payloadText = (p: readonly TtlvItem[], tag: number): string | undefined => {
  const it = p.find((c) => c.tag === tag);
  return it && it.type === 0x07 ? it.value : undefined;
};
const payloadBytes = (p: readonly TtlvItem[], tag: number): Buffer | undefined => {
  const it = p.find((c) => c.tag === tag);
  return it && it.type === 0x08 ? it.value : undefined;
};

// ---------------------------------------------------------------------------
// Connections

export interface ConnStats {
  readonly id: number;
  requests: number;
  byOp: Record<number, number>;
  /** Requests received and not yet answered (dropped ones stay outstanding). */
  outstanding: number;
  maxOutstanding: number;
  closed: boolean;
}

interface Held {
  readonly req: ReceivedRequest;
  readonly bytes: Buffer;
}

export type ReleaseOrder = 'fifo' | 'reverse' | 'shuffle' | ((held: readonly ReceivedRequest[]) => number[]);

export class FaultConnection {
  readonly id: number;
  readonly socket: tls.TLSSocket;
  readonly stats: ConnStats;
  readonly held: Held[] = [];
  #chunks = 0;
  readonly #server: FaultServer;
  readonly #framer = new TtlvFramer();
  #byteQueue: Buffer[] = [];
  #byteWriting = false;
  #coalesced: Buffer[] = [];
  #coalesceScheduled = false;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(server: FaultServer, id: number, socket: tls.TLSSocket) {
    this.#server = server;
    this.id = id;
    this.socket = socket;
    this.stats = { id, requests: 0, byOp: {}, outstanding: 0, maxOutstanding: 0, closed: false };
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => this.destroy());
    socket.on('close', () => {
      this.stats.closed = true;
      this.#clearTimers();
    });
  }

  get closed(): boolean {
    return this.stats.closed || this.socket.destroyed;
  }

  /** Destroys the socket at once (RST-like from the client's view: no answer). */
  destroy(): void {
    this.stats.closed = true;
    this.#clearTimers();
    this.socket.destroy();
  }

  /** Ends the socket gracefully. */
  end(): void {
    this.socket.end();
  }

  /** Writes bytes following the server's write mode. */
  write(buf: Buffer): void {
    if (this.closed) return;
    const mode = this.#server.writeMode;
    if (mode === 'bytewise') {
      this.#byteQueue.push(buf);
      void this.#writeBytewise();
    } else if (mode === 'coalesce') {
      this.#coalesced.push(buf);
      if (!this.#coalesceScheduled) {
        this.#coalesceScheduled = true;
        setImmediate(() => {
          this.#coalesceScheduled = false;
          const all = Buffer.concat(this.#coalesced);
          this.#coalesced = [];
          if (!this.closed && all.length > 0) this.socket.write(all);
        });
      }
    } else {
      this.socket.write(buf);
    }
  }

  /**
   * Sends the held answers in the given order; `coalesce` writes them all
   * with one socket write (else one write each).
   */
  release(order: ReleaseOrder = 'fifo', opts: { coalesce?: boolean; seed?: number } = {}): number {
    const held = this.held.splice(0, this.held.length);
    let idx = held.map((_, i) => i);
    if (order === 'reverse') idx.reverse();
    else if (order === 'shuffle') idx = shuffle(idx, opts.seed ?? held.length * 7919 + this.id);
    else if (typeof order === 'function') idx = order(held.map((h) => h.req));
    const out = idx.map((i) => held[i]!);
    for (let i = 0; i < out.length; i++) this.#answered();
    if (opts.coalesce) this.write(Buffer.concat(out.map((h) => h.bytes)));
    else for (const h of out) this.write(h.bytes);
    return out.length;
  }

  async #writeBytewise(): Promise<void> {
    if (this.#byteWriting) return;
    this.#byteWriting = true;
    try {
      while (this.#byteQueue.length > 0 && !this.closed) {
        const buf = this.#byteQueue.shift()!;
        for (let i = 0; i < buf.length && !this.closed; i++) {
          this.socket.write(buf.subarray(i, i + 1));
          await new Promise<void>((r) => setImmediate(r));
        }
      }
    } finally {
      this.#byteWriting = false;
    }
  }

  #clearTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #answered(): void {
    this.stats.outstanding--;
  }

  #onData(chunk: Buffer): void {
    if (this.closed) return;
    this.#chunks++;
    try {
      this.#framer.push(chunk, (msg) => this.#onMessage(Buffer.from(msg)));
    } catch (err) {
      this.#server.errors.push(err as Error);
      this.destroy();
    }
  }

  #onMessage(bytes: Buffer): void {
    if (this.closed) return;
    let parsed: { version: ProtocolVersion; items: RequestItem[] };
    let message: TtlvItem;
    try {
      message = decode(bytes);
      parsed = parseRequest(message);
    } catch (err) {
      this.#server.errors.push(err as Error);
      this.destroy();
      return;
    }
    const first = parsed.items[0]!;
    const req: ReceivedRequest = {
      seq: this.#server.requests.length,
      connId: this.id,
      connSeq: this.stats.requests,
      chunk: this.#chunks,
      version: parsed.version,
      items: parsed.items,
      operation: first.operation,
      id: first.id,
      uid: payloadText(first.payload, Tag.UniqueIdentifier),
      data: payloadBytes(first.payload, Tag.Data),
      message,
    };
    this.#server.record(req);
    this.stats.requests++;
    this.stats.byOp[req.operation] = (this.stats.byOp[req.operation] ?? 0) + 1;
    this.stats.outstanding++;
    if (this.stats.outstanding > this.stats.maxOutstanding) this.stats.maxOutstanding = this.stats.outstanding;

    const server = this.#server;
    const ctx: RequestContext = { server, conn: this, defaultItems: () => server.defaultItems(req) };
    let action: Action | undefined | void;
    try {
      action = server.script.onRequest?.(req, ctx);
    } catch (err) {
      server.errors.push(err as Error);
      action = 'close';
    }
    this.#apply(req, action ?? 'answer', ctx);
  }

  #apply(req: ReceivedRequest, action: Action, ctx: RequestContext): void {
    const respond = (items: readonly ResponseItemSpec[]): Buffer => encodeResponse(req.version, items);
    if (action === 'answer') {
      this.#answered();
      this.write(respond(ctx.defaultItems()));
    } else if (action === 'drop') {
      // never answered
    } else if (action === 'hold') {
      this.held.push({ req, bytes: respond(ctx.defaultItems()) });
    } else if (action === 'close') {
      this.destroy();
    } else if (action === 'end') {
      this.end();
    } else if ('delayMs' in action) {
      const out = respond(ctx.defaultItems());
      const t = setTimeout(() => {
        this.#timers.delete(t);
        this.#answered();
        this.write(out);
      }, action.delayMs);
      this.#timers.add(t);
    } else if ('fail' in action) {
      this.#answered();
      this.write(
        respond(
          req.items.map((it) => ({
            operation: it.operation,
            id: it.id ?? null,
            status: action.status ?? STATUS.OperationFailed,
            reason: action.fail,
            ...(action.message !== undefined ? { message: action.message } : {}),
          })),
        ),
      );
    } else if ('items' in action) {
      this.#answered();
      this.write(respond(action.items));
    } else {
      this.#answered();
      this.write(action.raw);
    }
  }
}

function shuffle(a: number[], seed: number): number[] {
  // Deterministic (mulberry32) Fisher-Yates.
  let t = seed >>> 0;
  const rnd = (): number => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = t;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  // A "shuffle" that happens to be the identity would prove nothing.
  if (out.length > 1 && out.every((v, i) => v === i)) out.reverse();
  return out;
}

// ---------------------------------------------------------------------------
// Server

export interface FaultServerOptions {
  readonly pki: TestPki;
  /** 'tls' (default): the KMIP server. 'silent': accepts TCP, never speaks. 'reset': accepts TCP and resets it when the ClientHello arrives. */
  readonly mode?: 'tls' | 'silent' | 'reset';
  /** Port to listen on; default 0 (any free port, kept across restarts). */
  readonly port?: number;
  readonly versions?: readonly ProtocolVersion[];
}

export class FaultServer {
  readonly pki: TestPki;
  readonly mode: 'tls' | 'silent' | 'reset';
  readonly host = '127.0.0.1';
  port: number;
  script: Script = {};
  writeMode: WriteMode = 'normal';
  versions: readonly ProtocolVersion[];
  /** 'intersect': answer the offered versions we support; 'all': answer `versions` whatever was offered. */
  versionsMode: 'intersect' | 'all' = 'intersect';
  /** Every request received, in arrival order. */
  readonly requests: ReceivedRequest[] = [];
  /** Every TLS connection accepted (closed ones too), in accept order. */
  readonly connections: FaultConnection[] = [];
  /** Unexpected problems on the server side (malformed requests, script exceptions). */
  readonly errors: Error[] = [];
  /** TCP connections accepted (all modes). */
  tcpConnections = 0;
  /** TLS handshakes that failed on the server side. */
  tlsErrors = 0;
  #server: net.Server | null = null;
  readonly #sockets = new Set<net.Socket>();
  #createCount = 0;
  #listening = false;

  private constructor(opts: FaultServerOptions) {
    this.pki = opts.pki;
    this.mode = opts.mode ?? 'tls';
    this.port = opts.port ?? 0;
    this.versions = opts.versions ?? DEFAULT_SERVER_VERSIONS;
  }

  static async start(opts: FaultServerOptions): Promise<FaultServer> {
    const srv = new FaultServer(opts);
    await srv.start();
    return srv;
  }

  get listening(): boolean {
    return this.#listening;
  }

  /** `{host, port}` for the client's hosts list. */
  get address(): { host: string; port: number } {
    return { host: this.host, port: this.port };
  }

  /** Connections currently open. */
  get openConnections(): FaultConnection[] {
    return this.connections.filter((c) => !c.closed);
  }

  /** Requests other than Discover Versions and Query. */
  get userRequests(): ReceivedRequest[] {
    return this.requests.filter((r) => r.operation !== OP.DiscoverVersions && r.operation !== OP.Query);
  }

  count(operation: number): number {
    let n = 0;
    for (const r of this.requests) if (r.operation === operation) n++;
    return n;
  }

  /** Largest number of requests outstanding at once on any one connection. */
  get maxOutstanding(): number {
    return Math.max(0, ...this.connections.map((c) => c.stats.maxOutstanding));
  }

  /** @internal */
  record(req: ReceivedRequest): void {
    this.requests.push(req);
  }

  /** Starts listening (again, on the same port after the first time). */
  async start(): Promise<void> {
    if (this.#server) return;
    const srv =
      this.mode === 'tls'
        ? tls.createServer({
            key: fs.readFileSync(this.pki.serverKeyPath),
            cert: fs.readFileSync(this.pki.serverCertPath),
            ca: this.pki.ca,
            requestCert: true,
            rejectUnauthorized: true,
            minVersion: 'TLSv1.2',
          })
        : net.createServer();
    srv.on('connection', (sock: net.Socket) => {
      this.tcpConnections++;
      this.#sockets.add(sock);
      sock.on('close', () => this.#sockets.delete(sock));
      sock.on('error', () => {});
      // 'reset' waits for the ClientHello, so the client is mid-handshake when reset.
      if (this.mode === 'reset') sock.once('data', () => sock.resetAndDestroy());
      else if (this.mode === 'silent') sock.resume();
    });
    if (srv instanceof tls.Server) {
      srv.on('secureConnection', (sock: tls.TLSSocket) => this.#onSecure(sock));
      srv.on('tlsClientError', (_err, sock) => {
        this.tlsErrors++;
        sock.destroy();
      });
    }
    srv.on('error', (err) => this.errors.push(err));
    this.#server = srv;
    await new Promise<void>((resolve, reject) => {
      const onErr = (err: Error): void => reject(err);
      srv.once('error', onErr);
      srv.listen(this.port, this.host, () => {
        srv.off('error', onErr);
        resolve();
      });
    });
    this.port = (srv.address() as net.AddressInfo).port;
    this.#listening = true;
  }

  /** Stops listening and destroys every connection; `start()` listens again on the same port. */
  async stop(): Promise<void> {
    const srv = this.#server;
    this.#server = null;
    this.#listening = false;
    for (const c of this.connections) c.destroy();
    for (const sock of this.#sockets) sock.destroy();
    this.#sockets.clear();
    if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
  }

  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  /** Destroys everything; nothing is left open. */
  close(): Promise<void> {
    this.script = {};
    return this.stop();
  }

  #onSecure(sock: tls.TLSSocket): void {
    const conn = new FaultConnection(this, this.connections.length + 1, sock);
    this.connections.push(conn);
    sock.setNoDelay(true);
    try {
      this.script.onConnection?.(conn);
    } catch (err) {
      this.errors.push(err as Error);
    }
  }

  /** The correct answer to `req`, one item per request batch item. */
  defaultItems(req: ReceivedRequest): ResponseItemSpec[] {
    return req.items.map((it) => this.#answerItem(it));
  }

  #answerItem(it: RequestItem): ResponseItemSpec {
    const id = it.id ?? null;
    const ok = (payload: TtlvItem[]): ResponseItemSpec => ({ operation: it.operation, id, status: STATUS.Success, payload });
    const uid = payloadText(it.payload, Tag.UniqueIdentifier);
    const needUid = (f: (u: string) => ResponseItemSpec): ResponseItemSpec =>
      uid === undefined
        ? { operation: it.operation, id, status: STATUS.OperationFailed, reason: REASON.ItemNotFound, message: 'no Unique Identifier' }
        : f(uid);
    switch (it.operation) {
      case OP.DiscoverVersions: {
        const offered = it.payload.map(parseVersion).filter((v): v is ProtocolVersion => v !== undefined);
        const supported = this.versions;
        const answer =
          this.versionsMode === 'all' || offered.length === 0
            ? supported
            : offered.filter((o) => supported.some((v) => v.major === o.major && v.minor === o.minor));
        return ok(answer.map((v) => s(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, v.major), int(Tag.ProtocolVersionMinor, v.minor)])));
      }
      case OP.Query:
        return ok([
          ...SERVED_OPERATIONS.map((op) => en(Tag.Operation, op)),
          en(Tag.ObjectType, 2),
          txt(Tag.VendorIdentification, 'fault-server'),
        ]);
      case OP.Encrypt:
      case OP.Decrypt:
        return needUid((u) => {
          const data = payloadBytes(it.payload, Tag.Data) ?? Buffer.alloc(0);
          const p: TtlvItem[] = [txt(Tag.UniqueIdentifier, u), bytes(Tag.Data, expectedCipher(it.operation, u, data))];
          const iv = payloadBytes(it.payload, Tag.IVCounterNonce);
          if (iv) p.push(bytes(Tag.IVCounterNonce, iv));
          return ok(p);
        });
      case OP.Create:
        return ok([en(Tag.ObjectType, 2), txt(Tag.UniqueIdentifier, `fs-key-${++this.#createCount}`)]);
      case OP.Activate:
      case OP.Revoke:
      case OP.Destroy:
        return needUid((u) => ok([txt(Tag.UniqueIdentifier, u)]));
      case OP.GetAttributes:
        return needUid((u) =>
          ok([
            txt(Tag.UniqueIdentifier, u),
            s(Tag.Attribute, [txt(Tag.AttributeName, 'Cryptographic Length'), int(Tag.AttributeValue, 256)]),
          ]),
        );
      case OP.Get:
        return needUid((u) =>
          ok([
            en(Tag.ObjectType, 2),
            txt(Tag.UniqueIdentifier, u),
            s(Tag.SymmetricKey, [
              s(Tag.KeyBlock, [
                en(Tag.KeyFormatType, 1),
                s(Tag.KeyValue, [bytes(Tag.KeyMaterial, expectedKeyMaterial(u))]),
                en(Tag.CryptographicAlgorithm, 3),
                int(Tag.CryptographicLength, 256),
              ]),
            ]),
          ]),
        );
      case OP.Locate:
        return ok([txt(Tag.UniqueIdentifier, 'loc-1')]);
      default:
        return { operation: it.operation, id, status: STATUS.OperationFailed, reason: REASON.OperationNotSupported, message: 'not supported by fault-server' };
    }
  }
}
