/**
 * The prepared request path (writeRequestMessage, TtlvWriter primitives, the
 * Encrypt/Decrypt payload writer) must produce exactly the bytes of the tree
 * path (encode(requestMessage(...))), for any version, options, IDs and
 * payload; and the Encrypt/Decrypt reader must read answers as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as ops from '../../lib/kmip/operations';
import { requestMessage, writeRequestMessage, type ProtocolVersion, type RequestHeaderOptions } from '../../lib/kmip/protocol';
import { Tag } from '../../lib/kmip/tags';
import { encode, TtlvError, TtlvWriter, type StructureItem, type TtlvItem } from '../../lib/ttlv';
import { KmipProtocolError } from '../../lib/errors';

const versionArb = fc.constantFrom<ProtocolVersion>({ major: 1, minor: 2 }, { major: 1, minor: 3 }, { major: 1, minor: 4 }, { major: 2, minor: 0 }, { major: 2, minor: 1 });
const paramsArb = fc.option(
  fc.record(
    {
      blockCipherMode: fc.integer({ min: 1, max: 20 }),
      paddingMethod: fc.integer({ min: 1, max: 10 }),
      cryptographicAlgorithm: fc.integer({ min: 1, max: 30 }),
      randomIv: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);
const cipherArb = fc.record({
  encrypt: fc.boolean(),
  uniqueIdentifier: fc.option(fc.string({ unit: 'grapheme', maxLength: 40 }), { nil: undefined }),
  cryptographicParameters: paramsArb,
  data: fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a)),
  ivCounterNonce: fc.option(
    fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
    { nil: undefined },
  ),
});
const headerArb = fc.option(
  fc.record(
    {
      maximumResponseSize: fc.integer({ min: 0, max: 0x7fffffff }),
      batchErrorContinuationOption: fc.integer({ min: 1, max: 3 }),
      batchOrderOption: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

function idBuf(id: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(id, 0);
  return b;
}

test('writeRequestMessage writes the bytes of encode(requestMessage()) for Encrypt/Decrypt batches and other operations', () => {
  fc.assert(
    fc.property(
      versionArb,
      fc.array(cipherArb, { minLength: 1, maxLength: 5 }),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 5, maxLength: 5 }),
      headerArb,
      fc.boolean(),
      (version, cs, ids, header: RequestHeaderOptions | undefined, withActivate) => {
        const list: ops.OperationRequest<unknown>[] = cs.map((c) => (c.encrypt ? ops.encrypt(c) : ops.decrypt(c)));
        if (withActivate) list.push(ops.activate('some-key'));
        const idList = list.map((_, i) => ids[i % ids.length]!);
        const expected = encode(
          requestMessage(
            version,
            list.map((op, i) => ({ operation: op.operation, id: idBuf(idList[i]!), payload: op.payload(version) })),
            header,
          ),
        );
        const w = new TtlvWriter(16); // grows as it writes
        w.writeEncoded(Buffer.from([1, 2, 3])); // not at offset 0
        writeRequestMessage(w, version, list, idList, header);
        assert.deepEqual(w.buf.subarray(3, w.pos), expected);
      },
    ),
    { numRuns: 300 },
  );
});

test('the Encrypt payload writer reuses the encoded parameters only while they are unchanged', () => {
  const v = { major: 1, minor: 4 };
  const params = { blockCipherMode: 1, paddingMethod: 3, cryptographicAlgorithm: 3 } as { blockCipherMode: number; paddingMethod: number; cryptographicAlgorithm: number };
  const bytes = (): Buffer => {
    const w = new TtlvWriter();
    writeRequestMessage(w, v, [ops.encrypt({ uniqueIdentifier: 'k', data: Buffer.alloc(32), cryptographicParameters: params })], [1]);
    return w.toBuffer();
  };
  const tree = (): Buffer => {
    const op = ops.encrypt({ uniqueIdentifier: 'k', data: Buffer.alloc(32), cryptographicParameters: params });
    return encode(requestMessage(v, [{ operation: op.operation, id: idBuf(1), payload: op.payload(v) }]));
  };
  assert.deepEqual(bytes(), tree());
  params.paddingMethod = 1; // a caller mutating its (readonly-typed) object
  assert.deepEqual(bytes(), tree());
});

test('the prepared writer refuses bad values with TtlvError, like the tree encoder', () => {
  const w = new TtlvWriter();
  assert.throws(() => w.writeText(Tag.UniqueIdentifier, 'a\uD800b'), TtlvError);
  assert.throws(() => w.writeInteger(Tag.BatchCount, 2 ** 31), TtlvError);
  assert.throws(() => w.writeEnumeration(Tag.Operation, -1), TtlvError);
  assert.throws(() => w.writeBytes(Tag.Data, 'x' as unknown as Buffer), TtlvError);
});

test('the Encrypt/Decrypt reader takes the first item of each tag and refuses an answer without Data', () => {
  const v = { major: 1, minor: 4 };
  const payload = (items: TtlvItem[]): StructureItem => ({ tag: Tag.ResponsePayload, type: 0x01, value: items });
  const op = ops.decrypt({ uniqueIdentifier: 'k', data: Buffer.alloc(16) });
  const r = op.read(
    payload([
      { tag: Tag.UniqueIdentifier, type: 0x07, value: 'k' },
      { tag: Tag.Data, type: 0x08, value: Buffer.from('first') },
      { tag: Tag.Data, type: 0x08, value: Buffer.from('second') },
      { tag: Tag.IVCounterNonce, type: 0x08, value: Buffer.from('iv') },
    ]),
    v,
  );
  assert.equal(r.uniqueIdentifier, 'k');
  assert.equal(r.data.toString(), 'first');
  assert.equal(r.ivCounterNonce?.toString(), 'iv');
  const noIv = op.read(payload([{ tag: Tag.Data, type: 0x08, value: Buffer.from('d') }, { tag: Tag.UniqueIdentifier, type: 0x02, value: 3 }]), v);
  assert.equal(noIv.uniqueIdentifier, undefined);
  assert.equal(noIv.ivCounterNonce, undefined);
  assert.throws(() => op.read(payload([{ tag: Tag.Data, type: 0x07, value: 'text' }]), v), KmipProtocolError);
  assert.throws(() => op.read(undefined, v), KmipProtocolError);
});
