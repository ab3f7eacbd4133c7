/**
 * One TLS connection to one KMIP server: connect, TLS handshake, version
 * negotiation (Discover Versions, then Query), framing, encoding and writing
 * request messages (one socket write per pump; a caller's own message, or one
 * shared by several callers' batchable requests), reading answers (handed to
 * answers.ts, which matches them by Unique Batch Item ID), and teardown
 * (retire, close, fail).
 *
 * States: connecting -> handshaking -> negotiating -> ready -> draining -> closed
 * (any state -> closed on failure). It knows its socket and the requests on it,
 * nothing of other connections, hosts or the queue: it reports to its owner
 * (ConnectionOwner) when it is ready, when it closes, and hands back requests
 * to retry.
 */
import * as tls from 'node:tls';
import {
  KmipClosedError,
  KmipConnectionError,
  KmipError,
  KmipInvalidArgumentError,
  KmipOutcomeUnknownError,
  KmipProtocolError,
} from '../errors';
import { readResponseMessage, resultReasonName, writeRequestMessage, type ProtocolVersion, type RequestHeaderOptions, type ResponseMessage } from '../kmip/protocol';
import { decode, TtlvFramer, TtlvWriter, TtlvError, type TtlvItem } from '../ttlv';
import type { HostCounters } from './host-stats';
import { discoverVersion, queryServer, type QueriedInfo, type SetupSend } from './negotiation';
import { type HostAddress, type ResolvedTransportOptions, type TimeoutPhaseOption } from './options';
import { handleResponse } from './answers';
import { describeOps, failed, newPending, type Pending, type SharedMessage, type TransportResponse, type WireOperation } from './request';
import { classifyConnectError, closedError, tlsConnectOptions } from './tls-setup';

export interface ServerInfo {
  readonly server: string;
  readonly version: ProtocolVersion;
  readonly vendorIdentification: string | undefined;
  readonly operations: readonly number[] | undefined;
  readonly objectTypes: readonly number[] | undefined;
  readonly serverInformation: unknown;
  readonly tlsProtocol: string | null;
  readonly tlsCipher: string | undefined;
  readonly peerCertificate: tls.PeerCertificate | undefined;
}

/** The server a connection goes to (hosts.ts keeps more per host). */
export interface ConnectionHost {
  readonly addr: HostAddress;
  readonly label: string;
  /** hosts.ts's state: 'unknown' | 'up' | 'suspect' | 'down'. */
  readonly health: string;
  readonly stats: HostCounters;
}

/** What a connection calls back into: the transport that owns it. */
export interface ConnectionOwner<H extends ConnectionHost> {
  readonly options: ResolvedTransportOptions;
  readonly logMessages: boolean;
  /** True once close() was called: lost requests are no longer retried. */
  readonly closing: boolean;
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
  /** `item` a byte count: an undecodable message, logged by its size only. */
  logMessage(direction: 'sent' | 'received', server: string, item: TtlvItem | number, hints?: MessagePrintHints): void;
  /** Bytes arrived: slots may have freed (a pump is scheduled when requests wait). */
  schedulePump(): void;
  /** Requests to retry first, elsewhere (this connection is closing). */
  requeueFront(ps: Pending[]): void;
  onReady(c: Connection<H>, info: ServerInfo): void;
  /** Bytes arrived from a host marked suspect. */
  heard(c: Connection<H>): void;
  /** `p` got its answer on `c` after `ms` (figures, metrics). */
  answered(c: Connection<H>, p: Pending, ms: number, failed: boolean): void;
  /** True when an Item Not Found from `host` may be retried on another host. */
  otherUsable(host: H): boolean;
  /** The connection ended. `setupError` is set when it failed before becoming ready. */
  onClosed(c: Connection<H>, setupError: Error | undefined, cause?: Error): void;
}

export type ConnState = 'connecting' | 'handshaking' | 'negotiating' | 'ready' | 'draining' | 'closed';

/** What the connection knows about a received message when it is logged. */
export interface MessagePrintHints {
  /** Each batch item's request operation, in message order (undefined: not matched). */
  readonly operations?: readonly (number | undefined)[];
  /** Matched to no request: tags, types and lengths only, no Byte String value. */
  readonly structureOnly?: boolean;
}

export type MessagePrinter = (item: TtlvItem, hints?: MessagePrintHints) => string;

const STRUCTURE_ONLY: MessagePrintHints = { structureOnly: true };

/** A shared message's header: Batch Error Continuation Option Continue. */
const CONTINUE: RequestHeaderOptions = { batchErrorContinuationOption: 1 };

export class Connection<H extends ConnectionHost = ConnectionHost> {
  state: ConnState = 'connecting';
  phaseDeadline: number;
  version: ProtocolVersion;
  readonly inflight = new Map<number, Pending>();
  messagesInFlight = 0;
  lastActivity: number;
  /** Last byte received, or when requests went from none to some in flight: the start of any silence. */
  lastReceived: number;
  successes = 0;
  /** Set when an established connection was closed for a protocol error (hosts.ts backs off after a run of them). */
  closedForProtocolError = false;
  /** The transport that owns it (answers.ts reports through it too). */
  readonly owner: ConnectionOwner<H>;
  readonly host: H;
  readonly #socket: tls.TLSSocket;
  readonly #framer: TtlvFramer;
  readonly #writer = new TtlvWriter(16 * 1024);
  #nextId = 1;
  #gotBytes = false;
  #flushScheduled = false;
  readonly #onMessageBound = (msg: Buffer): void => this.#onMessage(msg);
  readonly #decodeOptions: { readonly maxMessageBytes: number };

  constructor(owner: ConnectionOwner<H>, host: H, opts: ResolvedTransportOptions) {
    this.owner = owner;
    this.host = host;
    const now = Date.now();
    this.lastActivity = now;
    this.lastReceived = now;
    this.phaseDeadline = now + opts.connectTimeoutMs;
    this.version = opts.protocolVersions[0]!;
    this.#framer = new TtlvFramer({ maxMessageBytes: opts.maxMessageBytes });
    this.#decodeOptions = { maxMessageBytes: opts.maxMessageBytes };
    // tls.connect may throw (unusable TLS settings): the caller (hosts.ts) makes that a failed connection.
    const sock = tls.connect(tlsConnectOptions(host.addr, opts.tls));
    this.#socket = sock;
    sock.on('error', (err) => this.fail(err, 'lost'));
    try {
      sock.setNoDelay(true);
      sock.setKeepAlive(true, 30000);
    } catch (err) {
      sock.destroy();
      throw err;
    }
    sock.once('connect', () => {
      if (this.state !== 'connecting') return;
      this.state = 'handshaking';
      this.phaseDeadline = Date.now() + opts.handshakeTimeoutMs;
    });
    sock.once('secureConnect', () => {
      if (this.state === 'closed') return;
      this.#negotiate(opts).catch((err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err)), 'setup'));
    });
    sock.on('data', (chunk: Buffer) => this.#onData(chunk));
    sock.on('end', () => this.fail(this.#closedError(`KMIP server ${host.label} closed the connection`), 'lost'));
    sock.on('close', () => this.fail(this.#closedError(`connection to KMIP server ${host.label} closed`), 'lost'));
  }

  #closedError(what: string): KmipConnectionError {
    return closedError(what, this.host.label, this.state === 'handshaking', this.state === 'negotiating' && !this.#gotBytes);
  }

  get phase(): TimeoutPhaseOption {
    return this.state === 'connecting' ? 'connect' : this.state === 'handshaking' ? 'handshake' : 'negotiation';
  }

  get usable(): boolean {
    return this.state === 'ready';
  }

  tlsInfo(): { protocol: string | null; cipher: string | undefined; peer: tls.PeerCertificate | undefined } {
    const s = this.#socket;
    let peer: tls.PeerCertificate | undefined;
    try {
      const p = s.getPeerCertificate(false);
      peer = p && Object.keys(p).length > 0 ? p : undefined;
    } catch {
      peer = undefined;
    }
    return { protocol: s.getProtocol(), cipher: s.getCipher()?.name, peer };
  }

  async #negotiate(opts: ResolvedTransportOptions): Promise<void> {
    this.state = 'negotiating';
    // Its own deadline, handshake-sized: a host that completes TLS and then
    // says nothing is given up before requests waiting for it time out.
    this.phaseDeadline = Date.now() + opts.handshakeTimeoutMs;
    const send: SetupSend = (op, version) => this.#sendInternal(op, version);
    const chosen = await discoverVersion(this.host.label, opts.protocolVersions, send);
    this.version = chosen;
    let info: QueriedInfo = {};
    if (!opts.skipQuery) {
      const q = await queryServer(chosen, send);
      info = q.info;
      if (q.refused) {
        this.owner.log('warn', 'KMIP server refused Query; continuing without server information', {
          server: this.host.label,
          resultReason: resultReasonName(q.refused.reason),
          resultMessage: q.refused.message,
        });
      }
    }
    if (this.state !== 'negotiating') return;
    this.state = 'ready';
    this.lastActivity = Date.now();
    const ti = this.tlsInfo();
    this.owner.onReady(this, {
      server: this.host.label,
      version: chosen,
      vendorIdentification: info.vendor,
      operations: info.operations,
      objectTypes: info.objectTypes,
      serverInformation: info.serverInformation,
      tlsProtocol: ti.protocol,
      tlsCipher: ti.cipher,
      peerCertificate: ti.peer,
    });
  }

  #sendInternal(op: WireOperation, version: ProtocolVersion): Promise<TransportResponse> {
    return new Promise<TransportResponse>((resolve, reject) => {
      const p = newPending({ ops: [op], idempotent: true, timeoutMs: 0, queueDeadline: Infinity, seq: -1, header: undefined, internal: true, resolve, reject });
      if (!this.dispatch(p, version)) return;
      this.flush();
    });
  }

  /** A Unique Batch Item ID (1..2^32-1) of no request in flight here. */
  #newId(): number {
    let id = this.#nextId;
    while (this.inflight.has(id)) id = id >= 0xffffffff ? 1 : id + 1;
    this.#nextId = id >= 0xffffffff ? 1 : id + 1;
    return id;
  }

  /** Encodes `p` into the output buffer and registers it in flight. False if it failed to encode. */
  dispatch(p: Pending, version: ProtocolVersion = this.version): boolean {
    const n = p.ops.length;
    const ids = new Array<number>(n);
    for (let i = 0; i < n; i++) ids[i] = this.#newId();
    const w = this.#writer;
    const mark = w.pos;
    try {
      writeRequestMessage(w, version, p.ops, ids, p.header);
    } catch (err) {
      w.pos = mark;
      const e = err instanceof KmipError ? err : new KmipInvalidArgumentError(`cannot encode ${describeOps(p.ops).join('+')} request: ${(err as Error).message}`);
      failed(p, e);
      return false;
    }
    if (this.owner.logMessages) this.owner.logMessage('sent', this.host.label, decode(w.buf.subarray(mark, w.pos)));
    const now = Date.now();
    p.ids = ids;
    p.conn = this;
    p.sentAt = now;
    if (!p.internal) p.deadline = now + p.timeoutMs;
    for (let i = 0; i < n; i++) this.inflight.set(ids[i]!, p);
    if (this.messagesInFlight === 0) this.lastReceived = now;
    this.messagesInFlight++;
    this.lastActivity = now;
    return true;
  }

  /**
   * Encodes several callers' single-operation requests as one request message
   * (one batch item each, Batch Error Continuation Option Continue, so one
   * item's failure does not stop the others) and registers each in flight.
   * The message takes one pipeline slot. False if it failed to encode (then
   * each request is failed).
   */
  dispatchShared(ps: readonly Pending[]): boolean {
    const n = ps.length;
    const ids = new Array<number>(n);
    const ops = new Array<WireOperation>(n);
    for (let i = 0; i < n; i++) {
      ids[i] = this.#newId();
      ops[i] = ps[i]!.ops[0]!;
    }
    const w = this.#writer;
    const mark = w.pos;
    try {
      writeRequestMessage(w, this.version, ops, ids, CONTINUE);
    } catch (err) {
      w.pos = mark;
      // One of them cannot be encoded: each goes alone, so only that one fails.
      let any = false;
      for (const p of ps) if (this.dispatch(p)) any = true;
      return any;
    }
    if (this.owner.logMessages) this.owner.logMessage('sent', this.host.label, decode(w.buf.subarray(mark, w.pos)));
    const now = Date.now();
    const message: SharedMessage = { members: ps };
    for (let i = 0; i < n; i++) {
      const p = ps[i]!;
      p.ids = [ids[i]!];
      p.conn = this;
      p.sentAt = now;
      p.deadline = now + p.timeoutMs;
      p.message = message;
      this.inflight.set(ids[i]!, p);
    }
    if (this.messagesInFlight === 0) this.lastReceived = now;
    this.messagesInFlight++;
    this.lastActivity = now;
    this.host.stats.batched += n;
    return true;
  }

  /** Writes everything encoded since the last flush, as one socket write. */
  flush(): void {
    const w = this.#writer;
    if (w.pos === 0 || this.state === 'closed') return;
    const out = w.toBuffer();
    w.reset();
    if (w.buf.length > 1024 * 1024) w.buf = Buffer.allocUnsafe(16 * 1024);
    this.#socket.write(out);
  }

  /** flush() once the callbacks running now are done: what they dispatch goes out in the same write. */
  flushSoon(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    process.nextTick(this.#flushTick);
  }

  readonly #flushTick = (): void => {
    this.#flushScheduled = false;
    this.flush();
  };

  #onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.#gotBytes = true;
    const now = Date.now();
    this.lastActivity = now;
    this.lastReceived = now;
    if (this.host.health === 'suspect') this.owner.heard(this);
    try {
      this.#framer.push(chunk, this.#onMessageBound);
    } catch (err) {
      this.fail(new KmipProtocolError(`KMIP server ${this.host.label} sent a malformed message stream: ${(err as Error).message}`, { cause: err }), 'protocol');
      return;
    }
    this.owner.schedulePump();
  }

  #onMessage(bytes: Buffer): void {
    if (this.state === 'closed') return;
    // Logged once matched (answers.ts), redacted by the request's operation; otherwise as structure only.
    const logging = this.owner.logMessages;
    let tree: TtlvItem | undefined;
    let resp: ResponseMessage;
    try {
      tree = decode(bytes, this.#decodeOptions);
      resp = readResponseMessage(tree);
    } catch (err) {
      if (logging) this.owner.logMessage('received', this.host.label, tree ?? bytes.length, STRUCTURE_ONLY);
      const what = err instanceof TtlvError ? 'an undecodable message' : 'a malformed response';
      this.fail(new KmipProtocolError(`KMIP server ${this.host.label} sent ${what}: ${(err as Error).message}`, { cause: err }), 'protocol');
      return;
    }
    handleResponse(this, resp, logging ? tree : undefined, bytes.length);
  }

  /** Stop taking requests; close once nothing is in flight. */
  retire(): void {
    if (this.state === 'ready') this.state = 'draining';
    if (this.state === 'draining' && this.messagesInFlight === 0) this.close();
  }

  /** Graceful close of an idle connection. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.#socket.end();
    this.#socket.destroySoon?.();
    const timer = setTimeout(() => this.#socket.destroy(), 1000);
    timer.unref();
    this.owner.onClosed(this, undefined);
  }

  /**
   * Idempotent teardown. `mode`: 'lost' and 'protocol' (garbage, unknown or
   * duplicate answers) requeue idempotent work once and fail the rest as
   * outcome-unknown; 'setup' fails everything in flight.
   */
  fail(err: Error, mode: 'lost' | 'protocol' | 'setup' | 'closed'): void {
    if (this.state === 'closed') return;
    const before = this.state;
    this.state = 'closed';
    this.#socket.destroy();
    this.#framer.reset();
    const seen = new Set<Pending>();
    for (const p of this.inflight.values()) seen.add(p);
    this.inflight.clear();
    this.messagesInFlight = 0;
    const typed = before === 'ready' || before === 'draining' ? err : classifyConnectError(err, this.host.label, before === 'handshaking');
    const requeue: Pending[] = [];
    const stats = this.host.stats;
    const fail = (p: Pending, e: KmipError | Error): void => {
      if (failed(p, e) && !p.internal) stats.error(e instanceof KmipError ? e.code : 'KMIP_CONNECTION');
    };
    for (const p of seen) {
      p.conn = null;
      p.ids = null;
      p.message = null;
      if (p.done) continue;
      if (p.internal || mode === 'setup') {
        fail(p, typed);
      } else if (mode === 'closed') {
        fail(p, new KmipClosedError(`KMIP client closed before ${describeOps(p.ops).join('+')} was answered`));
      } else if (p.twin !== null && !p.twin.done) {
        // Its twin (re-sent elsewhere) carries the caller.
        p.done = true;
        p.twin.twin = null;
      } else if (p.idempotent && p.retries < 1 && !this.owner.closing) {
        // After a loss or a protocol error alike: once more, on a fresh connection.
        p.retries++;
        requeue.push(p);
      } else if (p.idempotent) {
        fail(
          p,
          mode === 'protocol'
            ? err
            : new KmipConnectionError(`connection to KMIP server ${this.host.label} lost twice while ${describeOps(p.ops).join('+')} was on the wire: ${err.message}`, { cause: err, host: this.host.label }),
        );
      } else {
        fail(p, new KmipOutcomeUnknownError(describeOps(p.ops), { cause: err }));
      }
    }
    const established = before === 'ready' || before === 'draining';
    if (established && mode === 'protocol') this.closedForProtocolError = true;
    if (requeue.length > 0) this.owner.requeueFront(requeue);
    this.owner.onClosed(this, established ? undefined : typed, err);
  }
}
