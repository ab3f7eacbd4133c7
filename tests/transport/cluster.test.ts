/**
 * Several hosts (an appliance cluster): `spread` and `failover` selection,
 * key affinity and Item Not Found retried on another node, hung hosts
 * (suspect state, re-sending written idempotent requests elsewhere, first
 * answer wins), background probing of down hosts, the all-hosts-down policy,
 * session expiry, stats(). Behaviour only: no assertion on timings.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KmipConnectionError, KmipOperationError, KmipTimeoutError, KmipTlsError } from '../../lib/errors';
import { REASON, type FaultServer } from '../support/fault-server';
import { assertCipher, assertKmipError, dataFor, fileSetup, harnessFor, OP, settle, sleep, waitFor } from './helpers';
import type { KmipClient } from '../../lib/client';

const setup = fileSetup();
const harness = harnessFor(setup);

const user = (s: FaultServer, uid?: string): number => s.userRequests.filter((r) => uid === undefined || r.uid === uid).length;
const stateOf = (c: KmipClient, s: FaultServer): string | undefined => c.stats().hosts.find((x) => x.host === `${s.host}:${s.port}`)?.state;

/** Every host has a ready connection (requests issued until each host answered one). */
async function warm(c: KmipClient, servers: readonly FaultServer[]): Promise<void> {
  for (let i = 0; i < 40 && servers.some((s) => user(s) === 0); i++) {
    await Promise.all(Array.from({ length: servers.length }, (_, k) => c.encrypt(`warm-${i}-${k}`, dataFor(k))));
  }
  assert.ok(servers.every((s) => user(s) > 0), 'warm-up did not reach every host');
}

describe('cluster: host selection', () => {
  it('spread (the default): concurrent requests reach every host, each caller gets its own answer', async (t) => {
    const h = harness(t);
    const servers = [await h.server(), await h.server(), await h.server()];
    const c = h.client(servers);
    await warm(c, servers);
    const before = servers.map((s) => user(s));
    const out = await Promise.all(Array.from({ length: 60 }, (_, i) => c.encrypt(`sp-${i}`, dataFor(i))));
    out.forEach((r, i) => assertCipher(r, OP.Encrypt, `sp-${i}`, dataFor(i)));
    servers.forEach((s, i) => assert.ok(user(s) > before[i]!, `host ${i} got none of the 60 requests`));
    // Each request was answered by exactly one host.
    for (let i = 0; i < 60; i++) assert.equal(servers.reduce((n, s) => n + user(s, `sp-${i}`), 0), 1, `sp-${i}`);
  });

  it('spread: one request at a time goes round robin over idle hosts', async (t) => {
    const h = harness(t);
    const servers = [await h.server(), await h.server(), await h.server()];
    const c = h.client(servers, { hostSelection: 'spread' });
    await warm(c, servers);
    for (let i = 0; i < 9; i++) {
      const d = dataFor(i);
      assertCipher(await c.encrypt(`rr-${i}`, d), OP.Encrypt, `rr-${i}`, d);
    }
    assert.deepEqual(
      servers.map((s) => s.userRequests.filter((r) => r.uid?.startsWith('rr-')).length),
      [3, 3, 3],
    );
  });

  it('spread: after bursts written several to a write (start-up, peaks), one request at a time still goes round robin over every host', async (t) => {
    // A host whose last write carried several requests used to be left out
    // of the one-at-a-time path for good: 50/50/0 instead of 33/33/33.
    const h = harness(t);
    const servers = [await h.server(), await h.server(), await h.server()];
    const c = h.client(servers, { hostSelection: 'spread', pipelineDepth: 8 });
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 30 }, (_, i) => c.encrypt(`burst-${round}-${i}`, dataFor(i))));
    }
    assert.ok(servers.some((s) => s.requests.some((r) => r.chunk > 0 && s.requests.filter((q) => q.connId === r.connId && q.chunk === r.chunk).length > 1)), 'no write carried several requests: the test proves nothing');
    for (let i = 0; i < 30; i++) {
      const d = dataFor(i);
      assertCipher(await c.encrypt(`seq-${i}`, d), OP.Encrypt, `seq-${i}`, d);
    }
    assert.deepEqual(
      servers.map((s) => s.userRequests.filter((r) => r.uid?.startsWith('seq-')).length),
      [10, 10, 10],
    );
  });

  it('spread: a host whose connection was lost gets one again under light traffic, and its share back', async (t) => {
    const h = harness(t);
    const servers = [await h.server(), await h.server(), await h.server()];
    const c = h.client(servers, { hostSelection: 'spread' });
    await warm(c, servers);
    // Host 0 drops its connection (the server closes it); nothing is in flight, nothing waits.
    for (const conn of servers[0]!.connections) conn.destroy();
    await waitFor(() => c.stats().hosts[0]!.inFlight === 0, 'the loss seen');
    await sleep(50);
    for (let i = 0; i < 30; i++) {
      const d = dataFor(i);
      assertCipher(await c.encrypt(`after-${i}`, d), OP.Encrypt, `after-${i}`, d);
    }
    const share = servers.map((s) => s.userRequests.filter((r) => r.uid?.startsWith('after-')).length);
    assert.ok(share[0]! >= 5, `host 0 got ${share[0]} of 30 one-at-a-time requests after losing its connection: ${share.join('/')}`);
  });

  it('failover: every request goes to the first healthy host; when it goes away, to the next', async (t) => {
    const h = harness(t);
    const [a, b] = [await h.server(), await h.server()];
    const c = h.client([a, b], { hostSelection: 'failover', allDownGraceMs: 0 });
    const out = await Promise.all(Array.from({ length: 30 }, (_, i) => c.encrypt(`fo-${i}`, dataFor(i))));
    out.forEach((r, i) => assertCipher(r, OP.Encrypt, `fo-${i}`, dataFor(i)));
    assert.equal(user(a), 30);
    assert.equal(user(b), 0);
    await a.stop();
    const more = await Promise.all(Array.from({ length: 5 }, (_, i) => settle(c.encrypt(`fo2-${i}`, dataFor(i)))));
    more.forEach((s, i) => {
      assert.ok(s.ok, `fo2-${i}: ${String(s.error)}`);
      assertCipher(s.value!, OP.Encrypt, `fo2-${i}`, dataFor(i));
    });
    assert.equal(user(b), 5);
  });
});

describe('cluster: replication lag', () => {
  it('spread: operations on a key created by this process go to the node that created it', async (t) => {
    const h = harness(t);
    const servers = [await h.server(), await h.server(), await h.server()];
    const c = h.client(servers, { hostSelection: 'spread' });
    await warm(c, servers);
    const { uniqueIdentifier: uid } = await c.create();
    const creator = servers.find((s) => s.count(OP.Create) === 1)!;
    assert.ok(creator, 'no host received the Create');
    await c.activate(uid);
    for (let i = 0; i < 6; i++) {
      const d = dataFor(i);
      assertCipher(await c.encrypt(uid, d), OP.Encrypt, uid, d);
    }
    assert.equal(user(creator, uid), 7, 'Activate and the 6 Encrypts should all go to the creating node');
    for (const s of servers) if (s !== creator) assert.equal(user(s, uid), 0);
  });

  it('an Item Not Found from one node is retried once on another healthy node', async (t) => {
    const h = harness(t);
    const [a, b] = [await h.server(), await h.server()];
    // a has not received the key yet.
    a.script = { onRequest: (req) => (req.uid === 'lagging' ? { fail: REASON.ItemNotFound, message: 'no such object' } : 'answer') };
    const c = h.client([a, b], { hostSelection: 'spread' });
    await warm(c, [a, b]);
    for (let i = 0; i < 4; i++) {
      const d = dataFor(i);
      assertCipher(await c.encrypt('lagging', d), OP.Encrypt, 'lagging', d);
    }
    assert.ok(user(a, 'lagging') >= 1, 'round robin should have sent some to a');
    assert.equal(user(b, 'lagging'), 4, 'every request ends answered by b');
    // Activate is not idempotent, but a node that does not know the key did nothing: retried too.
    const r = await settle(c.activate('lagging'));
    assert.ok(r.ok, String(r.error));
  });

  it('Item Not Found from every node: reported after one retry, no more', async (t) => {
    const h = harness(t);
    const servers = [await h.server(), await h.server(), await h.server()];
    for (const s of servers) s.script = { onRequest: (req) => (req.uid === 'gone' ? { fail: REASON.ItemNotFound } : 'answer') };
    const c = h.client(servers, { hostSelection: 'spread' });
    await warm(c, servers);
    const s = await settle(c.encrypt('gone', dataFor(1)));
    const e = assertKmipError(s, KmipOperationError, 'KMIP_OPERATION_FAILED');
    assert.equal(e.resultReason, 'Item Not Found');
    assert.equal(servers.reduce((n, x) => n + user(x, 'gone'), 0), 2);
  });
});

describe('cluster: hung hosts', () => {
  it('negotiation has its own deadline (handshakeTimeoutMs), not requestTimeoutMs', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.DiscoverVersions ? 'drop' : 'answer') };
    const c = h.client([srv], { handshakeTimeoutMs: 300, requestTimeoutMs: 60_000, queueTimeoutMs: 30_000 });
    const s = await settle(c.encrypt('x', dataFor(1)));
    const e = assertKmipError(s, KmipTimeoutError, 'KMIP_TIMEOUT');
    assert.equal(e.phase, 'negotiation');
    assert.equal(e.timeoutMs, 300);
  });

  it('a host that stops answering becomes suspect: its written Encrypts are re-sent elsewhere and answered once, new work avoids it', async (t) => {
    const h = harness(t);
    const servers = [await h.server(), await h.server(), await h.server()];
    const [a, b, c3] = servers as [FaultServer, FaultServer, FaultServer];
    const c = h.client(servers, { hostSelection: 'spread', suspectAfterMs: 200, requestTimeoutMs: 60_000, queueTimeoutMs: 60_000 });
    await warm(c, servers);
    let hung = false;
    a.script = { onRequest: () => (hung ? 'drop' : 'answer') };
    hung = true;
    const out = await Promise.all(Array.from({ length: 30 }, (_, i) => settle(c.encrypt(`hang-${i}`, dataFor(i)))));
    out.forEach((s, i) => {
      assert.ok(s.ok, `hang-${i}: ${String(s.error)}`);
      assertCipher(s.value!, OP.Encrypt, `hang-${i}`, dataFor(i));
    });
    const onA = a.userRequests.filter((r) => r.uid?.startsWith('hang-')).map((r) => r.uid!);
    assert.ok(onA.length > 0, 'some requests should have been written to the hung host');
    for (const uid of onA) assert.equal(user(b, uid) + user(c3, uid), 1, `${uid} re-sent exactly once elsewhere`);
    assert.equal(stateOf(c, a), 'suspect');
    const st = c.stats().hosts.find((x) => x.host === `${a.host}:${a.port}`)!;
    assert.ok(st.resent >= onA.length, `resent ${st.resent}`);
    // New requests avoid it.
    const n = user(a);
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.encrypt(`after-${i}`, dataFor(i))));
    assert.equal(user(a), n);
  });

  it('a Create written to a host that hangs is never re-sent: it fails as outcome-unknown at its deadline', async (t) => {
    const h = harness(t);
    const [a, b] = [await h.server(), await h.server()];
    const c = h.client([a, b], { hostSelection: 'failover', suspectAfterMs: 100 });
    await c.encrypt('warm', dataFor(0));
    a.script = { onRequest: (req) => (req.operation === OP.Create ? 'drop' : 'answer') };
    const s = await settle(c.create({}, { timeoutMs: 600 }));
    const e = assertKmipError(s, KmipTimeoutError, 'KMIP_TIMEOUT');
    assert.match(e.message, /outcome is unknown/);
    assert.equal(a.count(OP.Create), 1);
    assert.equal(b.count(OP.Create), 0);
  });

  it('first answer wins the other way: the quiet host answers while the re-sent copy still waits; the copy is never sent', async (t) => {
    const h = harness(t);
    const [a, b] = [await h.server(), await h.server()];
    // b is slow to negotiate: the copy re-sent there waits in the queue meanwhile.
    b.script = { onRequest: (req) => (req.operation === OP.DiscoverVersions ? { delayMs: 1500 } : 'answer') };
    const c = h.client([a, b], { hostSelection: 'failover', suspectAfterMs: 150, requestTimeoutMs: 60_000 });
    await c.encrypt('warm', dataFor(0));
    a.script = { onRequest: (req) => (req.uid === 'slow' ? 'hold' : 'answer') };
    const d = dataFor(5);
    const pending = c.encrypt('slow', d);
    await waitFor(() => stateOf(c, a) === 'suspect' && c.stats().totals.queued === 1, 'the copy to be queued for b');
    a.connections[0]!.release();
    assertCipher(await pending, OP.Encrypt, 'slow', d);
    await waitFor(() => b.count(OP.Query) === 1 && c.stats().totals.queued === 0, 'b to be ready and the queue empty');
    await sleep(50);
    assert.equal(user(b, 'slow'), 0, 'the copy was sent although the original had been answered');
    assert.equal(c.stats().totals.queued, 0);
  });

  it('first answer wins: the hung host\'s late answer is discarded and the host is used again', async (t) => {
    const h = harness(t);
    const [a, b] = [await h.server(), await h.server()];
    const c = h.client([a, b], { hostSelection: 'failover', suspectAfterMs: 150, requestTimeoutMs: 60_000 });
    await c.encrypt('warm', dataFor(0));
    a.script = { onRequest: (req) => (req.uid === 'slow' ? 'hold' : 'answer') };
    const d = dataFor(5);
    const r = await c.encrypt('slow', d);
    assertCipher(r, OP.Encrypt, 'slow', d);
    assert.equal(user(a, 'slow'), 1);
    assert.equal(user(b, 'slow'), 1);
    // The late answer arrives: discarded, no protocol error, the connection stays, the host is up again.
    a.connections[0]!.release();
    await waitFor(() => stateOf(c, a) === 'up', 'the host to be up again');
    assertCipher(await c.encrypt('later', d), OP.Encrypt, 'later', d);
    assert.equal(user(a, 'later'), 1);
    assert.equal(a.connections.length, 1);
    assert.equal(c.stats().hosts[0]!.errors.KMIP_PROTOCOL ?? 0, 0);
  });
});

describe('cluster: coming back', () => {
  it('a down host is probed in the background and is up again without any request', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { allDownGraceMs: 0, reconnect: { baseDelayMs: 50, maxDelayMs: 100, jitter: 0.2 } });
    assertCipher(await c.encrypt('up', dataFor(1)), OP.Encrypt, 'up', dataFor(1));
    await srv.stop();
    assertKmipError(await settle(c.encrypt('down', dataFor(2))), KmipConnectionError, 'KMIP_CONNECTION');
    assert.equal(stateOf(c, srv), 'down');
    assert.ok(c.stats().hosts[0]!.connectFailures >= 1);
    const conns = srv.connections.length;
    await srv.start();
    await waitFor(() => stateOf(c, srv) === 'up', 'the background probe to find the host back');
    assert.equal(srv.connections.length, conns + 1);
    assert.equal(srv.userRequests.length, 1, 'no user request was needed');
    assertCipher(await c.encrypt('back', dataFor(3)), OP.Encrypt, 'back', dataFor(3));
    assert.equal(srv.connections.length, conns + 1, 'the probe\'s connection carries the traffic');
  });

  it('a host that stays down is probed one attempt at a time, backing off to reconnect.maxDelayMs; probes stop at close()', async (t) => {
    const h = harness(t);
    const srv = await h.server({ mode: 'reset' });
    const c = h.client([srv], { allDownGraceMs: 0, reconnect: { baseDelayMs: 50, maxDelayMs: 200, jitter: 0.2 } });
    assertKmipError(await settle(c.encrypt('x', dataFor(1))), KmipTlsError, 'KMIP_TLS');
    const t0 = Date.now();
    await sleep(1000);
    const elapsed = Date.now() - t0;
    const attempts = srv.tcpConnections;
    // Delays 50, 100, 200, 200, ... (each at least 80 % of that): never more than this many in `elapsed` ms.
    const bound = 1 + 3 + Math.ceil(elapsed / 160);
    assert.ok(attempts >= 2, `only ${attempts} attempts: the host is not probed`);
    assert.ok(attempts <= bound, `${attempts} attempts in ${elapsed} ms (bound ${bound})`);
    await c.close({ drainTimeoutMs: 0 });
    // A probe's connect begun just before close() may reach the server's accept a moment later: count from after that.
    await sleep(100);
    const atClose = srv.tcpConnections;
    await sleep(400);
    assert.equal(srv.tcpConnections, atClose, 'probed after close()');
  });

  it('every host down: requests fail at once with KmipConnectionError naming how many hosts are down', async (t) => {
    const h = harness(t);
    const [a, b] = [await h.server(), await h.server()];
    const c = h.client([a, b], { allDownGraceMs: 0 });
    await warm(c, [a, b]);
    await a.stop();
    await b.stop();
    await sleep(20);
    // The first request finds both connections gone and fails once both hosts refuse.
    await settle(c.encrypt('x', dataFor(1)));
    const s = await settle(c.encrypt('y', dataFor(1)));
    const e = assertKmipError(s, KmipConnectionError, 'KMIP_CONNECTION');
    assert.match(e.message, /2 of 2/);
  });

  it('a blink: with every host down, a request waits up to allDownGraceMs and succeeds when a host is back', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { allDownGraceMs: 20_000, queueTimeoutMs: 20_000, reconnect: { baseDelayMs: 50, maxDelayMs: 100, jitter: 0 } });
    await c.encrypt('up', dataFor(1));
    await srv.stop();
    const pending = settle(c.encrypt('blink', dataFor(2)));
    await waitFor(() => stateOf(c, srv) === 'down', 'the host to be down');
    await srv.start();
    const s = await pending;
    assert.ok(s.ok, String(s.error));
    assertCipher(s.value!, OP.Encrypt, 'blink', dataFor(2));
  });
});

describe('cluster: session expiry', () => {
  const REVOKED = '[NCERRUnauthorizedAccess]: Token has been revoked';

  for (const op of ['encrypt', 'create'] as const) {
    it(`Thales "Token has been revoked" on a long-lived connection: reconnect and send the same ${op} once`, async (t) => {
      const h = harness(t);
      const srv = await h.server();
      let revoked = false;
      srv.script = {
        onRequest: (req) => {
          if (req.operation === OP.DiscoverVersions || req.operation === OP.Query || req.connId !== 1 || req.uid === 'warm') return 'answer';
          if (!revoked) {
            revoked = true;
            return { fail: REASON.GeneralFailure, message: REVOKED };
          }
          return 'answer';
        },
      };
      const c = h.client([srv]);
      await c.encrypt('warm', dataFor(0));
      const s = op === 'encrypt' ? await settle(c.encrypt('again', dataFor(1))) : await settle(c.create());
      assert.ok(s.ok, String(s.error));
      const opCode = op === 'encrypt' ? OP.Encrypt : OP.Create;
      const sent = srv.requests.filter((r) => r.operation === opCode && r.uid !== 'warm');
      assert.deepEqual(sent.map((r) => r.connId), [1, 2], 'sent once on the old connection, once on a new one');
      assert.equal(srv.connections[0]!.closed, true);
    });
  }

  it('revoked again on the new connection: the failure is reported (sent twice at most)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req) => (req.operation === OP.Encrypt && req.uid !== 'warm' ? { fail: REASON.GeneralFailure, message: REVOKED } : 'answer'),
    };
    const c = h.client([srv]);
    await c.encrypt('warm', dataFor(0));
    const s = await settle(c.encrypt('refused', dataFor(1)));
    const e = assertKmipError(s, KmipOperationError, 'KMIP_OPERATION_FAILED');
    assert.equal(e.resultMessage, REVOKED);
    assert.equal(user(srv, 'refused'), 2);
  });

  it('a General Failure with another message is an ordinary failure (not retried)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req) => (req.uid === 'other' ? { fail: REASON.GeneralFailure, message: 'token bucket exhausted' } : 'answer'),
    };
    const c = h.client([srv]);
    await c.encrypt('warm', dataFor(0));
    assertKmipError(await settle(c.encrypt('other', dataFor(1))), KmipOperationError, 'KMIP_OPERATION_FAILED');
    assert.equal(user(srv, 'other'), 1);
  });
});

describe('cluster: stats()', () => {
  it('per host state, in flight, requests, errors by kind, reconnects, latency; plus totals', async (t) => {
    const h = harness(t);
    const [a, b] = [await h.server(), await h.server()];
    for (const x of [a, b]) x.script = { onRequest: (req) => (req.uid === 'denied' ? { fail: REASON.PermissionDenied } : 'answer') };
    const c = h.client([a, b], { hostSelection: 'spread' });
    await warm(c, [a, b]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.encrypt(`st-${i}`, dataFor(i))));
    await settle(c.encrypt('denied', dataFor(1)));
    await settle(c.encrypt('denied', dataFor(1)));
    const s = c.stats();
    assert.equal(s.hostSelection, 'spread');
    assert.equal(s.hosts.length, 2);
    for (const x of s.hosts) {
      assert.equal(x.state, 'up');
      assert.equal(typeof x.since, 'number');
      assert.equal(x.inFlight, 0);
      assert.ok(x.requests > 0);
      assert.ok(x.latencyMs.p50 !== null && x.latencyMs.p50 >= 0);
      assert.ok(x.latencyMs.p99 !== null && x.latencyMs.p99 >= x.latencyMs.p50!);
      assert.equal(x.reconnects, 0);
      assert.equal(x.connectFailures, 0);
    }
    assert.equal(s.totals.errors.KMIP_OPERATION_FAILED, 2);
    assert.equal(s.totals.requests, s.hosts[0]!.requests + s.hosts[1]!.requests);
    assert.equal(s.totals.queued, 0);
    assert.equal(s.totals.inFlight, 0);
    assert.deepEqual(s.totals.hostsByState, { up: 2, suspect: 0, down: 0, unknown: 0 });
  });
});
