/**
 * Issue 9.6: strict KMIP 1.x servers refuse a request whose header carries a
 * version above their own before reading its payload. Discover Versions goes
 * with the lowest offered 1.x version (1.2 by default) in its header; if the
 * server still answers Invalid Message, the client retries once with that
 * header offering the versions one by one, and the final error lists what
 * was offered and what the server said.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KmipVersionError } from '../../lib/errors';
import { makeStrict, UNSUPPORTED_VERSION_MESSAGE } from '../support/strict-version-server';
import { assertCipher, assertKmipError, dataFor, fileSetup, harnessFor, OP, settle } from './helpers';

const setup = fileSetup();
const harness = harnessFor(setup);

const v = (major: number, minor: number): { major: number; minor: number } => ({ major, minor });

describe('version negotiation with strict 1.x servers (issue 9.6)', () => {
  for (const max of [v(1, 2), v(1, 3)]) {
    it(`a server refusing any header above ${max.major}.${max.minor}: the default client negotiates ${max.major}.${max.minor} and works`, async (t) => {
      const h = harness(t);
      const srv = makeStrict(await h.server(), { max });
      const c = h.client([srv]);
      const d = dataFor(1);
      assertCipher(await c.encrypt('k', d), OP.Encrypt, 'k', d);
      assert.deepEqual(c.serverInfo?.version, max);
      const dv = srv.requests.filter((r) => r.operation === OP.DiscoverVersions);
      assert.equal(dv.length, 1, 'one Discover Versions');
      assert.deepEqual(dv[0]!.version, v(1, 2), 'Discover Versions header is the lowest offered 1.x version');
      // Every later request carries the negotiated version.
      for (const r of srv.requests.filter((x) => x.operation !== OP.DiscoverVersions)) assert.deepEqual(r.version, max);
    });
  }

  it('the Discover Versions header is the lowest 1.x version offered (protocolVersions 2.0, 1.4, 1.3)', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    const c = h.client([srv], { protocolVersions: [v(2, 0), v(1, 4), v(1, 3)] });
    await c.query();
    assert.deepEqual(srv.requests[0]!.version, v(1, 3));
    assert.deepEqual(c.serverInfo?.version, v(2, 0));
  });

  it('a server refusing a Discover Versions that offers versions it does not know: retried offering one version at a time', async (t) => {
    const h = harness(t);
    const srv = makeStrict(await h.server(), { max: v(1, 2), refuseUnknownOffered: true });
    const c = h.client([srv]);
    const d = dataFor(2);
    assertCipher(await c.encrypt('k', d), OP.Encrypt, 'k', d);
    assert.deepEqual(c.serverInfo?.version, v(1, 2));
    const dv = srv.requests.filter((r) => r.operation === OP.DiscoverVersions);
    // The full offer, then 2.0, 1.4, 1.3 refused one by one, then 1.2 accepted.
    assert.equal(dv.length, 5, `${dv.length} Discover Versions`);
    for (const r of dv) assert.deepEqual(r.version, v(1, 2));
  });

  it('no common version: KmipVersionError listing what was offered and what the server said, after a bounded number of tries', async (t) => {
    const h = harness(t);
    const srv = makeStrict(await h.server(), { max: v(1, 2), refuseUnknownOffered: true });
    const c = h.client([srv], { protocolVersions: [v(2, 0), v(1, 4), v(1, 3)] });
    const e = assertKmipError(await settle(c.encrypt('k', dataFor(3))), KmipVersionError, 'KMIP_VERSION_UNSUPPORTED');
    assert.match(e.message, /2\.0, 1\.4, 1\.3/);
    assert.match(e.message, /Invalid Message/);
    assert.ok(e.message.includes(UNSUPPORTED_VERSION_MESSAGE), e.message);
    assert.ok(srv.count(OP.DiscoverVersions) <= 4, `${srv.count(OP.DiscoverVersions)} Discover Versions`);
    assert.equal(srv.userRequests.length, 0);
  });

  it('a Discover Versions refused for another reason than Invalid Message is not retried', async (t) => {
    const h = harness(t);
    const srv = await h.server();
    srv.script = { onRequest: (req) => (req.operation === OP.DiscoverVersions ? { fail: 0x05 } : 'answer') };
    const c = h.client([srv]);
    assertKmipError(await settle(c.encrypt('k', dataFor(4))), KmipVersionError, 'KMIP_VERSION_UNSUPPORTED');
    assert.equal(srv.count(OP.DiscoverVersions), 1);
  });
});
