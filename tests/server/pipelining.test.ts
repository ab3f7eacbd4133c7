/**
 * KmipDevServer under pipelined and concurrent load: answers leave as each
 * message is done (out of order when a state change waits for the data file),
 * our client at depth 8 gets every answer right, batches through KmipClient,
 * and the Encrypt throughput with 64 callers at depth 8.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KmipClient } from '../../lib/client';
import { ResultReason, ResultStatus } from '../../lib/kmip/enums';
import * as ops from '../../lib/kmip/operations';
import { requestMessage } from '../../lib/kmip/protocol';
import { Tag } from '../../lib/kmip/tags';
import type { KmipDevServer } from '../../lib/server';
import { encode } from '../../lib/ttlv';
import type { TestPki } from '../support/certs';
import { CBC_PKCS5, RawClient, T, V14, VERSIONS, aes, batchId, client, clientOptions, item, makePki, payloadText, startServer, tmpDir } from './helpers';

let pki: TestPki;
let server: KmipDevServer;

before(async () => {
  pki = await makePki('pipe');
  server = await startServer(pki, { dataFile: path.join(tmpDir('kmip-dev-pipe-data-'), 'keys.json') });
});
after(async () => {
  await server.close();
});

async function activeKey(c: KmipClient): Promise<{ uid: string; key: Buffer }> {
  const { uniqueIdentifier: uid } = await c.create({ activationDate: new Date() });
  const g = await c.get(uid);
  return { uid, key: g.keyMaterial! };
}

describe('pipelining', () => {
  it('answers out of order: an Encrypt sent after a Create (waiting for the data file) is answered first', T, async () => {
    const c = client(server, pki, V14);
    const { uid } = await activeKey(c);
    await c.close();
    const raw = await RawClient.connect(server, pki);
    try {
      const createId = batchId();
      const encIds = [batchId(), batchId(), batchId()];
      const bytes = Buffer.concat([
        encode(requestMessage(V14, [item(ops.create(), V14, createId)])),
        ...encIds.map((id) =>
          encode(requestMessage(V14, [item(ops.encrypt({ uniqueIdentifier: uid, data: Buffer.alloc(16), cryptographicParameters: CBC_PKCS5 }), V14, id)])),
        ),
      ]);
      raw.write(bytes);
      const order: Buffer[] = [];
      for (let i = 0; i < 4; i++) order.push((await raw.next()).msg.items[0]!.id!);
      assert.ok(order[3]!.equals(createId), 'the Create answer comes last');
      assert.deepEqual(
        order.slice(0, 3).map((b) => b.toString('hex')),
        encIds.map((b) => b.toString('hex')),
      );
    } finally {
      raw.close();
    }
  });

  it('one write holding many messages: each answered, each with its own batch id', T, async () => {
    const c = client(server, pki, V14);
    const { uid, key } = await activeKey(c);
    await c.close();
    const raw = await RawClient.connect(server, pki);
    try {
      const n = 200;
      const datas = Array.from({ length: n }, () => crypto.randomBytes(1 + crypto.randomInt(64)));
      const ids = datas.map(() => batchId());
      raw.write(
        Buffer.concat(
          datas.map((d, i) =>
            encode(requestMessage(V14, [item(ops.encrypt({ uniqueIdentifier: uid, data: d, cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) }), V14, ids[i]!)])),
          ),
        ),
      );
      const byId = new Map(ids.map((id, i) => [id.toString('hex'), datas[i]!]));
      for (let i = 0; i < n; i++) {
        const r = await raw.next();
        const it = r.msg.items[0]!;
        const d = byId.get(it.id!.toString('hex'));
        assert.ok(d, 'answer to a request we sent');
        byId.delete(it.id!.toString('hex'));
        const data = it.payload!.value.find((x) => x.tag === Tag.Data);
        assert.ok(data && data.type === 0x08 && data.value.equals(aes('cbc', key, Buffer.alloc(16), d)));
      }
      assert.equal(byId.size, 0);
    } finally {
      raw.close();
    }
  });

  for (const { label, v } of VERSIONS) {
    it(`500 concurrent Encrypts through KmipClient at depth 8, each checked (${label})`, T, async () => {
      const c = new KmipClient(clientOptions(server, pki, { protocolVersions: [v], pipelineDepth: 8 }));
      try {
        const { uid, key } = await activeKey(c);
        const datas = Array.from({ length: 500 }, (_x, i) => Buffer.from(`object data key #${i} ${crypto.randomBytes(8).toString('hex')}`));
        const results = await Promise.all(
          datas.map((d, i) =>
            i % 2 === 0
              ? c.encrypt(uid, d, { cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) }).then((r) => ({ r, iv: Buffer.alloc(16) }))
              : c.encrypt(uid, d, { cryptographicParameters: CBC_PKCS5 }).then((r) => ({ r, iv: r.ivCounterNonce! })),
          ),
        );
        results.forEach(({ r, iv }, i) => assert.ok(r.data.equals(aes('cbc', key, iv, datas[i]!)), `answer ${i}`));
        const back = await Promise.all(results.map(({ r, iv }) => c.decrypt(uid, r.data, { cryptographicParameters: CBC_PKCS5, ivCounterNonce: iv })));
        back.forEach((d, i) => assert.ok(d.data.equals(datas[i]!)));
      } finally {
        await c.close();
      }
    });
  }

  it('Creates, Activates and Encrypts interleaved from many callers (state changes wait for the file, reads do not)', T, async () => {
    const c = new KmipClient(clientOptions(server, pki, { pipelineDepth: 8 }));
    try {
      const { uid, key } = await activeKey(c);
      const work: Promise<void>[] = [];
      for (let i = 0; i < 40; i++) {
        work.push(
          (async () => {
            const k = await c.create({ name: `mix-${i}` });
            await c.activate(k.uniqueIdentifier);
            const e = await c.encrypt(k.uniqueIdentifier, Buffer.from('x'), { cryptographicParameters: CBC_PKCS5 });
            assert.equal(e.uniqueIdentifier, k.uniqueIdentifier);
          })(),
        );
        for (let j = 0; j < 5; j++) {
          const d = crypto.randomBytes(32);
          work.push(
            c.encrypt(uid, d, { cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) }).then((r) => {
              assert.ok(r.data.equals(aes('cbc', key, Buffer.alloc(16), d)));
            }),
          );
        }
      }
      await Promise.all(work);
      const file = JSON.parse(fs.readFileSync(server.dataFile!, 'utf8')) as { objects: Array<{ state: number }> };
      assert.ok(file.objects.length >= 41);
    } finally {
      await c.close();
    }
  });
});

describe('batches through KmipClient', () => {
  for (const { label, v } of VERSIONS) {
    it(`[Create, Activate(placeholder), Encrypt(placeholder)] in one message (${label})`, T, async () => {
      const c = client(server, pki, v);
      try {
        const data = Buffer.from('batched');
        const out = await c.batch([
          ops.create({ name: `b-${crypto.randomUUID()}` }),
          ops.activate(undefined),
          ops.encrypt({ data, cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) }),
        ]);
        assert.ok(out.every((o) => o.ok), JSON.stringify(out.map((o) => (o.ok ? 'ok' : o.error.message))));
        const uid = (out[0] as { value: ops.CreateResult }).value.uniqueIdentifier;
        assert.equal((out[1] as { value: string }).value, uid);
        const enc = (out[2] as { value: ops.CipherResult }).value;
        assert.equal(enc.uniqueIdentifier, uid);
        const key = (await c.get(uid)).keyMaterial!;
        assert.ok(enc.data.equals(aes('cbc', key, Buffer.alloc(16), data)));
      } finally {
        await c.close();
      }
    });
  }

  it('default Stop: the server omits the items after a failure; KmipClient.batch reports them as not executed and the connection stays', T, async () => {
    const s1 = await startServer(pki);
    const c = client(s1, pki, V14);
    try {
      const { uid } = await activeKey(c);
      const data = crypto.randomBytes(32);
      // Another caller's request in flight on the same connection must not suffer.
      const other = c.encrypt(uid, data, { cryptographicParameters: { blockCipherMode: 1, paddingMethod: 3, cryptographicAlgorithm: 3 }, ivCounterNonce: Buffer.alloc(16) });
      const out = await c.batch([ops.activate(crypto.randomUUID()), ops.create(), ops.query([1])]);
      assert.equal(out.length, 3);
      assert.ok(!out[0]!.ok && out[0]!.error.resultReason === 'Item Not Found');
      for (const o of out.slice(1)) {
        assert.ok(!o.ok);
        assert.match(o.error.message, /not executed/);
      }
      assert.equal((await other).data.length, 48);
      assert.ok((await c.query([1])).operations.length > 0);
    } finally {
      await c.close();
      await s1.close();
    }
  });

  it("behaviour stoppedItems 'fail': items after a failure are answered Operation Failed, so KmipClient.batch reports each", T, async () => {
    const s2 = await startServer(pki, { behaviour: { stoppedItems: 'fail' } });
    const c = client(s2, pki, V14);
    try {
      const out = await c.batch([ops.activate(crypto.randomUUID()), ops.create(), ops.query([1])]);
      assert.deepEqual(
        out.map((o) => (o.ok ? 'ok' : o.error.resultReason)),
        ['Item Not Found', 'Operation Canceled By Requester', 'Operation Canceled By Requester'],
      );
    } finally {
      await c.close();
      await s2.close();
    }
    // Raw view of the same.
    const s3 = await startServer(pki, { behaviour: { stoppedItems: 'fail' } });
    const raw = await RawClient.connect(s3, pki);
    try {
      const r = await raw.call(V14, [item(ops.activate(crypto.randomUUID()), V14), item(ops.create(), V14)]);
      assert.deepEqual(
        r.msg.items.map((i) => [i.status, i.reason]),
        [
          [ResultStatus.OperationFailed, ResultReason.ItemNotFound],
          [ResultStatus.OperationFailed, ResultReason.OperationCanceledByRequester],
        ],
      );
      assert.equal(payloadText(r.msg.items[1]!.payload, Tag.UniqueIdentifier), undefined);
    } finally {
      raw.close();
      await s3.close();
    }
  });
});

describe('throughput', () => {
  it('Encrypt/s with KmipClient, 64 callers, pipeline depth 8 (AES-256-CBC, 32 bytes)', { timeout: 30_000 }, async (t) => {
    const s4 = await startServer(pki);
    const c = new KmipClient(clientOptions(s4, pki, { pipelineDepth: 8 }));
    try {
      const { uid } = await activeKey(c);
      const data = Buffer.alloc(32, 7);
      const iv = Buffer.alloc(16);
      const run = async (ms: number): Promise<number> => {
        let done = 0;
        const end = Date.now() + ms;
        const worker = async (): Promise<void> => {
          while (Date.now() < end) {
            await c.encrypt(uid, data, { cryptographicParameters: CBC_PKCS5, ivCounterNonce: iv });
            done++;
          }
        };
        const t0 = process.hrtime.bigint();
        await Promise.all(Array.from({ length: 64 }, worker));
        return done / (Number(process.hrtime.bigint() - t0) / 1e9);
      };
      await run(300); // warm-up
      const rate = await run(3000);
      t.diagnostic(`dev server Encrypt throughput: ${Math.round(rate)}/s (64 callers, depth 8, client and server in one process)`);
      process.stderr.write(`dev server Encrypt throughput: ${Math.round(rate)}/s (64 callers, depth 8, one process)\n`);
      assert.ok(rate > 1000, `only ${Math.round(rate)} Encrypt/s`);
    } finally {
      await c.close();
      await s4.close();
    }
  });
});
