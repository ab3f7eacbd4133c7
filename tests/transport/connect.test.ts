/**
 * Getting (and keeping) a connection: refused ports, TLS that never
 * finishes, wrong CAs, old protocol versions, idle timeouts, queue limits,
 * failover between hosts, and close() leaving nothing open.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  KmipClosedError,
  KmipConnectionError,
  KmipQueueFullError,
  KmipTimeoutError,
  KmipTlsError,
  KmipVersionError,
} from '../../lib/errors';
import { makeOtherCaClient } from '../support/certs';
import {
  assertCipher,
  assertKmipError,
  assertNoHandles,
  dataFor,
  fileSetup,
  freePort,
  harnessFor,
  OP,
  settle,
  sleep,
  waitFor,
} from './helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

let otherCa: ReturnType<typeof makeOtherCaClient> | undefined;
/** One unrelated CA + client certificate per file (openssl key generation is slow). */
const otherCaClient = (pki: Parameters<typeof makeOtherCaClient>[0]): ReturnType<typeof makeOtherCaClient> =>
  (otherCa ??= makeOtherCaClient(pki, 'other-ca-client'));

describe('transport connections', () => {
  it('connection refused (closed port) fails fast with KmipConnectionError', async (t) => {
    const h = harness(t);
    const port = await freePort();
    const c = h.client([{ host: '127.0.0.1', port }]);
    const out = await Promise.all([settle(c.encrypt('a', dataFor(1))), settle(c.create())]);
    for (const s of out) {
      const e = assertKmipError(s, KmipConnectionError, 'KMIP_CONNECTION');
      assert.ok(!(e instanceof KmipTlsError));
      assert.match(e.message, /ECONNREFUSED/);
      assert.equal(e.host, `127.0.0.1:${port}`);
      assert.ok(s.ms < 3000, `took ${s.ms} ms`);
    }
    // While the host is marked down, new requests fail at once with the cause.
    const again = await settle(c.encrypt('b', dataFor(2)));
    const e2 = assertKmipError(again, KmipConnectionError, 'KMIP_CONNECTION');
    assert.match(e2.message, /ECONNREFUSED/);
    assert.ok(again.ms < 3000);
  });

  it('TCP accepted but TLS never finishes: KmipTimeoutError phase handshake', async (t) => {
    const h = harness(t);
    const srv = await h.server({ mode: 'silent' });
    const c = h.client([srv], { handshakeTimeoutMs: 300 });
    const out = await Promise.all([settle(c.encrypt('a', dataFor(1))), settle(c.encrypt('b', dataFor(2)))]);
    for (const s of out) {
      const e = assertKmipError(s, KmipTimeoutError, 'KMIP_TIMEOUT');
      assert.equal(e.phase, 'handshake');
      assert.equal(e.timeoutMs, 300);
      assert.ok(s.ms >= 250 && s.ms < 3000, `took ${s.ms} ms`);
    }
    assert.equal(srv.tcpConnections, 1);
  });

  it('TCP accepted then reset during the handshake: KmipTlsError', async (t) => {
    const h = harness(t);
    const srv = await h.server({ mode: 'reset' });
    const c = h.client([srv]);
    const s = await settle(c.encrypt('a', dataFor(1)));
    const e = assertKmipError(s, KmipTlsError, 'KMIP_TLS');
    assert.match(e.message, /during the TLS handshake/);
    assert.ok(s.ms < 3000);
  });

  it('server offering only KMIP 1.1/1.0 (empty intersection): KmipVersionError saying 1.2 or later is required', async (t) => {
    const h = harness(t);
    const srv = await h.server({ versions: [{ major: 1, minor: 1 }, { major: 1, minor: 0 }] });
    const c = h.client([srv]);
    const s = await settle(c.encrypt('a', dataFor(1)));
    const e = assertKmipError(s, KmipVersionError, 'KMIP_VERSION_UNSUPPORTED');
    assert.match(e.message, /1\.2 or later is required/);
    assert.equal(srv.userRequests.length, 0);
    await waitFor(() => srv.openConnections.length === 0, 'the connection to be closed');
  });

  it('server answering Discover Versions with 1.1/1.0 regardless of the offer: KmipVersionError naming them', async (t) => {
    const h = harness(t);
    const srv = await h.server({ versions: [{ major: 1, minor: 1 }, { major: 1, minor: 0 }] });
    srv.versionsMode = 'all';
    const c = h.client([srv]);
    const s = await settle(c.encrypt('a', dataFor(1)));
    const e = assertKmipError(s, KmipVersionError, 'KMIP_VERSION_UNSUPPORTED');
    assert.match(e.message, /1\.2 or later is required/);
    assert.match(e.message, /1\.1, 1\.0/);
    assert.equal(srv.userRequests.length, 0);
  });

  it('client trusting another CA: KmipTlsError', async (t) => {
    const h = harness(t);
    const other = await otherCaClient(h.pki);
    const srv = await h.server();
    const c = h.client([srv], { tls: { ca: other.ca, cert: h.pki.clientCert, key: h.pki.clientKey } });
    const s = await settle(c.encrypt('a', dataFor(1)));
    const e = assertKmipError(s, KmipTlsError, 'KMIP_TLS');
    assert.match(e.message, /CA/);
    assert.ok(s.ms < 3000);
    assert.equal(srv.connections.length, 0);
  });

  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`client certificate from a CA the server does not trust (${maxVersion}): KmipTlsError`, async (t) => {
      const h = harness(t);
      const other = await otherCaClient(h.pki);
      const srv = await h.server();
      const c = h.client([srv], { tls: { ca: h.pki.ca, cert: other.cert, key: other.key, maxVersion } });
      const s = await settle(c.encrypt('a', dataFor(1)));
      // Whatever the class, it is a typed connection-level error, fast, and nothing was sent.
      assert.ok(s.error instanceof KmipConnectionError, String(s.error));
      assert.ok(s.ms < 3000);
      assert.equal(srv.userRequests.length, 0);
      assert.equal(srv.tlsErrors, 1);
    });
  }

  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(
      `client certificate refused (${maxVersion}): the error is a KmipTlsError hinting at the client certificate`,
      {
      },
      async (t) => {
        const h = harness(t);
        const other = await otherCaClient(h.pki);
        const srv = await h.server();
        const c = h.client([srv], { tls: { ca: h.pki.ca, cert: other.cert, key: other.key, maxVersion } });
        const s = await settle(c.encrypt('a', dataFor(1)));
        const e = assertKmipError(s, KmipTlsError, 'KMIP_TLS');
        assert.match(e.message, /client certificate/);
      },
    );
  }

  it('idle timeout closes the connection; the next request reconnects', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { idleTimeoutMs: 150 });
    const d = dataFor(1);
    assertCipher(await c.encrypt('a', d), OP.Encrypt, 'a', d);
    await waitFor(() => srv.connections[0]!.closed, 'the idle connection to be closed', 3000);
    assertCipher(await c.encrypt('b', d), OP.Encrypt, 'b', d);
    assert.equal(srv.connections.length, 2);
    assert.equal(srv.count(OP.DiscoverVersions), 2);
  });

  it('queue full: KmipQueueFullError at once; the rest fail with KmipClosedError on close', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.Encrypt ? 'drop' : 'answer') };
    const c = h.client([srv], { pipelineDepth: 1, maxQueueLength: 2, requestTimeoutMs: 10000 });
    await c.query();
    const a = settle(c.encrypt('a', dataFor(1)));
    await waitFor(() => srv.count(OP.Encrypt) === 1, 'a on the wire');
    const b = settle(c.encrypt('b', dataFor(2)));
    const q = settle(c.encrypt('c', dataFor(3)));
    let full: Awaited<typeof a> | undefined;
    void settle(c.encrypt('d', dataFor(4))).then((s) => (full = s));
    await new Promise((r) => setImmediate(r));
    assert.ok(full, 'the request beyond maxQueueLength did not fail at once');
    assertKmipError(full, KmipQueueFullError, 'KMIP_QUEUE_FULL');
    await c.close({ drainTimeoutMs: 0 });
    for (const s of await Promise.all([a, b, q])) assertKmipError(s, KmipClosedError, 'KMIP_CLOSED');
    assert.equal(srv.count(OP.Encrypt), 1);
    assertKmipError(await settle(c.encrypt('e', dataFor(5))), KmipClosedError, 'KMIP_CLOSED');
  });

  it('queue timeout: a request waiting for a slot fails with KmipTimeoutError phase queue', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.uid === 'slow' ? 'drop' : 'answer') };
    const c = h.client([srv], { pipelineDepth: 1, queueTimeoutMs: 200, requestTimeoutMs: 10000 });
    await c.query();
    const slow = settle(c.encrypt('slow', dataFor(1)));
    await waitFor(() => srv.count(OP.Encrypt) === 1, 'slow on the wire');
    const waiting = await settle(c.encrypt('waiting', dataFor(2)));
    const e = assertKmipError(waiting, KmipTimeoutError, 'KMIP_TIMEOUT');
    assert.equal(e.phase, 'queue');
    assert.ok(waiting.ms >= 150 && waiting.ms < 3000, `took ${waiting.ms} ms`);
    assert.equal(srv.requests.filter((r) => r.uid === 'waiting').length, 0);
    await c.close({ drainTimeoutMs: 0 });
    assertKmipError(await slow, KmipClosedError, 'KMIP_CLOSED');
  });

  it('failover, two hosts, the first refusing connections: traffic goes to the second; when the first is back it gets new connections', async (t) => {
    const h = harness(t);
    const a = await h.server();
    const b = await h.server();
    await a.stop(); // its port now refuses connections
    const c = h.client([a, b], { hostSelection: 'failover', reconnect: { baseDelayMs: 150, maxDelayMs: 150, jitter: 0 } });
    const out = await Promise.all(Array.from({ length: 10 }, (_, i) => c.encrypt(`fo-${i}`, dataFor(i))));
    out.forEach((r, i) => assertCipher(r, OP.Encrypt, `fo-${i}`, dataFor(i)));
    assert.equal(b.userRequests.length, 10);
    assert.equal(a.tcpConnections, 0);
    assert.equal(c.serverInfo?.server, `127.0.0.1:${b.port}`);

    await a.start();
    // Once its down period is over the preferred host is tried again, and used.
    await waitFor(() => a.count(OP.Query) >= 1, 'a connection to the first host', 5000);
    await sleep(20);
    const more = await Promise.all(Array.from({ length: 5 }, (_, i) => c.encrypt(`back-${i}`, dataFor(i))));
    more.forEach((r, i) => assertCipher(r, OP.Encrypt, `back-${i}`, dataFor(i)));
    assert.equal(a.userRequests.length, 5);
    assert.equal(b.userRequests.length, 10);
    assert.equal(c.serverInfo?.server, `127.0.0.1:${a.port}`);
  });

  it('failover, two hosts: a request timing out on the first marks it down; the requests in flight with it are retried on the second', async (t) => {
    const h = harness(t);
    const a = await h.server();
    const b = await h.server();
    a.script = { onRequest: (req) => (req.operation === OP.Encrypt && req.uid !== 'warm' ? 'drop' : 'answer') };
    const c = h.client([a, b], {
      hostSelection: 'failover',
      suspectAfterMs: 0,
      requestTimeoutMs: 5000,
      reconnect: { baseDelayMs: 2000, maxDelayMs: 2000, jitter: 0 },
    });
    await c.encrypt('warm', dataFor(0));
    const slow = settle(c.encrypt('slow', dataFor(1), { timeoutMs: 200 }));
    const others = Array.from({ length: 3 }, (_, i) => settle(c.encrypt(`o-${i}`, dataFor(i + 2))));
    const e = assertKmipError(await slow, KmipTimeoutError, 'KMIP_TIMEOUT', 'slow');
    assert.equal(e.phase, 'request');
    for (const [i, o] of (await Promise.all(others)).entries()) {
      assert.ok(o.ok, `o-${i}: ${String(o.error)}`);
      assertCipher(o.value!, OP.Encrypt, `o-${i}`, dataFor(i + 2));
    }
    assert.deepEqual(b.userRequests.map((r) => r.uid).sort(), ['o-0', 'o-1', 'o-2']);
    const d = dataFor(8);
    assertCipher(await c.encrypt('next', d), OP.Encrypt, 'next', d);
    assert.equal(b.userRequests.length, 4, 'the next request should go to the second host while the first is down');
  });

  it('two hosts, the first never finishing TLS: requests wait for the handshake timeout, then go to the second', async (t) => {
    const h = harness(t);
    const a = await h.server({ mode: 'silent' });
    const b = await h.server();
    const c = h.client([a, b], { handshakeTimeoutMs: 200, reconnect: { baseDelayMs: 5000, maxDelayMs: 5000, jitter: 0 } });
    const out = await Promise.all(Array.from({ length: 3 }, (_, i) => settle(c.encrypt(`s-${i}`, dataFor(i)))));
    out.forEach((s, i) => {
      assert.ok(s.ok, `s-${i}: ${String(s.error)}`);
      assertCipher(s.value!, OP.Encrypt, `s-${i}`, dataFor(i));
    });
    assert.equal(b.userRequests.length, 3);
  });

  it('close() with requests in flight and queued, drainTimeoutMs 0: all fail with KmipClosedError, no handle left', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.Encrypt ? 'hold' : 'answer') };
    const c = h.client([srv], { pipelineDepth: 2 });
    const calls = Array.from({ length: 5 }, (_, i) => settle(c.encrypt(`cl-${i}`, dataFor(i))));
    await waitFor(() => srv.count(OP.Encrypt) === 2, 'two requests on the wire');
    await c.close({ drainTimeoutMs: 0 });
    for (const s of await Promise.all(calls)) assertKmipError(s, KmipClosedError, 'KMIP_CLOSED');
    assertKmipError(await settle(c.encrypt('late', dataFor(9))), KmipClosedError, 'KMIP_CLOSED');
    await srv.close();
    await assertNoHandles();
  });

  it('close() drains requests in flight and queued, then leaves no handle', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.Encrypt ? { delayMs: 20 } : 'answer') };
    const c = h.client([srv], { pipelineDepth: 2 });
    const calls = Array.from({ length: 8 }, (_, i) => settle(c.encrypt(`dr-${i}`, dataFor(i))));
    await waitFor(() => srv.count(OP.Encrypt) >= 1, 'first request on the wire');
    await c.close({ drainTimeoutMs: 5000 });
    const out = await Promise.all(calls);
    out.forEach((s, i) => {
      assert.ok(s.ok, `dr-${i}: ${String(s.error)}`);
      assertCipher(s.value!, OP.Encrypt, `dr-${i}`, dataFor(i));
    });
    await waitFor(() => srv.openConnections.length === 0, 'the client to close its connection');
    await srv.close();
    await assertNoHandles();
  });

  it(
    'close() while the only host keeps failing does not hammer it with reconnections',
    {
    },
    async (t) => {
      const h = harness(t);
      const srv = await h.server({ mode: 'reset' });
      const c = h.client([srv]);
      const p = settle(c.encrypt('x', dataFor(1)));
      const closing = c.close({ drainTimeoutMs: 500 });
      const s = await p;
      await closing;
      assert.ok(srv.tcpConnections <= 3, `${srv.tcpConnections} connection attempts during close()`);
      // The caller learns why its request could not be sent.
      assertKmipError(s, KmipTlsError, 'KMIP_TLS');
      await srv.close();
      await assertNoHandles();
    },
  );
});
