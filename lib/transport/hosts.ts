/**
 * Host health and selection: per host, its connections, its health and its
 * figures; which connection takes the next request (`spread` or `failover`,
 * with key affinity); when to open a connection and to which host; background
 * probing of down hosts; the all-hosts-down policy.
 *
 * The states a host goes through (`health`, with `since` = when it began):
 *
 *   unknown   not connected yet. Usable: a connection is opened on demand
 *             (with `spread`, on every usable host; with `failover`, on the
 *             first usable host in configuration order).
 *   up        a connection completed TLS, Discover Versions and Query
 *             (markUp): failures and back-off reset. Usable.
 *   suspect   a connection there has requests outstanding and has received no
 *             byte for `suspectAfterMs` (detected by the deadline sweep in
 *             queue.ts, markSuspect). Not usable while another host is: it
 *             gets no new requests, queued ones go elsewhere, and idempotent
 *             requests already written to it are re-sent on another host
 *             (first answer wins). Back to up at its next byte (heard); down
 *             when a request times out there or the connection is lost.
 *   down      a connection attempt failed (connect, TLS, negotiation, or
 *             tls.connect itself threw), or a request timed out there while
 *             other hosts exist, or a suspect host lost its connection, or a
 *             run of connections closed for protocol errors (see below)
 *             (markDown). Not usable. Probed in the
 *             background, whether requests arrive or not: a timer opens one
 *             connection after reconnect.baseDelayMs * 2^(failures - 1),
 *             capped at reconnect.maxDelayMs, ±jitter; success -> up, failure
 *             -> down with the next delay.
 *
 *   unknown -> up | down;  up -> suspect | down;  suspect -> up | down;
 *   down -> up (only through a probe or a connection that became ready).
 *
 * A lost ready connection alone does not change an up host's health: the next
 * request reconnects, and a failure then makes it down.
 *
 * With only suspect hosts left (a single host that went quiet), they are used
 * rather than none. With every host down, allDown() gives the error requests
 * fail with at once, except during the first allDownGraceMs after a cluster
 * that had been up went down entirely (a blink: requests wait, bounded by
 * queueTimeoutMs).
 *
 * A connection that cannot even be started (tls.connect throws on unusable
 * TLS settings) is a failed connection attempt of its host (down, back-off,
 * probe), never an exception out of the pump or a probe timer.
 *
 * Protocol errors (garbage, unknown or duplicate Unique Batch Item IDs) close
 * a ready connection; what was in flight there is retried once (connection.ts).
 * The first such close of a run leaves the host up: it reconnects at once. From
 * the second consecutive one (connections closed for a protocol error with no
 * request answered on them: `protocolFailures`) the host is down like after a
 * failed connection attempt, its back-off growing with the run
 * (baseDelayMs * 2^(protocolFailures - 2), capped), and comes back through its
 * background probe. So a server that answers every request with unknown ids
 * gets a bounded number of connections, and the all-hosts-down policy above
 * decides what requests meanwhile do (another host, a blink wait, or a fast
 * error). A connection that answered a request ends the run.
 */
import { KmipConnectionError } from '../errors';
import { KeyAffinity } from './affinity';
import { Connection, type ConnectionHost, type ConnectionOwner } from './connection';
import { HostCounters, LatencyWindow } from './host-stats';
import type { ResolvedTransportOptions } from './options';
import type { Pending } from './request';
import { tlsSetupError } from './tls-setup';

export type HostHealth = 'unknown' | 'up' | 'suspect' | 'down';

/** At most this many created keys remembered for affinity. */
const AFFINITY_MAX_KEYS = 10_000;

export interface HostState extends ConnectionHost {
  readonly connections: Set<Connection<HostState>>;
  health: HostHealth;
  since: number;
  failures: number;
  /** When the next background probe of a down host is due. */
  downUntil: number;
  lastError: Error | undefined;
  probeTimer: NodeJS.Timeout | null;
  readonly stats: HostCounters;
  /** Connections closed in a row for a protocol error without a request answered on them. */
  protocolFailures: number;
}

export type HostConnection = Connection<HostState>;

export interface HostStats {
  /** `host:port`. */
  readonly host: string;
  readonly state: HostHealth;
  /** When the state began (ms since the epoch). */
  readonly since: number;
  readonly inFlight: number;
  readonly connections: number;
  /** Requests answered (successes and server failures). */
  readonly requests: number;
  /** Failed requests by the typed error's `code` (KMIP_TIMEOUT, KMIP_CONNECTION, KMIP_OPERATION_FAILED, ...). */
  readonly errors: Readonly<Record<string, number>>;
  /** Connections opened after the first. */
  readonly reconnects: number;
  /** Connection attempts that failed (connect, TLS, negotiation), background probes included. */
  readonly connectFailures: number;
  /** Requests written here and re-sent to another host because this one went quiet. */
  readonly resent: number;
  /** Answers that came after the request had been answered elsewhere (discarded). */
  readonly lateAnswers: number;
  /** Requests written in a request message shared with others (batchSize > 1). */
  readonly batched: number;
  /** Connections in a row closed for a protocol error with no request answered between them (from 2, the host is down with back-off). */
  readonly protocolFailures: number;
  /** Over the last minute, from write to answer; null without samples. */
  readonly latencyMs: { readonly p50: number | null; readonly p99: number | null; readonly samples: number };
  readonly lastError: string | undefined;
}

export interface TransportStats {
  readonly hostSelection: 'spread' | 'failover';
  readonly hosts: readonly HostStats[];
  readonly totals: {
    readonly inFlight: number;
    /** Requests waiting for a connection slot (the queue is shared by every host). */
    readonly queued: number;
    readonly requests: number;
    /** Every failure by code, including those not tied to a host (queue timeouts, every host down, queue full). */
    readonly errors: Readonly<Record<string, number>>;
    readonly reconnects: number;
    readonly resent: number;
    readonly latencyMs: { readonly p50: number | null; readonly p99: number | null; readonly samples: number };
    readonly hostsByState: Readonly<Record<HostHealth, number>>;
  };
}

const usable = (h: HostState): boolean => h.health === 'up' || h.health === 'unknown';

export class Hosts {
  /** In configuration order (the order of preference with `failover`). */
  readonly list: readonly HostState[];
  /** Failures not tied to a host (queue timeouts, every host down, queue full), by code. */
  readonly otherErrors: Record<string, number> = {};
  readonly latency = new LatencyWindow();
  readonly #options: ResolvedTransportOptions;
  readonly #owner: ConnectionOwner<HostState>;
  readonly #spread: boolean;
  readonly #affinity: KeyAffinity<HostState>;
  #rr = 0;
  #everUp = false;
  #allDownSince = 0;
  #closed = false;

  constructor(options: ResolvedTransportOptions, owner: ConnectionOwner<HostState>) {
    this.#options = options;
    this.#owner = owner;
    this.#spread = options.hostSelection === 'spread';
    this.#affinity = new KeyAffinity<HostState>(AFFINITY_MAX_KEYS, this.#spread ? options.affinityTtlMs : 0);
    const now = Date.now();
    this.list = options.hosts.map((addr) => ({
      addr,
      label: `${addr.host}:${addr.port}`,
      connections: new Set<HostConnection>(),
      health: 'unknown' as HostHealth,
      since: now,
      failures: 0,
      downUntil: 0,
      lastError: undefined,
      probeTimer: null,
      stats: new HostCounters(),
      protocolFailures: 0,
    }));
  }

  // -------------------------------------------------------------------------
  // Selection

  /**
   * The connection for `p`, or undefined to keep it (and those behind it)
   * queued. `idleOnly`: only a connection with nothing in flight (queue.ts
   * writes to it at once when the traffic comes one request at a time).
   */
  pick(p: Pending, now: number, idleOnly = false): HostConnection | undefined {
    const depth = idleOnly ? 1 : this.#options.pipelineDepth;
    if (this.#spread && p.key !== undefined && this.#affinity.size > 0) {
      const h = this.#affinity.hostFor(p.key, now);
      if (h !== undefined && h !== p.avoid && usable(h)) {
        const c = freeConnection(h, depth);
        if (c !== undefined) return c;
        for (const x of h.connections) if (x.usable) return undefined; // its node is busy: wait for it
      }
    }
    let anyUsable = false;
    for (const h of this.list) if (usable(h) && h !== p.avoid) anyUsable = true;
    if (!anyUsable) return this.#leastLoaded(p, depth, (h) => h.health === 'suspect');
    if (this.#spread) return this.#leastLoaded(p, depth, usable);
    for (const h of this.list) {
      if (!usable(h) || h === p.avoid) continue;
      const c = freeConnection(h, depth);
      if (c !== undefined) return c;
      for (const x of h.connections) if (x.usable) return undefined; // preferred host busy: wait for it
    }
    return undefined;
  }

  /**
   * True when `q` may ride in the message being written to `c` (batchSize >
   * 1) where pick() would have let it go there: not a host it must avoid,
   * and not a key whose creating node (affinity) is another usable host.
   */
  accepts(c: HostConnection, q: Pending, now: number): boolean {
    if (q.avoid === c.host) return false;
    if (this.#spread && q.key !== undefined && this.#affinity.size > 0) {
      const h = this.#affinity.hostFor(q.key, now);
      if (h !== undefined && h !== c.host && h !== q.avoid && usable(h)) return false;
    }
    return true;
  }

  /** Among hosts passing `ok`, the one with the fewest requests in flight that has a free slot; ties round robin. */
  #leastLoaded(p: Pending, depth: number, ok: (h: HostState) => boolean): HostConnection | undefined {
    const n = this.list.length;
    let best: HostConnection | undefined;
    let bestLoad = Infinity;
    let bestIdx = 0;
    for (let i = 0; i < n; i++) {
      const idx = (this.#rr + i) % n;
      const h = this.list[idx]!;
      if (!ok(h) || h === p.avoid) continue;
      const c = freeConnection(h, depth);
      if (c === undefined) continue;
      let load = 0;
      for (const x of h.connections) load += x.messagesInFlight;
      if (load < bestLoad) {
        best = c;
        bestLoad = load;
        bestIdx = idx;
      }
    }
    if (best !== undefined) this.#rr = (bestIdx + 1) % n;
    return best;
  }

  /** True when a usable host other than `h` exists (an Item Not Found may be retried there; `spread` only). */
  otherUsable(h: object): boolean {
    if (!this.#spread) return false;
    for (const x of this.list) if (x !== h && usable(x)) return true;
    return false;
  }

  /** A usable host other than `h` exists (to re-send requests written to a quiet host). */
  usableElsewhere(h: HostState): boolean {
    for (const x of this.list) if (x !== h && usable(x)) return true;
    return false;
  }

  /** Key `uid` was created on the host labelled `label` (with `spread`, later requests on it go there). */
  keyCreated(uid: string, label: string, now: number): void {
    for (const h of this.list) if (h.label === label) this.#affinity.remember(uid, h, now);
  }

  // -------------------------------------------------------------------------
  // Connections

  /**
   * Opens connections where requests need them: with `spread`, on every usable
   * host without one; with `failover`, on the first usable host; plus one more
   * connection on a host whose connections are all busy (up to poolSize).
   * Down hosts are left to their background probe.
   */
  ensureConnections(need: boolean): void {
    if (!need || this.#closed) return;
    const o = this.#options;
    for (const h of this.list) {
      if (!usable(h)) continue;
      let open = 0;
      let connecting = 0;
      let allBusy = true;
      for (const c of h.connections) {
        if (c.state === 'closed' || c.state === 'draining') continue;
        open++;
        if (!c.usable) connecting++;
        else if (c.messagesInFlight < o.pipelineDepth) allBusy = false;
      }
      if (open === 0 || (connecting === 0 && allBusy && open < o.poolSize)) this.#open(h);
      if (!this.#spread) return;
    }
  }

  /**
   * Opens a connection to `h`. When it cannot even start (tls.connect throws
   * on unusable TLS settings), that is a failed connection attempt: `h` is
   * down with back-off, and the all-down policy decides for queued requests.
   */
  #open(h: HostState): void {
    let c: HostConnection;
    try {
      c = new Connection(this.#owner, h, this.#options);
    } catch (err) {
      const e = tlsSetupError(err, h.label);
      h.stats.connectFailures++;
      const delay = this.markDown(h, e, Date.now());
      if (!this.#owner.closing) {
        this.#owner.log('warn', 'KMIP connection failed', { server: h.label, error: e.message, retryInMs: delay, failures: h.failures });
      }
      return;
    }
    h.connections.add(c);
    h.stats.connections++;
    this.#owner.log('debug', 'KMIP connecting', { server: h.label });
  }

  /**
   * A connection ended (for any reason): forget it. One closed for a protocol
   * error extends its host's run of them: the first of a run reconnects at
   * once, from the second the host is down with a back-off growing with the
   * run (markDown; `cause` becomes its last error). One that answered a
   * request ends the run. Returns the reconnection delay in ms (0: none).
   */
  removeConnection(c: HostConnection, now: number, cause?: Error): number {
    const h = c.host;
    h.connections.delete(c);
    if (!c.closedForProtocolError) {
      if (c.successes > 0) h.protocolFailures = 0;
      return 0;
    }
    h.protocolFailures = c.successes > 0 ? 1 : h.protocolFailures + 1;
    if (h.protocolFailures < 2 || this.#closed || this.#owner.closing) return 0;
    // markDown adds one: the back-off is baseDelayMs * 2^(protocolFailures - 2), capped.
    h.failures = Math.max(h.failures, h.protocolFailures - 2);
    return this.markDown(h, cause ?? new KmipConnectionError(`KMIP server ${h.label} keeps breaking the protocol`, { host: h.label }), now);
  }

  // -------------------------------------------------------------------------
  // Health

  #set(h: HostState, health: HostHealth, now: number): void {
    if (h.health === health) return;
    h.health = health;
    h.since = now;
  }

  /** A connection on `h` became ready: the host is up. */
  markUp(h: HostState, now: number): void {
    const was = h.health;
    this.#set(h, 'up', now);
    h.failures = 0;
    h.downUntil = 0;
    h.lastError = undefined;
    if (h.probeTimer !== null) {
      clearTimeout(h.probeTimer);
      h.probeTimer = null;
    }
    this.#everUp = true;
    this.#allDownSince = 0;
    if (was === 'down') this.#owner.log('info', 'KMIP host is back', { server: h.label });
  }

  /** Bytes arrived from a suspect host: it is up again. */
  heard(h: HostState, now: number): void {
    if (h.health !== 'suspect') return;
    this.#set(h, 'up', now);
    this.#owner.log('info', 'KMIP host answers again', { server: h.label });
  }

  /** A connection on `h` has been quiet with requests outstanding: suspect. */
  markSuspect(h: HostState, now: number, quietMs: number): void {
    if (!usable(h)) return;
    this.#set(h, 'suspect', now);
    this.#owner.log('warn', 'KMIP host went quiet with requests outstanding: no new requests go to it', { server: h.label, quietMs });
  }

  /** `h` is down: back-off, background probe scheduled. Returns the delay before the probe. */
  markDown(h: HostState, err: Error, now: number, jitter = true): number {
    h.failures++;
    const rc = this.#options.reconnect;
    const base = Math.min(rc.maxDelayMs, rc.baseDelayMs * 2 ** Math.min(h.failures - 1, 30));
    const delay = jitter ? Math.round(base * (1 - rc.jitter + Math.random() * 2 * rc.jitter)) : base;
    h.downUntil = now + delay;
    h.lastError = err;
    this.#set(h, 'down', now);
    if (this.#allDownSince === 0 && this.list.every((x) => x.health === 'down')) this.#allDownSince = now;
    this.#scheduleProbe(h, delay);
    return delay;
  }

  /** A request timed out on the wire on `h`: with other hosts to use, it is down. */
  hostTimedOut(h: HostState, err: Error, now: number): void {
    if (this.list.length < 2) return;
    this.markDown(h, err, now, false);
  }

  #scheduleProbe(h: HostState, delay: number): void {
    if (this.#closed) return;
    if (h.probeTimer !== null) clearTimeout(h.probeTimer);
    h.probeTimer = setTimeout(() => {
      h.probeTimer = null;
      this.#probe(h);
    }, delay);
    h.probeTimer.unref();
  }

  /** Background probe of a down host: one connection (connect, TLS, Discover Versions, Query). */
  #probe(h: HostState): void {
    if (this.#closed || this.#owner.closing || h.health !== 'down') return;
    for (const c of h.connections) if (!c.usable && c.state !== 'closed' && c.state !== 'draining') return; // one already on its way
    this.#open(h);
  }

  /**
   * The error new and queued requests fail with when every host is down
   * (nothing usable, nothing suspect), unless within allDownGraceMs of a
   * cluster that had been up going down entirely.
   */
  allDown(now: number): Error | undefined {
    for (const h of this.list) if (h.health !== 'down') return undefined;
    if (this.#everUp && now - this.#allDownSince < this.#options.allDownGraceMs) return undefined;
    const first = this.list.find((h) => h.lastError) ?? this.list[0]!;
    const n = this.list.length;
    // One host: its own typed error (TLS, timeout, version...) says it best.
    if (n === 1 && first.lastError) return first.lastError;
    const soonest = Math.min(...this.list.map((h) => h.downUntil));
    const causes = this.list.map((h) => `${h.label}: ${h.lastError?.message ?? 'unknown error'}`).join('; ');
    return new KmipConnectionError(
      `no KMIP server available: ${n} of ${n} KMIP hosts are down (next attempt in ${Math.max(0, soonest - now)} ms; ${causes})`,
      { cause: first.lastError, host: first.label, hostsDown: n },
    );
  }

  /** The last error of the first host that has one. */
  lastError(): Error | undefined {
    return this.list.find((h) => h.lastError)?.lastError;
  }

  inFlightCount(): number {
    let n = 0;
    for (const h of this.list) for (const c of h.connections) n += c.messagesInFlight;
    return n;
  }

  /** Stops background probes (the transport is closing). */
  close(): void {
    this.#closed = true;
    for (const h of this.list) {
      if (h.probeTimer !== null) clearTimeout(h.probeTimer);
      h.probeTimer = null;
    }
  }

  // -------------------------------------------------------------------------
  // Figures

  stats(now: number, queued: number): TransportStats {
    const byState: Record<HostHealth, number> = { up: 0, suspect: 0, down: 0, unknown: 0 };
    const errors: Record<string, number> = { ...this.otherErrors };
    let inFlight = 0;
    let requests = 0;
    let reconnects = 0;
    let resent = 0;
    const hosts = this.list.map((h): HostStats => {
      let hostInFlight = 0;
      let conns = 0;
      for (const c of h.connections) {
        hostInFlight += c.messagesInFlight;
        if (c.state !== 'closed') conns++;
      }
      const s = h.stats;
      byState[h.health]++;
      inFlight += hostInFlight;
      requests += s.requests;
      const rc = Math.max(0, s.connections - 1);
      reconnects += rc;
      resent += s.resent;
      for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
      return {
        host: h.label,
        state: h.health,
        since: h.since,
        inFlight: hostInFlight,
        connections: conns,
        requests: s.requests,
        errors: { ...s.errors },
        reconnects: rc,
        connectFailures: s.connectFailures,
        resent: s.resent,
        lateAnswers: s.lateAnswers,
        batched: s.batched,
        protocolFailures: h.protocolFailures,
        latencyMs: s.latency.percentiles(now),
        lastError: h.lastError?.message,
      };
    });
    return {
      hostSelection: this.#options.hostSelection,
      hosts,
      totals: { inFlight, queued, requests, errors, reconnects, resent, latencyMs: this.latency.percentiles(now), hostsByState: byState },
    };
  }
}

/** The least busy ready connection of `h` with fewer than `depth` request messages in flight. */
function freeConnection(h: HostState, depth: number): HostConnection | undefined {
  let best: HostConnection | undefined;
  for (const c of h.connections) {
    if (!c.usable) continue;
    if (c.messagesInFlight < depth && (best === undefined || c.messagesInFlight < best.messagesInFlight)) best = c;
  }
  return best;
}
