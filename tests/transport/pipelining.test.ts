/**
 * Pipelining against the fault server: answers split into 1-byte writes,
 * coalesced, out of order; depth limits; FIFO fairness; non-ASCII uids;
 * failure statuses that must reach only their own caller.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KmipOperationError } from '../../lib/errors';
import { assertCipher, assertKmipError, dataFor, fileSetup, harnessFor, OP, settle } from './helpers';
import { expectedKeyMaterial, REASON, type ReceivedRequest } from '../support/fault-server';
import { RecordingLogger } from '../client/pykmip-helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

describe('transport pipelining', () => {
  it('answers every operation correctly by default (sanity)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv]);
    const data = Buffer.from('hello world');
    assertCipher(await c.encrypt('k1', data), OP.Encrypt, 'k1', data);
    assertCipher(await c.decrypt('k1', data, { ivCounterNonce: Buffer.from('0123456789ab') }), OP.Decrypt, 'k1', data);
    const created = await c.create();
    assert.match(created.uniqueIdentifier, /^fs-key-\d+$/);
    assert.equal(await c.activate('k2'), 'k2');
    assert.equal(await c.revoke('k2'), 'k2');
    assert.equal(await c.destroy('k2'), 'k2');
    const g = await c.get('k3');
    assert.ok(g.keyMaterial?.equals(expectedKeyMaterial('k3')));
    const ga = await c.getAttributes('k4');
    assert.equal(ga.uniqueIdentifier, 'k4');
    assert.deepEqual(await c.locate({ name: 'x' }), ['loc-1']);
    assert.equal(c.serverInfo?.vendorIdentification, 'fault-server');
    assert.deepEqual(c.serverInfo?.version, { major: 2, minor: 0 });
    assert.equal(srv.connections.length, 1);
    assert.equal(srv.count(OP.DiscoverVersions), 1);
    assert.equal(srv.count(OP.Query), 1);
    // Discover Versions goes with a 1.x header; later requests use the negotiated version.
    assert.equal(srv.requests[0]!.version.major, 1);
    assert.deepEqual(srv.userRequests[0]!.version, { major: 2, minor: 0 });
    assert.deepEqual(srv.errors, []);
  });

  it('negotiates the highest common version (server supports up to 1.3)', async (t) => {
    const h = harness(t);
    const srv = await h.server({ versions: [{ major: 1, minor: 3 }, { major: 1, minor: 2 }] });
    const c = h.client([srv]);
    const data = dataFor(1);
    assertCipher(await c.encrypt('v13', data), OP.Encrypt, 'v13', data);
    assert.deepEqual(c.serverInfo?.version, { major: 1, minor: 3 });
    assert.deepEqual(srv.userRequests[0]!.version, { major: 1, minor: 3 });
  });

  it('reassembles answers written one byte at a time', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.writeMode = 'bytewise';
    const c = h.client([srv], { requestTimeoutMs: 10000 });
    const n = 24;
    const res = await Promise.all(Array.from({ length: n }, (_, i) => c.encrypt(`byte-${i}`, dataFor(i))));
    res.forEach((r, i) => assertCipher(r, OP.Encrypt, `byte-${i}`, dataFor(i)));
    assert.equal(srv.connections.length, 1);
    assert.equal(srv.userRequests.length, n);
  });

  it('splits answers coalesced into one write', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.writeMode = 'coalesce';
    const c = h.client([srv]);
    const res = await Promise.all(Array.from({ length: 64 }, (_, i) => c.decrypt(`co-${i}`, dataFor(i))));
    res.forEach((r, i) => assertCipher(r, OP.Decrypt, `co-${i}`, dataFor(i)));
    assert.equal(srv.connections.length, 1);
  });

  it('matches 8 held answers released reversed in a single write', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.operation !== OP.Encrypt) return 'answer';
        if (ctx.conn.held.length === 7) setImmediate(() => ctx.conn.release('reverse', { coalesce: true }));
        return 'hold';
      },
    };
    const c = h.client([srv], { pipelineDepth: 8 });
    const res = await Promise.all(Array.from({ length: 8 }, (_, i) => c.encrypt(`rev-${i}`, dataFor(i))));
    res.forEach((r, i) => assertCipher(r, OP.Encrypt, `rev-${i}`, dataFor(i)));
    assert.equal(srv.connections.length, 1);
    assert.equal(srv.maxOutstanding, 8);
  });

  it('200 concurrent requests at depth 8, answered shuffled: each caller gets its own answer', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    let batches = 0;
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.operation !== OP.Encrypt && req.operation !== OP.Decrypt) return 'answer';
        const conn = ctx.conn;
        if (conn.held.length === 7) {
          setImmediate(() => {
            batches++;
            conn.release('shuffle', { coalesce: batches % 2 === 0, seed: batches });
          });
        }
        return 'hold';
      },
    };
    const c = h.client([srv], { pipelineDepth: 8, requestTimeoutMs: 10000 });
    const n = 200;
    const calls = Array.from({ length: n }, (_, i) => {
      const uid = `ooo-${i % 13}`; // uids repeat; data makes every request unique
      const op = i % 3 === 0 ? OP.Decrypt : OP.Encrypt;
      const p = op === OP.Decrypt ? c.decrypt(uid, dataFor(i)) : c.encrypt(uid, dataFor(i));
      return { uid, op, data: dataFor(i), p: settle(p) };
    });
    const out = await Promise.all(calls.map((x) => x.p));
    out.forEach((s, i) => {
      assert.ok(s.ok, `request ${i} failed: ${String(s.error)}`);
      assertCipher(s.value!, calls[i]!.op, calls[i]!.uid, calls[i]!.data);
    });
    assert.equal(batches, n / 8);
    assert.equal(srv.connections.length, 1);
    assert.ok(srv.maxOutstanding <= 8, `server saw ${srv.maxOutstanding} outstanding`);
  });

  it('respects pipelineDepth (server never sees more than N outstanding)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.Encrypt ? { delayMs: 5 + (req.seq % 4) * 5 } : 'answer') };
    for (const depth of [1, 3]) {
      const c = h.client([srv], { pipelineDepth: depth });
      const before = srv.connections.length;
      const res = await Promise.all(Array.from({ length: 30 }, (_, i) => c.encrypt(`d${depth}-${i}`, dataFor(i))));
      res.forEach((r, i) => assertCipher(r, OP.Encrypt, `d${depth}-${i}`, dataFor(i)));
      const mine = srv.connections.slice(before);
      assert.equal(mine.length, 1);
      assert.ok(mine[0]!.stats.maxOutstanding <= depth, `depth ${depth}: server saw ${mine[0]!.stats.maxOutstanding}`);
      if (depth > 1) assert.ok(mine[0]!.stats.maxOutstanding > 1, 'requests were not pipelined at all');
      await c.close();
    }
  });

  it('with poolSize 2 and depth 2, spreads over two connections and respects the depth on each', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.Encrypt ? { delayMs: 20 } : 'answer') };
    const c = h.client([srv], { pipelineDepth: 2, poolSize: 2 });
    const res = await Promise.all(Array.from({ length: 30 }, (_, i) => c.encrypt(`pool-${i}`, dataFor(i))));
    res.forEach((r, i) => assertCipher(r, OP.Encrypt, `pool-${i}`, dataFor(i)));
    assert.ok(srv.connections.length >= 1 && srv.connections.length <= 2, `${srv.connections.length} connections`);
    for (const conn of srv.connections) assert.ok(conn.stats.maxOutstanding <= 2);
  });

  it('FIFO: requests issued from another request\'s .then do not jump ahead of queued ones', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.Encrypt ? { delayMs: 2 } : 'answer') };
    for (const depth of [1, 4]) {
      const c = h.client([srv], { pipelineDepth: depth });
      const first = srv.requests.length;
      const followUps: Promise<unknown>[] = [];
      const originals = Array.from({ length: 20 }, (_, i) =>
        c.encrypt(`fifo${depth}-${i}`, dataFor(i)).then((r) => {
          followUps.push(c.encrypt(`fifo${depth}-then-${i}`, dataFor(100 + i)));
          return r;
        }),
      );
      await Promise.all(originals);
      await Promise.all(followUps);
      const seen = srv.requests
        .slice(first)
        .filter((r) => r.operation === OP.Encrypt)
        .map((r) => r.uid);
      assert.equal(seen.length, 40);
      assert.deepEqual(
        seen.slice(0, 20),
        Array.from({ length: 20 }, (_, i) => `fifo${depth}-${i}`),
        `depth ${depth}: originals out of order or overtaken: ${seen.join(',')}`,
      );
      assert.deepEqual(
        seen.slice(20),
        Array.from({ length: 20 }, (_, i) => `fifo${depth}-then-${i}`),
      );
      await c.close();
    }
  });

  it('a request on an idle connection is dispatched at once; requests issued in one turn on a busy one go out in one write', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const log = new RecordingLogger();
    const c = h.client([srv], { logger: log, logMessages: true });
    await c.encrypt('warm', dataFor(0)); // connected, negotiated, idle
    const sent = (): number => log.lines.filter((l) => l.msg === 'KMIP message sent').length;
    const before = sent();
    const first = c.encrypt('first', dataFor(1));
    // Encoded before this call returned: no event-loop turn waited for.
    assert.equal(sent(), before + 1);
    const rest = Array.from({ length: 7 }, (_, i) => c.encrypt(`rest-${i}`, dataFor(2 + i)));
    // The connection is busy now: these wait for the turn's one pump.
    assert.equal(sent(), before + 1);
    await Promise.all([first, ...rest]);
    const reqs = srv.userRequests.filter((r) => r.uid === 'first' || r.uid?.startsWith('rest-'));
    assert.equal(reqs.length, 8);
    const chunks = new Set(reqs.filter((r) => r.uid !== 'first').map((r) => r.chunk));
    assert.equal(chunks.size, 1, 'the seven requests of one turn arrived in one socket read (one write, one TLS record)');
  });

  it('encodes a non-ASCII uid exactly and leaves its pipeline neighbours unaffected', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.operation !== OP.Encrypt) return 'answer';
        if (ctx.conn.held.length === 4) setImmediate(() => ctx.conn.release('shuffle', { coalesce: true }));
        return 'hold';
      },
    };
    const c = h.client([srv]);
    const uids = ['plain-0', 'clé-ü', 'plain-2', '鍵-🔑-Ω', 'plain-4'];
    const res = await Promise.all(uids.map((u, i) => c.encrypt(u, dataFor(i, 7 + i))));
    res.forEach((r, i) => assertCipher(r, OP.Encrypt, uids[i]!, dataFor(i, 7 + i)));
    const seen = srv.userRequests.map((r) => r.uid);
    assert.deepEqual(seen, uids);
    // Same messages went in one pipeline on one connection.
    assert.equal(srv.connections.length, 1);
    assert.deepEqual(srv.errors, []);
  });

  it('a failure status reaches only its own caller; the connection stays up', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req) => {
        if (req.uid === 'missing') return { fail: REASON.ItemNotFound, message: 'no such key' };
        if (req.uid === 'denied') return { fail: REASON.PermissionDenied };
        return req.operation === OP.Encrypt ? { delayMs: req.seq % 3 } : 'answer';
      },
    };
    const c = h.client([srv]);
    const uids = ['a', 'missing', 'b', 'denied', 'c', 'd'];
    const out = await Promise.all(uids.map((u, i) => settle(c.encrypt(u, dataFor(i)))));
    out.forEach((s, i) => {
      const u = uids[i]!;
      if (u === 'missing') {
        const e = assertKmipError(s, KmipOperationError, 'KMIP_OPERATION_FAILED', u);
        assert.equal(e.operation, 'Encrypt');
        assert.equal(e.resultStatus, 'Operation Failed');
        assert.equal(e.resultReason, 'Item Not Found');
        assert.equal(e.resultMessage, 'no such key');
      } else if (u === 'denied') {
        const e = assertKmipError(s, KmipOperationError, 'KMIP_OPERATION_FAILED', u);
        assert.equal(e.resultReason, 'Permission Denied');
      } else {
        assert.ok(s.ok, `${u}: ${String(s.error)}`);
        assertCipher(s.value!, OP.Encrypt, u, dataFor(i));
      }
    });
    assert.equal(srv.connections.length, 1);
    assert.equal(srv.openConnections.length, 1);
  });

  it('matches the items of a batch answered in reverse item order', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => (req.items.length > 1 ? { items: ctx.defaultItems().reverse() } : 'answer'),
    };
    const c = h.client([srv]);
    const ops = await import('../../lib/kmip/operations');
    const d1 = dataFor(1);
    const d2 = dataFor(2);
    const out = await c.batch([ops.encrypt({ uniqueIdentifier: 'b1', data: d1 }), ops.decrypt({ uniqueIdentifier: 'b2', data: d2 })]);
    assert.equal(out.length, 2);
    assert.ok(out[0]!.ok && out[1]!.ok);
    assertCipher(out[0]!.value as never, OP.Encrypt, 'b1', d1);
    assertCipher(out[1]!.value as never, OP.Decrypt, 'b2', d2);
    const req: ReceivedRequest = srv.userRequests[0]!;
    assert.equal(req.items.length, 2);
    assert.notDeepEqual(req.items[0]!.id, req.items[1]!.id);
  });
});
