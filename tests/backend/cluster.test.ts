/**
 * The backend over an appliance cluster, configured the way the host does it
 * (`kmip.transport` as an array of transports, PEM contents as Buffers):
 * spread, cluster healthcheck, stats(), optional prom-client metrics.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { KmipBackend } from '../../lib/backend/backend';
import { settingsFromHostConfig } from '../../lib/backend/config';
import { KmipConfigError } from '../../lib/errors';
import type { TestPki } from '../support/certs';
import type { FaultServer } from '../support/fault-server';
import { fileSetup, harnessFor, OP, waitFor, type Harness } from '../transport/helpers';
import { appliance, FakeRequestLog, RecordingLogger } from './helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

/** The host's parsed `config.kmip` with one transport per server. */
function hostKmip(pki: TestPki, servers: ReadonlyArray<{ readonly host: string; readonly port: number }>, transport: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providerName: 'kmip',
    client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
    transport: servers.map((s) => ({
      pipelineDepth: 8,
      ...transport,
      tls: { host: s.host, port: s.port, key: Buffer.from(pki.clientKey), cert: Buffer.from(pki.clientCert), ca: [Buffer.from(pki.ca)] },
    })),
    ...extra,
  };
}

const DATA_KEY = Buffer.alloc(32, 3);

/** `n` fault servers answering Encrypt like appliances (the real 48-byte wrap: the backend refuses anything else). */
async function appliances(h: Harness, n: number): Promise<FaultServer[]> {
  const out: FaultServer[] = [];
  for (let i = 0; i < n; i++) {
    const s = await h.server();
    appliance(s);
    out.push(s);
  }
  return out;
}

function healthcheck(b: KmipBackend, log = new FakeRequestLog()): Promise<unknown> {
  return new Promise((resolve) => b.healthcheck(log, (err) => resolve(err)));
}

describe('backend over a cluster', () => {
  it('the host\'s array of transports spreads the data-key calls over every appliance', async (t) => {
    const h = harness(t);
    const servers = await appliances(h, 3);
    const b = new KmipBackend({ kmip: hostKmip(h.pki, servers), logger: new RecordingLogger() });
    t.after(() => b.close({ drainTimeoutMs: 0 }));
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 30 }, () => b.wrapDataKey('key-1', DATA_KEY)));
    }
    for (const s of servers) assert.ok(s.count(OP.Encrypt) > 0, `server ${s.port} got no Encrypt`);
    assert.equal(b.stats().hostSelection, 'spread');
  });

  for (const mode of ['spread', 'failover'] as const) {
    it(`a comma-separated host string (how the host hands S3KMIP_HOSTS over) behaves like the array: ${mode}`, async (t) => {
      const h = harness(t);
      const servers = await appliances(h, 3);
      const kmip = hostKmip(h.pki, [servers[0]!], { hostSelection: mode });
      const tr = (kmip['transport'] as Array<{ tls: Record<string, unknown> }>)[0]!;
      const single = { ...tr, tls: { ...tr.tls, host: servers.map((s) => `${s.host}:${s.port}`).join(','), port: '5696' } };
      const b = new KmipBackend({ kmip: { ...kmip, transport: single }, logger: new RecordingLogger() });
      t.after(() => b.close({ drainTimeoutMs: 0 }));
      assert.deepEqual(b.settings.transport.hosts.map((x) => x.port), servers.map((s) => s.port));
      for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 30 }, () => b.wrapDataKey('key-1', DATA_KEY)));
      const counts = servers.map((s) => s.count(OP.Encrypt));
      if (mode === 'spread') counts.forEach((n, i) => assert.ok(n > 0, `host ${i + 1} got no Encrypt: ${counts.join('/')}`));
      else assert.deepEqual(counts, [90, 0, 0]);
    });
  }

  it('cluster settings are read from the host config and checked where they enter', (t) => {
    const h = harness(t);
    const kmip = (transport: Record<string, unknown>): Record<string, unknown> => hostKmip(h.pki, [{ host: '127.0.0.1', port: 1 }], transport);
    const s = settingsFromHostConfig(kmip({ hostSelection: 'failover', suspectAfterMs: 500, allDownGraceMs: 0, affinityTtlMs: 0 }), { logger: new RecordingLogger() });
    assert.equal(s.transport.hostSelection, 'failover');
    assert.equal(s.transport.suspectAfterMs, 500);
    assert.equal(s.transport.allDownGraceMs, 0);
    assert.equal(s.transport.affinityTtlMs, 0);
    assert.throws(
      () => settingsFromHostConfig(kmip({ hostSelection: 'random' }), { logger: new RecordingLogger() }),
      (e: unknown) => e instanceof KmipConfigError && e.key === 'kmip.transport[0].hostSelection' && /"spread" or "failover"/.test(e.message),
    );
    assert.throws(
      () => settingsFromHostConfig(kmip({ suspectAfterMs: -1 }), { logger: new RecordingLogger() }),
      (e: unknown) => e instanceof KmipConfigError && /suspectAfterMs/.test(e.key ?? ''),
    );
  });

  it('hostSelection failover from the host config sends everything to the first appliance', async (t) => {
    const h = harness(t);
    const servers = await appliances(h, 2);
    const b = new KmipBackend({ kmip: hostKmip(h.pki, servers, { hostSelection: 'failover' }), logger: new RecordingLogger() });
    t.after(() => b.close({ drainTimeoutMs: 0 }));
    await Promise.all(Array.from({ length: 30 }, () => b.wrapDataKey('key-1', DATA_KEY)));
    assert.equal(servers[0]!.count(OP.Encrypt), 30);
    assert.equal(servers[1]!.count(OP.Encrypt), 0);
  });

  it('healthcheck: OK while one appliance is usable (the down one logged), an error naming how many are down otherwise', async (t) => {
    const h = harness(t);
    const [a, b2] = (await appliances(h, 2)) as [FaultServer, FaultServer];
    const logger = new RecordingLogger();
    const b = new KmipBackend({ kmip: hostKmip(h.pki, [a, b2], { allDownGraceMs: 0 }, { healthcheckCacheMs: 0 }), logger });
    t.after(() => b.close({ drainTimeoutMs: 0 }));
    assert.equal(await healthcheck(b), null);
    await a.stop();
    // Traffic finds it down.
    await Promise.all(Array.from({ length: 10 }, () => b.wrapDataKey('key-1', DATA_KEY).catch(() => undefined)));
    await waitFor(() => b.stats().hosts[0]!.state === 'down', 'the first appliance to be marked down');
    assert.equal(await healthcheck(b), null);
    assert.match(logger.text(), /degraded/);
    assert.match(logger.text(), new RegExp(`127\\.0\\.0\\.1:${a.port}`));
    await b2.stop();
    await Promise.all(Array.from({ length: 4 }, () => b.wrapDataKey('key-1', DATA_KEY).catch(() => undefined)));
    await waitFor(() => b.stats().totals.hostsByState.down === 2, 'both appliances to be marked down');
    const reqLog = new FakeRequestLog();
    const err = (await healthcheck(b, reqLog)) as { code?: number; description?: string } | null;
    assert.ok(err, 'healthcheck should fail with every appliance down');
    // ServiceUnavailable (503) naming how many appliances are down, but not which (no topology for S3 clients).
    assert.equal(err.code, 503);
    assert.match(err.description ?? '', /2 of 2 down/);
    assert.doesNotMatch(err.description ?? '', /127\.0\.0\.1/);
    assert.match(reqLog.text(), /2 of 2 KMIP hosts are down/, 'the details (which hosts, why) go to the log');
  });

  it('prom-client: the host\'s registry gets kmip_ counters, histograms and gauges labelled by host and operation', async (t) => {
    const h = harness(t);
    const servers = await appliances(h, 2);
    const registry = new Registry();
    const b = new KmipBackend({ kmip: hostKmip(h.pki, servers), logger: new RecordingLogger(), metrics: { registry } });
    t.after(() => b.close({ drainTimeoutMs: 0 }));
    await Promise.all(Array.from({ length: 20 }, () => b.wrapDataKey('key-1', DATA_KEY)));
    const text = await registry.metrics();
    const label = `host="127.0.0.1:${servers[0]!.port}"`;
    assert.match(text, /# TYPE kmip_requests_total counter/);
    assert.match(text, new RegExp(`kmip_requests_total\\{${label},operation="Encrypt"\\} \\d+`));
    assert.match(text, /# TYPE kmip_request_duration_seconds histogram/);
    assert.match(text, new RegExp(`kmip_request_duration_seconds_bucket\\{le="[^"]+",${label},operation="Encrypt"\\}`));
    assert.match(text, new RegExp(`kmip_host_up\\{${label}\\} 1`));
    assert.match(text, /# TYPE kmip_in_flight gauge/);
    assert.match(text, /# TYPE kmip_queued gauge/);
    assert.match(text, /# TYPE kmip_batched_total counter/);
    // Nothing registered twice when a second backend shares the registry.
    const b2 = new KmipBackend({ kmip: hostKmip(h.pki, servers), logger: new RecordingLogger(), metrics: { registry } });
    t.after(() => b2.close({ drainTimeoutMs: 0 }));
  });
});
