/**
 * The pipelined KMIP transport, KmipTransport: the public face that wires the
 * pieces together and owns what they report.
 *
 *   connection.ts  one TLS connection: setup, negotiation, framing, matching by
 *                  Unique Batch Item ID, teardown and retry hand-back
 *   hosts.ts       host health (unknown, up, suspect, down; background probes of
 *                  down hosts), which connection or host takes the next request
 *                  (spread or failover, key affinity), the all-down policy, figures
 *   affinity.ts    the bounded map of recently created keys to their node
 *   host-stats.ts  per-host counters and latency over the last minute
 *   session-expiry.ts  answers meaning "this connection's session is dead"
 *   queue.ts       the bounded FIFO, the pump, requeue, and the shared deadline
 *                  sweep (queue, setup, request and idle timeouts); drain
 *   request.ts     the request record that travels between them
 *   options.ts     settings and their checks
 *
 * Here: argument checks on send(), the connection callbacks (ready, closed),
 * logging, and close().
 */
import { KmipClosedError, KmipInvalidArgumentError, KmipQueueFullError } from '../errors';
import { safeLog, stderrLogger, type Logger } from '../logger';
import { PRODUCT_OPERATIONS } from '../kmip/operations';
import { operationName, versionString } from '../kmip/protocol';
import type { TtlvItem } from '../ttlv';
import type { ConnectionOwner, MessagePrinter, MessagePrintHints, ServerInfo } from './connection';
import { Hosts, type HostConnection, type HostState, type TransportStats } from './hosts';
import { resolveTransportOptions, type ResolvedTransportOptions, type TransportOptions } from './options';
import { RequestQueue } from './queue';
import type { Pending, SendOptions, TransportResponse, WireOperation } from './request';

export { resolveTransportOptions } from './options';
export type { MessagePrinter, MessagePrintHints, ServerInfo } from './connection';
export type { SendOptions, TransportResponse, WireOperation } from './request';
export type { HostHealth, HostStats, TransportStats } from './hosts';

/** Told of every answer (the backend's optional Prometheus metrics). */
export interface TransportObserver {
  answered(host: string, operation: number, ms: number, failed: boolean): void;
}

export class KmipTransport implements ConnectionOwner<HostState> {
  readonly options: ResolvedTransportOptions;
  readonly logMessages: boolean;
  readonly #logger: Logger;
  readonly #hosts: Hosts;
  readonly #queue: RequestQueue;
  #closePromise: Promise<void> | null = null;
  #serverInfo: ServerInfo | undefined;
  #announced = false;
  #printer: MessagePrinter | undefined;
  #observer: TransportObserver | undefined;

  constructor(options: TransportOptions) {
    this.#logger = options.logger ?? stderrLogger;
    this.options = resolveTransportOptions(options, this.#logger);
    this.logMessages = this.options.logMessages;
    this.#hosts = new Hosts(this.options, this);
    this.#queue = new RequestQueue(this.options, this.#hosts, (level, msg, fields) => this.log(level, msg, fields));
  }

  get closing(): boolean {
    return this.#queue.closing;
  }

  /** What the last connection learnt about its server (negotiated version, vendor, operations). */
  get serverInfo(): ServerInfo | undefined {
    return this.#serverInfo;
  }

  /** Installs the function used to render messages when logMessages is on. */
  setMessagePrinter(fn: MessagePrinter): void {
    this.#printer = fn;
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    safeLog(this.#logger, level, msg, fields);
  }

  /**
   * A message as a redacted tree. A received one is logged once matched, its
   * requests' operations (`hints`) deciding what is redacted; an unmatched one
   * as structure only; an undecodable one (`item`: its size) by its size.
   */
  logMessage(direction: 'sent' | 'received', server: string, item: TtlvItem | number, hints?: MessagePrintHints): void {
    if (!this.#printer) return;
    const level = typeof this.#logger.trace === 'function' ? 'trace' : 'debug';
    let message: string;
    try {
      message = typeof item === 'number' ? `<undecodable message, ${item} bytes>` : this.#printer(item, hints);
    } catch (err) {
      // Called from socket events: a printer bug must not escape (nor show the bytes).
      message = `<unprintable message: ${err instanceof Error ? err.message : String(err)}>`;
    }
    safeLog(this.#logger, level, `KMIP message ${direction}`, { server, message });
  }

  /** Sends one request message holding `ops` (a batch when several). */
  send(ops: readonly WireOperation[], opts?: SendOptions): Promise<TransportResponse> {
    return new Promise<TransportResponse>((resolve, reject) => this.sendWith(ops, opts, resolve, reject));
  }

  /**
   * send() without a promise of its own (the client wraps it in its one
   * promise; the backend's callback API uses it directly): exactly one of
   * `resolve` and `reject` is called, later, or at once (before sendWith
   * returns) when the request is refused or cannot be encoded: callers that
   * hand the outcome to their own callers defer it.
   */
  sendWith(ops: readonly WireOperation[], opts: SendOptions | undefined, resolve: (r: TransportResponse) => void, reject: (e: Error) => void): void {
    const q = this.#queue;
    if (q.closing) {
      reject(new KmipClosedError());
      return;
    }
    if (ops.length === 0) {
      reject(new KmipInvalidArgumentError('a request needs at least one operation'));
      return;
    }
    if (q.queuedLive >= this.options.maxQueueLength) {
      this.#countOther('KMIP_QUEUE_FULL');
      reject(new KmipQueueFullError(this.options.maxQueueLength));
      return;
    }
    const now = Date.now();
    const down = this.#hosts.allDown(now);
    if (down) {
      this.#countOther('KMIP_CONNECTION');
      reject(down);
      return;
    }
    q.enqueue(ops, opts?.timeoutMs ?? this.options.requestTimeoutMs, opts?.header, now, resolve, reject);
  }

  #countOther(code: string): void {
    const e = this.#hosts.otherErrors;
    e[code] = (e[code] ?? 0) + 1;
  }

  /**
   * Per host: state and since when, requests in flight, requests answered,
   * errors by kind, reconnects, re-sent requests, p50/p99 latency over the last
   * minute; plus totals. Reads counters only: cheap enough to call every second.
   */
  stats(): TransportStats {
    return this.#hosts.stats(Date.now(), this.#queue.queuedLive);
  }

  /** Key `uid` was created by the host labelled `server` (key affinity with `spread`). */
  keyCreated(uid: string, server: string): void {
    this.#hosts.keyCreated(uid, server, Date.now());
  }

  /** Installs (or removes) the observer told of every answer. */
  setObserver(o: TransportObserver | undefined): void {
    this.#observer = o;
  }

  heard(c: HostConnection): void {
    this.#hosts.heard(c.host, Date.now());
  }

  answered(c: HostConnection, p: Pending, ms: number, failed: boolean): void {
    const s = c.host.stats;
    s.requests++;
    if (failed) s.error('KMIP_OPERATION_FAILED');
    const now = c.lastReceived;
    s.latency.add(ms, now);
    this.#hosts.latency.add(ms, now);
    if (this.#observer !== undefined) this.#observer.answered(c.host.label, p.ops[0]!.operation, ms, failed);
  }

  otherUsable(h: HostState): boolean {
    return this.#hosts.otherUsable(h);
  }

  /**
   * Answers arrived and freed slots: one pump (and so one socket write per
   * connection) per event-loop turn, when requests wait for a slot or close()
   * waits for the last answers. Otherwise nothing to do: one request at a time
   * costs no extra event-loop turn (the sweep keeps the timer right).
   */
  schedulePump(): void {
    const q = this.#queue;
    if (q.queuedLive > 0 || q.closing) q.schedulePump();
  }

  /** Puts retried requests back at the head of the queue, oldest first. */
  requeueFront(ps: Pending[]): void {
    this.#queue.requeueFront(ps);
  }

  /** Dispatches queued requests to connections with free slots, then writes once per connection. */
  pump(): void {
    this.#queue.pump();
  }

  onReady(c: HostConnection, info: ServerInfo): void {
    this.#hosts.markUp(c.host, Date.now());
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
    this.#queue.pump();
  }

  /** A connection ended. `setupError` is set when it failed before becoming ready. */
  onClosed(c: HostConnection, setupError: Error | undefined, cause?: Error): void {
    const h = c.host;
    const now = Date.now();
    const backoff = this.#hosts.removeConnection(c, now, cause);
    const closing = this.#queue.closing;
    if (backoff > 0 && !closing) {
      this.log('warn', 'KMIP server keeps breaking the protocol: host down, reconnecting with back-off', {
        server: h.label,
        retryInMs: backoff,
        protocolFailures: h.protocolFailures,
        error: cause?.message,
      });
    }
    if (setupError) {
      h.stats.connectFailures++;
      const delay = this.#hosts.markDown(h, setupError, now);
      if (!closing) {
        this.log('warn', 'KMIP connection failed', { server: h.label, error: setupError.message, retryInMs: delay, failures: h.failures });
      }
      // With every host down, the pump fails queued requests (hosts.allDown).
    } else if (cause && !closing) {
      this.log('info', 'KMIP connection closed', { server: h.label, reason: cause.message });
      // A quiet host that then loses its connection is down.
      if (h.health === 'suspect') this.#hosts.markDown(h, cause, now);
    }
    if (!this.#queue.closed) this.#queue.schedulePump();
  }

  /**
   * Stops taking requests, lets queued and in-flight ones finish for up to
   * `drainTimeoutMs` (default 5000; 0 fails them at once), then fails what is
   * left with KmipClosedError, closes every socket and clears every timer.
   */
  close(opts?: { drainTimeoutMs?: number }): Promise<void> {
    if (this.#closePromise) return this.#closePromise;
    const q = this.#queue;
    q.beginClose();
    const drainMs = opts?.drainTimeoutMs ?? 5000;
    this.#closePromise = (async () => {
      if (drainMs > 0 && q.busy) await q.drain(drainMs);
      q.shutdown();
    })();
    return this.#closePromise;
  }
}
