/**
 * Failures a real PyKMIP 0.10 server produces, as the client reports them,
 * under a negotiated KMIP 1.4 and a forced KMIP 2.0. Result Messages are
 * PyKMIP 0.10's own texts, passed through verbatim.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { KmipError, KmipOperationError } from '../../lib/errors';
import { pykmipSuite } from '../support/pykmip';
import { AES_CBC_PKCS5, Evidence, VERSION_CONFIGS, localAes256Cbc, randomName, rejectsWith, suiteClient } from './pykmip-helpers';

const T = { timeout: 30_000 };

/** The fields of a KmipOperationError, and its message made of them. */
function assertOperationError(
  err: KmipOperationError,
  expected: { operation: string; reason: string; message: string },
): void {
  assert.equal(err.code, 'KMIP_OPERATION_FAILED');
  assert.equal(err.operation, expected.operation);
  assert.equal(err.resultStatus, 'Operation Failed');
  assert.equal(err.resultReason, expected.reason);
  assert.equal(err.resultMessage, expected.message);
  assert.equal(err.message, `KMIP ${expected.operation} failed: Operation Failed / ${expected.reason}: ${expected.message}`);
}

for (const cfg of VERSION_CONFIGS) {
  const v2 = cfg.expected.major >= 2;

  pykmipSuite(`KmipClient x PyKMIP: server errors, ${cfg.label}`, (srv) => {
    const evidence = new Evidence();
    const logger = evidence.logger();
    const client = suiteClient(srv, () => ({ protocolVersions: cfg.offer, logger }));

    async function activeKey(): Promise<{ uid: string; key: Buffer }> {
      const c = client();
      const { uniqueIdentifier: uid } = await c.create();
      await c.activate(uid);
      const g = await c.get(uid);
      assert.ok(g.keyMaterial);
      return { uid, key: evidence.key(g.keyMaterial) };
    }

    it('Destroy of an unknown id -> Item Not Found, Result Message verbatim', T, async () => {
      const err = await rejectsWith(client().destroy('999999'), KmipOperationError, evidence);
      assertOperationError(err, { operation: 'Destroy', reason: 'Item Not Found', message: 'Could not locate object: 999999' });
      // The server's own log records the failed lookup of that id.
      assert.match(srv().readLog(), /Could not identify object type for object: 999999/);
    });

    it('Destroy of an Active key -> Permission Denied; the key is untouched', T, async () => {
      const c = client();
      const { uid, key } = await activeKey();
      const err = await rejectsWith(c.destroy(uid), KmipOperationError, evidence);
      assertOperationError(err, { operation: 'Destroy', reason: 'Permission Denied', message: 'Object is active and cannot be destroyed.' });
      // Still usable.
      const iv = Buffer.alloc(16);
      const pt = crypto.randomBytes(16);
      const enc = await c.encrypt(uid, pt, { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: iv });
      assert.deepEqual(enc.data, localAes256Cbc(key, iv, pt));
    });

    it('Encrypt with a Pre-Active key -> Permission Denied', T, async () => {
      const c = client();
      const { uniqueIdentifier: uid } = await c.create();
      const g = await c.get(uid); // Get of a Pre-Active key is allowed
      assert.ok(g.keyMaterial);
      evidence.key(g.keyMaterial);
      const err = await rejectsWith(
        c.encrypt(uid, crypto.randomBytes(32), { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) }),
        KmipOperationError,
        evidence,
      );
      assertOperationError(err, {
        operation: 'Encrypt',
        reason: 'Permission Denied',
        message: 'The encryption key must be in the Active state to be used for encryption.',
      });
    });

    it('Create with an Activation Date -> refused (Invalid Field); no key made', T, async () => {
      const c = client();
      const name = randomName('kmip-kms-activation-date');
      const err = await rejectsWith(c.create({ name, activationDate: new Date(Date.now() - 60_000) }), KmipOperationError, evidence);
      assertOperationError(err, { operation: 'Create', reason: 'Invalid Field', message: 'The Activation Date attribute is unsupported.' });
      assert.deepEqual(await c.locate({ name }), []);
    });

    if (!v2) {
      it('Create with a custom x- attribute -> refused (Invalid Field)', T, async () => {
        const err = await rejectsWith(
          client().create({ customAttribute: { name: 'x-kmip-kms-owner', value: 'bucket-a' } }),
          KmipOperationError,
          evidence,
        );
        assertOperationError(err, { operation: 'Create', reason: 'Invalid Field', message: 'The x-kmip-kms-owner attribute is unsupported.' });
      });
    } else {
      it('Create with a custom (Vendor) attribute -> PyKMIP cannot parse it under 2.0: Invalid Message, client keeps working', T, async () => {
        // Under 2.0 the custom attribute is a Vendor Attribute (an Attribute
        // structure inside Attributes); PyKMIP 0.10's Attributes decoder does
        // not know it ("Unrecognized attribute type: Tags.ATTRIBUTE") and
        // answers a parse error without Unique Batch Item ID. With one request
        // in flight that answer can only be its own, so it is attributed.
        const c = client();
        const err = await rejectsWith(
          c.create({ customAttribute: { name: 'x-kmip-kms-owner', value: 'bucket-a' } }),
          KmipOperationError,
          evidence,
        );
        assertOperationError(err, { operation: 'Create', reason: 'Invalid Message', message: 'Error parsing request message. See server logs for more information.' });
        assert.match(srv().readLog(), /Unrecognized attribute type: Tags\.ATTRIBUTE/);
        const { uniqueIdentifier } = await c.create();
        assert.ok(uniqueIdentifier.length > 0);
      });
    }

    it('a non-ASCII Name (which PyKMIP cannot decode) -> its own typed Invalid Message error; the next requests work', T, async () => {
      const c = client();
      const { uid, key } = await activeKey();
      const err = await rejectsWith(c.create({ name: 'clé-bucket-é' }), KmipOperationError, evidence);
      assert.equal(err.code, 'KMIP_OPERATION_FAILED');
      // Repeats what the server said, verbatim.
      assertOperationError(err, { operation: 'Create', reason: 'Invalid Message', message: 'Error parsing request message. See server logs for more information.' });
      // The client keeps working for the next requests (new connection).
      const iv = crypto.randomBytes(16);
      const pt = crypto.randomBytes(32);
      const [enc, created, q] = await Promise.all([
        c.encrypt(uid, pt, { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: iv }),
        c.create({ name: randomName('after-parse-error') }),
        c.query(),
      ]);
      assert.deepEqual(enc.data, localAes256Cbc(key, iv, pt));
      assert.ok(created.uniqueIdentifier.length > 0);
      assert.match(q.vendorIdentification ?? '', /PyKMIP/);
      assert.deepEqual(c.serverInfo?.version, cfg.expected);
    });

    if (cfg === VERSION_CONFIGS[0]) {
      it(
        "one caller's unparseable request does not fail other callers' Encrypts in flight on the same connection",
        T,
        async () => {
          const c = client();
          const { uid, key } = await activeKey();
          const calls: Promise<Buffer>[] = [];
          const expected: Buffer[] = [];
          let bad: Promise<unknown> | undefined;
          for (let i = 0; i < 16; i++) {
            const iv = crypto.randomBytes(16);
            const pt = crypto.randomBytes(32);
            expected.push(localAes256Cbc(key, iv, pt));
            calls.push(c.encrypt(uid, pt, { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: iv }).then((r) => r.data));
            if (i === 2) bad = c.create({ name: 'ünïcödé' });
          }
          // The culprit fails, typed: with 16 in flight nobody can tell whose the
          // anonymous parse-error answer is, so its outcome is reported unknown
          // while the idempotent Encrypts are retried on a new connection.
          const culprit = await rejectsWith(bad!, KmipError, evidence);
          assert.match(culprit.message, /Error parsing request message/);
          const settled = await Promise.allSettled(calls);
          const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [`#${i}: ${evidence.error(s.reason as Error).message}`] : []));
          assert.deepEqual(failed, [], `innocent Encrypts failed:\n${failed.join('\n')}`);
          settled.forEach((s, i) => assert.deepEqual(s.status === 'fulfilled' ? s.value : undefined, expected[i]));
        },
      );
    }

    it('no error message, error JSON or log line contains key material', T, () => {
      evidence.assertNoKeyMaterial();
      // The Result Messages were kept verbatim, but never with key bytes.
      for (const e of evidence.errors) assert.ok(e instanceof Error && e.message.length > 0);
    });

    it('closes cleanly', T, async () => {
      await client().close();
    });
  });
}
