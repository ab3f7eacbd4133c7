/**
 * Server misbehaviour on an established connection: bad Unique Batch Item
 * IDs, garbage bytes, connections closed mid-pipeline, requests never
 * answered, stale authentication, restarts. Every caller must get its own
 * answer or a typed error within its timeout, never someone else's answer.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  KmipConnectionError,
  KmipOperationError,
  KmipOutcomeUnknownError,
  KmipProtocolError,
  KmipTimeoutError,
  KmipVersionError,
} from '../../lib/errors';
import { REASON } from '../support/fault-server';
import { assertCipher, assertKmipError, dataFor, fileSetup, harnessFor, OP, settle, sleep, waitFor } from './helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

describe('transport faults', () => {
  // Since issue 9.5, what was in flight is retried once on a fresh connection:
  // the faults below hit the first two connections so that the retry fails too.
  it('a response with an unknown Unique Batch Item ID closes the connection; after the one retry, everything in flight fails with KmipProtocolError', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.operation !== OP.Encrypt || req.connId > 2) return 'answer';
        if (ctx.conn.held.length === 3) {
          return { items: ctx.defaultItems().map((it) => ({ ...it, id: Buffer.from([0xde, 0xad, 0xbe, 0xef]) })) };
        }
        return 'hold';
      },
    };
    const c = h.client([srv]);
    const out = await Promise.all(Array.from({ length: 4 }, (_, i) => settle(c.encrypt(`uid-${i}`, dataFor(i)))));
    for (const [i, s] of out.entries()) {
      const e = assertKmipError(s, KmipProtocolError, 'KMIP_PROTOCOL', `request ${i}`);
      assert.match(e.message, /deadbeef|matches no request/);
    }
    await waitFor(() => srv.openConnections.length === 0, 'server to see the connection closed');
    // The next request works on a fresh connection.
    const d = dataFor(9);
    assertCipher(await c.encrypt('after', d), OP.Encrypt, 'after', d);
    assert.equal(srv.connections.length, 3);
  });

  it('a response without Unique Batch Item ID is a KmipProtocolError', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) =>
        req.operation === OP.Encrypt && req.connId <= 2 ? { items: ctx.defaultItems().map((it) => ({ ...it, id: null })) } : 'answer',
    };
    const c = h.client([srv]);
    const s = await settle(c.encrypt('noid', dataFor(1)));
    const e = assertKmipError(s, KmipProtocolError, 'KMIP_PROTOCOL');
    assert.match(e.message, /without Unique Batch Item ID/);
    const d = dataFor(2);
    assertCipher(await c.encrypt('next', d), OP.Encrypt, 'next', d);
    assert.equal(srv.connections.length, 3);
  });

  it('a failure without Unique Batch Item ID while one request is in flight is that request\'s failure; the connection stays', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req) =>
        req.uid === 'unparseable' ? { items: [{ id: null, status: 1, reason: REASON.InvalidMessage, message: 'cannot parse' }] } : 'answer',
    };
    const c = h.client([srv], { pipelineDepth: 1 });
    await c.query();
    const s = await settle(c.encrypt('unparseable', dataFor(1)));
    const e = assertKmipError(s, KmipOperationError, 'KMIP_OPERATION_FAILED');
    assert.equal(e.resultReason, 'Invalid Message');
    assert.equal(e.resultMessage, 'cannot parse');
    const d = dataFor(2);
    assertCipher(await c.encrypt('fine', d), OP.Encrypt, 'fine', d);
    assert.equal(srv.connections.length, 1);
  });

  it('a failure without Unique Batch Item ID among several in flight: connection closed, idempotent ones retried, a Create outcome-unknown', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.connId !== 1 || req.operation === OP.DiscoverVersions || req.operation === OP.Query) return 'answer';
        if (ctx.conn.held.length === 4) return { items: [{ id: null, status: 1, reason: REASON.InvalidMessage }] };
        return 'hold';
      },
    };
    const c = h.client([srv]);
    const enc = Array.from({ length: 3 }, (_, i) => settle(c.encrypt(`anon-${i}`, dataFor(i))));
    const created = settle(c.create());
    const last = settle(c.decrypt('anon-last', dataFor(9)));
    for (const [i, r] of (await Promise.all(enc)).entries()) {
      assert.ok(r.ok, `anon-${i}: ${String(r.error)}`);
      assertCipher(r.value!, OP.Encrypt, `anon-${i}`, dataFor(i));
    }
    assertKmipError(await created, KmipOutcomeUnknownError, 'KMIP_OUTCOME_UNKNOWN', 'create');
    const l = await last;
    assert.ok(l.ok, String(l.error));
    assertCipher(l.value!, OP.Decrypt, 'anon-last', dataFor(9));
    assert.equal(srv.connections.length, 2);
  });

  it('Discover Versions refused with Authentication Not Successful: KmipOperationError naming the client certificate', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.DiscoverVersions ? { fail: REASON.AuthenticationNotSuccessful } : 'answer') };
    const c = h.client([srv]);
    const s = await settle(c.encrypt('x', dataFor(1)));
    const e = assertKmipError(s, KmipOperationError, 'KMIP_OPERATION_FAILED');
    assert.match(e.message, /client certificate/);
    assert.equal(srv.userRequests.length, 0);
  });

  it(
    'Discover Versions refused: the KmipOperationError fields are spelled like every other KmipOperationError',
    async (t) => {
      const h = harness(t);
      const srv = await h.server();
      srv.script = { onRequest: (req) => (req.operation === OP.DiscoverVersions ? { fail: REASON.AuthenticationNotSuccessful } : 'answer') };
      const c = h.client([srv]);
      const e = assertKmipError(await settle(c.encrypt('x', dataFor(1))), KmipOperationError, 'KMIP_OPERATION_FAILED');
      assert.equal(e.resultStatus, 'Operation Failed');
      assert.equal(e.resultReason, 'Authentication Not Successful');
    },
  );

  it('Discover Versions refused for another reason: KmipVersionError', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.DiscoverVersions ? { fail: REASON.OperationNotSupported } : 'answer') };
    const c = h.client([srv]);
    const e = assertKmipError(await settle(c.encrypt('x', dataFor(1))), KmipVersionError, 'KMIP_VERSION_UNSUPPORTED');
    assert.match(e.message, /refused Discover Versions/);
  });

  it('garbage bytes (twice: the retry too) fail the requests in flight with KmipProtocolError; the next request reconnects', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.operation !== OP.Encrypt || req.connId > 2) return 'answer';
        if (ctx.conn.held.length === 2) return { raw: Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n') };
        return 'hold';
      },
    };
    const c = h.client([srv]);
    const out = await Promise.all(Array.from({ length: 3 }, (_, i) => settle(c.encrypt(`g-${i}`, dataFor(i)))));
    out.forEach((s, i) => assertKmipError(s, KmipProtocolError, 'KMIP_PROTOCOL', `request ${i}`));
    const d = dataFor(5);
    assertCipher(await c.encrypt('after-garbage', d), OP.Encrypt, 'after-garbage', d);
    assert.equal(srv.connections.length, 3);
  });

  it('a well-framed but undecodable message is a KmipProtocolError', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    // A Structure header announcing 16 bytes, then an item with an unknown type 0xEE.
    const junk = Buffer.alloc(24);
    junk.writeUIntBE(0x42007b, 0, 3);
    junk[3] = 0x01;
    junk.writeUInt32BE(16, 4);
    junk.writeUIntBE(0x42007a, 8, 3);
    junk[11] = 0xee;
    junk.writeUInt32BE(4, 12);
    srv.script = { onRequest: (req) => (req.operation === OP.Encrypt && req.connId <= 2 ? { raw: junk } : 'answer') };
    const c = h.client([srv]);
    assertKmipError(await settle(c.encrypt('junk', dataFor(1))), KmipProtocolError, 'KMIP_PROTOCOL');
  });

  it('a response header announcing a huge message fails at once with KmipProtocolError (no waiting for the bytes)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const header = Buffer.alloc(8);
    header.writeUIntBE(0x42007b, 0, 3);
    header[3] = 0x01;
    header.writeUInt32BE(0x40000000, 4); // 1 GiB
    srv.script = { onRequest: (req) => (req.operation === OP.Encrypt && req.connId <= 2 ? { raw: header } : 'answer') };
    const c = h.client([srv], { requestTimeoutMs: 5000 });
    const s = await settle(c.encrypt('huge', dataFor(1)));
    assertKmipError(s, KmipProtocolError, 'KMIP_PROTOCOL');
    assert.ok(s.ms < 2000, `took ${s.ms} ms`);
  });

  it('an answer followed at once by the server closing: that caller gets its answer, the others are retried', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.connId !== 1 || req.operation === OP.DiscoverVersions || req.operation === OP.Query) return 'answer';
        if (req.uid === 'last-words') {
          setImmediate(() => ctx.conn.end());
          return 'answer';
        }
        return 'hold';
      },
    };
    const c = h.client([srv]);
    const others = Array.from({ length: 3 }, (_, i) => settle(c.encrypt(`other-${i}`, dataFor(i))));
    const lw = settle(c.encrypt('last-words', dataFor(7)));
    const r = await lw;
    assert.ok(r.ok, String(r.error));
    assertCipher(r.value!, OP.Encrypt, 'last-words', dataFor(7));
    for (const [i, o] of (await Promise.all(others)).entries()) {
      assert.ok(o.ok, `other-${i}: ${String(o.error)}`);
      assertCipher(o.value!, OP.Encrypt, `other-${i}`, dataFor(i));
    }
    assert.equal(srv.requests.filter((x) => x.uid === 'last-words').length, 1);
    assert.equal(srv.connections.length, 2);
  });

  it(
    'a request retried after a connection loss is not failed as a queue timeout because it was sent long ago',
    {
    },
    async (t) => {
      const h = harness(t);
      const srv = await h.server();
      srv.script = {
        onRequest: (req, ctx) => {
          // The new connection takes 100 ms to negotiate: the retried request waits in the queue meanwhile.
          if (req.connId === 2 && req.operation === OP.DiscoverVersions) return { delayMs: 100 };
          if (req.connId !== 1 || req.operation !== OP.Encrypt) return 'answer';
          setTimeout(() => ctx.conn.destroy(), 400);
          return 'hold';
        },
      };
      const c = h.client([srv], { queueTimeoutMs: 200, requestTimeoutMs: 5000 });
      const s = await settle(c.encrypt('patient', dataFor(1)));
      assert.ok(s.ok, `retried request failed: ${String(s.error)}`);
      assertCipher(s.value!, OP.Encrypt, 'patient', dataFor(1));
      assert.equal(srv.count(OP.Encrypt), 2);
    },
  );

  it('a connection draining after an authentication failure still delivers the answers in flight on it', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.connId !== 1 || req.operation === OP.DiscoverVersions || req.operation === OP.Query || req.uid === 'warm') return 'answer';
        if (req.uid === 'refused') {
          setTimeout(() => ctx.conn.release('reverse'), 50);
          return { fail: REASON.AuthenticationNotSuccessful };
        }
        return 'hold';
      },
    };
    const c = h.client([srv]);
    await c.encrypt('warm', dataFor(0));
    const held = Array.from({ length: 3 }, (_, i) => settle(c.encrypt(`held-${i}`, dataFor(i + 1))));
    const refused = settle(c.encrypt('refused', dataFor(9)));
    const r = await refused;
    assert.ok(r.ok, String(r.error));
    assertCipher(r.value!, OP.Encrypt, 'refused', dataFor(9));
    for (const [i, o] of (await Promise.all(held)).entries()) {
      assert.ok(o.ok, `held-${i}: ${String(o.error)}`);
      assertCipher(o.value!, OP.Encrypt, `held-${i}`, dataFor(i + 1));
    }
    // Each held request went out once, on the first connection; the retired connection is closed by the client.
    for (let i = 0; i < 3; i++) assert.deepEqual(srv.requests.filter((x) => x.uid === `held-${i}`).map((x) => x.connId), [1]);
    await waitFor(() => srv.connections[0]!.closed, 'the retired connection to be closed', 3000);
  });

  it('connection closed mid-pipeline: idempotent requests are retried once on a new connection, a Create gets KmipOutcomeUnknownError', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const K = 6;
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.connId !== 1 || req.operation === OP.DiscoverVersions || req.operation === OP.Query) return 'answer';
        if (ctx.conn.held.length === K - 1) return 'close';
        return 'hold';
      },
    };
    const c = h.client([srv], { pipelineDepth: 8 });
    const enc = Array.from({ length: 4 }, (_, i) => settle(c.encrypt(`mid-${i}`, dataFor(i))));
    const dec = settle(c.decrypt('mid-dec', dataFor(10)));
    const created = settle(c.create());
    const [encOut, decOut, createOut] = await Promise.all([Promise.all(enc), dec, created]);
    encOut.forEach((s, i) => {
      assert.ok(s.ok, `encrypt ${i}: ${String(s.error)}`);
      assertCipher(s.value!, OP.Encrypt, `mid-${i}`, dataFor(i));
    });
    assert.ok(decOut.ok, String(decOut.error));
    assertCipher(decOut.value!, OP.Decrypt, 'mid-dec', dataFor(10));
    const e = assertKmipError(createOut, KmipOutcomeUnknownError, 'KMIP_OUTCOME_UNKNOWN', 'create');
    assert.deepEqual(e.operations, ['Create']);
    assert.equal(srv.connections.length, 2);
    // Each encrypt/decrypt was sent exactly twice (once per connection); the Create once.
    assert.equal(srv.count(OP.Encrypt), 8);
    assert.equal(srv.count(OP.Decrypt), 2);
    assert.equal(srv.count(OP.Create), 1);
    assert.equal(srv.connections[1]!.stats.byOp[OP.Create] ?? 0, 0);
  });

  it('an idempotent request lost twice fails with KmipConnectionError (retried only once)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.Encrypt ? 'close' : 'answer') };
    const c = h.client([srv]);
    const s = await settle(c.encrypt('doomed', dataFor(1)));
    assertKmipError(s, KmipConnectionError, 'KMIP_CONNECTION');
    assert.equal(srv.count(OP.Encrypt), 2);
  });

  it('a request never answered times out (phase request), the connection is destroyed and the next request uses a fresh one', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.uid === 'black-hole' ? 'drop' : 'answer') };
    const c = h.client([srv], { requestTimeoutMs: 300 });
    const s = await settle(c.encrypt('black-hole', dataFor(1)));
    const e = assertKmipError(s, KmipTimeoutError, 'KMIP_TIMEOUT');
    assert.equal(e.phase, 'request');
    assert.equal(e.timeoutMs, 300);
    assert.ok(s.ms >= 250 && s.ms < 3000, `timed out after ${s.ms} ms`);
    await waitFor(() => srv.connections[0]!.closed, 'the timed-out connection to be closed');
    const d = dataFor(2);
    assertCipher(await c.encrypt('next', d), OP.Encrypt, 'next', d);
    assert.equal(srv.connections.length, 2);
    // The dropped request was not retried.
    assert.equal(srv.requests.filter((r) => r.uid === 'black-hole').length, 1);
  });

  it('when one request times out, the other in-flight idempotent requests are retried and succeed; a Create fails as outcome-unknown', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req) => {
        if (req.connId !== 1 || req.operation === OP.DiscoverVersions || req.operation === OP.Query) return 'answer';
        return 'drop';
      },
    };
    const c = h.client([srv], { requestTimeoutMs: 5000 });
    const short = settle(c.encrypt('short', dataFor(0), { timeoutMs: 250 }));
    const others = Array.from({ length: 3 }, (_, i) => settle(c.encrypt(`long-${i}`, dataFor(i + 1))));
    const created = settle(c.create({}, { timeoutMs: 5000 }));
    const s = await short;
    const e = assertKmipError(s, KmipTimeoutError, 'KMIP_TIMEOUT', 'short');
    assert.equal(e.phase, 'request');
    const out = await Promise.all(others);
    out.forEach((r, i) => {
      assert.ok(r.ok, `long-${i}: ${String(r.error)}`);
      assertCipher(r.value!, OP.Encrypt, `long-${i}`, dataFor(i + 1));
      assert.ok(r.ms < 3000, `long-${i} took ${r.ms} ms`);
    });
    assertKmipError(await created, KmipOutcomeUnknownError, 'KMIP_OUTCOME_UNKNOWN', 'create');
    assert.equal(srv.connections.length, 2);
  });

  it(
    'when several requests time out together, each gets KmipTimeoutError within its own timeout (no retry past the deadline)',
    {
    },
    async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.Encrypt ? 'drop' : 'answer') };
    const timeout = 300;
    const c = h.client([srv], { requestTimeoutMs: timeout });
    await c.query(); // connection ready: all requests go out in one pipeline with the same deadline
    const out = await Promise.all(Array.from({ length: 4 }, (_, i) => settle(c.encrypt(`all-${i}`, dataFor(i)))));
    out.forEach((s, i) => {
      const e = assertKmipError(s, KmipTimeoutError, 'KMIP_TIMEOUT', `all-${i}`);
      assert.equal(e.phase, 'request');
      assert.ok(s.ms < timeout + 1000, `all-${i} failed after ${s.ms} ms (timeout ${timeout})`);
    });
    },
  );

  it('stale authentication on a long-lived connection: reconnect and retry an Encrypt once; a Create gets the KmipOperationError', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const refusedOn = new Set<number>();
    srv.script = {
      onRequest: (req) => {
        if (req.operation === OP.DiscoverVersions || req.operation === OP.Query) return 'answer';
        // Every connection answers its first user request, then refuses authentication once.
        const userSeq = srv.userRequests.filter((r) => r.connId === req.connId).length;
        if (userSeq === 2 && !refusedOn.has(req.connId)) {
          refusedOn.add(req.connId);
          return { fail: REASON.AuthenticationNotSuccessful, message: 'certificate no longer valid' };
        }
        return 'answer';
      },
    };
    const c = h.client([srv]);
    const d0 = dataFor(0);
    assertCipher(await c.encrypt('warm', d0), OP.Encrypt, 'warm', d0);
    const d1 = dataFor(1);
    const r = await settle(c.encrypt('stale', d1));
    assert.ok(r.ok, `retried encrypt failed: ${String(r.error)}`);
    assertCipher(r.value!, OP.Encrypt, 'stale', d1);
    assert.equal(srv.connections.length, 2);
    assert.equal(srv.requests.filter((x) => x.uid === 'stale').length, 2);
    assert.equal(srv.requests.filter((x) => x.uid === 'stale')[1]!.connId, 2);

    // Connection 2 answered 'stale' (its first); the next request is refused once: a Create is not retried.
    const cr = await settle(c.create());
    const e = assertKmipError(cr, KmipOperationError, 'KMIP_OPERATION_FAILED', 'create');
    assert.equal(e.resultReason, 'Authentication Not Successful');
    assert.equal(e.resultMessage, 'certificate no longer valid');
    assert.equal(srv.count(OP.Create), 1);
  });

  it('an Encrypt refused authentication twice fails with the KmipOperationError (retried only once)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req) =>
        req.operation === OP.Encrypt && req.uid !== 'warm' ? { fail: REASON.AuthenticationNotSuccessful } : 'answer',
    };
    const c = h.client([srv]);
    await c.encrypt('warm', dataFor(0));
    const s = await settle(c.encrypt('refused', dataFor(1)));
    const e = assertKmipError(s, KmipOperationError, 'KMIP_OPERATION_FAILED');
    assert.equal(e.resultReason, 'Authentication Not Successful');
    assert.equal(srv.requests.filter((x) => x.uid === 'refused').length, 2);
  });

  it(
    'an authentication failure on a fresh connection (no request answered yet) is not retried',
    {
    },
    async (t) => {
      const h = harness(t);
      const srv = await h.server();
      srv.script = { onRequest: (req) => (req.operation === OP.Encrypt ? { fail: REASON.AuthenticationNotSuccessful } : 'answer') };
      const c = h.client([srv]);
      const s = await settle(c.encrypt('never-allowed', dataFor(1)));
      assertKmipError(s, KmipOperationError, 'KMIP_OPERATION_FAILED');
      assert.equal(srv.count(OP.Encrypt), 1, 'the refused Encrypt was retried on a new connection');
      assert.equal(srv.connections.length, 1, 'a new connection was opened for a request that never worked');
    },
  );

  it('server restart: the idle connection is dropped and the next request reconnects', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv]);
    const d = dataFor(1);
    assertCipher(await c.encrypt('before', d), OP.Encrypt, 'before', d);
    const port = srv.port;
    await srv.restart();
    assert.equal(srv.port, port);
    await sleep(50);
    assertCipher(await c.encrypt('after', d), OP.Encrypt, 'after', d);
    assert.equal(srv.connections.length, 2);
  });

  it('server restart with requests in flight: idempotent ones are retried on the restarted server', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req) => (req.connId === 1 && req.operation === OP.Encrypt ? 'hold' : 'answer'),
    };
    const c = h.client([srv]);
    const inflight = Array.from({ length: 5 }, (_, i) => settle(c.encrypt(`rs-${i}`, dataFor(i))));
    await waitFor(() => srv.count(OP.Encrypt) === 5, 'requests to arrive');
    await srv.restart();
    const out = await Promise.all(inflight);
    out.forEach((s, i) => {
      assert.ok(s.ok, `rs-${i}: ${String(s.error)}`);
      assertCipher(s.value!, OP.Encrypt, `rs-${i}`, dataFor(i));
    });
    assert.equal(srv.connections.length, 2);
  });

  it('server down for a while: requests fail fast with KmipConnectionError, then succeed once it is back', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { reconnect: { baseDelayMs: 100, maxDelayMs: 100, jitter: 0 } });
    const d = dataFor(1);
    assertCipher(await c.encrypt('up', d), OP.Encrypt, 'up', d);
    await srv.stop();
    await sleep(30);
    const down = await settle(c.encrypt('down', d));
    assertKmipError(down, KmipConnectionError, 'KMIP_CONNECTION', 'down');
    assert.ok(down.ms < 3000, `took ${down.ms} ms`);
    await srv.start();
    await sleep(150); // past the down period
    assertCipher(await c.encrypt('back', d), OP.Encrypt, 'back', d);
  });

  it('Discover Versions never answered: KmipTimeoutError phase negotiation', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.DiscoverVersions ? 'drop' : 'answer') };
    const c = h.client([srv], { requestTimeoutMs: 300 });
    const s = await settle(c.encrypt('x', dataFor(1)));
    const e = assertKmipError(s, KmipTimeoutError, 'KMIP_TIMEOUT');
    assert.equal(e.phase, 'negotiation');
    assert.ok(s.ms < 3000);
    assert.equal(srv.count(OP.Encrypt), 0);
  });

  it('connection closed by the server during negotiation: queued requests fail with a connection error, nothing is sent', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.Query ? 'close' : 'answer') };
    const c = h.client([srv]);
    const out = await Promise.all([settle(c.encrypt('q1', dataFor(1))), settle(c.create())]);
    for (const s of out) assertKmipError(s, KmipConnectionError, 'KMIP_CONNECTION');
    assert.equal(srv.userRequests.length, 0);
  });

  it('a refused Query is not fatal: the connection is used without server information', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.Query ? { fail: REASON.OperationNotSupported } : 'answer') };
    const c = h.client([srv]);
    const d = dataFor(3);
    assertCipher(await c.encrypt('noquery', d), OP.Encrypt, 'noquery', d);
    assert.equal(c.serverInfo?.vendorIdentification, undefined);
  });
});
