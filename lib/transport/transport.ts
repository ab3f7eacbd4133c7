/**
 * The pipelined KMIP transport: TLS connections to one or more servers, version
 * negotiation, a bounded FIFO queue, up to `pipelineDepth` request messages in
 * flight per connection matched by Unique Batch Item ID, deadlines swept by one
 * shared timer, reconnection with backoff, failover across hosts, and retry of
 * idempotent requests that were on the wire when a connection was lost.
 */
import * as fs from 'node:fs';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import {
  KmipClosedError,
  KmipConnectionError,
  KmipError,
  KmipInvalidArgumentError,
  KmipOutcomeUnknownError,
  KmipProtocolError,
  KmipQueueFullError,
  KmipTimeoutError,
  KmipTlsError,
  KmipVersionError,
  KmipConfigError,
  KmipOperationError,
} from '../errors';
import { safeLog, stderrLogger, type Logger } from '../logger';
import { discoverVersions, PRODUCT_OPERATIONS, query, QueryFunction } from '../kmip/operations';
import {
  compareVersions,
  operationName,
  readResponseMessage,
  requestMessage,
  resultReasonName,
  resultStatusName,
  versionString,
  type ProtocolVersion,
  type RequestHeaderOptions,
  type ResponseBatchItem,
} from '../kmip/protocol';
import { decode, TtlvFramer, TtlvWriter, TtlvError, type TtlvItem } from '../ttlv';
import { Deque } from './deque';
import {
  DEFAULT_VERSIONS,
  MINIMUM_VERSION,
  type HostAddress,
  type PemInput,
  type ResolvedTransportOptions,
  type TransportOptions,
  type TimeoutPhaseOption,
} from './options';

/** One operation of a request message, before the protocol version is known. */
export interface WireOperation {
  readonly operation: number;
  readonly idempotent: boolean;
  payload(version: ProtocolVersion): TtlvItem[];
}

export interface TransportResponse {
  /** The protocol version the request was sent with. */
  readonly version: ProtocolVersion;
  /** One per operation, in request order. */
  readonly items: readonly ResponseBatchItem[];
  /** `host:port` that answered. */
  readonly server: string;
}

export interface SendOptions {
  /** Overrides the transport's requestTimeoutMs for this request. */
  readonly timeoutMs?: number;
  readonly header?: RequestHeaderOptions;
}

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

const AUTHENTICATION_NOT_SUCCESSFUL = 0x03;

interface Pending {
  readonly ops: readonly WireOperation[];
  readonly idempotent: boolean;
  readonly timeoutMs: number;
  queueDeadline: number;
  readonly seq: number;
  readonly header: RequestHeaderOptions | undefined;
  readonly internal: boolean;
  readonly resolve: (r: TransportResponse) => void;
  readonly reject: (e: Error) => void;
  deadline: number;
  conn: Connection | null;
  ids: number[] | null;
  retries: number;
  authRetried: boolean;
  done: boolean;
}

function newPending(
  init: Pick<Pending, 'ops' | 'idempotent' | 'timeoutMs' | 'queueDeadline' | 'seq' | 'header' | 'internal' | 'resolve' | 'reject'>,
): Pending {
  return {
    ops: init.ops,
    idempotent: init.idempotent,
    timeoutMs: init.timeoutMs,
    queueDeadline: init.queueDeadline,
    seq: init.seq,
    header: init.header,
    internal: init.internal,
    resolve: init.resolve,
    reject: init.reject,
    deadline: Infinity,
    conn: null,
    ids: null,
    retries: 0,
    authRetried: false,
    done: false,
  };
}

interface HostState {
  readonly addr: HostAddress;
  readonly label: string;
  readonly connections: Set<Connection>;
  failures: number;
  downUntil: number;
  lastError: Error | undefined;
}

type ConnState = 'connecting' | 'handshaking' | 'negotiating' | 'ready' | 'draining' | 'closed';

function readPem(input: PemInput, what: string): string | Buffer {
  if (Buffer.isBuffer(input)) return input;
  if (input.includes('-----BEGIN')) return input;
  try {
    return fs.readFileSync(input);
  } catch (err) {
    throw new KmipConfigError(`cannot read ${what} file ${JSON.stringify(input)}: ${(err as Error).message}`, what);
  }
}

function clampInt(v: number | undefined, dflt: number, min: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < min) throw new KmipConfigError(`${name} must be a number >= ${min}, got ${String(v)}`, name);
  return Math.floor(v);
}

export function resolveTransportOptions(o: TransportOptions, logger: Logger): ResolvedTransportOptions {
  if (!o || !Array.isArray(o.hosts) || o.hosts.length === 0) throw new KmipConfigError('at least one KMIP server host is required', 'hosts');
  for (const h of o.hosts) {
    if (typeof h.host !== 'string' || h.host.length === 0) throw new KmipConfigError('every host needs a non-empty host name', 'hosts');
    if (!Number.isInteger(h.port) || h.port < 1 || h.port > 65535) throw new KmipConfigError(`port must be 1..65535, got ${String(h.port)}`, 'port');
  }
  let depth = o.pipelineDepth ?? 8;
  if (!Number.isInteger(depth) || depth < 0) throw new KmipConfigError(`pipelineDepth must be a non-negative integer, got ${String(depth)}`, 'pipelineDepth');
  if (depth === 0) {
    safeLog(logger, 'warn', 'KMIP pipelineDepth 0 is invalid; using 1', { pipelineDepth: 0 });
    depth = 1;
  }
  const versions = o.protocolVersions ?? DEFAULT_VERSIONS;
  if (versions.length === 0) throw new KmipConfigError('protocolVersions must not be empty', 'protocolVersions');
  const t = o.tls ?? {};
  const tlsOpts = {
    ...t,
    ca: t.ca === undefined ? undefined : (Array.isArray(t.ca) ? t.ca : [t.ca]).map((c: PemInput) => readPem(c, 'ca')),
    cert: t.cert === undefined ? undefined : readPem(t.cert, 'cert'),
    key: t.key === undefined ? undefined : readPem(t.key, 'key'),
  };
  if ((tlsOpts.cert === undefined) !== (tlsOpts.key === undefined)) {
    throw new KmipConfigError('tls.cert and tls.key must be given together', tlsOpts.cert === undefined ? 'cert' : 'key');
  }
  if (t.rejectUnauthorized === false) {
    safeLog(logger, 'warn', 'KMIP TLS server certificate verification is DISABLED (rejectUnauthorized: false); do not use this in production');
  }
  const rc = o.reconnect ?? {};
  return {
    hosts: o.hosts,
    tls: tlsOpts as ResolvedTransportOptions['tls'],
    pipelineDepth: depth,
    poolSize: clampInt(o.poolSize, 1, 1, 'poolSize'),
    maxQueueLength: clampInt(o.maxQueueLength, 10000, 0, 'maxQueueLength'),
    connectTimeoutMs: clampInt(o.connectTimeoutMs, 5000, 1, 'connectTimeoutMs'),
    handshakeTimeoutMs: clampInt(o.handshakeTimeoutMs, 5000, 1, 'handshakeTimeoutMs'),
    queueTimeoutMs: clampInt(o.queueTimeoutMs, 10000, 1, 'queueTimeoutMs'),
    requestTimeoutMs: clampInt(o.requestTimeoutMs, 15000, 1, 'requestTimeoutMs'),
    idleTimeoutMs: clampInt(o.idleTimeoutMs, 60000, 0, 'idleTimeoutMs'),
    reconnect: {
      baseDelayMs: clampInt(rc.baseDelayMs, 100, 0, 'reconnect.baseDelayMs'),
      maxDelayMs: clampInt(rc.maxDelayMs, 10000, 0, 'reconnect.maxDelayMs'),
      jitter: Math.min(1, Math.max(0, rc.jitter ?? 0.2)),
    },
    protocolVersions: versions,
    skipQuery: o.skipQuery ?? false,
    maxMessageBytes: clampInt(o.maxMessageBytes, 16 * 1024 * 1024, 64, 'maxMessageBytes'),
    timerResolutionMs: clampInt(o.timerResolutionMs, 25, 1, 'timerResolutionMs'),
    logMessages: o.logMessages ?? false,
  };
}

const idBuffer = (id: number): Buffer => {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(id, 0);
  return b;
};

function describeOps(ops: readonly WireOperation[]): string[] {
  return ops.map((o) => operationName(o.operation));
}

/** A TLS error with the likely cause spelled out. */
function classifyConnectError(err: Error, label: string, state: ConnState): KmipError {
  if (err instanceof KmipError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const msg = err.message;
  const tlsish =
    state === 'handshaking' ||
    /^ERR_TLS|^ERR_SSL|CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ALTNAME/.test(code) ||
    /alert|certificate|handshake|ssl|tls/i.test(msg);
  if (!tlsish) return new KmipConnectionError(`cannot connect to KMIP server ${label}: ${msg}`, { cause: err, host: label });
  let hint = '';
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) {
    hint = ' (the server certificate is not signed by a CA in tls.ca: check the CA file)';
  } else if (/ALTNAME|HOSTNAME/.test(code)) {
    hint = ' (the server certificate does not name this host: connect by a name in its certificate or set tls.servername)';
  } else if (/CERT_HAS_EXPIRED/.test(code)) {
    hint = ' (the server certificate has expired)';
  } else if (/unknown ca|bad certificate|certificate required|certificate unknown|handshake failure/i.test(msg)) {
    hint = ' (the server refused our client certificate: is it signed by a CA the server trusts, and does it carry extendedKeyUsage clientAuth?)';
  } else if (/protocol version|wrong version/i.test(msg)) {
    hint = ' (no common TLS version: KMIP servers speak TLS 1.2)';
  } else if (code === 'ECONNRESET' || /socket hang up|disconnected/i.test(msg)) {
    hint = ' (the server closed the connection during the TLS handshake: it may have refused our client certificate or TLS settings)';
  }
  return new KmipTlsError(`TLS handshake with KMIP server ${label} failed: ${msg}${hint}`, { cause: err, host: label });
}

class Connection {
  state: ConnState = 'connecting';
  phaseDeadline: number;
  version: ProtocolVersion;
  readonly inflight = new Map<number, Pending>();
  messagesInFlight = 0;
  lastActivity: number;
  successes = 0;
  readonly #t: KmipTransport;
  readonly host: HostState;
  readonly #socket: tls.TLSSocket;
  readonly #framer: TtlvFramer;
  readonly #writer = new TtlvWriter(16 * 1024);
  #nextId = 1;
  #gotBytes = false;

  constructor(t: KmipTransport, host: HostState, opts: ResolvedTransportOptions) {
    this.#t = t;
    this.host = host;
    const now = Date.now();
    this.lastActivity = now;
    this.phaseDeadline = now + opts.connectTimeoutMs;
    this.version = opts.protocolVersions[0]!;
    this.#framer = new TtlvFramer({ maxMessageBytes: opts.maxMessageBytes });
    const o = opts.tls;
    const connectOpts: tls.ConnectionOptions = {
      host: host.addr.host,
      port: host.addr.port,
      servername: o.servername ?? (isIP(host.addr.host) ? undefined : host.addr.host),
      rejectUnauthorized: o.rejectUnauthorized ?? true,
      minVersion: o.minVersion ?? 'TLSv1.2',
      ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
      ...(o.ciphers ? { ciphers: o.ciphers } : {}),
      ...(o.ca ? { ca: o.ca as (string | Buffer)[] } : {}),
      ...(o.cert ? { cert: o.cert as string | Buffer } : {}),
      ...(o.key ? { key: o.key as string | Buffer } : {}),
      ...(o.passphrase ? { passphrase: o.passphrase } : {}),
    };
    if (o.servername && isIP(host.addr.host)) {
      // SNI must not be an IP, but the certificate check should use the given name.
      connectOpts.checkServerIdentity = (_h, cert) => tls.checkServerIdentity(o.servername!, cert);
    }
    const sock = tls.connect(connectOpts);
    this.#socket = sock;
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 30000);
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
    sock.on('error', (err) => this.fail(err, 'lost'));
    sock.on('end', () => this.fail(this.#closedError(`KMIP server ${host.label} closed the connection`), 'lost'));
    sock.on('close', () => this.fail(this.#closedError(`connection to KMIP server ${host.label} closed`), 'lost'));
  }

  /**
   * A close before the server said anything usable is how many servers refuse
   * a client certificate (no TLS alert): say so.
   */
  #closedError(what: string): KmipConnectionError {
    if (this.state === 'handshaking' || (this.state === 'negotiating' && !this.#gotBytes)) {
      return new KmipTlsError(
        `${what} during the ${this.state === 'handshaking' ? 'TLS handshake' : 'first exchange after it'} ` +
          '(the server may have refused our client certificate: is it signed by a CA the server trusts, and does it carry extendedKeyUsage clientAuth?)',
        { host: this.host.label },
      );
    }
    return new KmipConnectionError(what, { host: this.host.label });
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
    this.phaseDeadline = Date.now() + opts.requestTimeoutMs;
    const offer = opts.protocolVersions;
    const header1x = offer.find((v) => v.major === 1) ?? { major: 1, minor: 4 };
    const dv = discoverVersions(offer);
    const r = await this.#sendInternal(dv, header1x);
    const item = r.items[0]!;
    if (item.status !== 0 && item.reason === AUTHENTICATION_NOT_SUCCESSFUL) {
      throw new KmipOperationError(
        'Discover Versions',
        resultStatusName(item.status),
        resultReasonName(item.reason),
        item.message,
        `KMIP server ${this.host.label} did not accept our client certificate: it must be signed by a CA the server trusts, ` +
          'carry extendedKeyUsage clientAuth, and name a user the server knows',
      );
    }
    if (item.status !== 0) {
      throw new KmipVersionError(
        `KMIP server ${this.host.label} refused Discover Versions (${resultReasonName(item.reason) ?? 'no reason'}${item.message ? `: ${item.message}` : ''}); KMIP 1.2 or later is required`,
      );
    }
    const answered = dv.read(item.payload, header1x);
    const chosen = answered.find((v) => offer.some((o) => compareVersions(o, v) === 0) && compareVersions(v, MINIMUM_VERSION) >= 0);
    if (!chosen) {
      const offered = offer.map(versionString).join(', ');
      throw new KmipVersionError(
        answered.length === 0
          ? `KMIP server ${this.host.label} supports none of the offered protocol versions (${offered}); KMIP 1.2 or later is required`
          : `KMIP server ${this.host.label} offers only KMIP ${answered.map(versionString).join(', ')}; KMIP 1.2 or later is required (offered ${offered})`,
      );
    }
    this.version = chosen;
    let info: { vendor?: string; operations?: number[]; objectTypes?: number[]; serverInformation?: unknown } = {};
    if (!opts.skipQuery) {
      const q = query([QueryFunction.QueryOperations, QueryFunction.QueryObjects, QueryFunction.QueryServerInformation]);
      const qr = await this.#sendInternal(q, chosen);
      const qi = qr.items[0]!;
      if (qi.status === 0) {
        const res = q.read(qi.payload, chosen);
        info = { operations: res.operations, objectTypes: res.objectTypes, serverInformation: res.serverInformation };
        if (res.vendorIdentification !== undefined) info.vendor = res.vendorIdentification;
      } else {
        this.#t.log('warn', 'KMIP server refused Query; continuing without server information', {
          server: this.host.label,
          resultReason: resultReasonName(qi.reason),
          resultMessage: qi.message,
        });
      }
    }
    if (this.state !== 'negotiating') return;
    this.state = 'ready';
    this.lastActivity = Date.now();
    const ti = this.tlsInfo();
    this.#t.onReady(this, {
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

  /** Encodes `p` into the output buffer and registers it in flight. False if it failed to encode. */
  dispatch(p: Pending, version: ProtocolVersion = this.version): boolean {
    const ids: number[] = [];
    const items = [];
    const w = this.#writer;
    const mark = w.pos;
    try {
      for (const op of p.ops) {
        let id = this.#nextId;
        while (this.inflight.has(id)) id = id >= 0xffffffff ? 1 : id + 1;
        this.#nextId = id >= 0xffffffff ? 1 : id + 1;
        ids.push(id);
        items.push({ operation: op.operation, id: idBuffer(id), payload: op.payload(version) });
      }
      const msg = requestMessage(version, items, p.header);
      w.write(msg);
      if (this.#t.logMessages) this.#t.logMessage('sent', this.host.label, msg);
    } catch (err) {
      w.pos = mark;
      p.done = true;
      const e = err instanceof KmipError ? err : new KmipInvalidArgumentError(`cannot encode ${describeOps(p.ops).join('+')} request: ${(err as Error).message}`);
      p.reject(e);
      return false;
    }
    const now = Date.now();
    p.ids = ids;
    p.conn = this;
    if (!p.internal) p.deadline = now + p.timeoutMs;
    for (const id of ids) this.inflight.set(id, p);
    this.messagesInFlight++;
    this.lastActivity = now;
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

  #onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.#gotBytes = true;
    this.lastActivity = Date.now();
    try {
      this.#framer.push(chunk, (msg) => this.#onMessage(msg));
    } catch (err) {
      this.fail(new KmipProtocolError(`KMIP server ${this.host.label} sent a malformed message stream: ${(err as Error).message}`, { cause: err }), 'protocol');
      return;
    }
    this.#t.schedulePump();
  }

  #onMessage(bytes: Buffer): void {
    if (this.state === 'closed') return;
    let tree: TtlvItem;
    let resp: ReturnType<typeof readResponseMessage>;
    try {
      tree = decode(bytes, { maxMessageBytes: this.#t.options.maxMessageBytes });
      if (this.#t.logMessages) this.#t.logMessage('received', this.host.label, tree);
      resp = readResponseMessage(tree);
    } catch (err) {
      const what = err instanceof TtlvError ? 'an undecodable message' : 'a malformed response';
      this.fail(new KmipProtocolError(`KMIP server ${this.host.label} sent ${what}: ${(err as Error).message}`, { cause: err }), 'protocol');
      return;
    }
    const items = resp.items;
    if (items.length === 0) {
      this.fail(new KmipProtocolError(`KMIP server ${this.host.label} sent a response with no batch items`), 'protocol');
      return;
    }
    const first = items[0]!;
    const firstId = first.id !== undefined && first.id.length === 4 ? first.id.readUInt32BE(0) : -1;
    const p = firstId >= 0 ? this.inflight.get(firstId) : undefined;
    if (first.id === undefined && first.status !== 0 && items.length === 1) {
      // A failure without ID: servers answer a request they could not parse this way.
      this.#onAnonymousFailure(first);
      return;
    }
    if (!p || !p.ids) {
      const detail =
        first.id === undefined
          ? 'a response without Unique Batch Item ID'
          : `a response whose Unique Batch Item ID ${first.id.toString('hex')} matches no request in flight`;
      const server = first.status !== 0 ? ` (server said: ${resultReasonName(first.reason) ?? 'no reason'}${first.message ? `: ${first.message}` : ''})` : '';
      this.fail(new KmipProtocolError(`KMIP server ${this.host.label} sent ${detail}${server}; closing the connection`), 'protocol');
      return;
    }
    // Every item must belong to p, each of p's ids at most once. Fewer items
    // than requested is how a server answers a batch it stopped after a
    // failure (Batch Error Continuation Option Stop): the rest were not done.
    const ordered: ResponseBatchItem[] = new Array<ResponseBatchItem>(p.ids.length);
    let ok = items.length <= p.ids.length;
    let anyFailed = false;
    for (let i = 0; ok && i < items.length; i++) {
      const it = items[i]!;
      const id = it.id !== undefined && it.id.length === 4 ? it.id.readUInt32BE(0) : -1;
      const idx = p.ids.indexOf(id);
      if (idx < 0 || ordered[idx] !== undefined) ok = false;
      else ordered[idx] = it;
      if (it.status !== 0) anyFailed = true;
    }
    if (ok && items.length < p.ids.length && !anyFailed) ok = false;
    if (!ok) {
      this.fail(new KmipProtocolError(`KMIP server ${this.host.label} sent a response whose batch items do not match the request's`), 'protocol');
      return;
    }
    for (let i = 0; i < ordered.length; i++) {
      if (ordered[i] === undefined) {
        ordered[i] = {
          operation: p.ops[i]!.operation,
          id: idBuffer(p.ids[i]!),
          status: 1,
          reason: undefined,
          message: 'not executed: the server stopped the batch after an earlier item failed',
          payload: undefined,
        };
      }
    }
    for (const id of p.ids) this.inflight.delete(id);
    this.messagesInFlight--;
    p.conn = null;
    const usedVersion = p.internal ? resp.version : this.version;
    // A long-lived connection whose authentication went stale: retire it, retry once elsewhere.
    const authFailed = ordered.some(
      (it) => it.status !== 0 && (it.reason === AUTHENTICATION_NOT_SUCCESSFUL || /token/i.test(it.message ?? '')),
    );
    if (authFailed && !p.internal && this.successes > 0 && p.idempotent && !p.authRetried && !this.#t.closing) {
      p.authRetried = true;
      p.ids = null;
      this.#t.log('warn', 'KMIP server refused authentication on a long-lived connection; reconnecting and retrying once', {
        server: this.host.label,
        resultReason: resultReasonName(ordered[0]?.reason),
        resultMessage: ordered.find((it) => it.status !== 0)?.message,
      });
      this.retire();
      this.#t.requeueFront([p]);
      return;
    }
    if (!authFailed && !p.internal) this.successes++;
    p.ids = null;
    p.done = true;
    p.resolve({ version: usedVersion, items: ordered, server: this.host.label });
  }

  /**
   * A failed answer without Unique Batch Item ID. With one request message in
   * flight it can only be that request's (no guess): it gets the server's
   * failure and the connection stays. With several, nobody can tell whose it
   * is: the connection goes, idempotent requests are retried once elsewhere and
   * the others fail with an unknown outcome.
   */
  #onAnonymousFailure(item: ResponseBatchItem): void {
    const server = `${resultReasonName(item.reason) ?? 'no reason'}${item.message ? `: ${item.message}` : ''}`;
    if (this.messagesInFlight === 1) {
      const p = this.inflight.values().next().value as Pending | undefined;
      if (p && p.ids) {
        const ids = p.ids;
        for (const id of ids) this.inflight.delete(id);
        this.messagesInFlight--;
        p.conn = null;
        p.ids = null;
        p.done = true;
        const answered = ids.map((id, i) => ({ ...item, operation: item.operation ?? p.ops[i]!.operation, id: idBuffer(id) }));
        this.#t.log('warn', 'KMIP server answered a request with a failure that carries no Unique Batch Item ID', {
          server: this.host.label,
          operations: describeOps(p.ops),
          resultReason: resultReasonName(item.reason),
          resultMessage: item.message,
        });
        p.resolve({ version: p.internal ? { major: 1, minor: 0 } : this.version, items: answered, server: this.host.label });
        return;
      }
    }
    this.fail(
      new KmipProtocolError(
        `KMIP server ${this.host.label} answered one of ${this.messagesInFlight} pipelined requests with a failure that carries no Unique Batch Item ID (server said: ${server}); closing the connection`,
      ),
      'lost',
    );
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
    this.#t.onClosed(this, undefined);
  }

  /**
   * Idempotent teardown. `mode`: 'lost' requeues idempotent work and fails the
   * rest as outcome-unknown; 'protocol' and 'setup' fail everything in flight.
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
    const typed = before === 'ready' || before === 'draining' ? err : classifyConnectError(err, this.host.label, before);
    const requeue: Pending[] = [];
    for (const p of seen) {
      p.conn = null;
      p.ids = null;
      if (p.done) continue;
      if (p.internal || mode === 'protocol' || mode === 'setup') {
        p.done = true;
        p.reject(typed);
      } else if (mode === 'closed') {
        p.done = true;
        p.reject(new KmipClosedError(`KMIP client closed before ${describeOps(p.ops).join('+')} was answered`));
      } else if (p.idempotent && p.retries < 1 && !this.#t.closing) {
        p.retries++;
        requeue.push(p);
      } else if (p.idempotent) {
        p.done = true;
        p.reject(new KmipConnectionError(`connection to KMIP server ${this.host.label} lost twice while ${describeOps(p.ops).join('+')} was on the wire: ${err.message}`, { cause: err, host: this.host.label }));
      } else {
        p.done = true;
        p.reject(new KmipOutcomeUnknownError(describeOps(p.ops), { cause: err }));
      }
    }
    if (requeue.length > 0) this.#t.requeueFront(requeue);
    this.#t.onClosed(this, before === 'ready' || before === 'draining' ? undefined : typed, err);
  }
}

export class KmipTransport {
  readonly options: ResolvedTransportOptions;
  readonly logMessages: boolean;
  readonly #logger: Logger;
  readonly #hosts: HostState[];
  readonly #queue = new Deque<Pending>();
  #queuedLive = 0;
  #seq = 0;
  #pumpScheduled = false;
  #timer: NodeJS.Timeout | null = null;
  #closing = false;
  #closed = false;
  #closePromise: Promise<void> | null = null;
  #onDrained: (() => void) | null = null;
  #serverInfo: ServerInfo | undefined;
  #announced = false;
  #printer: ((item: TtlvItem) => string) | undefined;

  constructor(options: TransportOptions) {
    this.#logger = options.logger ?? stderrLogger;
    this.options = resolveTransportOptions(options, this.#logger);
    this.logMessages = this.options.logMessages;
    this.#hosts = this.options.hosts.map((addr) => ({
      addr,
      label: `${addr.host}:${addr.port}`,
      connections: new Set<Connection>(),
      failures: 0,
      downUntil: 0,
      lastError: undefined,
    }));
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** What the last connection learnt about its server (negotiated version, vendor, operations). */
  get serverInfo(): ServerInfo | undefined {
    return this.#serverInfo;
  }

  /** Installs the function used to render messages when logMessages is on. */
  setMessagePrinter(fn: (item: TtlvItem) => string): void {
    this.#printer = fn;
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    safeLog(this.#logger, level, msg, fields);
  }

  logMessage(direction: 'sent' | 'received', server: string, item: TtlvItem): void {
    if (!this.#printer) return;
    const level = typeof this.#logger.trace === 'function' ? 'trace' : 'debug';
    safeLog(this.#logger, level, `KMIP message ${direction}`, { server, message: this.#printer(item) });
  }

  /** Sends one request message holding `ops` (a batch when several). */
  send(ops: readonly WireOperation[], opts?: SendOptions): Promise<TransportResponse> {
    return new Promise<TransportResponse>((resolve, reject) => {
      if (this.#closing) {
        reject(new KmipClosedError());
        return;
      }
      if (ops.length === 0) {
        reject(new KmipInvalidArgumentError('a request needs at least one operation'));
        return;
      }
      if (this.#queuedLive >= this.options.maxQueueLength) {
        reject(new KmipQueueFullError(this.options.maxQueueLength));
        return;
      }
      const now = Date.now();
      const down = this.#allDown(now);
      if (down) {
        reject(down);
        return;
      }
      const p = newPending({
        ops,
        idempotent: ops.every((o) => o.idempotent),
        timeoutMs: opts?.timeoutMs ?? this.options.requestTimeoutMs,
        queueDeadline: now + this.options.queueTimeoutMs,
        seq: this.#seq++,
        header: opts?.header,
        internal: false,
        resolve,
        reject,
      });
      this.#queue.push(p);
      this.#queuedLive++;
      this.schedulePump();
    });
  }

  /** An error when every host is marked down and nothing is connected or connecting. */
  #allDown(now: number): Error | undefined {
    let soonest = Infinity;
    for (const h of this.#hosts) {
      if (h.connections.size > 0 || h.downUntil <= now) return undefined;
      soonest = Math.min(soonest, h.downUntil);
    }
    const h0 = this.#hosts.find((h) => h.lastError) ?? this.#hosts[0]!;
    const list = this.#hosts.map((h) => h.label).join(', ');
    return new KmipConnectionError(
      `no KMIP server available (${list}; next attempt in ${Math.max(0, soonest - now)} ms): ${h0.lastError?.message ?? 'unknown error'}`,
      { cause: h0.lastError, host: h0.label },
    );
  }

  /** One pump (and so one socket write per connection) per event-loop turn. */
  schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => this.pump());
  }

  /** Puts retried requests back at the head of the queue, oldest first. */
  requeueFront(ps: Pending[]): void {
    ps.sort((a, b) => b.seq - a.seq);
    const deadline = Date.now() + this.options.queueTimeoutMs;
    for (const p of ps) {
      p.queueDeadline = deadline;
      this.#queue.unshift(p);
      this.#queuedLive++;
    }
    this.schedulePump();
  }

  /** Dispatches queued requests to connections with free slots, then writes once per connection. */
  pump(): void {
    this.#pumpScheduled = false;
    if (this.#closed) return;
    const now = Date.now();
    const dirty = new Set<Connection>();
    while (this.#queue.length > 0) {
      const p = this.#queue.peek()!;
      if (p.done) {
        this.#queue.shift();
        continue;
      }
      const c = this.#pick();
      if (!c) break;
      this.#queue.shift();
      this.#queuedLive--;
      if (c.dispatch(p)) dirty.add(c);
    }
    for (const c of dirty) c.flush();
    this.#ensureConnections(now);
    this.#checkDrained();
    this.#arm();
  }

  #pick(): Connection | undefined {
    const depth = this.options.pipelineDepth;
    for (const h of this.#hosts) {
      let best: Connection | undefined;
      let anyReady = false;
      for (const c of h.connections) {
        if (!c.usable) continue;
        anyReady = true;
        if (c.messagesInFlight < depth && (!best || c.messagesInFlight < best.messagesInFlight)) best = c;
      }
      if (best) return best;
      if (anyReady) return undefined; // preferred host busy: wait for it
    }
    return undefined;
  }

  #ensureConnections(now: number): void {
    if (this.#closing && this.#queuedLive === 0) return;
    const need = this.#queuedLive > 0;
    let anyOpen = false;
    for (const h of this.#hosts) if (h.connections.size > 0) anyOpen = true;
    if (!need && !anyOpen) return;
    for (const h of this.#hosts) {
      if (h.downUntil > now) continue;
      let open = 0;
      let connecting = 0;
      let allBusy = true;
      for (const c of h.connections) {
        if (c.state === 'closed' || c.state === 'draining') continue;
        open++;
        if (!c.usable) connecting++;
        else if (c.messagesInFlight < this.options.pipelineDepth) allBusy = false;
      }
      if (open === 0 ? need || anyOpen : need && connecting === 0 && allBusy && open < this.options.poolSize) {
        this.#open(h);
      }
      return;
    }
    // Every host is marked down.
    if (need) {
      let live = false;
      for (const h of this.#hosts) for (const c of h.connections) if (c.state !== 'closed') live = true;
      if (!live) this.#failQueued(this.#allDown(now) ?? new KmipConnectionError('no KMIP server available'));
    }
  }

  #open(h: HostState): void {
    const c = new Connection(this, h, this.options);
    h.connections.add(c);
    this.log('debug', 'KMIP connecting', { server: h.label });
  }

  #failQueued(err: Error): void {
    while (this.#queue.length > 0) {
      const p = this.#queue.shift()!;
      if (p.done) continue;
      p.done = true;
      p.reject(err);
    }
    this.#queuedLive = 0;
  }

  onReady(c: Connection, info: ServerInfo): void {
    const h = c.host;
    h.failures = 0;
    h.downUntil = 0;
    h.lastError = undefined;
    this.#serverInfo = info;
    if (!this.#announced) {
      this.#announced = true;
      this.log('info', 'KMIP connected', {
        server: info.server,
        protocolVersion: versionString(info.version),
        vendor: info.vendorIdentification,
        tls: info.tlsProtocol,
        cipher: info.tlsCipher,
      });
      if (info.operations) {
        const missing = PRODUCT_OPERATIONS.filter((op) => !info.operations!.includes(op));
        if (missing.length > 0) {
          this.log('warn', 'KMIP server does not announce operations this product uses', {
            server: info.server,
            missing: missing.map((m) => operationName(m)),
          });
        }
      }
    } else {
      this.log('debug', 'KMIP connection ready', { server: info.server, protocolVersion: versionString(info.version) });
    }
    this.pump();
  }

  /** A connection ended. `setupError` is set when it failed before becoming ready. */
  onClosed(c: Connection, setupError: Error | undefined, cause?: Error): void {
    const h = c.host;
    h.connections.delete(c);
    const now = Date.now();
    if (setupError) {
      h.failures++;
      const rc = this.options.reconnect;
      const base = Math.min(rc.maxDelayMs, rc.baseDelayMs * 2 ** Math.min(h.failures - 1, 30));
      const delay = Math.round(base * (1 - rc.jitter + Math.random() * 2 * rc.jitter));
      h.downUntil = now + delay;
      h.lastError = setupError;
      if (!this.#closing) {
        this.log('warn', 'KMIP connection failed', { server: h.label, error: setupError.message, retryInMs: delay, failures: h.failures });
      }
      // With no other way to serve them, queued requests fail now with the real
      // cause (each request costs at most one attempt, whatever the back-off).
      const elsewhere = this.#hosts.some((x) => (x !== h && x.downUntil <= now) || x.connections.size > 0);
      if (!elsewhere) this.#failQueued(setupError);
    } else if (cause && !this.#closing) {
      this.log('info', 'KMIP connection closed', { server: h.label, reason: cause.message });
    }
    if (!this.#closed) this.schedulePump();
  }

  /** A request timed out on the wire on `c`'s host: with other hosts to use, mark it down. */
  #hostTimedOut(h: HostState, err: Error): void {
    if (this.#hosts.length < 2) return;
    h.failures++;
    const rc = this.options.reconnect;
    h.downUntil = Date.now() + Math.min(rc.maxDelayMs, rc.baseDelayMs * 2 ** Math.min(h.failures - 1, 30));
    h.lastError = err;
  }

  #arm(): void {
    if (this.#closed) return;
    let busy = this.#queuedLive > 0;
    let anyConn = false;
    for (const h of this.#hosts) {
      for (const c of h.connections) {
        anyConn = true;
        if (c.messagesInFlight > 0 || !c.usable) busy = true;
      }
    }
    if (!busy && !anyConn) {
      if (this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = null;
      }
      return;
    }
    if (!this.#timer) {
      const delay = busy ? this.options.timerResolutionMs : Math.max(this.options.timerResolutionMs, 250);
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#sweep();
      }, delay);
    }
    if (busy) this.#timer.ref();
    else this.#timer.unref();
  }

  #sweep(): void {
    if (this.#closed) return;
    const now = Date.now();
    // Queue deadlines.
    let expired = false;
    for (const p of this.#queue) {
      if (!p.done && p.queueDeadline <= now) {
        expired = true;
        p.done = true;
        this.#queuedLive--;
        const last = this.#hosts.find((h) => h.lastError)?.lastError;
        p.reject(
          new KmipTimeoutError(
            'queue',
            this.options.queueTimeoutMs,
            `${describeOps(p.ops).join('+')} waited ${this.options.queueTimeoutMs} ms without a free KMIP connection` + (last ? ` (last connection error: ${last.message})` : ''),
            { cause: last },
          ),
        );
      }
    }
    if (expired) this.#queue.filter((p) => !p.done);
    // Connection deadlines.
    for (const h of this.#hosts) {
      for (const c of [...h.connections]) {
        if (c.state === 'connecting' || c.state === 'handshaking' || c.state === 'negotiating') {
          if (now >= c.phaseDeadline) {
            const phase = c.phase;
            const ms = phase === 'connect' ? this.options.connectTimeoutMs : phase === 'handshake' ? this.options.handshakeTimeoutMs : this.options.requestTimeoutMs;
            c.fail(new KmipTimeoutError(phase, ms, `KMIP ${phase === 'negotiation' ? 'version negotiation' : phase} with ${h.label} timed out after ${ms} ms`), 'setup');
          }
          continue;
        }
        if (c.state === 'ready' || c.state === 'draining') {
          const timedOut = new Set<Pending>();
          for (const p of c.inflight.values()) if (!p.done && p.deadline <= now) timedOut.add(p);
          if (timedOut.size > 0) {
            let err: KmipTimeoutError | undefined;
            for (const t of timedOut) {
              t.done = true;
              err = new KmipTimeoutError(
                'request',
                t.timeoutMs,
                `KMIP ${describeOps(t.ops).join('+')} got no answer from ${h.label} within ${t.timeoutMs} ms` + (t.idempotent ? '' : '; its outcome is unknown'),
              );
              t.reject(err);
            }
            this.#hostTimedOut(h, err!);
            // Its answer may still come and would be misread: the connection goes.
            c.fail(new KmipConnectionError(`connection to ${h.label} closed after a request timed out on it`, { host: h.label }), 'lost');
            continue;
          }
          if (c.state === 'draining' && c.messagesInFlight === 0) c.close();
          else if (
            c.state === 'ready' &&
            c.messagesInFlight === 0 &&
            this.options.idleTimeoutMs > 0 &&
            now - c.lastActivity >= this.options.idleTimeoutMs
          ) {
            this.log('debug', 'KMIP closing idle connection', { server: h.label });
            c.close();
          }
        }
      }
    }
    this.pump();
  }

  #inFlightCount(): number {
    let n = 0;
    for (const h of this.#hosts) for (const c of h.connections) n += c.messagesInFlight;
    return n;
  }

  #checkDrained(): void {
    if (this.#onDrained && this.#queuedLive === 0 && this.#inFlightCount() === 0) {
      const f = this.#onDrained;
      this.#onDrained = null;
      f();
    }
  }

  /**
   * Stops taking requests, lets queued and in-flight ones finish for up to
   * `drainTimeoutMs` (default 5000; 0 fails them at once), then fails what is
   * left with KmipClosedError, closes every socket and clears every timer.
   */
  close(opts?: { drainTimeoutMs?: number }): Promise<void> {
    if (this.#closePromise) return this.#closePromise;
    this.#closing = true;
    const drainMs = opts?.drainTimeoutMs ?? 5000;
    this.#closePromise = (async () => {
      if (drainMs > 0 && (this.#queuedLive > 0 || this.#inFlightCount() > 0)) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            this.#onDrained = null;
            resolve();
          }, drainMs);
          this.#onDrained = () => {
            clearTimeout(t);
            resolve();
          };
          this.pump();
        });
      }
      this.#closed = true;
      this.#failQueued(new KmipClosedError());
      for (const h of this.#hosts) {
        for (const c of [...h.connections]) {
          if (c.messagesInFlight > 0) c.fail(new KmipClosedError(), 'closed');
          else c.close();
        }
      }
      if (this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = null;
      }
    })();
    return this.#closePromise;
  }
}
