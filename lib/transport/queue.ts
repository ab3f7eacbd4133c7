/**
 * The request queue and its deadlines: a bounded FIFO of requests waiting for a
 * connection slot, the pump that hands them to the connection the host
 * selector picks (one socket write per connection per pump), requeueing of
 * retried requests at the head, and one shared timer that sweeps every
 * deadline: queue wait (queueTimeoutMs), connection setup phases (connect,
 * handshake, negotiation: all handshake-sized), idle connections, and
 * requests on the wire. A hung host is detected here, twice: a connection
 * with requests outstanding that has received nothing for suspectAfterMs
 * makes its host suspect (Hosts.markSuspect) and its written idempotent
 * requests are re-sent elsewhere (#quiet); a request reaching
 * requestTimeoutMs makes its host down (Hosts.hostTimedOut). Also the
 * all-hosts-down policy for queued requests, and the drain on close.
 */
import { KmipClosedError, KmipConnectionError, KmipTimeoutError } from '../errors';
import type { RequestHeaderOptions } from '../kmip/protocol';
import { Deque } from './deque';
import type { HostConnection, Hosts } from './hosts';
import type { ResolvedTransportOptions } from './options';
import { batchable, describeOps, failed, newPending, twinOf, type Pending, type TransportResponse, type WireOperation } from './request';

type Log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

function allIdempotent(ops: readonly WireOperation[]): boolean {
  for (let i = 0; i < ops.length; i++) if (!ops[i]!.idempotent) return false;
  return true;
}

export class RequestQueue {
  readonly #options: ResolvedTransportOptions;
  readonly #hosts: Hosts;
  readonly #log: Log;
  readonly #queue = new Deque<Pending>();
  #queuedLive = 0;
  #seq = 0;
  #pumpScheduled = false;
  /** Requests the last pump dispatched: more than one means concurrent traffic (see enqueue). */
  #lastPumpDispatched = 0;
  #timer: NodeJS.Timeout | null = null;
  #closing = false;
  #closed = false;
  #onDrained: (() => void) | null = null;

  constructor(options: ResolvedTransportOptions, hosts: Hosts, log: Log) {
    this.#options = options;
    this.#hosts = hosts;
    this.#log = log;
  }

  /** Requests waiting that are not yet answered, failed or timed out. */
  get queuedLive(): number {
    return this.#queuedLive;
  }

  /** True once close began: no new requests, lost ones are not retried. */
  get closing(): boolean {
    return this.#closing;
  }

  /** True once close finished draining: nothing is dispatched any more. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queues one request message holding `ops`. */
  enqueue(
    ops: readonly WireOperation[],
    timeoutMs: number,
    header: RequestHeaderOptions | undefined,
    now: number,
    resolve: (r: TransportResponse) => void,
    reject: (e: Error) => void,
  ): void {
    const p = newPending({
      ops,
      idempotent: allIdempotent(ops),
      timeoutMs,
      queueDeadline: now + this.#options.queueTimeoutMs,
      seq: this.#seq++,
      header,
      internal: false,
      resolve,
      reject,
    });
    // One request at a time (nobody waiting, the last pump dispatched at most
    // one, an idle connection): on the wire now rather than one turn later
    // (FIFO holds: the queue is empty), in one write with whatever else the
    // running callbacks dispatch. Concurrent traffic instead gathers the
    // turn's requests for one pump, so one write carries them all (going
    // direct there would split each turn's group into a lone write and the
    // rest). The idle connection is chosen like any other (round robin among
    // idle hosts with `spread`).
    if (this.#queue.length === 0 && !this.#closed && this.#lastPumpDispatched <= 1) {
      // A usable host without a connection (lost, or never opened) gets one:
      // light traffic never queues, so the pump would never open it.
      this.#hosts.ensureConnections(true);
      // (idleOnly: a connection with nothing in flight.)
      const c = this.#hosts.pick(p, now, true);
      if (c) {
        if (c.dispatch(p)) c.flushSoon();
        this.#arm();
        return;
      }
    }
    p.queued = true;
    this.#queue.push(p);
    this.#queuedLive++;
    this.schedulePump();
  }

  /** One pump (and so one socket write per connection) per event-loop turn. */
  schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => this.#guarded('pump'));
  }

  /**
   * The pump or the sweep, run from setImmediate or the timer: nothing may
   * escape from there (it would crash the host process). A throw is a bug:
   * logged, and what waits fails with a typed error instead of hanging.
   */
  #guarded(what: 'pump' | 'sweep'): void {
    try {
      if (what === 'pump') this.pump();
      else this.#sweep();
    } catch (err) {
      this.#pumpScheduled = false;
      const msg = err instanceof Error ? err.message : String(err);
      this.#log('error', `KMIP transport internal error in ${what}`, { error: msg });
      this.failQueued(new KmipConnectionError(`internal error in the KMIP transport (${what}): ${msg}`, { cause: err }));
      this.#arm();
    }
  }

  /** Puts retried requests back at the head of the queue, oldest first. */
  requeueFront(ps: Pending[]): void {
    ps.sort((a, b) => b.seq - a.seq);
    const deadline = Date.now() + this.#options.queueTimeoutMs;
    for (const p of ps) {
      p.queueDeadline = deadline;
      p.queued = true;
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
    const dirty = new Set<HostConnection>();
    let dispatched = 0;
    while (this.#queue.length > 0) {
      const p = this.#queue.peek()!;
      if (p.done) {
        // Settled while waiting (its twin was answered first).
        this.#queue.shift();
        this.#unqueue(p);
        continue;
      }
      const c = this.#hosts.pick(p, now);
      if (!c) break;
      this.#queue.shift();
      this.#unqueue(p);
      const group = this.#options.batchSize > 1 ? this.#group(p, c, now) : undefined;
      if (group !== undefined ? c.dispatchShared(group) : c.dispatch(p)) dirty.add(c);
      dispatched += group !== undefined ? group.length : 1;
    }
    this.#lastPumpDispatched = dispatched;
    for (const c of dirty) c.flush();
    if (this.#queuedLive > 0) {
      this.#hosts.ensureConnections(true);
      const err = this.#hosts.allDown(now);
      if (err) this.failQueued(err);
    }
    this.#checkDrained();
    this.#arm();
  }

  /**
   * With batchSize > 1: when more requests wait than `c` has free slots, `p`
   * and the batchable requests behind it (queue order, while they may go to
   * `c`) share one request message, enough of them that the waiting
   * requests spread over the free slots (at most batchSize per message).
   * Undefined: `p` goes alone.
   */
  #group(p: Pending, c: HostConnection, now: number): Pending[] | undefined {
    const waiting = this.#queue.length;
    const slots = this.#options.pipelineDepth - c.messagesInFlight; // p's included
    if (waiting < slots || !batchable(p)) return undefined;
    const size = Math.min(this.#options.batchSize, Math.ceil((waiting + 1) / Math.max(1, slots)));
    const group = [p];
    while (group.length < size && this.#queue.length > 0) {
      const q = this.#queue.peek()!;
      if (q.done) {
        this.#queue.shift();
        this.#unqueue(q);
        continue;
      }
      if (!batchable(q) || !this.#hosts.accepts(c, q, now)) break;
      this.#queue.shift();
      this.#unqueue(q);
      group.push(q);
    }
    return group.length > 1 ? group : undefined;
  }

  failQueued(err: Error): void {
    const code = (err as { code?: unknown }).code;
    const errors = this.#hosts.otherErrors;
    while (this.#queue.length > 0) {
      const p = this.#queue.shift()!;
      this.#unqueue(p);
      if (failed(p, err) && typeof code === 'string') errors[code] = (errors[code] ?? 0) + 1;
    }
  }

  #unqueue(p: Pending): void {
    if (!p.queued) return;
    p.queued = false;
    this.#queuedLive--;
  }

  #arm(): void {
    if (this.#closed) return;
    let busy = this.#queuedLive > 0;
    let anyConn = false;
    for (const h of this.#hosts.list) {
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
      const delay = busy ? this.#options.timerResolutionMs : Math.max(this.#options.timerResolutionMs, 250);
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#guarded('sweep');
      }, delay);
    }
    if (busy) this.#timer.ref();
    else this.#timer.unref();
  }

  #sweep(): void {
    if (this.#closed) return;
    const now = Date.now();
    const o = this.#options;
    // Queue deadlines.
    let expired = false;
    for (const p of this.#queue) {
      if (!p.done && p.queueDeadline <= now) {
        expired = true;
        this.#unqueue(p);
        const last = this.#hosts.lastError();
        const err = new KmipTimeoutError(
          'queue',
          o.queueTimeoutMs,
          `${describeOps(p.ops).join('+')} waited ${o.queueTimeoutMs} ms without a free KMIP connection` + (last ? ` (last connection error: ${last.message})` : ''),
          { cause: last },
        );
        if (failed(p, err)) this.#hosts.otherErrors['KMIP_TIMEOUT'] = (this.#hosts.otherErrors['KMIP_TIMEOUT'] ?? 0) + 1;
      }
    }
    if (expired) {
      this.#queue.filter((p) => {
        if (!p.done) return true;
        this.#unqueue(p);
        return false;
      });
    }
    // Connection deadlines.
    for (const h of this.#hosts.list) {
      for (const c of [...h.connections]) {
        if (c.state === 'connecting' || c.state === 'handshaking' || c.state === 'negotiating') {
          if (now >= c.phaseDeadline) {
            const phase = c.phase;
            const ms = phase === 'connect' ? o.connectTimeoutMs : o.handshakeTimeoutMs;
            c.fail(new KmipTimeoutError(phase, ms, `KMIP ${phase === 'negotiation' ? 'version negotiation' : phase} with ${h.label} timed out after ${ms} ms`), 'setup');
          }
          continue;
        }
        if (c.state === 'ready' || c.state === 'draining') {
          // Requests answered elsewhere (done) still hold their slot here until their deadline.
          let err: KmipTimeoutError | undefined;
          for (const t of c.inflight.values()) {
            if (t.deadline > now) continue;
            err = new KmipTimeoutError(
              'request',
              t.timeoutMs,
              `KMIP ${describeOps(t.ops).join('+')} got no answer from ${h.label} within ${t.timeoutMs} ms` + (t.idempotent ? '' : '; its outcome is unknown'),
            );
            if (failed(t, err)) h.stats.error('KMIP_TIMEOUT');
          }
          if (err !== undefined) {
            this.#hosts.hostTimedOut(h, err, now);
            // Its answer may still come and would be misread: the connection goes.
            c.fail(new KmipConnectionError(`connection to ${h.label} closed after a request timed out on it`, { host: h.label }), 'lost');
            continue;
          }
          if (o.suspectAfterMs > 0 && c.messagesInFlight > 0 && now - c.lastReceived >= o.suspectAfterMs) this.#quiet(c, now);
          if (c.state === 'draining' && c.messagesInFlight === 0) c.close();
          else if (c.state === 'ready' && c.messagesInFlight === 0 && o.idleTimeoutMs > 0 && now - c.lastActivity >= o.idleTimeoutMs) {
            this.#log('debug', 'KMIP closing idle connection', { server: h.label });
            c.close();
          }
        }
      }
    }
    this.pump();
  }

  /**
   * `c` has had requests outstanding and received nothing for suspectAfterMs:
   * its host is suspect, and while another host is usable, each idempotent
   * request written to it is re-sent there (its twin): the first answer
   * settles the caller, the other is discarded. Non-idempotent requests wait
   * for their own answer or deadline.
   */
  #quiet(c: HostConnection, now: number): void {
    const h = c.host;
    if (h.health === 'up' || h.health === 'unknown') this.#hosts.markSuspect(h, now, now - c.lastReceived);
    if (this.#closing || !this.#hosts.usableElsewhere(h)) return;
    const twins: Pending[] = [];
    for (const p of c.inflight.values()) {
      if (p.done || p.internal || !p.idempotent || p.twin !== null) continue;
      const q = twinOf(p, now + this.#options.queueTimeoutMs);
      q.avoid = h;
      twins.push(q);
    }
    if (twins.length === 0) return;
    h.stats.resent += twins.length;
    this.#log('warn', 'KMIP re-sending requests written to a quiet host on another host', { server: h.label, requests: twins.length });
    this.requeueFront(twins);
  }

  #checkDrained(): void {
    if (this.#onDrained && this.#queuedLive === 0 && this.#hosts.inFlightCount() === 0) {
      const f = this.#onDrained;
      this.#onDrained = null;
      f();
    }
  }

  /** Stops taking requests (close began). */
  beginClose(): void {
    this.#closing = true;
  }

  /** True while requests are queued or on the wire. */
  get busy(): boolean {
    return this.#queuedLive > 0 || this.#hosts.inFlightCount() > 0;
  }

  /** Resolves when nothing is queued or in flight, or after `drainMs`. */
  drain(drainMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
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

  /** Fails what is left with KmipClosedError, closes every connection and clears the timer. */
  shutdown(): void {
    this.#closed = true;
    this.#hosts.close();
    this.failQueued(new KmipClosedError());
    for (const h of this.#hosts.list) {
      for (const c of [...h.connections]) {
        if (c.messagesInFlight > 0) c.fail(new KmipClosedError(), 'closed');
        else c.close();
      }
    }
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }
}
