/**
 * Issue 9.5: a connection closed for a protocol error (garbage, an unknown
 * Unique Batch Item ID, a duplicate answer) is treated like a lost one for
 * what was in flight on it: idempotent requests are retried once on a fresh
 * connection, the others fail as outcome-unknown. Reconnecting after
 * protocol errors follows the reconnect back-off: a server that always
 * answers with unknown ids does not cause a storm of reconnections.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KmipConnectionError, KmipError, KmipOutcomeUnknownError, KmipProtocolError } from '../../lib/errors';
import { encodeResponse, type FaultServer } from '../support/fault-server';
import type { KmipClient } from '../../lib/client';
import { assertCipher, assertKmipError, dataFor, fileSetup, harnessFor, OP, settle, sleep } from './helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

const isUser = (op: number): boolean => op !== OP.DiscoverVersions && op !== OP.Query;
const stateOf = (c: KmipClient, s: FaultServer): string | undefined => c.stats().hosts.find((x) => x.host === `${s.host}:${s.port}`)?.state;

describe('protocol errors: retry what may be retried, and back off (issue 9.5)', () => {
  it('garbage on the wire: the Encrypt/Decrypt in flight are retried once on a fresh connection and succeed; a Create is outcome-unknown', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.connId !== 1 || !isUser(req.operation)) return 'answer';
        if (ctx.conn.held.length === 3) return { raw: Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n') };
        return 'hold';
      },
    };
    const c = h.client([srv]);
    const enc = [settle(c.encrypt('g-0', dataFor(0))), settle(c.decrypt('g-1', dataFor(1)))];
    const created = settle(c.create());
    const trigger = settle(c.encrypt('g-3', dataFor(3)));
    const [e0, e1] = await Promise.all(enc);
    assert.ok(e0!.ok, String(e0!.error));
    assertCipher(e0!.value!, OP.Encrypt, 'g-0', dataFor(0));
    assert.ok(e1!.ok, String(e1!.error));
    assertCipher(e1!.value!, OP.Decrypt, 'g-1', dataFor(1));
    const cr = assertKmipError(await created, KmipOutcomeUnknownError, 'KMIP_OUTCOME_UNKNOWN', 'create');
    assert.ok(cr.cause instanceof KmipProtocolError, String(cr.cause));
    const tr = await trigger;
    assert.ok(tr.ok, String(tr.error));
    assertCipher(tr.value!, OP.Encrypt, 'g-3', dataFor(3));
    assert.equal(srv.connections.length, 2);
  });

  it('an answer with an unknown Unique Batch Item ID: the requests in flight are retried once and get their own answers', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.connId !== 1 || req.operation !== OP.Encrypt) return 'answer';
        if (ctx.conn.held.length === 3) return { items: ctx.defaultItems().map((it) => ({ ...it, id: Buffer.from([0xde, 0xad, 0xbe, 0xef]) })) };
        return 'hold';
      },
    };
    const c = h.client([srv]);
    const out = await Promise.all(Array.from({ length: 4 }, (_, i) => settle(c.encrypt(`u-${i}`, dataFor(i)))));
    for (const [i, s] of out.entries()) {
      assert.ok(s.ok, `u-${i}: ${String(s.error)}`);
      assertCipher(s.value!, OP.Encrypt, `u-${i}`, dataFor(i));
    }
    assert.equal(srv.connections.length, 2);
  });

  it('a duplicate answer: the duplicated request keeps its answer, the others in flight are retried once', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.connId !== 1 || req.operation !== OP.Encrypt) return 'answer';
        if (req.uid === 'dup') {
          const once = encodeResponse(req.version, ctx.defaultItems());
          return { raw: Buffer.concat([once, once]) };
        }
        return 'hold';
      },
    };
    const c = h.client([srv]);
    const others = Array.from({ length: 3 }, (_, i) => settle(c.encrypt(`d-${i}`, dataFor(i))));
    await sleep(50);
    const dup = await settle(c.encrypt('dup', dataFor(9)));
    assert.ok(dup.ok, String(dup.error));
    assertCipher(dup.value!, OP.Encrypt, 'dup', dataFor(9));
    for (const [i, s] of (await Promise.all(others)).entries()) {
      assert.ok(s.ok, `d-${i}: ${String(s.error)}`);
      assertCipher(s.value!, OP.Encrypt, `d-${i}`, dataFor(i));
    }
  });

  it('a server that always answers garbage: each request is tried at most twice, then fails with KmipProtocolError', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (isUser(req.operation) ? { raw: Buffer.from('garbage garbage garbage!') } : 'answer') };
    const c = h.client([srv], { reconnect: { baseDelayMs: 20, maxDelayMs: 50, jitter: 0 } });
    const s = await settle(c.encrypt('always-bad', dataFor(1)));
    assertKmipError(s, KmipProtocolError, 'KMIP_PROTOCOL');
    assert.equal(srv.userRequests.filter((r) => r.uid === 'always-bad').length, 2);
  });

  it('a server that always answers unknown ids: reconnections follow the back-off (no storm), every request fails typed', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = {
      onRequest: (req, ctx) =>
        isUser(req.operation) ? { items: ctx.defaultItems().map((it) => ({ ...it, id: Buffer.from([0xff, 0xff, 0xff, 0xff]) })) } : 'answer',
    };
    const c = h.client([srv], { reconnect: { baseDelayMs: 100, maxDelayMs: 400, jitter: 0 } });
    const runMs = 2500;
    const t0 = Date.now();
    let requests = 0;
    const errors = new Map<string, number>();
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; i < 400 && Date.now() - t0 < runMs; i++) {
        requests++;
        const s = await settle(c.encrypt(`w${w}-${i}`, dataFor(i)));
        assert.equal(s.ok, false, 'an answer with an unknown id was accepted');
        assert.ok(s.error instanceof KmipError, String(s.error));
        assert.ok(s.error instanceof KmipProtocolError || s.error instanceof KmipConnectionError, `${(s.error as Error).name}: ${(s.error as Error).message}`);
        errors.set((s.error as Error).name, (errors.get((s.error as Error).name) ?? 0) + 1);
        await sleep(5);
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));
    const elapsed = Date.now() - t0;
    // Back-off 0 (first), 100, 200, 400, 400...: about 9 in 2.5 s. Without it: one per request.
    assert.ok(srv.connections.length <= 15, `${srv.connections.length} connections for ${requests} requests in ${elapsed} ms (${JSON.stringify([...errors])})`);
    assert.ok(requests > srv.connections.length, `${requests} requests, ${srv.connections.length} connections`);
    // stats() shows the run of connections closed for a protocol error.
    assert.ok(c.stats().hosts[0]!.protocolFailures >= 2, JSON.stringify(c.stats().hosts[0]));
  });

  it('in a cluster, a host that keeps breaking the protocol is down like an unreachable one: requests are answered by the other host', async (t) => {
    const h = harness(t);
    const [bad, good] = [await h.server(), await h.server()];
    bad.script = {
      onRequest: (req, ctx) =>
        isUser(req.operation) ? { items: ctx.defaultItems().map((it) => ({ ...it, id: Buffer.from([0xff, 0xff, 0xff, 0xff]) })) } : 'answer',
    };
    // One request per connection, one connection per host: a burst queues, and queued requests open connections on every usable host.
    const c = h.client([bad, good], { hostSelection: 'spread', pipelineDepth: 1, poolSize: 1, reconnect: { baseDelayMs: 100, maxDelayMs: 400, jitter: 0 } });
    const burst = (tag: string) =>
      Promise.all(Array.from({ length: 4 }, (_, k) => settle(c.encrypt(`${tag}-${k}`, dataFor(k)))));
    // Until the bad host was seen down (a request may fail while it is still taken for up).
    let sawDown = false;
    for (let i = 0; i < 40 && !sawDown; i++) {
      for (const s of await burst(`p${i}`)) if (!s.ok) assert.ok(s.error instanceof KmipProtocolError, String(s.error));
      sawDown = stateOf(c, bad) === 'down';
    }
    assert.ok(sawDown, `the host breaking the protocol was never down: ${JSON.stringify(c.stats().hosts)}`);
    // From then on every request is answered, by the good host (the bad one's probe may bring it
    // back in between: a request sent there is retried once, elsewhere, and it is down again).
    for (let i = 0; i < 10; i++) {
      const out = await burst(`q${i}`);
      out.forEach((s, k) => {
        assert.ok(s.ok, `q${i}-${k}: ${String(s.error)}`);
        assertCipher(s.value!, OP.Encrypt, `q${i}-${k}`, dataFor(k));
        assert.equal(good.userRequests.filter((r) => r.uid === `q${i}-${k}`).length, 1);
      });
    }
  });
});
