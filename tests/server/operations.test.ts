/**
 * KmipDevServer x our KmipClient: every operation and the lifecycle rules,
 * under KMIP 1.4 and KMIP 2.0.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import type { KmipClient } from '../../lib/client';
import * as ops from '../../lib/kmip/operations';
import { DEV_SERVER_VENDOR, SUPPORTED_OPERATIONS, type KmipDevServer } from '../../lib/server';
import type { TestPki } from '../support/certs';
import { CBC_PKCS5, T, VERSIONS, aes, client, failsWith, makePki, startServer, stateOf } from './helpers';

let pki: TestPki;
let server: KmipDevServer;

before(async () => {
  pki = await makePki('ops');
  server = await startServer(pki);
});
after(async () => {
  await server.close();
});

for (const { label, v } of VERSIONS) {
  describe(`dev server operations, ${label}`, () => {
    let c: KmipClient;
    before(() => {
      c = client(server, pki, v);
    });
    after(async () => {
      await c.close();
    });

    async function activeKey(extra: ops.CreateSymmetricKeyOptions = {}): Promise<{ uid: string; key: Buffer }> {
      const { uniqueIdentifier: uid } = await c.create(extra);
      await c.activate(uid);
      const g = await c.get(uid);
      assert.ok(g.keyMaterial);
      return { uid, key: g.keyMaterial };
    }

    it('negotiates the version; Discover Versions intersects in server order; an empty offer lists all', T, async () => {
      await c.query();
      assert.deepEqual(c.serverInfo?.version, v);
      assert.deepEqual(await c.discoverVersions([{ major: 1, minor: 2 }, { major: 2, minor: 0 }, { major: 1, minor: 1 }]), [
        { major: 2, minor: 0 },
        { major: 1, minor: 2 },
      ]);
      assert.deepEqual(await c.discoverVersions([]), [
        { major: 2, minor: 0 },
        { major: 1, minor: 4 },
        { major: 1, minor: 3 },
        { major: 1, minor: 2 },
      ]);
      assert.deepEqual(await c.discoverVersions([{ major: 1, minor: 0 }]), []);
    });

    it('Query: operations, Symmetric Key and Secret Data objects, vendor and server information saying it is a dev server', T, async () => {
      const q = await c.query();
      assert.deepEqual(q.operations, v.major >= 2 ? [...SUPPORTED_OPERATIONS, 0x31] : [...SUPPORTED_OPERATIONS]); // 2.x: + Set Attribute
      assert.deepEqual(q.objectTypes, [2, 7]); // Symmetric Key, Secret Data
      assert.equal(q.vendorIdentification, DEV_SERVER_VENDOR);
      assert.match(JSON.stringify(q.serverInformation), /NOT an appliance/);
      assert.equal(c.serverInfo?.vendorIdentification, DEV_SERVER_VENDOR);
    });

    it('Create -> Pre-Active; Activate -> Active; Get returns Raw key material of the right length', T, async () => {
      for (const length of [128, 192, 256]) {
        const r = await c.create({ length });
        assert.equal(r.objectType, 2);
        assert.equal(stateOf((await c.getAttributes(r.uniqueIdentifier, ['State'])).attributes), 'PreActive');
        assert.equal(await c.activate(r.uniqueIdentifier), r.uniqueIdentifier);
        assert.equal(stateOf((await c.getAttributes(r.uniqueIdentifier, ['State'])).attributes), 'Active');
        const g = await c.get(r.uniqueIdentifier);
        assert.equal(g.uniqueIdentifier, r.uniqueIdentifier);
        assert.equal(g.objectType, 2);
        assert.equal(g.cryptographicAlgorithm, 3);
        assert.equal(g.cryptographicLength, length);
        assert.equal(g.keyMaterial?.length, length / 8);
      }
      const t = await c.get((await c.create()).uniqueIdentifier, 7);
      assert.equal(t.keyMaterial?.length, 32, 'Transparent Symmetric Key format');
      await failsWith(c.get((await c.create()).uniqueIdentifier, 2), 'Key Format Type Not Supported');
    });

    it('Create with Activation Date now is Active at once; with a future date it is Pre-Active carrying that date', T, async () => {
      const now = await c.create({ activationDate: new Date() });
      assert.equal(stateOf((await c.getAttributes(now.uniqueIdentifier, ['State'])).attributes), 'Active');
      const future = new Date(Date.now() + 3600_000);
      const later = await c.create({ activationDate: future });
      const attrs = (await c.getAttributes(later.uniqueIdentifier, ['State', 'Activation Date'])).attributes;
      assert.equal(stateOf(attrs), 'PreActive');
      assert.equal(attrs.find((a) => a.name === 'Activation Date')?.value, BigInt(Math.floor(future.getTime() / 1000)));
      await failsWith(c.encrypt(later.uniqueIdentifier, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5 }), 'Permission Denied');
      await c.activate(later.uniqueIdentifier);
      assert.equal(stateOf((await c.getAttributes(later.uniqueIdentifier, ['State'])).attributes), 'Active');
    });

    it('Get Attributes: all of them, or those asked for, custom attribute included', T, async () => {
      const name = `key-${crypto.randomUUID()}`;
      const { uniqueIdentifier: uid } = await c.create({ name, usageMask: 0x0c, customAttribute: { name: 'x-bucket', value: 'my-bucket' }, activationDate: new Date() });
      const all = (await c.getAttributes(uid)).attributes;
      const byName = new Map(all.map((a) => [a.name, a.value]));
      assert.equal(byName.get('Unique Identifier'), uid);
      assert.equal(byName.get('Object Type'), 'SymmetricKey');
      assert.equal(byName.get('State'), 'Active');
      assert.equal(byName.get('Cryptographic Algorithm'), 'AES');
      assert.equal(byName.get('Cryptographic Length'), 256);
      assert.equal(byName.get('Cryptographic Usage Mask'), 0x0c);
      assert.deepEqual(byName.get('Name'), { NameValue: name, NameType: 'UninterpretedTextString' });
      assert.equal(typeof byName.get('Initial Date'), 'bigint');
      assert.equal(typeof byName.get('Activation Date'), 'bigint');
      assert.equal(byName.get('x-bucket'), 'my-bucket');
      const some = (await c.getAttributes(uid, ['x-bucket', 'Cryptographic Length'])).attributes;
      assert.deepEqual(
        some.map((a) => [a.name, a.value]),
        [
          ['Cryptographic Length', 256],
          ['x-bucket', 'my-bucket'],
        ],
      );
      assert.deepEqual((await c.getAttributes(uid, ['x-absent'])).attributes, []);
    });

    it('Locate by Name, by Name and Object Type; other names and destroyed keys are not found', T, async () => {
      const name = `loc-${crypto.randomUUID()}`;
      const { uniqueIdentifier: uid } = await c.create({ name });
      await c.create({ name: `${name}-other` });
      assert.deepEqual(await c.locate({ name }), [uid]);
      assert.deepEqual(await c.locate({ name, objectType: 2 }), [uid]);
      assert.deepEqual(await c.locate({ name, objectType: 7 }), []);
      assert.deepEqual(await c.locate({ name: `nope-${crypto.randomUUID()}` }), []);
      await c.destroy(uid);
      assert.deepEqual(await c.locate({ name }), []);
      const a = await c.create({ name: `${name}-dup` });
      const b = await c.create({ name: `${name}-dup` });
      assert.deepEqual(await c.locate({ name: `${name}-dup` }), [a.uniqueIdentifier, b.uniqueIdentifier]);
      assert.deepEqual(await c.locate({ name: `${name}-dup`, maximumItems: 1 }), [a.uniqueIdentifier]);
    });

    it('AES-256-CBC / PKCS5 with a zero IV equals node:crypto; Decrypt gives the plaintext back', T, async () => {
      const { uid, key } = await activeKey();
      const iv = Buffer.alloc(16);
      for (const size of [0, 1, 15, 16, 32, 100]) {
        const data = crypto.randomBytes(size);
        const e = await c.encrypt(uid, data, { cryptographicParameters: CBC_PKCS5, ivCounterNonce: iv });
        assert.equal(e.uniqueIdentifier, uid);
        assert.equal(e.ivCounterNonce, undefined, 'no IV is returned when the client gave one');
        assert.ok(e.data.equals(aes('cbc', key, iv, data)), `ciphertext of ${size} bytes`);
        const d = await c.decrypt(uid, e.data, { cryptographicParameters: CBC_PKCS5, ivCounterNonce: iv });
        assert.ok(d.data.equals(data));
      }
    });

    it('AES-CBC with a server-made random IV (returned), with and without Random IV; AES-128 and 192 too', T, async () => {
      for (const length of [128, 192, 256]) {
        const { uid, key } = await activeKey({ length });
        const data = Buffer.from('attack at dawn, twice over: attack at dawn');
        for (const randomIv of [true, undefined]) {
          const cp = randomIv ? { ...CBC_PKCS5, randomIv } : CBC_PKCS5;
          const e = await c.encrypt(uid, data, { cryptographicParameters: cp });
          assert.equal(e.ivCounterNonce?.length, 16);
          assert.ok(e.data.equals(aes('cbc', key, e.ivCounterNonce!, data)));
          const d = await c.decrypt(uid, e.data, { cryptographicParameters: CBC_PKCS5, ivCounterNonce: e.ivCounterNonce! });
          assert.ok(d.data.equals(data));
        }
        const e1 = await c.encrypt(uid, data, { cryptographicParameters: CBC_PKCS5 });
        const e2 = await c.encrypt(uid, data, { cryptographicParameters: CBC_PKCS5 });
        assert.ok(!e1.ivCounterNonce!.equals(e2.ivCounterNonce!), 'each IV is fresh');
      }
    });

    it('ECB with PKCS5 and with no padding; CBC with no padding', T, async () => {
      const { uid, key } = await activeKey();
      const data = crypto.randomBytes(48);
      const ecb = { blockCipherMode: 2, paddingMethod: 3 };
      const e = await c.encrypt(uid, data, { cryptographicParameters: ecb });
      assert.equal(e.ivCounterNonce, undefined);
      assert.ok(e.data.equals(aes('ecb', key, null, data)));
      assert.ok((await c.decrypt(uid, e.data, { cryptographicParameters: ecb })).data.equals(data));
      const raw = { blockCipherMode: 2, paddingMethod: 1 };
      const e2 = await c.encrypt(uid, data, { cryptographicParameters: raw });
      assert.ok(e2.data.equals(aes('ecb', key, null, data, false, false)));
      const iv = crypto.randomBytes(16);
      const e3 = await c.encrypt(uid, data, { cryptographicParameters: { blockCipherMode: 1, paddingMethod: 1 }, ivCounterNonce: iv });
      assert.ok(e3.data.equals(aes('cbc', key, iv, data, false, false)));
      await failsWith(c.encrypt(uid, Buffer.alloc(5), { cryptographicParameters: raw }), 'Invalid Field', /multiple of 16/);
    });

    it('Decrypt with bad padding -> Cryptographic Failure; bad IV length, unsupported mode (CTR) -> Invalid Field', T, async () => {
      const { uid } = await activeKey();
      const iv = Buffer.alloc(16);
      await failsWith(c.decrypt(uid, crypto.randomBytes(32), { cryptographicParameters: CBC_PKCS5, ivCounterNonce: iv }), 'Cryptographic Failure');
      await failsWith(c.decrypt(uid, Buffer.alloc(17), { cryptographicParameters: CBC_PKCS5, ivCounterNonce: iv }), 'Cryptographic Failure');
      await failsWith(c.encrypt(uid, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(8) }), 'Invalid Field');
      await failsWith(c.encrypt(uid, Buffer.alloc(16), { cryptographicParameters: { blockCipherMode: 6 } }), 'Invalid Field', /CTR/); // CTR: not supported
      await failsWith(c.encrypt(uid, Buffer.alloc(16)), 'Invalid Field', /Cryptographic Parameters/);
      await failsWith(c.encrypt(uid, Buffer.alloc(16), { cryptographicParameters: { ...CBC_PKCS5, cryptographicAlgorithm: 4 } }), 'Invalid Field');
      await failsWith(
        c.decrypt(uid, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5 }),
        v.major >= 2 ? 'Missing Initialization Vector' : 'Invalid Message', // 1.x: as OASIS CS-BC-M-13
      );
    });

    it('Encrypt needs an Active key with the Encrypt bit; Decrypt the Decrypt bit', T, async () => {
      const pre = await c.create();
      await failsWith(c.encrypt(pre.uniqueIdentifier, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5 }), 'Permission Denied', /Pre-Active/);
      const encOnly = await activeKey({ usageMask: 0x04 });
      const e = await c.encrypt(encOnly.uid, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5 });
      const maskReason = v.major >= 2 ? 'Incompatible Cryptographic Usage Mask' : 'Permission Denied';
      await failsWith(c.decrypt(encOnly.uid, e.data, { cryptographicParameters: CBC_PKCS5, ivCounterNonce: e.ivCounterNonce! }), maskReason);
      const decOnly = await activeKey({ usageMask: 0x08 });
      await failsWith(c.encrypt(decOnly.uid, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5 }), maskReason);
    });

    it('Revoke: Active -> Deactivated (no more Encrypt), Key Compromise -> Compromised, Pre-Active -> Deactivated', T, async () => {
      const a = await activeKey();
      await c.revoke(a.uid, ops.RevocationReasonCode.CessationOfOperation, 'retired');
      const attrs = (await c.getAttributes(a.uid)).attributes;
      assert.equal(stateOf(attrs), 'Deactivated');
      assert.ok(attrs.some((x) => x.name === 'Deactivation Date'));
      assert.deepEqual(attrs.find((x) => x.name === 'Revocation Reason')?.value, { RevocationReasonCode: 'CessationOfOperation', RevocationMessage: 'retired' });
      await failsWith(c.encrypt(a.uid, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5 }), 'Permission Denied', /Deactivated/);
      await failsWith(c.revoke(a.uid), 'Illegal Operation');
      const b = await activeKey();
      await c.revoke(b.uid, ops.RevocationReasonCode.KeyCompromise);
      const battrs = (await c.getAttributes(b.uid)).attributes;
      assert.equal(stateOf(battrs), 'Compromised');
      assert.ok(battrs.some((x) => x.name === 'Compromise Date'));
      assert.ok(battrs.some((x) => x.name === 'Compromise Occurrence Date'));
      const pre = await c.create();
      await c.revoke(pre.uniqueIdentifier);
      assert.equal(stateOf((await c.getAttributes(pre.uniqueIdentifier, ['State'])).attributes), 'Deactivated');
      await failsWith(c.activate(pre.uniqueIdentifier), 'Permission Denied', /not Pre-Active/);
    });

    it('Destroy: an Active key -> Permission Denied; revoked -> Destroyed, material gone, attributes kept', T, async () => {
      const a = await activeKey();
      await failsWith(c.destroy(a.uid), 'Permission Denied', /Object is active and cannot be destroyed/);
      await c.revoke(a.uid);
      assert.equal(await c.destroy(a.uid), a.uid);
      assert.equal(stateOf((await c.getAttributes(a.uid, ['State'])).attributes), 'Destroyed');
      const gone = v.major >= 2 ? 'Object Destroyed' : 'Item Not Found';
      await failsWith(c.get(a.uid), gone, /destroyed/);
      await failsWith(c.destroy(a.uid), gone);
      await failsWith(c.encrypt(a.uid, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5 }), 'Permission Denied');
      const pre = await c.create();
      await c.destroy(pre.uniqueIdentifier);
      assert.equal(stateOf((await c.getAttributes(pre.uniqueIdentifier, ['State'])).attributes), 'Destroyed');
      const comp = await activeKey();
      await c.revoke(comp.uid, ops.RevocationReasonCode.KeyCompromise);
      await c.destroy(comp.uid);
      assert.equal(stateOf((await c.getAttributes(comp.uid, ['State'])).attributes), 'DestroyedCompromised');
    });

    it('unknown ids -> Item Not Found for every operation', T, async () => {
      const nope = crypto.randomUUID();
      await failsWith(c.activate(nope), 'Item Not Found');
      await failsWith(c.get(nope), 'Item Not Found');
      await failsWith(c.getAttributes(nope), 'Item Not Found');
      await failsWith(c.revoke(nope), 'Item Not Found');
      await failsWith(c.destroy(nope), 'Item Not Found');
      await failsWith(c.encrypt(nope, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5 }), 'Item Not Found');
      await failsWith(c.decrypt(nope, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) }), 'Item Not Found');
    });

    it('Create refuses: no usage mask / algorithm / length (Missing Data), not AES/3DES, odd length, other object types (Invalid Field)', T, async () => {
      const bare = (attrs: ops.AttributeSpec[], objectType = 2): ops.OperationRequest<ops.CreateResult> => ({
        ...ops.create(),
        payload: (ver) => [{ tag: 0x420057, type: 0x05, value: objectType }, ops.encodeAttributes(ver, attrs)],
      });
      const alg = { kind: 'standard', item: { tag: 0x420028, type: 0x05, value: 3 } } as const;
      const len = { kind: 'standard', item: { tag: 0x42002a, type: 0x02, value: 256 } } as const;
      const mask = { kind: 'standard', item: { tag: 0x42002c, type: 0x02, value: 12 } } as const;
      await failsWith(c.call(bare([alg, len])), 'Missing Data', /Usage Mask/);
      await failsWith(c.call(bare([len, mask])), 'Missing Data', /Algorithm/);
      await failsWith(c.call(bare([alg, mask])), 'Missing Data', /Length/);
      await failsWith(c.create({ algorithm: 4 }), 'Invalid Field', /AES and 3DES only/);
      await failsWith(c.create({ length: 100 }), 'Invalid Field', /128, 192 or 256/);
      await failsWith(c.call(bare([alg, len, mask], 7)), 'Invalid Field', /Symmetric Keys only/);
      const state = { kind: 'standard', item: { tag: 0x42008d, type: 0x05, value: 2 } } as const;
      await failsWith(c.call(bare([alg, len, mask, state])), 'Invalid Field', /set by the server/);
    });

    it('an operation it does not implement -> Operation Not Supported', T, async () => {
      const rekey: ops.OperationRequest<unknown> = {
        operation: 0x04,
        idempotent: false,
        payload: () => [{ tag: 0x420094, type: 0x07, value: crypto.randomUUID() }],
        read: () => undefined,
      };
      await failsWith(c.call(rekey), 'Operation Not Supported', /Re Key|Re-key|ReKey|not supported/);
    });
  });
}
