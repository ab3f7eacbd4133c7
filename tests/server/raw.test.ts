/**
 * KmipDevServer over raw TLS with our codec: message structure, batches and
 * the per-message ID Placeholder, Batch Error Continuation Options, malformed
 * messages, versions, 2.x encodings.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { BatchErrorContinuationOption, ResultReason, ResultStatus, State } from '../../lib/kmip/enums';
import * as ops from '../../lib/kmip/operations';
import { requestMessage, type ProtocolVersion } from '../../lib/kmip/protocol';
import { Tag } from '../../lib/kmip/tags';
import type { KmipDevServer } from '../../lib/server';
import { encode, type StructureItem, type TtlvItem } from '../../lib/ttlv';
import type { TestPki } from '../support/certs';
import { CBC_PKCS5, RawClient, T, V12, V14, V20, VERSIONS, aes, batchId, item, makePki, payloadBytes, payloadText, startServer } from './helpers';

let pki: TestPki;
let server: KmipDevServer;
let raw: RawClient;

before(async () => {
  pki = await makePki('raw');
  server = await startServer(pki);
  raw = await RawClient.connect(server, pki);
});
after(async () => {
  raw.close();
  await server.close();
});

const s = (tag: number, value: TtlvItem[]): StructureItem => ({ tag, type: 0x01, value });
const en = (tag: number, value: number): TtlvItem => ({ tag, type: 0x05, value });
const txt = (tag: number, value: string): TtlvItem => ({ tag, type: 0x07, value });

const cbcZero = (uid: string | undefined, data: Buffer): ops.OperationRequest<ops.CipherResult> =>
  ops.encrypt({ ...(uid !== undefined ? { uniqueIdentifier: uid } : {}), data, cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) });

function header(tree: TtlvItem): StructureItem {
  assert.equal(tree.type, 0x01);
  const h = (tree as StructureItem).value.find((c) => c.tag === Tag.ResponseHeader);
  assert.ok(h && h.type === 0x01);
  return h;
}

for (const { label, v } of VERSIONS) {
  describe(`raw protocol, ${label}`, () => {
    it('response header: the request version, a Time Stamp, the Batch Count; batch ids and operations echoed', T, async () => {
      const id = batchId();
      const r = await raw.call(v, [item(ops.query([1]), v, id)]);
      assert.deepEqual(r.msg.version, v);
      const now = BigInt(Math.floor(Date.now() / 1000));
      assert.ok(r.msg.timeStamp !== undefined && r.msg.timeStamp >= now - 5n && r.msg.timeStamp <= now + 5n);
      const h = header(r.tree);
      assert.deepEqual(
        h.value.map((c) => c.tag),
        [Tag.ProtocolVersion, Tag.TimeStamp, Tag.BatchCount],
        'header fields in spec order',
      );
      assert.equal(r.msg.items.length, 1);
      assert.ok(r.msg.items[0]!.id!.equals(id));
      assert.equal(r.msg.items[0]!.operation, ops.Op.Query);
      assert.equal(r.msg.items[0]!.status, ResultStatus.Success);
    });

    it('batch [Create, Activate(placeholder), Encrypt(placeholder)] in one message', T, async () => {
      const data = Buffer.from('per-message placeholder');
      const ids = [batchId(), batchId(), batchId(), batchId()];
      const r = await raw.call(v, [
        item(ops.create({ name: `batch-${crypto.randomUUID()}` }), v, ids[0]),
        item(ops.activate(undefined), v, ids[1]),
        item(cbcZero(undefined, data), v, ids[2]),
        item(ops.get(undefined), v, ids[3]),
      ]);
      assert.equal(r.msg.items.length, 4);
      r.msg.items.forEach((it, i) => {
        assert.equal(it.status, ResultStatus.Success, `item ${i}: ${it.message}`);
        assert.ok(it.id!.equals(ids[i]!));
      });
      const uid = payloadText(r.msg.items[0]!.payload, Tag.UniqueIdentifier)!;
      assert.equal(payloadText(r.msg.items[1]!.payload, Tag.UniqueIdentifier), uid);
      assert.equal(payloadText(r.msg.items[2]!.payload, Tag.UniqueIdentifier), uid);
      const key = ops.get(uid).read(r.msg.items[3]!.payload, v).keyMaterial!;
      assert.ok(payloadBytes(r.msg.items[2]!.payload, Tag.Data)!.equals(aes('cbc', key, Buffer.alloc(16), data)));
    });

    it('the ID Placeholder does not outlive its message (unlike PyKMIP): Missing Data in the next one', T, async () => {
      const r1 = await raw.call(v, [item(ops.create(), v)]);
      assert.equal(r1.msg.items[0]!.status, ResultStatus.Success);
      const r2 = await raw.call(v, [item(ops.activate(undefined), v)]);
      assert.equal(r2.msg.items[0]!.status, ResultStatus.OperationFailed);
      assert.equal(r2.msg.items[0]!.reason, ResultReason.MissingData);
      assert.match(r2.msg.items[0]!.message ?? '', /ID Placeholder/);
    });

    it('Batch Error Continuation Stop (the default): items after a failure are not processed nor returned', T, async () => {
      const nope = crypto.randomUUID();
      const name = `stop-${crypto.randomUUID()}`;
      for (const opt of [undefined, BatchErrorContinuationOption.Stop]) {
        const ids = [batchId(), batchId(), batchId()];
        const r = await raw.call(
          v,
          [item(ops.activate(nope), v, ids[0]), item(ops.create({ name }), v, ids[1]), item(ops.query([1]), v, ids[2])],
          opt === undefined ? undefined : { batchErrorContinuationOption: opt },
        );
        assert.equal(r.msg.items.length, 1);
        assert.ok(r.msg.items[0]!.id!.equals(ids[0]!));
        assert.equal(r.msg.items[0]!.reason, ResultReason.ItemNotFound);
      }
      const located = await raw.call(v, [item(ops.locate({ name }), v)]);
      assert.deepEqual(ops.locate({ name }).read(located.msg.items[0]!.payload, v), [], 'the Create after the failure was not done');
    });

    it('Batch Error Continuation Continue: every item is processed and answered', T, async () => {
      const ids = [batchId(), batchId(), batchId()];
      const r = await raw.call(v, [item(ops.activate(crypto.randomUUID()), v, ids[0]), item(ops.create(), v, ids[1]), item(ops.activate(undefined), v, ids[2])], {
        batchErrorContinuationOption: BatchErrorContinuationOption.Continue,
      });
      assert.deepEqual(
        r.msg.items.map((i) => i.status),
        [ResultStatus.OperationFailed, ResultStatus.Success, ResultStatus.Success],
      );
      r.msg.items.forEach((it, i) => assert.ok(it.id!.equals(ids[i]!)));
    });

    it('Batch Error Continuation Undo: refused item by item (Feature Not Supported), nothing done', T, async () => {
      const name = `undo-${crypto.randomUUID()}`;
      const r = await raw.call(v, [item(ops.create({ name }), v), item(ops.query([1]), v)], {
        batchErrorContinuationOption: BatchErrorContinuationOption.Undo,
      });
      assert.deepEqual(
        r.msg.items.map((i) => [i.status, i.reason]),
        [
          [ResultStatus.OperationFailed, ResultReason.FeatureNotSupported],
          [ResultStatus.OperationFailed, ResultReason.FeatureNotSupported],
        ],
      );
      const located = await raw.call(v, [item(ops.locate({ name }), v)]);
      assert.deepEqual(ops.locate({ name }).read(located.msg.items[0]!.payload, v), []);
    });

    it('Get Attribute List names every attribute (1.x names, 2.x references)', T, async () => {
      const r = await raw.call(v, [item(ops.create({ customAttribute: { name: 'x-list', value: 'yes' } }), v), { operation: 0x0c, id: batchId(), payload: [] }]);
      assert.equal(r.msg.items[1]!.status, ResultStatus.Success, r.msg.items[1]!.message);
      const p = r.msg.items[1]!.payload!;
      if (v.major < 2) {
        const names = p.value.filter((c) => c.tag === Tag.AttributeName).map((c) => (c.type === 0x07 ? c.value : ''));
        for (const n of ['Unique Identifier', 'State', 'Cryptographic Usage Mask', 'Initial Date', 'x-list']) assert.ok(names.includes(n), n);
      } else {
        const refs = p.value.filter((c) => c.tag === Tag.AttributeReference);
        assert.ok(refs.some((c) => c.type === 0x05 && c.value === Tag.State));
        assert.ok(refs.some((c) => c.type === 0x01 && JSON.stringify(c.value).includes('"list"')));
      }
    });

    it('Maximum Response Size too small -> Response Too Large', T, async () => {
      const r = await raw.call(v, [item(ops.query([1, 2, 3]), v)], { maximumResponseSize: 64 });
      assert.equal(r.msg.items[0]!.status, ResultStatus.OperationFailed);
      assert.equal(r.msg.items[0]!.reason, ResultReason.ResponseTooLarge);
    });
  });
}

describe('raw protocol, version specifics', () => {
  it('2.x Get Attributes by Attribute Reference (tag enumeration and vendor structure); 2.x Attributes form', T, async () => {
    const r = await raw.call(V20, [
      item(ops.create({ customAttribute: { name: 'color', value: 'blue' } }), V20),
      {
        operation: ops.Op.GetAttributes,
        id: batchId(),
        payload: [en(Tag.AttributeReference, Tag.State), s(Tag.AttributeReference, [txt(Tag.VendorIdentification, 'x'), txt(Tag.AttributeName, 'color')])],
      },
    ]);
    const p = r.msg.items[1]!.payload!;
    assert.equal(r.msg.items[1]!.status, ResultStatus.Success, r.msg.items[1]!.message);
    const attrs = p.value.find((c) => c.tag === Tag.Attributes);
    assert.ok(attrs && attrs.type === 0x01);
    assert.deepEqual(attrs.value[0], en(Tag.State, State.PreActive));
    assert.deepEqual(attrs.value[1], s(Tag.Attribute, [txt(Tag.VendorIdentification, 'x'), txt(Tag.AttributeName, 'color'), txt(Tag.AttributeValue, 'blue')]));
  });

  it('2.x Unique Identifier enumeration ID Placeholder is honoured', T, async () => {
    const r = await raw.call(V20, [item(ops.create(), V20), { operation: ops.Op.Activate, id: batchId(), payload: [en(Tag.UniqueIdentifier, 1)] }]);
    assert.equal(r.msg.items[1]!.status, ResultStatus.Success, r.msg.items[1]!.message);
    assert.equal(payloadText(r.msg.items[1]!.payload, Tag.UniqueIdentifier), payloadText(r.msg.items[0]!.payload, Tag.UniqueIdentifier));
  });

  it('1.x Get Attributes answers Attribute structures with Attribute Name / Index / Value', T, async () => {
    const r = await raw.call(V14, [
      item(ops.create({ name: 'one' }), V14),
      {
        operation: ops.Op.GetAttributes,
        id: batchId(),
        payload: [txt(Tag.AttributeName, 'Name'), txt(Tag.AttributeName, 'Cryptographic Algorithm')],
      },
    ]);
    const p = r.msg.items[1]!.payload!;
    assert.deepEqual(
      p.value.slice(1),
      [
        s(Tag.Attribute, [txt(Tag.AttributeName, 'Cryptographic Algorithm'), en(Tag.AttributeValue, 3)]),
        s(Tag.Attribute, [txt(Tag.AttributeName, 'Name'), s(Tag.AttributeValue, [txt(Tag.NameValue, 'one'), en(Tag.NameType, 1)])]),
      ],
    );
  });

  it('Locate answers Located Items from 1.3 on when paging (Maximum Items), not under 1.2', T, async () => {
    const name = `li-${crypto.randomUUID()}`;
    for (const [ver, has] of [
      [V12, false],
      [V14, true],
      [V20, true],
    ] as Array<[ProtocolVersion, boolean]>) {
      const r = await raw.call(ver, [item(ops.create({ name }), ver), item(ops.locate({ name, maximumItems: 10 }), ver)]);
      const p = r.msg.items[1]!.payload!;
      assert.equal(p.value.some((c) => c.tag === Tag.LocatedItems), has, `${ver.major}.${ver.minor}`);
    }
  });

  it('a version it does not speak: Discover Versions still answers, other operations are refused', T, async () => {
    const r = await raw.call({ major: 1, minor: 1 }, [item(ops.discoverVersions([]), V14), item(ops.query([1]), V14)], {
      batchErrorContinuationOption: BatchErrorContinuationOption.Continue,
    });
    assert.deepEqual(r.msg.version, { major: 1, minor: 1 });
    assert.equal(r.msg.items[0]!.status, ResultStatus.Success);
    assert.equal(r.msg.items[1]!.reason, ResultReason.InvalidMessage);
    assert.match(r.msg.items[1]!.message ?? '', /not supported/);
    const r2 = await raw.call({ major: 2, minor: 1 }, [item(ops.query([1]), V20)]);
    assert.equal(r2.msg.items[0]!.reason, ResultReason.UnsupportedProtocolVersion);
  });
});

describe('raw protocol, malformed input', () => {
  it('an undecodable message (framing intact) -> Invalid Message, and the connection stays usable', T, async () => {
    const c = await RawClient.connect(server, pki);
    try {
      // A structure whose inner item claims more bytes than it has.
      const bad = Buffer.from('42007801000000104200770100000010' + '0000000000000000', 'hex');
      c.write(bad);
      const r = await c.next();
      assert.equal(r.msg.items[0]!.status, ResultStatus.OperationFailed);
      assert.equal(r.msg.items[0]!.reason, ResultReason.InvalidMessage);
      const ok = await c.call(V14, [item(ops.query([1]), V14)]);
      assert.equal(ok.msg.items[0]!.status, ResultStatus.Success);
    } finally {
      c.close();
    }
  });

  it('a well-formed TTLV that is not a valid request -> Invalid Message, connection kept', T, async () => {
    const c = await RawClient.connect(server, pki);
    try {
      const cases: TtlvItem[] = [
        s(Tag.ResponseMessage, []),
        s(Tag.RequestMessage, [s(Tag.BatchItem, [])]),
        requestMessage(V14, [item(ops.query([1]), V14, null), item(ops.query([1]), V14, null)]),
        { ...requestMessage(V14, [item(ops.query([1]), V14)]), value: [requestMessage(V14, []).value[0]!] },
      ];
      for (const m of cases) {
        c.send(m);
        const r = await c.next();
        assert.equal(r.msg.items[0]!.reason, ResultReason.InvalidMessage, JSON.stringify(r.msg.items[0]!.message));
      }
      // A batch item with a wrong-typed field is answered, with its batch id.
      const id = batchId();
      c.send(requestMessage(V14, [{ operation: ops.Op.Activate, id, payload: [{ tag: Tag.UniqueIdentifier, type: 0x02, value: 7 }] }]));
      const r = await c.next();
      assert.ok(r.msg.items[0]!.id!.equals(id));
      assert.equal(r.msg.items[0]!.reason, ResultReason.InvalidMessage);
      const ok = await c.call(V14, [item(ops.query([1]), V14)]);
      assert.equal(ok.msg.items[0]!.status, ResultStatus.Success);
    } finally {
      c.close();
    }
  });

  it('lost framing (outer item not a Structure) -> Invalid Message answer, then the connection is closed', T, async () => {
    const c = await RawClient.connect(server, pki);
    c.write(encode({ tag: Tag.RequestMessage, type: 0x07, value: 'GET / HTTP/1.1' }));
    const r = await c.next();
    assert.equal(r.msg.items[0]!.reason, ResultReason.InvalidMessage);
    await c.closed;
    assert.ok(c.ended);
  });
});
