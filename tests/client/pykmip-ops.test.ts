/**
 * KmipClient against a real PyKMIP 0.10 server: the operations the product
 * uses, under a negotiated KMIP 1.4 and under a forced KMIP 2.0. The same list
 * runs for each configuration, each on its own server.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { KmipClient } from '../../lib/client';
import { KmipClosedError, KmipError, KmipOperationError } from '../../lib/errors';
import * as ops from '../../lib/kmip/operations';
import { pykmipSuite } from '../support/pykmip';
import {
  AES_CBC_PKCS5,
  Evidence,
  PYKMIP_VERSIONS,
  VERSION_CONFIGS,
  clientOptions,
  localAes256Cbc,
  randomName,
  rejectsWith,
  suiteClient,
} from './pykmip-helpers';

const T = { timeout: 30_000 };

function stateOf(r: ops.GetAttributesResult): ops.AttributeValue | undefined {
  return r.attributes.find((a) => a.name === 'State')?.value;
}

for (const cfg of VERSION_CONFIGS) {
  pykmipSuite(`KmipClient x PyKMIP: operations, ${cfg.label}`, (srv) => {
    const evidence = new Evidence();
    const logger = evidence.logger();
    const client = suiteClient(srv, () => ({ protocolVersions: cfg.offer, logger }));

    /** Creates an AES-256 key, activates it and fetches its material. */
    async function activeKey(): Promise<{ uid: string; key: Buffer }> {
      const c = client();
      const { uniqueIdentifier: uid } = await c.create({ algorithm: 3, length: 256, usageMask: 0x0c });
      await c.activate(uid);
      const g = await c.get(uid);
      assert.ok(g.keyMaterial, 'Get returned no key material');
      return { uid, key: evidence.key(g.keyMaterial) };
    }

    it('discoverVersions: the offered versions come back, in order; an empty offer lists all of PyKMIP', T, async () => {
      const c = client();
      assert.deepEqual(await c.discoverVersions(cfg.offer), cfg.offer);
      assert.deepEqual(await c.discoverVersions([]), PYKMIP_VERSIONS);
    });

    it('query: PyKMIP vendor and the operations the product uses', T, async () => {
      const q = await client().query();
      assert.match(q.vendorIdentification ?? '', /PyKMIP/);
      for (const op of [
        ops.Op.Create,
        ops.Op.Activate,
        ops.Op.Revoke,
        ops.Op.Destroy,
        ops.Op.Get,
        ops.Op.GetAttributes,
        ops.Op.Locate,
        ops.Op.Encrypt,
        ops.Op.Decrypt,
        ops.Op.Query,
        ops.Op.DiscoverVersions,
      ]) {
        assert.ok(q.operations.includes(op), `Query does not list operation 0x${op.toString(16)}: ${q.operations.join(',')}`);
      }
    });

    it(`serverInfo: negotiated ${cfg.expected.major}.${cfg.expected.minor} over TLS 1.2 with PyKMIP`, T, async () => {
      const c = client();
      await c.query(); // make sure a connection has been negotiated
      const info = c.serverInfo;
      assert.ok(info, 'serverInfo is undefined after a successful request');
      assert.deepEqual(info.version, cfg.expected);
      assert.match(info.vendorIdentification ?? '', /PyKMIP/);
      assert.ok(info.operations?.includes(ops.Op.Encrypt), 'serverInfo.operations lacks Encrypt');
      assert.equal(info.tlsProtocol, 'TLSv1.2');
      assert.equal(info.server, `${srv().host}:${srv().port}`);
      const connected = logger.lines.find((l) => l.msg === 'KMIP connected');
      assert.equal(connected?.fields?.['protocolVersion'], `${cfg.expected.major}.${cfg.expected.minor}`);
    });

    it('create -> State PreActive -> activate -> State Active', T, async () => {
      const c = client();
      const created = await c.create({ algorithm: 3, length: 256, usageMask: 0x0c });
      assert.equal(typeof created.uniqueIdentifier, 'string');
      assert.ok(created.uniqueIdentifier.length > 0);
      assert.equal(created.objectType, 2, 'Object Type Symmetric Key');
      const before = await c.getAttributes(created.uniqueIdentifier, ['State']);
      assert.equal(before.uniqueIdentifier, created.uniqueIdentifier);
      assert.equal(stateOf(before), 'PreActive');
      assert.equal(await c.activate(created.uniqueIdentifier), created.uniqueIdentifier);
      assert.equal(stateOf(await c.getAttributes(created.uniqueIdentifier, ['State'])), 'Active');
      // All attributes: the ones Create was given are there.
      const all = await c.getAttributes(created.uniqueIdentifier);
      const byName = new Map(all.attributes.map((a) => [a.name, a.value]));
      assert.equal(byName.get('Cryptographic Algorithm'), 'AES');
      assert.equal(byName.get('Cryptographic Length'), 256);
      assert.equal(byName.get('Cryptographic Usage Mask'), 0x0c);
      assert.equal(byName.get('State'), 'Active');
    });

    it('create with a name, then locate by that name finds exactly it', T, async () => {
      const c = client();
      const name = randomName('kmip-kms-locate');
      const { uniqueIdentifier } = await c.create({ name });
      assert.deepEqual(await c.locate({ name }), [uniqueIdentifier]);
      assert.deepEqual(await c.locate({ name: randomName('kmip-kms-absent') }), []);
    });

    it('get returns 32 bytes of AES key material', T, async () => {
      const c = client();
      const { uniqueIdentifier } = await c.create();
      const g = await c.get(uniqueIdentifier);
      assert.equal(g.uniqueIdentifier, uniqueIdentifier);
      assert.equal(g.objectType, 2);
      assert.equal(g.cryptographicAlgorithm, 3);
      assert.equal(g.cryptographicLength, 256);
      assert.ok(Buffer.isBuffer(g.keyMaterial));
      assert.equal(evidence.key(g.keyMaterial).length, 32);
    });

    it('encrypt/decrypt CBC/PKCS5 with a zero IV: 48 bytes equal to local AES-256-CBC, round trip', T, async () => {
      const c = client();
      const { uid, key } = await activeKey();
      const iv = Buffer.alloc(16);
      const plaintext = crypto.randomBytes(32);
      const enc = await c.encrypt(uid, plaintext, { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: iv });
      assert.equal(enc.data.length, 48);
      assert.deepEqual(enc.data, localAes256Cbc(key, iv, plaintext));
      if (enc.uniqueIdentifier !== undefined) assert.equal(enc.uniqueIdentifier, uid);
      const dec = await c.decrypt(uid, enc.data, { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: iv });
      assert.deepEqual(dec.data, plaintext);
    });

    it('encrypt without an IV: the server makes one and returns it; decrypt with it round-trips', T, async () => {
      const c = client();
      const { uid, key } = await activeKey();
      const plaintext = crypto.randomBytes(32);
      const enc = await c.encrypt(uid, plaintext, { cryptographicParameters: AES_CBC_PKCS5 });
      assert.ok(Buffer.isBuffer(enc.ivCounterNonce), 'no IV/Counter/Nonce in the answer');
      assert.equal(enc.ivCounterNonce.length, 16);
      assert.deepEqual(enc.data, localAes256Cbc(key, enc.ivCounterNonce, plaintext));
      const dec = await c.decrypt(uid, enc.data, { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: enc.ivCounterNonce });
      assert.deepEqual(dec.data, plaintext);
      // Two server IVs differ (it does not reuse one).
      const enc2 = await c.encrypt(uid, plaintext, { cryptographicParameters: AES_CBC_PKCS5 });
      assert.notDeepEqual(enc2.ivCounterNonce, enc.ivCounterNonce);
    });

    it('revoke (Cessation Of Operation) -> Deactivated, destroy, then getAttributes -> Item Not Found', T, async () => {
      const c = client();
      const { uid } = await activeKey();
      assert.equal(await c.revoke(uid, ops.RevocationReasonCode.CessationOfOperation, 'rotated out'), uid);
      assert.equal(stateOf(await c.getAttributes(uid, ['State'])), 'Deactivated');
      assert.equal(await c.destroy(uid), uid);
      const err = await rejectsWith(c.getAttributes(uid, ['State']), KmipOperationError, evidence);
      assert.equal(err.operation, 'Get Attributes');
      assert.equal(err.resultStatus, 'Operation Failed');
      assert.equal(err.resultReason, 'Item Not Found');
      assert.match(err.resultMessage ?? '', new RegExp(`\\b${uid}\\b`));
      await rejectsWith(c.get(uid), KmipOperationError, evidence);
    });

    it('batch [create, getAttributes(ID placeholder)]: two ok results about the same new key', T, async () => {
      const c = client();
      const out = await c.batch([ops.create({ name: randomName('kmip-kms-batch') }), ops.getAttributes(undefined, ['State', 'Cryptographic Length'])]);
      assert.equal(out.length, 2);
      const [first, second] = out;
      assert.ok(first?.ok, `create failed: ${first && !first.ok ? first.error.message : ''}`);
      assert.ok(second?.ok, `getAttributes failed: ${second && !second.ok ? second.error.message : ''}`);
      const created = first.value as ops.CreateResult;
      const attrs = second.value as ops.GetAttributesResult;
      assert.equal(attrs.uniqueIdentifier, created.uniqueIdentifier);
      assert.equal(stateOf(attrs), 'PreActive');
      assert.equal(attrs.attributes.find((a) => a.name === 'Cryptographic Length')?.value, 256);
    });

    it('batch [create, activate(ID placeholder)]: PyKMIP cannot parse it; each item gets the typed failure, nothing done, client keeps working', T, async () => {
      // PyKMIP 0.10 requires a Unique Identifier in Activate's payload: the
      // whole request message fails to parse, and it answers a lone error
      // batch item WITHOUT Unique Batch Item ID ("Error parsing request
      // message"). With only this request in flight the answer is its own.
      const c = client();
      const name = randomName('kmip-kms-batch-activate');
      const results = await c.batch([ops.create({ name }), ops.activate(undefined)]);
      assert.equal(results.length, 2);
      for (const r of results) {
        assert.ok(!r.ok, 'PyKMIP cannot parse this batch');
        assert.ok(r.error instanceof KmipOperationError);
        assert.equal(r.error.resultReason, 'Invalid Message');
        assert.match(r.error.message, /Error parsing request message/);
        evidence.errors.push(r.error);
      }
      // Nothing of the batch was executed.
      assert.deepEqual(await c.locate({ name }), []);
      // The client reconnects by itself for the next requests.
      const q = await c.query();
      assert.match(q.vendorIdentification ?? '', /PyKMIP/);
      const { uid } = await activeKey();
      assert.equal(stateOf(await c.getAttributes(uid, ['State'])), 'Active');
      assert.deepEqual(c.serverInfo?.version, cfg.expected);
    });

    if (cfg === VERSION_CONFIGS[0]) {
      it(
        'logMessages: true logs every message sent/received as a redacted tree (no key material)',
        T,
        async () => {
          const l = evidence.logger();
          const c = new KmipClient(clientOptions(srv(), { protocolVersions: cfg.offer, logger: l, logMessages: true }));
          try {
            const { uniqueIdentifier } = await c.create();
            const g = await c.get(uniqueIdentifier);
            assert.ok(g.keyMaterial);
            evidence.key(g.keyMaterial);
            const sent = l.lines.filter((x) => x.msg === 'KMIP message sent');
            const received = l.lines.filter((x) => x.msg === 'KMIP message received');
            // Discover Versions + Query + Create + Get at least.
            assert.ok(sent.length >= 4, `${sent.length} sent messages logged`);
            assert.ok(received.length >= 4, `${received.length} received messages logged`);
            assert.ok(!l.text().includes(g.keyMaterial.toString('hex')), 'the Get answer was logged with its key material');
          } finally {
            await c.close();
          }
        },
      );
    }

    it('no error message, error JSON or log line contains key material', T, () => {
      evidence.assertNoKeyMaterial();
    });

    it('close() drains and closes; later calls fail with KmipClosedError', T, async () => {
      const c = client();
      const pending = c.query(); // in flight while closing: drained, not failed
      await c.close();
      assert.match((await pending).vendorIdentification ?? '', /PyKMIP/);
      const err = await rejectsWith(c.query(), KmipClosedError);
      assert.ok(err instanceof KmipError);
      await c.close(); // idempotent
    });
  });
}
