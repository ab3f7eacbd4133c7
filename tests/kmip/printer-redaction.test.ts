/**
 * The redacting printer (issue 9.3), as `kmip-kms inspect` and the message
 * log use it: a batch item's operation is the one the caller says it answers,
 * else its own Operation field wherever it sits; a response batch item of
 * unknown operation hides its payload's Byte Strings; Byte Strings under a
 * Key Value are hidden; `structureOnly` hides every Byte String.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { printTtlv } from '../../lib/kmip/printer';
import { Tag } from '../../lib/kmip/tags';
import { ttlv, type TtlvItem } from '../../lib/ttlv';

const SECRET = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const HEX = SECRET.toString('hex');

const response = (batchItem: TtlvItem[]): TtlvItem =>
  ttlv.structure(Tag.ResponseMessage, [
    ttlv.structure(Tag.ResponseHeader, [ttlv.integer(Tag.BatchCount, 1)]),
    ttlv.structure(Tag.BatchItem, batchItem),
  ]);
const op = (o: number): TtlvItem => ttlv.enumeration(Tag.Operation, o);
const payload = ttlv.structure(Tag.ResponsePayload, [ttlv.textString(Tag.UniqueIdentifier, 'k'), ttlv.byteString(Tag.Data, SECRET)]);
const ok = ttlv.enumeration(Tag.ResultStatus, 0);
const DECRYPT = 0x20;
const ENCRYPT = 0x1f;

describe('printer redaction (issue 9.3)', () => {
  it('a Decrypt response: Data hidden whether Operation comes first, last, or not at all', () => {
    for (const m of [response([op(DECRYPT), ok, payload]), response([ok, payload, op(DECRYPT)]), response([ok, payload])]) {
      const out = printTtlv(m);
      assert.ok(!out.includes(HEX), out);
      assert.match(out, /Data .*<redacted, 32 bytes>/);
    }
  });

  it('the operations given by the caller win over the message\'s own Operation', () => {
    const lying = response([op(ENCRYPT), ok, payload]);
    assert.ok(printTtlv(lying).includes(HEX), 'an Encrypt response shows its Data (the wrapped key)');
    assert.ok(!printTtlv(lying, { operations: [DECRYPT] }).includes(HEX));
  });

  it('structureOnly hides every Byte String, even the batch item id', () => {
    const out = printTtlv(response([op(ENCRYPT), ttlv.byteString(Tag.UniqueBatchItemID, Buffer.from('cafebabe', 'hex')), ok, payload]), { structureOnly: true });
    assert.ok(!out.includes(HEX) && !out.includes('cafebabe'), out);
    assert.match(out, /UniqueBatchItemID .*<redacted, 4 bytes>/);
  });

  it('a Key Value given as a Byte String, and Byte Strings under a Key Value, are hidden', () => {
    const get = (kv: TtlvItem): TtlvItem =>
      response([op(0x0a), ok, ttlv.structure(Tag.ResponsePayload, [ttlv.structure(Tag.SymmetricKey, [ttlv.structure(Tag.KeyBlock, [kv])])])]);
    for (const kv of [ttlv.byteString(Tag.KeyValue, SECRET), ttlv.structure(Tag.KeyValue, [ttlv.byteString(0x540001, SECRET)])]) {
      const out = printTtlv(get(kv));
      assert.ok(!out.includes(HEX), out);
    }
  });

  it('requests: Encrypt Data hidden, Decrypt Data (ciphertext) shown', () => {
    const req = (o: number): TtlvItem =>
      ttlv.structure(Tag.RequestMessage, [
        ttlv.structure(Tag.RequestHeader, [ttlv.integer(Tag.BatchCount, 1)]),
        ttlv.structure(Tag.BatchItem, [op(o), ttlv.structure(Tag.RequestPayload, [ttlv.byteString(Tag.Data, SECRET)])]),
      ]);
    assert.ok(!printTtlv(req(ENCRYPT)).includes(HEX));
    assert.ok(printTtlv(req(DECRYPT)).includes(HEX));
  });
});
