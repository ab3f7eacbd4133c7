/**
 * Host health and selection: per host, its connections and its health; which
 * connection takes the next request; when to open a connection and to which
 * host; when a host is marked down and for how long. Hosts are kept in the
 * configured order: the first is preferred, the others take over while it is
 * down.
 *
 * The states a host goes through (derived from its fields, not stored):
 *
 *   unknown      no connection yet, not marked down (failures 0, downUntil 0).
 *   connecting   a connection is being set up (TCP connect, TLS handshake,
 *                version negotiation); ensureConnections opens one only on the
 *                first host, in order, that is not down.
 *   up           a connection reached 'ready' (markUp): failures and back-off
 *                are reset, lastError cleared. pick() sends to the first host,
 *                in order, with a ready connection; when all of that host's
 *                connections are at pipelineDepth the request waits for it
 *                rather than spilling over to the next host.
 *   down         until downUntil, after either
 *                - a connection failed before becoming ready (connectFailed):
 *                  failures + 1, back-off baseDelayMs * 2^(failures - 1),
 *                  capped at maxDelayMs, with ±jitter; or
 *                - a request timed out on the wire there while other hosts are
 *                  configured (hostTimedOut, called by the deadline sweep in
 *                  queue.ts): failures + 1, same back-off without jitter.
 *                A down host gets no new connection; connections already open
 *                there keep serving. A ready connection that is lost does not
 *                change its host's health.
 *   probe-back   once downUntil has passed the host counts as available again:
 *                the next ensureConnections opens a connection to it if it is
 *                the first available host and there is queued work or a
 *                connection open anywhere (traffic on a fallback host thus
 *                probes the preferred one). Success -> up (traffic returns to
 *                it; fallback connections close when idle); failure -> down
 *                with a longer back-off.
 *
 * When every host is down and nothing is connected, allDown() gives the error
 * a new request fails with at once.
 */
import { KmipConnectionError } from '../errors';
import { Connection, type ConnectionHost, type ConnectionOwner } from './connection';
import type { ResolvedTransportOptions } from './options';

export interface HostState extends ConnectionHost {
  readonly connections: Set<Connection<HostState>>;
  failures: number;
  downUntil: number;
  lastError: Error | undefined;
}

export type HostConnection = Connection<HostState>;

export class Hosts {
  /** In order of preference. */
  readonly list: readonly HostState[];
  readonly #options: ResolvedTransportOptions;
  readonly #owner: ConnectionOwner<HostState>;

  constructor(options: ResolvedTransportOptions, owner: ConnectionOwner<HostState>) {
    this.#options = options;
    this.#owner = owner;
    this.list = options.hosts.map((addr) => ({
      addr,
      label: `${addr.host}:${addr.port}`,
      connections: new Set<HostConnection>(),
      failures: 0,
      downUntil: 0,
      lastError: undefined,
    }));
  }

  /** The connection for the next request: the least loaded ready one of the first host that has one. */
  pick(): HostConnection | undefined {
    const depth = this.#options.pipelineDepth;
    for (const h of this.list) {
      let best: HostConnection | undefined;
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

  /** An error when every host is marked down and nothing is connected or connecting. */
  allDown(now: number): Error | undefined {
    let soonest = Infinity;
    for (const h of this.list) {
      if (h.connections.size > 0 || h.downUntil <= now) return undefined;
      soonest = Math.min(soonest, h.downUntil);
    }
    const h0 = this.list.find((h) => h.lastError) ?? this.list[0]!;
    const hostList = this.list.map((h) => h.label).join(', ');
    return new KmipConnectionError(
      `no KMIP server available (${hostList}; next attempt in ${Math.max(0, soonest - now)} ms): ${h0.lastError?.message ?? 'unknown error'}`,
      { cause: h0.lastError, host: h0.label },
    );
  }

  /**
   * Opens a connection on the first host that is not down, when `need` (requests
   * are queued) or to probe it back while a connection is open elsewhere.
   * Returns the error to fail the queued requests with when every host is down
   * and nothing is live to serve them.
   */
  ensureConnections(now: number, need: boolean): Error | undefined {
    let anyOpen = false;
    for (const h of this.list) if (h.connections.size > 0) anyOpen = true;
    if (!need && !anyOpen) return undefined;
    for (const h of this.list) {
      if (h.downUntil > now) continue;
      let open = 0;
      let connecting = 0;
      let allBusy = true;
      for (const c of h.connections) {
        if (c.state === 'closed' || c.state === 'draining') continue;
        open++;
        if (!c.usable) connecting++;
        else if (c.messagesInFlight < this.#options.pipelineDepth) allBusy = false;
      }
      if (open === 0 ? need || anyOpen : need && connecting === 0 && allBusy && open < this.#options.poolSize) {
        this.#open(h);
      }
      return undefined;
    }
    // Every host is marked down.
    if (need) {
      let live = false;
      for (const h of this.list) for (const c of h.connections) if (c.state !== 'closed') live = true;
      if (!live) return this.allDown(now) ?? new KmipConnectionError('no KMIP server available');
    }
    return undefined;
  }

  #open(h: HostState): void {
    const c = new Connection(this.#owner, h, this.#options);
    h.connections.add(c);
    this.#owner.log('debug', 'KMIP connecting', { server: h.label });
  }

  /** A connection on `h` became ready: the host is up. */
  markUp(h: HostState): void {
    h.failures = 0;
    h.downUntil = 0;
    h.lastError = undefined;
  }

  /** A connection ended (for any reason): forget it. */
  removeConnection(c: HostConnection): void {
    c.host.connections.delete(c);
  }

  /** A connection on `h` failed before becoming ready: down with back-off. Returns the delay in ms. */
  connectFailed(h: HostState, err: Error, now: number): number {
    h.failures++;
    const rc = this.#options.reconnect;
    const base = Math.min(rc.maxDelayMs, rc.baseDelayMs * 2 ** Math.min(h.failures - 1, 30));
    const delay = Math.round(base * (1 - rc.jitter + Math.random() * 2 * rc.jitter));
    h.downUntil = now + delay;
    h.lastError = err;
    return delay;
  }

  /** True when a host other than `h` is available or any host has a connection. */
  servableElsewhere(h: HostState, now: number): boolean {
    return this.list.some((x) => (x !== h && x.downUntil <= now) || x.connections.size > 0);
  }

  /** A request timed out on the wire on `h`: with other hosts to use, mark it down. */
  hostTimedOut(h: HostState, err: Error): void {
    if (this.list.length < 2) return;
    h.failures++;
    const rc = this.#options.reconnect;
    h.downUntil = Date.now() + Math.min(rc.maxDelayMs, rc.baseDelayMs * 2 ** Math.min(h.failures - 1, 30));
    h.lastError = err;
  }

  /** The last setup error of the first host that has one. */
  lastError(): Error | undefined {
    return this.list.find((h) => h.lastError)?.lastError;
  }

  inFlightCount(): number {
    let n = 0;
    for (const h of this.list) for (const c of h.connections) n += c.messagesInFlight;
    return n;
  }
}
