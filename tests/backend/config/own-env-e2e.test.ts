// End to end: KMIP batching turned on under a stock cloudserver by kmip-kms's own variable. config.kmip is built
// the way the host builds it from S3KMIP_HOSTS/PORT/KEY/CERT/CA/PIPELINE_DEPTH (the host ignores
// S3KMIP_BATCH_SIZE); the backend reads S3KMIP_BATCH_SIZE itself. Against the fault server playing an
// appliance (real AES-256-CBC wraps), the first Encrypt and the first Decrypt are held so the others wait
// behind them (pipelineDepth 1): they go out in shared request messages, and every caller gets its own answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';

import { KmipBackend } from '../../../lib/backend/backend';
import { Tag } from '../../../lib/kmip/tags';
import { ttlv } from '../../../lib/ttlv';
import { OP, encodeResponse, type FaultServer, type ReceivedRequest } from '../../support/fault-server';
import { hostBuiltKmip, type Env } from '../../support/host-config';
import { fileSetup, harnessFor } from '../../transport/helpers';
import { keyOf, realWrap } from '../helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

function realUnwrap(uid: string, data: Buffer): Buffer {
  const d = createDecipheriv('aes-256-cbc', keyOf(uid), Buffer.alloc(16));
  return Buffer.concat([d.update(data), d.final()]);
}

const payloadOf = (req: ReceivedRequest, i: number): { uid: string; data: Buffer } => {
  const p = req.items[i]!.payload;
  const u = p.find((x) => x.tag === Tag.UniqueIdentifier);
  const d = p.find((x) => x.tag === Tag.Data);
  return { uid: u && u.type === 0x07 ? u.value : '', data: d && d.type === 0x08 ? d.value : Buffer.alloc(0) };
};

/** An appliance wrapping with AES-256-CBC item by item; the first Encrypt and the first Decrypt message are answered 50 ms late. */
function heldFirstAppliance(srv: FaultServer): void {
  const heldOnce = new Set<number>();
  srv.script = {
    onRequest: (req, ctx) => {
      if (req.operation !== OP.Encrypt && req.operation !== OP.Decrypt) return 'answer';
      const items = ctx.defaultItems().map((it, i) => {
        const { uid, data } = payloadOf(req, i);
        const out = req.items[i]!.operation === OP.Encrypt ? realWrap(uid, data) : realUnwrap(uid, data);
        return { ...it, payload: [ttlv.textString(Tag.UniqueIdentifier, uid), ttlv.byteString(Tag.Data, out)] };
      });
      if (heldOnce.has(req.operation)) return { items };
      heldOnce.add(req.operation);
      ctx.conn.held.push({ req, bytes: encodeResponse(req.version, items) });
      setTimeout(() => ctx.conn.release(), 50);
      return 'drop';
    },
  };
}

describe("batching set by S3KMIP_BATCH_SIZE under a stock cloudserver's config.kmip", () => {
  it('S3KMIP_BATCH_SIZE=4, S3KMIP_PIPELINE_DEPTH=1: shared request messages (stats batched > 0) and correct wraps and unwraps', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    heldFirstAppliance(srv);
    const pki = h.pki;
    const env: Env = {
      S3KMIP_HOSTS: srv.host,
      S3KMIP_PORT: String(srv.port),
      S3KMIP_KEY: pki.clientKeyPath,
      S3KMIP_CERT: pki.clientCertPath,
      S3KMIP_CA: pki.caPath,
      S3KMIP_PIPELINE_DEPTH: '1',
      S3KMIP_BATCH_SIZE: '4',
    };
    const kmip = hostBuiltKmip(env, {}, pki.dir);
    assert.equal((kmip['transport'] as Record<string, unknown>)['pipelineDepth'], '1');
    const b = new KmipBackend({ kmip, env, logger: h.logger });
    h.clients.push(b.client);
    assert.equal(b.client.transport.options.batchSize, 4);
    assert.equal(b.client.transport.options.pipelineDepth, 1);

    const n = 12;
    const keys = Array.from({ length: n }, (_, i) => `bk-${i % 3}`);
    const dataKeys = keys.map(() => randomBytes(32));
    const wrapped = await Promise.all(keys.map((k, i) => b.wrapDataKey(k, dataKeys[i]!)));
    wrapped.forEach((w, i) => assert.ok(w.equals(realWrap(keys[i]!, dataKeys[i]!)), `wrap ${i}`));
    const unwrapped = await Promise.all(keys.map((k, i) => b.unwrapDataKey(k, wrapped[i]!)));
    unwrapped.forEach((u, i) => assert.ok(u.equals(dataKeys[i]!), `unwrap ${i}`));

    const shared = srv.requests.filter((r) => r.items.length > 1);
    assert.ok(shared.length > 0, 'no request message carried several items');
    assert.ok(shared.every((r) => r.items.length <= 4), `a message of more than 4 items: ${shared.map((r) => r.items.length).join(',')}`);
    assert.ok(shared.some((r) => r.operation === OP.Encrypt) && shared.some((r) => r.operation === OP.Decrypt));
    assert.ok(b.stats().hosts[0]!.batched > 0);
    assert.deepEqual(srv.errors, []);
  });
});
