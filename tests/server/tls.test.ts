/**
 * KmipDevServer TLS and ownership: TLS 1.2+ with a client certificate from the
 * configured CA is required; objects belong to the client certificate CN.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { KmipClient } from '../../lib/client';
import { KmipError } from '../../lib/errors';
import type { KmipDevServer } from '../../lib/server';
import { makeClientCert, makeOtherCaClient, type ClientCert, type OtherCaClient, type TestPki } from '../support/certs';
import { CBC_PKCS5, RawClient, T, V14, V20, client, clientOptions, failsWith, makePki, startServer } from './helpers';

let pki: TestPki;
let server: KmipDevServer;
let bob: ClientCert;
let stranger: OtherCaClient;

before(async () => {
  pki = await makePki('tls');
  [bob, stranger] = await Promise.all([makeClientCert(pki, 'bob'), makeOtherCaClient(pki, 'stranger')]);
  server = await startServer(pki);
});
after(async () => {
  await server.close();
});

function handshake(opts: tls.ConnectionOptions): Promise<{ ok: boolean; error?: string }> {
  const a = server.address!;
  return new Promise((resolve) => {
    const s = tls.connect({ host: a.host, port: a.port, servername: 'localhost', ca: pki.ca, ...opts });
    let done = false;
    const finish = (r: { ok: boolean; error?: string }): void => {
      if (done) return;
      done = true;
      s.destroy();
      resolve(r);
    };
    // With TLS 1.3 the server's refusal of the client certificate arrives after
    // the client's handshake completed: wait for data or the close.
    s.once('secureConnect', () => {
      s.write(Buffer.alloc(8));
      setTimeout(() => finish({ ok: !s.destroyed }), 300);
    });
    s.once('error', (e) => finish({ ok: false, error: e.message }));
    s.once('close', () => finish({ ok: false, error: 'closed' }));
  });
}

describe('TLS', () => {
  it('a client certificate from another CA is refused at TLS', T, async () => {
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      const r = await handshake({ cert: stranger.cert, key: stranger.key, maxVersion });
      assert.equal(r.ok, false, `${maxVersion}: accepted a certificate of another CA`);
    }
    const c = new KmipClient(clientOptions(server, pki, { connectTimeoutMs: 2000, reconnect: { baseDelayMs: 10, maxDelayMs: 50 }, queueTimeoutMs: 1500 }, stranger));
    try {
      await assert.rejects(c.query(), (e: unknown) => e instanceof KmipError);
    } finally {
      await c.close({ drainTimeoutMs: 0 });
    }
  });

  it('no client certificate is refused; TLS 1.2 and 1.3 with a good one are accepted', T, async () => {
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      assert.equal((await handshake({ maxVersion })).ok, false, `${maxVersion} without a client certificate`);
      assert.equal((await handshake({ cert: pki.clientCert, key: pki.clientKey, maxVersion })).ok, true, `${maxVersion} with one`);
    }
  });

  it('TLS below 1.2 is refused', T, async () => {
    const r = await handshake({ cert: pki.clientCert, key: pki.clientKey, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    assert.equal(r.ok, false);
  });

  it('plain TCP that speaks no TLS gets nothing and is dropped', T, async () => {
    const a = server.address!;
    const sock = net.connect(a.port, a.host);
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    sock.write(Buffer.from('42007801000000004200770100000000', 'hex'));
    await new Promise<void>((resolve) => sock.once('close', () => resolve()));
  });
});

for (const v of [V14, V20]) {
  describe(`ownership by client certificate CN (KMIP ${v.major}.${v.minor})`, () => {
    it("another CN cannot see, use or change the owner's keys: Item Not Found, and Locate does not list them", T, async () => {
      const alice = client(server, pki, v);
      const other = client(server, pki, v, bob);
      try {
        const name = `owned-${v.major}${v.minor}`;
        const { uniqueIdentifier: uid } = await alice.create({ name, activationDate: new Date() });
        const pre = await alice.create();
        await failsWith(other.get(uid), 'Item Not Found');
        await failsWith(other.getAttributes(uid), 'Item Not Found');
        await failsWith(other.encrypt(uid, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5 }), 'Item Not Found');
        await failsWith(other.decrypt(uid, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) }), 'Item Not Found');
        await failsWith(other.activate(pre.uniqueIdentifier), 'Item Not Found');
        await failsWith(other.revoke(uid), 'Item Not Found');
        await failsWith(other.destroy(pre.uniqueIdentifier), 'Item Not Found');
        assert.deepEqual(await other.locate({ name }), []);
        assert.deepEqual(await alice.locate({ name }), [uid]);
        const mine = await other.create({ name });
        assert.deepEqual(await other.locate({ name }), [mine.uniqueIdentifier]);
        await alice.encrypt(uid, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5 });
        const raw = await RawClient.connect(server, pki, bob);
        raw.close();
      } finally {
        await alice.close();
        await other.close();
      }
    });
  });
}
