/**
 * Optional Prometheus metrics through the host's own prom-client: when the
 * host passes its registry (`new KmipBackend({ kmip, metrics: { registry } })`),
 * the figures of `stats()` are registered there under the `kmip_` prefix.
 * No dependency on prom-client: its module is the one given
 * (`metrics.promClient`), else the host's (resolved from the host process like
 * its arsenal), else whatever `require('prom-client')` finds from here.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `kmip_requests_total` | counter | host, operation |
 * | `kmip_request_duration_seconds` | histogram | host, operation |
 * | `kmip_request_errors_total` | counter | host (empty for failures tied to no host: queue timeouts, every host down), kind (the error's code, e.g. KMIP_TIMEOUT) |
 * | `kmip_reconnects_total` | counter | host |
 * | `kmip_connect_failures_total` | counter | host (failed connection attempts, background probes included) |
 * | `kmip_resent_total` | counter | host (requests re-sent elsewhere because the host went quiet) |
 * | `kmip_batched_total` | counter | host (requests written in a request message shared with others, batchSize > 1) |
 * | `kmip_host_up` | gauge | host (1 up, 0 suspect or down) |
 * | `kmip_host_state` | gauge | host, state (1 for the current state: unknown, up, suspect, down) |
 * | `kmip_in_flight` | gauge | host |
 * | `kmip_queued` | gauge | — |
 *
 * Request counters and the histogram are updated as answers arrive (label
 * children are cached: no allocation per request); the others are read from
 * `stats()` when the registry is scraped. Several backends may share one
 * registry: their figures are added up under the same names.
 */
import { KmipConfigError } from '../errors';
import { operationName } from '../kmip/protocol';
import type { KmipClient } from '../client';
import type { TransportStats } from '../transport';
import { defaultSearchPaths } from './host-errors';

export interface MetricsOptions {
  /** The host's prom-client Registry. */
  readonly registry: unknown;
  /** The prom-client module to build metrics with; default: the host's, else one found from here. */
  readonly promClient?: unknown;
}

interface Child {
  inc(v?: number): void;
  observe(v: number): void;
}
interface Metric {
  labels(...values: string[]): Child;
  reset(): void;
  inc(labels: Record<string, string>, v: number): void;
  set(labels: Record<string, string>, v: number): void;
  set(v: number): void;
}
type MetricCtor = new (cfg: Record<string, unknown>) => Metric;
interface PromClient {
  readonly Counter: MetricCtor;
  readonly Gauge: MetricCtor;
  readonly Histogram: MetricCtor;
}
interface Registry {
  getSingleMetric(name: string): unknown;
}

function isPromClient(m: unknown): m is PromClient {
  const o = m as Partial<PromClient> | null;
  return !!o && typeof o.Counter === 'function' && typeof o.Gauge === 'function' && typeof o.Histogram === 'function';
}

function findPromClient(given: unknown): PromClient {
  if (given !== undefined) {
    if (!isPromClient(given)) throw new KmipConfigError('metrics.promClient must be the prom-client module', 'metrics.promClient');
    return given;
  }
  for (const from of [...defaultSearchPaths(), __dirname]) {
    try {
      const p = require.resolve('prom-client', { paths: [from] });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod: unknown = require(p);
      if (isPromClient(mod)) return mod;
    } catch {
      // not there: try the next place
    }
  }
  throw new KmipConfigError('metrics.registry was given but prom-client cannot be found: pass metrics.promClient', 'metrics.promClient');
}

/** Everything registered in one registry, shared by the backends that use it. */
class RegistryMetrics {
  readonly sources = new Set<() => TransportStats>();
  readonly requests: Metric;
  readonly duration: Metric;
  readonly #children = new Map<string, Map<number, { readonly count: Child; readonly duration: Child }>>();

  constructor(prom: PromClient, registry: Registry) {
    const registers = [registry];
    const sources = this.sources;
    const each = (fn: (s: TransportStats) => void): void => {
      for (const get of sources) fn(get());
    };
    const existing = (name: string): Metric | undefined => (registry.getSingleMetric(name) as Metric | undefined) ?? undefined;
    this.requests =
      existing('kmip_requests_total') ??
      new prom.Counter({ name: 'kmip_requests_total', help: 'KMIP requests answered, by host and operation', labelNames: ['host', 'operation'], registers });
    this.duration =
      existing('kmip_request_duration_seconds') ??
      new prom.Histogram({
        name: 'kmip_request_duration_seconds',
        help: 'KMIP request latency from write to answer, by host and operation',
        labelNames: ['host', 'operation'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      });
    const collected = (name: string, type: 'Counter' | 'Gauge', help: string, labelNames: string[], fill: (m: Metric) => void): void => {
      if (existing(name)) return;
      new prom[type]({
        name,
        help,
        labelNames,
        registers,
        collect(this: Metric) {
          this.reset();
          fill(this);
        },
      });
    };
    collected('kmip_request_errors_total', 'Counter', 'KMIP request failures by host and kind (error code)', ['host', 'kind'], (m) =>
      each((s) => {
        const tied: Record<string, number> = {};
        for (const h of s.hosts) {
          for (const [kind, n] of Object.entries(h.errors)) {
            if (n > 0) m.inc({ host: h.host, kind }, n);
            tied[kind] = (tied[kind] ?? 0) + n;
          }
        }
        for (const [kind, n] of Object.entries(s.totals.errors)) if (n - (tied[kind] ?? 0) > 0) m.inc({ host: '', kind }, n - (tied[kind] ?? 0));
      }),
    );
    collected('kmip_connect_failures_total', 'Counter', 'KMIP connection attempts that failed, background probes included', ['host'], (m) =>
      each((s) => {
        for (const h of s.hosts) if (h.connectFailures > 0) m.inc({ host: h.host }, h.connectFailures);
      }),
    );
    collected('kmip_reconnects_total', 'Counter', 'KMIP connections opened to a host after the first', ['host'], (m) =>
      each((s) => {
        for (const h of s.hosts) if (h.reconnects > 0) m.inc({ host: h.host }, h.reconnects);
      }),
    );
    collected('kmip_resent_total', 'Counter', 'KMIP requests re-sent to another host because this one went quiet', ['host'], (m) =>
      each((s) => {
        for (const h of s.hosts) if (h.resent > 0) m.inc({ host: h.host }, h.resent);
      }),
    );
    collected('kmip_batched_total', 'Counter', 'KMIP requests written in a request message shared with others (batchSize > 1)', ['host'], (m) =>
      each((s) => {
        for (const h of s.hosts) if (h.batched > 0) m.inc({ host: h.host }, h.batched);
      }),
    );
    collected('kmip_host_up', 'Gauge', 'KMIP host usable (1) or suspect/down (0)', ['host'], (m) =>
      each((s) => {
        for (const h of s.hosts) m.set({ host: h.host }, h.state === 'up' || h.state === 'unknown' ? 1 : 0);
      }),
    );
    collected('kmip_host_state', 'Gauge', 'KMIP host state (1 for the current one)', ['host', 'state'], (m) =>
      each((s) => {
        for (const h of s.hosts) for (const st of ['unknown', 'up', 'suspect', 'down']) m.set({ host: h.host, state: st }, h.state === st ? 1 : 0);
      }),
    );
    collected('kmip_in_flight', 'Gauge', 'KMIP requests written and not yet answered, by host', ['host'], (m) =>
      each((s) => {
        for (const h of s.hosts) m.set({ host: h.host }, h.inFlight);
      }),
    );
    collected('kmip_queued', 'Gauge', 'KMIP requests waiting for a connection slot', [], (m) => {
      let n = 0;
      each((s) => {
        n += s.totals.queued;
      });
      m.set(n);
    });
  }

  /** One answer (cached label children: no allocation once seen). */
  observe(host: string, operation: number, ms: number): void {
    let byOp = this.#children.get(host);
    if (byOp === undefined) {
      byOp = new Map();
      this.#children.set(host, byOp);
    }
    let c = byOp.get(operation);
    if (c === undefined) {
      const name = operationName(operation);
      c = { count: this.requests.labels(host, name), duration: this.duration.labels(host, name) };
      byOp.set(operation, c);
    }
    c.count.inc();
    c.duration.observe(ms / 1000);
  }
}

const perRegistry = new WeakMap<object, RegistryMetrics>();

/**
 * Registers the client's figures in `opts.registry`. Returns the function that
 * stops reporting them (called by the backend's close()).
 */
export function installMetrics(client: KmipClient, opts: MetricsOptions): () => void {
  const registry = opts.registry as Registry | null;
  if (!registry || typeof registry !== 'object' || typeof registry.getSingleMetric !== 'function') {
    throw new KmipConfigError('metrics.registry must be a prom-client Registry', 'metrics.registry');
  }
  let m = perRegistry.get(registry);
  if (m === undefined) {
    m = new RegistryMetrics(findPromClient(opts.promClient), registry);
    perRegistry.set(registry, m);
  }
  const source = (): TransportStats => client.stats();
  m.sources.add(source);
  const rm = m;
  client.transport.setObserver({ answered: (host, operation, ms) => rm.observe(host, operation, ms) });
  return () => {
    rm.sources.delete(source);
    client.transport.setObserver(undefined);
  };
}
