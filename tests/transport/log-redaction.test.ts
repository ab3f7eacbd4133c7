/**
 * Issue 9.3: with logMessages on, received messages are logged after they
 * are matched to their request and redacted by the REQUEST's operation (a
 * Decrypt answer's Data is the data key in clear, whatever the answer says
 * about itself or wherever its Operation field sits). An answer that cannot
 * be matched or decoded is logged as structure only: no Byte String value.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Tag } from '../../lib/kmip/tags';
import { encode, ttlv, type TtlvItem } from '../../lib/ttlv';
import type { ProtocolVersion } from '../../lib/kmip/protocol';
import type { ReceivedRequest } from '../support/fault-server';
import { fileSetup, harnessFor, OP, settle, type Harness } from './helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

/** A Response Message whose single batch item has exactly these children, in this order. */
function response(version: ProtocolVersion, batchItem: TtlvItem[]): Buffer {
  return encode(
    ttlv.structure(Tag.ResponseMessage, [
      ttlv.structure(Tag.ResponseHeader, [
        ttlv.structure(Tag.ProtocolVersion, [ttlv.integer(Tag.ProtocolVersionMajor, version.major), ttlv.integer(Tag.ProtocolVersionMinor, version.minor)]),
        ttlv.dateTime(Tag.TimeStamp, BigInt(Math.floor(Date.now() / 1000))),
        ttlv.integer(Tag.BatchCount, 1),
      ]),
      ttlv.structure(Tag.BatchItem, batchItem),
    ]),
  );
}

const idOf = (req: ReceivedRequest): TtlvItem => ttlv.byteString(Tag.UniqueBatchItemID, req.id!);
const success = ttlv.enumeration(Tag.ResultStatus, 0);
const payloadWith = (req: ReceivedRequest, secret: Buffer): TtlvItem =>
  ttlv.structure(Tag.ResponsePayload, [ttlv.textString(Tag.UniqueIdentifier, req.uid!), ttlv.byteString(Tag.Data, secret)]);

/** Every logged line as text. */
const logText = (h: Harness): string =>
  h.logs.map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.fields ?? {}, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`).join('\n');

/** The secret appears in no log line, in hex or base64, and something was logged for the answer. */
function assertRedacted(h: Harness, secret: Buffer): void {
  const text = logText(h);
  assert.ok(!text.toLowerCase().includes(secret.toString('hex')), `secret in hex in the logs:\n${text}`);
  assert.ok(!text.includes(secret.toString('base64')), 'secret in base64 in the logs');
  assert.ok(h.logs.some((l) => l.msg === 'KMIP message received'), `no received message logged:\n${text}`);
}

describe('message logging redacts by the request (issue 9.3)', () => {
  it('a Decrypt answer WITHOUT Operation: its Data (the plaintext) is redacted', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const secret = randomBytes(32);
    srv.script = { onRequest: (req) => (req.operation === OP.Decrypt ? { raw: response(req.version, [idOf(req), success, payloadWith(req, secret)]) } : 'answer') };
    const c = h.client([srv], { logMessages: true });
    const r = await c.decrypt('k1', randomBytes(48));
    assert.ok(r.data.equals(secret), 'the answer itself reaches the caller');
    assertRedacted(h, secret);
    assert.match(logText(h), /Data.*redacted, 32 bytes/);
  });

  it('a Decrypt answer with its Operation AFTER the payload: Data redacted', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const secret = randomBytes(32);
    srv.script = {
      onRequest: (req) =>
        req.operation === OP.Decrypt
          ? { raw: response(req.version, [idOf(req), success, payloadWith(req, secret), ttlv.enumeration(Tag.Operation, OP.Decrypt)]) }
          : 'answer',
    };
    const c = h.client([srv], { logMessages: true });
    const r = await c.decrypt('k2', randomBytes(48));
    assert.ok(r.data.equals(secret));
    assertRedacted(h, secret);
  });

  it('a Decrypt answer claiming to be an Encrypt answer: redacted as the Decrypt it answers (and refused)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const secret = randomBytes(32);
    srv.script = {
      onRequest: (req) =>
        req.operation === OP.Decrypt
          ? { raw: response(req.version, [ttlv.enumeration(Tag.Operation, OP.Encrypt), idOf(req), success, payloadWith(req, secret)]) }
          : 'answer',
    };
    const c = h.client([srv], { logMessages: true });
    const s = await settle(c.decrypt('k3', randomBytes(48)));
    assert.equal(s.ok, false);
    assertRedacted(h, secret);
  });

  it('an answer matching no request: logged as structure only (no Byte String value at all)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const secret = randomBytes(32);
    srv.script = {
      onRequest: (req) =>
        req.operation === OP.Encrypt && req.connId === 1
          ? {
              raw: response(req.version, [
                ttlv.enumeration(Tag.Operation, OP.Encrypt),
                ttlv.byteString(Tag.UniqueBatchItemID, Buffer.from('ffffffff', 'hex')),
                success,
                payloadWith(req, secret),
              ]),
            }
          : 'answer',
    };
    const c = h.client([srv], { logMessages: true });
    await settle(c.encrypt('k4', randomBytes(32)));
    assertRedacted(h, secret);
    // The message log shows its structure, not even the (harmless) unmatched batch item id.
    const logged = h.logs.filter((l) => l.msg === 'KMIP message received').map((l) => String(l.fields?.['message']));
    const unmatched = logged.find((m) => /UniqueBatchItemID .* = <redacted, 4 bytes>/.test(m));
    assert.ok(unmatched, logged.join('\n---\n'));
    assert.ok(!unmatched.includes('ffffffff'), unmatched);
    assert.match(unmatched, /Data .*<redacted, 32 bytes>/);
  });

  it('an undecodable answer: logged without its bytes', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const secret = randomBytes(32);
    // A Response Message holding the secret as a Byte String, then an item of unknown type 0xEE.
    const body = Buffer.concat([encode(ttlv.byteString(Tag.Data, secret)), Buffer.from('42007aee00000000', 'hex')]);
    const head = Buffer.alloc(8);
    head.writeUIntBE(Tag.ResponseMessage, 0, 3);
    head[3] = 0x01;
    head.writeUInt32BE(body.length, 4);
    srv.script = { onRequest: (req) => (req.operation === OP.Decrypt && req.connId === 1 ? { raw: Buffer.concat([head, body]) } : 'answer') };
    const c = h.client([srv], { logMessages: true });
    await settle(c.decrypt('k5', randomBytes(48)));
    const text = logText(h);
    assert.ok(!text.toLowerCase().includes(secret.toString('hex')), text);
    const line = h.logs.find((l) => l.msg === 'KMIP message received' && /undecodable/.test(String(l.fields?.['message'])));
    assert.ok(line, `the undecodable message is logged (as its size):\n${text}`);
    assert.match(String(line.fields?.['message']), new RegExp(`${head.length + body.length} bytes`));
  });

  it('a Get answer whose Key Value is a Byte String (wrapped form), without Operation: redacted', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const secret = randomBytes(32);
    srv.script = {
      onRequest: (req) =>
        req.operation === OP.Get
          ? {
              raw: response(req.version, [
                idOf(req),
                success,
                ttlv.structure(Tag.ResponsePayload, [
                  ttlv.enumeration(Tag.ObjectType, 2),
                  ttlv.textString(Tag.UniqueIdentifier, req.uid!),
                  ttlv.structure(Tag.SymmetricKey, [ttlv.structure(Tag.KeyBlock, [ttlv.enumeration(Tag.KeyFormatType, 1), ttlv.byteString(Tag.KeyValue, secret)])]),
                ]),
              ]),
            }
          : 'answer',
    };
    const c = h.client([srv], { logMessages: true });
    await c.get('k6');
    assertRedacted(h, secret);
  });

  it('Encrypt requests: the data key sent is redacted', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { logMessages: true });
    const dk = randomBytes(32);
    await c.encrypt('k7', dk);
    const text = logText(h);
    assert.ok(h.logs.some((l) => l.msg === 'KMIP message sent'));
    assert.ok(!text.toLowerCase().includes(dk.toString('hex')), text);
  });

  it('shared request messages (batchSize): every data key sent (Encrypt) and every answer given back (Decrypt) redacted, request and answer alike', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { logMessages: true, pipelineDepth: 1, batchSize: 4 });
    await c.encrypt('warm', randomBytes(32));
    let first = true;
    srv.script = {
      onRequest: (req, ctx) => {
        if (req.operation !== OP.Encrypt && req.operation !== OP.Decrypt) return 'answer';
        if (first) {
          first = false;
          setTimeout(() => ctx.conn.release(), 50);
          return 'hold';
        }
        return 'answer';
      },
    };
    const keys = Array.from({ length: 9 }, () => randomBytes(32));
    const enc = await Promise.all(keys.map((k, i) => c.encrypt(`k${i}`, k)));
    const dec = await Promise.all(enc.map((r, i) => c.decrypt(`k${i}`, r.data)));
    assert.ok(srv.requests.some((r) => r.items.length > 1), 'nothing was batched: the test proves nothing');
    const text = logText(h);
    for (const secret of [...keys, ...dec.map((r) => r.data)]) {
      assert.ok(!text.toLowerCase().includes(secret.toString('hex')), 'a data key in hex in the logs');
      assert.ok(!text.includes(secret.toString('base64')), 'a data key in base64 in the logs');
    }
    assert.ok(h.logs.some((l) => l.msg === 'KMIP message sent') && h.logs.some((l) => l.msg === 'KMIP message received'));
  });
});
