/**
 * Issue 9.2: the appliance's Encrypt answer is not trusted as the wrapped
 * data key. For the legacy scheme (AES-256-CBC, PKCS#5, zero IV) 32 bytes in
 * must give exactly 48 bytes out that do not contain the data key; anything
 * else is a typed error and nothing is returned (the host would store it).
 * The fault server plays an appliance (or a proxy) answering the plaintext,
 * nothing, or a wrong length.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KmipBackend } from '../../lib/backend/backend';
import type { KmipSettings } from '../../lib/backend/settings';
import { KmipProtocolError } from '../../lib/errors';
import type { FaultServer } from '../support/fault-server';
import { fileSetup, harnessFor, settle, type Harness } from '../transport/helpers';
import { appliance, CallbackTracker, FakeRequestLog, hostCalls, realWrap } from './helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

function backendFor(h: Harness, srv: FaultServer): KmipBackend {
  const settings: KmipSettings = {
    providerName: 'kmip',
    compoundCreateActivate: false,
    bucketNameAttributeName: '',
    transport: h.clientOptions([srv]),
    healthcheckCacheMs: 0,
  };
  const b = new KmipBackend({ settings, logger: h.logger });
  h.clients.push(b.client);
  return b;
}

const BAD_ANSWERS: ReadonlyArray<[string, (uid: string, data: Buffer) => Buffer]> = [
  ['the 32-byte plaintext itself', (_u, d) => Buffer.from(d)],
  ['0 bytes', () => Buffer.alloc(0)],
  ['32 bytes of something else', () => Buffer.alloc(32, 0x5a)],
  ['47 bytes', (u, d) => realWrap(u, d).subarray(0, 47)],
  ['64 bytes', (u, d) => Buffer.concat([realWrap(u, d), Buffer.alloc(16)])],
  ['48 bytes: the plaintext then 16 bytes of padding', (_u, d) => Buffer.concat([d, Buffer.alloc(16, 16)])],
  ['48 bytes: 16 bytes then the plaintext', (_u, d) => Buffer.concat([Buffer.alloc(16, 1), d])],
];

describe('wrapDataKey does not trust the appliance\'s answer (issue 9.2)', () => {
  it('a real AES-256-CBC answer (48 bytes) is returned as is', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    appliance(srv, realWrap);
    const b = backendFor(h, srv);
    const dk = randomBytes(32);
    const w = await b.wrapDataKey('bk-1', dk);
    assert.ok(w.equals(realWrap('bk-1', dk)));
  });

  for (const [label, answer] of BAD_ANSWERS) {
    it(`an answer of ${label}: KmipProtocolError, nothing returned, no key bytes in the message`, async (t) => {
      const h = harness(t);
      const srv = await h.server();
      appliance(srv, answer);
      const b = backendFor(h, srv);
      const dk = randomBytes(32);
      const s = await settle(b.wrapDataKey('bk-1', dk));
      assert.equal(s.ok, false, `resolved ${String(s.value)}`);
      assert.ok(s.error instanceof KmipProtocolError, String(s.error));
      assert.equal(s.error.code, 'KMIP_PROTOCOL');
      const text = `${s.error.message} ${String(s.error.cause ?? '')}`;
      assert.ok(!text.includes(dk.toString('hex')) && !text.includes(dk.toString('base64')), text);
      assert.ok(!h.logs.some((l) => JSON.stringify(l.fields ?? {}).includes(dk.toString('hex'))));
    });
  }

  it('through the host\'s cipherDataKey: an InternalError and no ciphered key handed over', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    appliance(srv, (_u, d) => Buffer.from(d));
    const b = backendFor(h, srv);
    const tracker = new CallbackTracker();
    const host = hostCalls(b, tracker);
    const dk = randomBytes(32);
    const r = await host.cipherDataKey(1, 'bk-1', dk, new FakeRequestLog());
    assert.ok(r.err, 'no error');
    assert.deepEqual(r.results, []);
    const description = String((r.err as { description?: string }).description);
    assert.match(description, /KMIP/);
    assert.ok(!description.includes(dk.toString('hex')), description);
    await tracker.assertAllExactlyOnce();
  });
});
