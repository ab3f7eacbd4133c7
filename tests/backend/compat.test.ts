/**
 * Byte compatibility with what deployments stored before us: data keys wrapped
 * by the existing KMIP driver are server-side AES-256-CBC, PKCS#5/#7 padding,
 * IV = 16 zero bytes, under the bucket key. Checked with local node:crypto
 * against a real PyKMIP server and against the captured PyKMIP 0.10 vector.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { KmipBackend } from '../../lib/backend/backend';
import { localAes256Cbc } from '../client/pykmip-helpers';
import { pykmipSuite } from '../support/pykmip';
import { loadCaptures } from '../support/vectors';
import { CallbackTracker, FakeRequestLog, RecordingLogger, assertHostErrorShape, hostCalls, hostKmipFor } from './helpers';

const ZERO_IV = Buffer.alloc(16);

function localUnwrap(key: Buffer, ciphered: Buffer): Buffer {
  const d = crypto.createDecipheriv('aes-256-cbc', key, ZERO_IV);
  return Buffer.concat([d.update(ciphered), d.final()]);
}

describe('captured PyKMIP 0.10 Encrypt vector (local crypto)', () => {
  it('server ciphertext == local AES-256-CBC / PKCS#7 / zero IV of the plaintext under the key', () => {
    const v = loadCaptures().values;
    const key = Buffer.from(v['key_hex']!, 'hex');
    const plaintext = Buffer.from(v['plaintext_hex']!, 'hex');
    const iv = Buffer.from(v['iv_hex']!, 'hex');
    const ciphertext = Buffer.from(v['ciphertext_hex']!, 'hex');
    assert.equal(key.length, 32);
    assert.equal(plaintext.length, 32);
    assert.ok(iv.equals(ZERO_IV));
    assert.equal(ciphertext.length, 48);
    assert.ok(localAes256Cbc(key, iv, plaintext).equals(ciphertext));
    assert.ok(localUnwrap(key, ciphertext).equals(plaintext));
    // The last block is pure padding (16 x 0x10) for a 32-byte data key.
    const raw = crypto.createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
    const padded = Buffer.concat([raw.update(ciphertext), raw.final()]);
    assert.ok(padded.subarray(32).equals(Buffer.alloc(16, 0x10)));
  });
});

pykmipSuite('byte compatibility of wrapped data keys (PyKMIP)', (srv) => {
  const tracker = new CallbackTracker();
  const backends: KmipBackend[] = [];
  let host: ReturnType<typeof hostCalls>;
  let backend: KmipBackend;
  let keyId = '';
  let arn = '';
  let material: Buffer;

  before(async () => {
    backend = new KmipBackend({ kmip: hostKmipFor(srv()), logger: new RecordingLogger() });
    backends.push(backend);
    host = hostCalls(backend, tracker);
    const r = await host.createBucketKey('bucket-compat', new FakeRequestLog());
    assert.equal(r.err, null);
    keyId = r.results[0] as string;
    arn = r.results[1] as string;
    const g = await backend.client.get(keyId);
    assert.ok(g.keyMaterial, 'Get returned no key material');
    material = Buffer.from(g.keyMaterial);
    assert.equal(material.length, 32);
  });
  after(async () => {
    await Promise.all(backends.map((b) => b.close({ drainTimeoutMs: 0 })));
  });

  it('data keys wrapped locally the way deployments did decipher through decipherDataKey', async () => {
    const log = new FakeRequestLog();
    for (let i = 0; i < 25; i++) {
      const dk = crypto.randomBytes(32);
      const wrapped = localAes256Cbc(material, ZERO_IV, dk);
      assert.equal(wrapped.length, 48);
      // The host keeps base64 in the object metadata and decodes it back.
      const stored = Buffer.from(wrapped.toString('base64'), 'base64');
      const r = await host.decipherDataKey(1, i % 2 ? arn : keyId, stored, log);
      assert.equal(r.err, null, String((r.err as { description?: string } | null)?.description));
      assert.ok((r.results[0] as Buffer).equals(dk), `locally wrapped data key #${i} did not decipher to the original`);
    }
  });

  it('cipherDataKey output is exactly local AES-256-CBC / PKCS#7 / zero IV under the bucket key', async () => {
    const log = new FakeRequestLog();
    for (let i = 0; i < 25; i++) {
      const dk = crypto.randomBytes(32);
      const r = await host.cipherDataKey(1, i % 2 ? arn : keyId, dk, log);
      assert.equal(r.err, null);
      const c = r.results[0] as Buffer;
      assert.equal(c.length, 48);
      assert.ok(c.equals(localAes256Cbc(material, ZERO_IV, dk)), `ciphered data key #${i} differs from the local reference`);
      assert.ok(localUnwrap(material, c).equals(dk));
    }
  });

  it('edge data keys (all zero, all 0xff) round-trip and match the local reference', async () => {
    const log = new FakeRequestLog();
    for (const dk of [Buffer.alloc(32, 0), Buffer.alloc(32, 0xff)]) {
      const r = await host.cipherDataKey(1, keyId, dk, log);
      assert.equal(r.err, null);
      assert.ok((r.results[0] as Buffer).equals(localAes256Cbc(material, ZERO_IV, dk)));
      const d = await host.decipherDataKey(1, keyId, r.results[0], log);
      assert.ok((d.results[0] as Buffer).equals(dk));
    }
  });

  it('a data key wrapped under another bucket key never deciphers to the original; failures are host errors (AccessDenied from the appliance, InternalError from our size check)', async () => {
    const other = await host.createBucketKey('bucket-compat-other', new FakeRequestLog());
    assert.equal(other.err, null);
    for (let i = 0; i < 5; i++) {
      const dk = crypto.randomBytes(32);
      const c = await host.cipherDataKey(1, other.results[0], dk, new FakeRequestLog());
      const r = await host.decipherDataKey(1, keyId, c.results[0], new FakeRequestLog());
      if (r.err) {
        const e = r.err as { message: string };
        if (e.message === 'AccessDenied') assertHostErrorShape(r.err, 'AccessDenied', 403);
        else assertHostErrorShape(r.err, 'InternalError', 500);
      } else {
        // PKCS#7 padding may be valid by chance (about 1 in 256): the output must still not be the data key.
        assert.ok(!(r.results[0] as Buffer).equals(dk));
      }
    }
  });

  it('a ciphered key that does not decipher to a 32-byte data key is an error, not a short key', {
  }, async () => {
    const short = localAes256Cbc(material, ZERO_IV, crypto.randomBytes(16));
    assert.equal(short.length, 32);
    const log = new FakeRequestLog();
    const r = await host.decipherDataKey(1, keyId, short, log);
    assertHostErrorShape(r.err, 'InternalError', 500);
    assert.match(log.text(), /not 32/, 'the reason stays in the log');
  });

  it('a second backend instance (another process\'s view) deciphers what the first wrapped', async () => {
    const other = new KmipBackend({ kmip: hostKmipFor(srv(), { transport: { protocolVersions: ['1.4'] } }), logger: new RecordingLogger() });
    backends.push(other);
    const h2 = hostCalls(other, tracker);
    const dk = crypto.randomBytes(32);
    const c = await host.cipherDataKey(1, keyId, dk, new FakeRequestLog());
    const d = await h2.decipherDataKey(1, keyId, c.results[0], new FakeRequestLog());
    assert.equal(d.err, null);
    assert.ok((d.results[0] as Buffer).equals(dk));
    // Same bytes whichever protocol version wrapped them.
    const c2 = await h2.cipherDataKey(1, arn, dk, new FakeRequestLog());
    assert.ok((c2.results[0] as Buffer).equals(c.results[0] as Buffer));
    await tracker.assertAllExactlyOnce();
  });
});
