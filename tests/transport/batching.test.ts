/**
 * Issue 11, optional batching (`batchSize` > 1): when more requests wait than
 * the connection has free pipeline slots, single-operation idempotent
 * requests share one request message, one batch item each, with Batch Error
 * Continuation Option Continue. Against the fault server: what is batched and
 * what is not, each caller getting its own item's answer whatever the order
 * of the items, one item's failure staying its own, items left unanswered
 * sent again, and answers that do not fit the message (unknown, foreign or
 * duplicated IDs) closing the connection without anyone getting another's
 * answer. The same against real servers (PyKMIP, the dev server) is in
 * tests/conformance/ops-suite.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KmipOperationError, KmipProtocolError } from '../../lib/errors';
import * as ops from '../../lib/kmip/operations';
import { Tag } from '../../lib/kmip/tags';
import { encodeResponse, REASON, type FaultServer, type ReceivedRequest } from '../support/fault-server';
import { assertCipher, assertKmipError, dataFor, fileSetup, harnessFor, OP, settle } from './helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

/** Encrypt and Decrypt request messages, but the warm-up. */
const encrypts = (srv: FaultServer): ReceivedRequest[] =>
  srv.requests.filter((r) => (r.operation === OP.Encrypt || r.operation === OP.Decrypt) && r.uid !== 'warm');

/** The Batch Error Continuation Option of a received request message, if any. */
function continuation(r: ReceivedRequest): number | undefined {
  const kids = r.message.type === 0x01 ? r.message.value : [];
  const hdr = kids.find((k) => k.tag === Tag.RequestHeader);
  const opt = hdr && hdr.type === 0x01 ? hdr.value.find((k) => k.tag === Tag.BatchErrorContinuationOption) : undefined;
  return opt && opt.type === 0x05 ? opt.value : undefined;
}

type Ctx = Parameters<NonNullable<FaultServer['script']['onRequest']>>[1];
type Act = ReturnType<NonNullable<FaultServer['script']['onRequest']>>;

/**
 * Holds the first Encrypt for 50 ms (so the requests behind it wait, and are
 * batched), then answers the others with `then` (default: correctly).
 */
function afterFirstHeld(then: (req: ReceivedRequest, ctx: Ctx) => Act): FaultServer['script'] {
  let first = true;
  return {
    onRequest: (req, ctx) => {
      if (req.operation !== OP.Encrypt) return 'answer';
      if (first) {
        first = false;
        setTimeout(() => ctx.conn.release(), 50);
        return 'hold';
      }
      return then(req, ctx);
    },
  };
}

/** The Unique Identifier of batch item `i` of `req`. */
const uidOf = (req: ReceivedRequest, i: number): string => {
  const u = req.items[i]!.payload.find((p) => p.tag === Tag.UniqueIdentifier);
  return u && u.type === 0x07 ? u.value : '';
};

describe('batching (batchSize > 1)', () => {
  it('40 waiting Encrypts with depth 2, batchSize 8: shared messages of at most 8 items, Continue, every caller its own answer', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { pipelineDepth: 2, batchSize: 8 });
    await c.encrypt('warm', dataFor(99)); // connected and idle: the next request goes out alone, the rest wait
    srv.script = afterFirstHeld(() => 'answer');
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => settle(c.encrypt(`key-${i % 5}`, dataFor(i)))));
    rs.forEach((r, i) => {
      assert.ok(r.ok, `request ${i} failed: ${String(r.error)}`);
      assertCipher(r.value!, OP.Encrypt, `key-${i % 5}`, dataFor(i));
    });
    const msgs = encrypts(srv);
    const shared = msgs.filter((m) => m.items.length > 1);
    assert.ok(shared.length > 0, 'no shared message was written');
    assert.ok(msgs.every((m) => m.items.length <= 8), `a message carried more than 8 items: ${msgs.map((m) => m.items.length).join(',')}`);
    assert.equal(msgs.reduce((n, m) => n + m.items.length, 0), 40, 'every request written exactly once');
    for (const m of shared) assert.equal(continuation(m), 1, 'a shared message asks the server to continue after a failed item');
    const st = c.stats();
    assert.equal(st.hosts[0]!.batched, shared.reduce((n, m) => n + m.items.length, 0));
  });

  it('without batchSize (the default), nothing is batched however many wait', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { pipelineDepth: 1 });
    await c.encrypt('warm', dataFor(99)); // connected and idle: the next request goes out alone, the rest wait
    srv.script = afterFirstHeld(() => 'answer');
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => settle(c.encrypt('k', dataFor(i)))));
    assert.ok(rs.every((r) => r.ok));
    assert.ok(encrypts(srv).every((m) => m.items.length === 1));
    assert.equal(c.stats().hosts[0]!.batched, 0);
  });

  it('no more waiting than free slots: each request goes alone (no added latency)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { pipelineDepth: 8, batchSize: 8 });
    await c.encrypt('warm', dataFor(0));
    for (let round = 0; round < 3; round++) {
      const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => settle(c.encrypt('k', dataFor(i)))));
      assert.ok(rs.every((r) => r.ok));
    }
    assert.ok(encrypts(srv).every((m) => m.items.length === 1), 'a message was shared while slots were free');
  });

  it('Create (not idempotent) and client.batch() messages are never merged with others', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { pipelineDepth: 1, batchSize: 8 });
    await c.encrypt('warm', dataFor(99)); // connected and idle: the next request goes out alone, the rest wait
    srv.script = afterFirstHeld(() => 'answer');
    const calls: Promise<unknown>[] = [];
    // Queue order is kept: a Create, a client.batch() and the Encrypts around them each keep their place.
    for (let i = 0; i < 4; i++) calls.push(c.encrypt('k', dataFor(i)));
    calls.push(c.create({ algorithm: 3, length: 256 }));
    calls.push(c.batch([ops.getAttributes('k1', []), ops.getAttributes('k2', [])]));
    for (let i = 4; i < 12; i++) calls.push(c.encrypt('k', dataFor(i)));
    const rs = await Promise.all(calls.map((p) => settle(p)));
    assert.ok(rs.every((r) => r.ok), rs.map((r) => String(r.error)).join('; '));
    for (const m of srv.requests) {
      if (m.items.some((it) => it.operation === OP.Create)) assert.equal(m.items.length, 1, 'a Create shared a message');
      if (m.items.some((it) => it.operation === OP.GetAttributes)) {
        assert.deepEqual(m.items.map((it) => it.operation), [OP.GetAttributes, OP.GetAttributes], 'client.batch() message altered');
      }
    }
    assert.ok(encrypts(srv).some((m) => m.items.length > 1), 'the Encrypts were not batched');
  });

  it('items answered in reverse order: each caller still gets its own', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { pipelineDepth: 1, batchSize: 8 });
    await c.encrypt('warm', dataFor(99)); // connected and idle: the next request goes out alone, the rest wait
    srv.script = afterFirstHeld((req, ctx) => {
      return { items: ctx.defaultItems().reverse() };
    });
    const rs = await Promise.all(Array.from({ length: 17 }, (_, i) => settle(c.encrypt(`key-${i}`, dataFor(i)))));
    rs.forEach((r, i) => assertCipher(r.value!, OP.Encrypt, `key-${i}`, dataFor(i)));
    assert.ok(encrypts(srv).some((m) => m.items.length > 1));
  });

  it("one item's failure (Item Not Found) fails only its caller; the others in the message succeed", async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { pipelineDepth: 1, batchSize: 8 });
    await c.encrypt('warm', dataFor(99)); // connected and idle: the next request goes out alone, the rest wait
    srv.script = afterFirstHeld((req, ctx) => ({
      items: ctx.defaultItems().map((it, i) =>
        uidOf(req, i) === 'gone' ? { operation: OP.Encrypt, id: it.id, status: 1, reason: REASON.ItemNotFound, message: 'no such key' } : it,
      ),
    }));
    const uids = Array.from({ length: 9 }, (_, i) => (i === 5 ? 'gone' : `key-${i}`));
    const rs = await Promise.all(uids.map((u, i) => settle(c.encrypt(u, dataFor(i)))));
    rs.forEach((r, i) => {
      if (uids[i] === 'gone') {
        const e = assertKmipError(r, KmipOperationError, 'KMIP_OPERATION_FAILED');
        assert.match(e.message, /Item Not Found/);
      } else {
        assertCipher(r.value!, OP.Encrypt, uids[i]!, dataFor(i));
      }
    });
    const gone = encrypts(srv).find((m) => m.items.some((it) => it.payload.some((p) => p.tag === Tag.UniqueIdentifier && p.value === 'gone')));
    assert.ok(gone && gone.items.length > 1, "the failing request was not in a shared message: the test proves nothing");
  });

  /** Holds the first Encrypt (so the others queue), then answers without the items `drop` says. */
  function dropping(drop: (uid: string, alone: boolean) => boolean): FaultServer['script'] {
    return afterFirstHeld((req, ctx) => ({ items: ctx.defaultItems().filter((_, i) => !drop(uidOf(req, i), req.items.length === 1)) }));
  }

  it('an item the server leaves unanswered once is sent again and answered; the others are answered at once', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    let dropped = false;
    const c = h.client([srv], { pipelineDepth: 1, batchSize: 4 });
    await c.encrypt('warm', dataFor(99)); // connected and idle: the next request goes out alone, the rest wait
    srv.script = dropping((uid, alone) => {
      if (uid !== 'lost-once' || dropped || alone) return false;
      dropped = true;
      return true;
    });
    const uids = ['a', 'b', 'lost-once', 'c', 'd', 'e', 'f', 'g', 'h'];
    const rs = await Promise.all(uids.map((u, i) => settle(c.encrypt(u, dataFor(i)))));
    rs.forEach((r, i) => assertCipher(r.value!, OP.Encrypt, uids[i]!, dataFor(i)));
    assert.ok(dropped, 'lost-once was never in a shared message');
    assert.ok(h.logs.some((l) => /left batch items unanswered/.test(l.msg)));
    assert.equal(srv.connections.length, 1, 'an unanswered item does not cost the connection');
  });

  it('an item never answered fails alone with KmipProtocolError after one more try; the others succeed', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { pipelineDepth: 1, batchSize: 8 });
    await c.encrypt('warm', dataFor(99)); // connected and idle: the next request goes out alone, the rest wait
    srv.script = dropping((uid, alone) => uid === 'lost' && !alone);
    // Enough behind it that its second try is batched too.
    const uids = Array.from({ length: 30 }, (_, i) => (i === 2 ? 'lost' : `k${i}`));
    const rs = await Promise.all(uids.map((u, i) => settle(c.encrypt(u, dataFor(i)))));
    rs.forEach((r, i) => {
      if (uids[i] === 'lost' && !r.ok) {
        const e = assertKmipError(r, KmipProtocolError, 'KMIP_PROTOCOL');
        assert.match(e.message, /unanswered in a batch \(it had already been sent once more\)/);
      } else {
        assertCipher(r.value!, OP.Encrypt, uids[i]!, dataFor(i));
      }
    });
    // Its second try went alone (then answered) or in a batch (then failed): both are right; say which.
    const lostTries = encrypts(srv).filter((m) => m.items.some((it) => it.payload.some((p) => p.tag === Tag.UniqueIdentifier && p.value === 'lost')));
    assert.equal(lostTries.length, 2, 'sent exactly twice');
    assert.equal(rs[2]!.ok, lostTries[1]!.items.length === 1);
  });

  it('a response item with an ID of no member of the message: protocol error, connection closed, requests retried, nobody gets another answer', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    let sabotaged = false;
    const c = h.client([srv], { pipelineDepth: 1, batchSize: 4 });
    await c.encrypt('warm', dataFor(99)); // connected and idle: the next request goes out alone, the rest wait
    srv.script = afterFirstHeld((req, ctx) => {
      if (!sabotaged && req.items.length > 1) {
        sabotaged = true;
        // The second item answered under the first item's ID: a duplicate.
        const items = ctx.defaultItems();
        return { items: items.map((it, i) => (i === 1 ? { ...it, id: items[0]!.id } : it)) };
      }
      return 'answer';
    });
    const rs = await Promise.all(Array.from({ length: 9 }, (_, i) => settle(c.encrypt(`key-${i}`, dataFor(i)))));
    assert.ok(sabotaged);
    rs.forEach((r, i) => {
      // Idempotent: retried once on a new connection, answered correctly; never someone else's Data.
      assert.ok(r.ok, `request ${i}: ${String(r.error)}`);
      assertCipher(r.value!, OP.Encrypt, `key-${i}`, dataFor(i));
    });
    assert.ok(srv.connections.length >= 2, 'the connection that broke the protocol was not closed');
  });

  it('a response to a shared message that carries items of another message: protocol error, nobody gets a wrong answer', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { pipelineDepth: 2, batchSize: 4, requestTimeoutMs: 3000 });
    await c.encrypt('warm', dataFor(99)); // connected and idle: the next request goes out alone, the rest wait
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.operation !== OP.Encrypt) return 'answer';
        return 'hold';
      },
    };
    const pending = Array.from({ length: 12 }, (_, i) => settle(c.encrypt(`key-${i}`, dataFor(i))));
    const conn = () => srv.connections[0]!;
    const t0 = Date.now();
    while (conn().held.length < 2 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 5));
    assert.equal(conn().held.length, 2);
    // One response that mixes the two held messages' items.
    // The shared message's first item, then an item of the other message, in one response.
    const held = conn().held.splice(0, 2).sort((x, y) => y.req.items.length - x.req.items.length);
    const shared = held[0]!;
    const other = held[1]!;
    assert.ok(shared.req.items.length > 1, 'no shared message in flight');
    srv.script = {};
    conn().write(encodeResponse(shared.req.version, [srv.defaultItems(shared.req)[0]!, srv.defaultItems(other.req)[0]!]));
    const rs = await Promise.all(pending);
    rs.forEach((r, i) => {
      if (r.ok) assertCipher(r.value!, OP.Encrypt, `key-${i}`, dataFor(i));
      else assertKmipError(r, KmipProtocolError, 'KMIP_PROTOCOL');
    });
  });

  it('a failure without Unique Batch Item ID to the only message in flight, a shared one: each of its callers gets the failure', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    let answeredAnon = 0;
    const c = h.client([srv], { pipelineDepth: 1, batchSize: 4 });
    await c.encrypt('warm', dataFor(99)); // connected and idle: the next request goes out alone, the rest wait
    srv.script = afterFirstHeld((req, ctx) => {
      if (req.items.length > 1 && answeredAnon === 0) {
        answeredAnon = req.items.length;
        return { items: [{ id: null, status: 1, reason: 0x04, message: 'cannot parse' }] };
      }
      return 'answer';
    });
    const rs = await Promise.all(Array.from({ length: 5 }, (_, i) => settle(c.encrypt(`key-${i}`, dataFor(i)))));
    assert.ok(answeredAnon > 1, 'no shared message was answered anonymously');
    const failedN = rs.filter((r) => !r.ok).length;
    assert.equal(failedN, answeredAnon);
    for (const r of rs) {
      if (!r.ok) assertKmipError(r, KmipOperationError, 'KMIP_OPERATION_FAILED');
    }
  });
});
