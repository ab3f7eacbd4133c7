/**
 * The probe's batching check (issue 11): a request message of four items
 * with Batch Error Continuation Option Continue, the second on a missing key.
 * Against fault-server scripts for what real servers do not do (stop after
 * the failure, drop the IDs, answer items under each other's IDs); PyKMIP and
 * the dev server, which do it right, are checked through the CLI
 * (tests/cli/probe-pykmip.test.ts, tests/cli/cli.test.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkBatching } from '../../lib/probe';
import { Tag } from '../../lib/kmip/tags';
import { ttlv } from '../../lib/ttlv';
import { REASON, type ReceivedRequest, type ResponseItemSpec } from '../support/fault-server';
import { fileSetup, harnessFor, OP } from '../transport/helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

const DATA_KEY = Buffer.alloc(32, 0x11);
const WRAPPED = Buffer.alloc(48, 0x22);

/** A correct server's answer to the probe's batch: Encrypt gives WRAPPED, Decrypt gives DATA_KEY, a missing key fails. */
function rightItems(req: ReceivedRequest): ResponseItemSpec[] {
  return req.items.map((it) => {
    const uid = it.payload.find((p) => p.tag === Tag.UniqueIdentifier);
    const u = uid && uid.type === 0x07 ? uid.value : '';
    if (u.startsWith('kmip-kms-probe-missing-')) return { operation: it.operation, id: it.id ?? null, status: 1, reason: REASON.ItemNotFound, message: 'no such object' };
    const data = it.operation === OP.Encrypt ? WRAPPED : DATA_KEY;
    return { operation: it.operation, id: it.id ?? null, status: 0, payload: [ttlv.textString(Tag.UniqueIdentifier, u), ttlv.byteString(Tag.Data, data)] };
  });
}

async function check(t: Parameters<ReturnType<typeof harnessFor>>[0], answer: (req: ReceivedRequest) => ResponseItemSpec[], batchSize: number) {
  const h = harness(t);
  const srv = await h.server();
  srv.script = { onRequest: (req) => (req.items.length > 1 ? { items: answer(req) } : 'answer') };
  const c = h.client([srv]);
  return checkBatching(c, 'probe-key', DATA_KEY, WRAPPED, batchSize);
}

describe('probe: batching check', () => {
  it('a server answering each item with its own ID, continuing after the failed one: supported (batchSize 1: advises setting it)', async (t) => {
    const r = await check(t, rightItems, 1);
    assert.equal(r.status, 'supported', r.detail);
    assert.match(r.detail, /set it, e\.g\. to 8/);
  });

  it('the same with batchSize 8 configured: ok', async (t) => {
    const r = await check(t, rightItems, 8);
    assert.equal(r.status, 'ok', r.detail);
  });

  it('a server that stops after the failed item (Continue ignored): unsupported, keep batchSize 1; fail when batchSize is set', async (t) => {
    const stop = (req: ReceivedRequest): ResponseItemSpec[] => rightItems(req).slice(0, 2);
    const r1 = await check(t, stop, 1);
    assert.equal(r1.status, 'unsupported', r1.detail);
    assert.match(r1.detail, /Continue not honoured.*keep batchSize 1/);
    const r8 = await check(t, stop, 8);
    assert.equal(r8.status, 'fail', r8.detail);
    assert.match(r8.detail, /set batchSize to 1/);
  });

  it('a server that drops the Unique Batch Item IDs: unsupported', async (t) => {
    const r = await check(t, (req) => rightItems(req).map((it) => ({ ...it, id: null })), 1);
    assert.equal(r.status, 'unsupported', r.detail);
  });

  it("a server that answers items under each other's IDs: unsupported (the answers do not match their requests)", async (t) => {
    const r = await check(
      t,
      (req) => {
        const items = rightItems(req);
        const ids = items.map((it) => it.id);
        return items.map((it, i) => ({ ...it, id: ids[(i + 2) % ids.length]! }));
      },
      1,
    );
    assert.equal(r.status, 'unsupported', r.detail);
  });
});
