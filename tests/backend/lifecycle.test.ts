/**
 * The whole bucket lifecycle through the host's callback API against a real
 * PyKMIP 0.10 server: create, wrap/unwrap under load, ARN ids, destroy
 * (twice), not-found mapping, foreign ARNs, refused options, healthcheck.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { after, before, it } from 'node:test';
import { KmipBackend } from '../../lib/backend/backend';
import { KmsHostError } from '../../lib/backend/host-errors';
import { Operation } from '../../lib/kmip/enums';
import { Evidence } from '../client/pykmip-helpers';
import { pykmipSuite } from '../support/pykmip';
import {
  CallbackTracker,
  FakeArsenalError,
  FakeRequestLog,
  RecordingLogger,
  assertHostErrorShape,
  closedPort,
  countOperations,
  fakeErrors,
  hostCalls,
  hostKmipFor,
  pool,
  type HostKmipOverrides,
} from './helpers';

const DATA_KEYS = 1000;
const IN_FLIGHT = 64;

pykmipSuite('KmipBackend bucket lifecycle against PyKMIP', (srv) => {
  const evidence = new Evidence();
  const tracker = new CallbackTracker();
  const backends: KmipBackend[] = [];
  let moduleLog: RecordingLogger;
  let backend: KmipBackend;
  let host: ReturnType<typeof hostCalls>;
  let ops: ReturnType<typeof countOperations>;
  let keyId = '';
  let arn = '';

  const make = (o: HostKmipOverrides = {}, errors?: object): KmipBackend => {
    const b = new KmipBackend({ kmip: hostKmipFor(srv(), o), logger: evidence.logger(), ...(errors ? { errors } : {}) });
    backends.push(b);
    return b;
  };
  const reqLog = (): FakeRequestLog => {
    const l = new FakeRequestLog();
    evidence.loggers.push(l);
    return l;
  };

  before(() => {
    moduleLog = evidence.logger();
    backend = new KmipBackend({ kmip: hostKmipFor(srv()), logger: moduleLog });
    backends.push(backend);
    host = hostCalls(backend, tracker);
    ops = countOperations(backend);
  });
  after(async () => {
    await Promise.all(backends.map((b) => b.close({ drainTimeoutMs: 0 })));
  });

  it('createBucketKey calls back (null, keyId, arn)', async () => {
    const log = reqLog();
    const r = await host.createBucketKey('bucket-lifecycle', log);
    assert.equal(r.err, null);
    assert.equal(r.args.length, 3);
    const [id, keyArn] = r.results;
    assert.equal(typeof id, 'string');
    assert.ok((id as string).length > 0);
    assert.equal(keyArn, backend.arnPrefix + (id as string));
    assert.equal(backend.arnPrefix, 'arn:scality:kms:external:kmip:kmip:key/');
    keyId = id as string;
    arn = keyArn as string;
    // The key is Active, AES-256 (fetch its material for the leak check and later local checks).
    const g = await backend.client.get(keyId);
    assert.ok(g.keyMaterial);
    assert.equal(g.keyMaterial.length, 32);
    evidence.key(Buffer.from(g.keyMaterial));
    assert.equal(g.objectType, 2, 'Object Type Symmetric Key');
    // The bucket key the contract describes: AES-256, Encrypt|Decrypt, Active.
    const byName = new Map((await backend.client.getAttributes(keyId)).attributes.map((a) => [a.name, a.value]));
    assert.equal(byName.get('Cryptographic Algorithm'), 'AES');
    assert.equal(byName.get('Cryptographic Length'), 256);
    assert.equal(byName.get('Cryptographic Usage Mask'), 0x0c);
    assert.equal(byName.get('State'), 'Active');
  });

  it(`wraps and unwraps ${DATA_KEYS} random data keys, ${IN_FLIGHT} in flight, by id and by ARN`, async () => {
    const log = reqLog();
    const dataKeys = Array.from({ length: DATA_KEYS }, () => crypto.randomBytes(32));
    // Half are wrapped by plain id and unwrapped by ARN, the other half the reverse.
    const wrapped = await pool(dataKeys, IN_FLIGHT, async (dk, i) => {
      const r = await host.cipherDataKey(1, i % 2 === 0 ? keyId : arn, dk, log);
      assert.equal(r.err, null, `cipherDataKey #${i} failed: ${String((r.err as { description?: string } | null)?.description)}`);
      assert.equal(r.args.length, 2);
      const c = r.results[0];
      assert.ok(Buffer.isBuffer(c));
      assert.equal(c.length, 48);
      return c;
    });
    const unwrapped = await pool(wrapped, IN_FLIGHT, async (c, i) => {
      const r = await host.decipherDataKey(1, i % 2 === 0 ? arn : keyId, c, log);
      assert.equal(r.err, null, `decipherDataKey #${i} failed: ${String((r.err as { description?: string } | null)?.description)}`);
      assert.equal(r.args.length, 2);
      const p = r.results[0];
      assert.ok(Buffer.isBuffer(p));
      assert.equal(p.length, 32);
      return p;
    });
    for (let i = 0; i < DATA_KEYS; i++) {
      assert.ok(unwrapped[i]!.equals(dataKeys[i]!), `data key #${i} did not round-trip`);
    }
    assert.ok(ops.count(Operation.Encrypt) >= DATA_KEYS);
    assert.ok(ops.count(Operation.Decrypt) >= DATA_KEYS);
    evidence.keys.push(...dataKeys.slice(0, 50));
  });

  it('wrapping is deterministic (zero IV) and the host zero-filling what it got back breaks nothing', async () => {
    const log = reqLog();
    const dk = crypto.randomBytes(32);
    const a = await host.cipherDataKey(1, keyId, dk, log);
    const b = await host.cipherDataKey(1, arn, Buffer.from(dk), log);
    assert.ok((a.results[0] as Buffer).equals(b.results[0] as Buffer));
    // The host stores base64 in object metadata and hands the decoded bytes back.
    const stored = (a.results[0] as Buffer).toString('base64');
    const p1 = await host.decipherDataKey(1, keyId, Buffer.from(stored, 'base64'), log);
    assert.ok((p1.results[0] as Buffer).equals(dk));
    (p1.results[0] as Buffer).fill(0); // what the host does after use
    const p2 = await host.decipherDataKey(1, keyId, Buffer.from(stored, 'base64'), log);
    assert.ok((p2.results[0] as Buffer).equals(dk));
    assert.ok(dk.some((x) => x !== 0), 'the caller\'s data key must not be zeroed by the backend');
    evidence.keys.push(dk);
  });

  it('a key created by one backend instance is usable from another (key ids are server ids)', async () => {
    const other = make();
    const t2 = new CallbackTracker();
    const h2 = hostCalls(other, t2);
    const log = reqLog();
    const dk = crypto.randomBytes(32);
    const c = await host.cipherDataKey(1, keyId, dk, log);
    const p = await h2.decipherDataKey(1, arn, c.results[0], log);
    assert.equal(p.err, null);
    assert.ok((p.results[0] as Buffer).equals(dk));
    await t2.assertAllExactlyOnce();
    evidence.keys.push(dk);
  });

  it('an unknown key gives the host KMS.NotFoundException (our own error class when none is injected)', async () => {
    const log = reqLog();
    const dk = crypto.randomBytes(32);
    evidence.keys.push(dk);
    for (const id of ['no-such-key-424242', `${backend.arnPrefix}no-such-key-424242`]) {
      const r = await host.cipherDataKey(1, id, dk, log);
      const err = evidence.error(r.err) as KmsHostError;
      assert.ok(err instanceof KmsHostError, 'own error class when the host injects none');
      assertHostErrorShape(err, 'KMS.NotFoundException', err.code);
      assert.equal(err.message, 'KMS.NotFoundException');
      assert.equal(typeof err.code, 'number');
      assert.match(err.description, /^KMS \(KMIP\) error for (Encrypt|Decrypt|Revoke|Destroy|Activate) on no-such-key-\d+\. Item Not Found: /);
      assert.equal(typeof err.metadata.get, 'function');
      assert.equal(err.is['KMS.NotFoundException'], true);
      assert.equal(r.results.length, 0);
    }
    const d = await host.decipherDataKey(1, 'no-such-key-424242', crypto.randomBytes(48), log);
    assert.equal((evidence.error(d.err) as Error).message, 'KMS.NotFoundException');
  });

  it('with injected host errors: Item Not Found becomes their KMS.NotFoundException, or their AccessDenied when they lack it', async () => {
    const log = reqLog();
    const dk = crypto.randomBytes(32);
    evidence.keys.push(dk);
    const withNf = hostCalls(make({}, fakeErrors(true)), tracker);
    const r1 = await withNf.cipherDataKey(1, 'no-such-key-515151', dk, log);
    assert.ok(evidence.error(r1.err) instanceof FakeArsenalError);
    assert.equal((r1.err as FakeArsenalError).type, 'KMS.NotFoundException');
    assert.equal((r1.err as FakeArsenalError).description.split('. ')[0], 'KMS (KMIP) error for Encrypt on no-such-key-515151');
    const withoutNf = hostCalls(make({}, fakeErrors(false)), tracker);
    const r2 = await withoutNf.cipherDataKey(1, 'no-such-key-515151', dk, log);
    assert.ok(evidence.error(r2.err) instanceof FakeArsenalError);
    assert.equal((r2.err as FakeArsenalError).type, 'AccessDenied');
    assert.equal((r2.err as FakeArsenalError).code, 403);
    assert.match((r2.err as FakeArsenalError).description, /^KMS \(KMIP\) error for Encrypt on no-such-key-515151\. Item Not Found/);
  });

  it('a key of another KMS provider/protocol is refused with an InternalError saying so, and nothing is sent', async () => {
    const log = reqLog();
    const dk = crypto.randomBytes(32);
    evidence.keys.push(dk);
    const before = ops.count();
    const nae = 'arn:scality:kms:external:scality:safenet:key/abc';
    const calls = [
      () => host.cipherDataKey(1, nae, dk, log),
      () => host.decipherDataKey(1, nae, crypto.randomBytes(48), log),
      () => host.destroyBucketKey(nae, log),
      () => host.cipherDataKey(1, 'arn:scality:kms:external:kmip:otherprovider:key/1', dk, log),
      () => host.cipherDataKey(1, 'arn:aws:kms:us-east-1:123:key/abc', dk, log),
    ];
    for (const c of calls) {
      const r = await c();
      const err = evidence.error(r.err) as KmsHostError;
      assertHostErrorShape(err, 'InternalError', 500);
    }
    const first = await calls[0]!();
    const desc = (first.err as KmsHostError).description;
    assert.match(desc, /scality\/safenet/);
    assert.match(desc, /not to this KMIP backend/);
    assert.equal(ops.count(), before, 'a request was sent to the KMIP server for a foreign key');
  });

  it('a foreign ARN is refused before any connection (backend pointing at a closed port)', async () => {
    const port = await closedPort();
    const b = make({ tls: { port } });
    const t = new CallbackTracker();
    const h = hostCalls(b, t);
    const counter = countOperations(b);
    const dk = crypto.randomBytes(32);
    evidence.keys.push(dk);
    const r = await h.cipherDataKey(1, 'arn:scality:kms:external:scality:safenet:key/abc', dk, reqLog());
    const err = evidence.error(r.err) as KmsHostError;
    assertHostErrorShape(err, 'InternalError', 500);
    assert.match(err.description, /belongs to KMS external\/scality\/safenet/);
    assert.doesNotMatch(err.description, /connect|ECONNREFUSED/);
    assert.equal(counter.count(), 0);
    // and the same backend does hit the (closed) network for a valid id: the check above is meaningful
    const r2 = await h.cipherDataKey(1, 'abc', dk, reqLog());
    assert.equal((evidence.error(r2.err) as KmsHostError).description, 'KMS (KMIP) error for Encrypt on abc: the key management server cannot be reached');
    assert.equal(counter.count(), 1);
    await t.assertAllExactlyOnce();
  });

  for (const pv of [undefined, ['1.4'], [{ major: 1, minor: 4 }]] as const) {
    const label = pv === undefined ? 'default negotiation (2.0)' : `protocolVersions ${JSON.stringify(pv)}`;
    it(`options PyKMIP refuses name the setting to turn off: ${label}`, async () => {
      const transport = pv === undefined ? {} : { protocolVersions: pv };
      const cases = [
        { client: { compoundCreateActivate: true, bucketNameAttributeName: '' }, setting: /compoundCreateActivate/, other: /bucketNameAttributeName/ },
        { client: { compoundCreateActivate: false, bucketNameAttributeName: 'x-bucket' }, setting: /bucketNameAttributeName/, other: /compoundCreateActivate/ },
      ];
      for (const c of cases) {
        const b = make({ client: c.client, transport });
        const h = hostCalls(b, tracker);
        const l = reqLog();
        const r = await h.createBucketKey('bucket-refused', l);
        const err = evidence.error(r.err) as KmsHostError;
        // The S3 client sees the appliance's refusal; the hint naming our setting goes to the log.
        assertHostErrorShape(err, 'AccessDenied', 403);
        assert.match(err.description, /^KMS \(KMIP\) error for Create on bucket-refused\. /);
        assert.match(l.text(), c.setting, `log does not name the setting: ${l.text()}`);
        assert.doesNotMatch(l.text(), c.other, `log names the wrong setting: ${l.text()}`);
        const v = b.client.serverInfo?.version;
        if (pv !== undefined) assert.deepEqual(v && { major: v.major, minor: v.minor }, { major: 1, minor: 4 });
        else assert.deepEqual(v && { major: v.major, minor: v.minor }, { major: 2, minor: 0 });
      }
      // With both off, the same negotiation creates a key.
      const ok = make({ transport });
      const r = await hostCalls(ok, tracker).createBucketKey('bucket-ok', reqLog());
      assert.equal(r.err, null);
      assert.equal(typeof r.results[0], 'string');
      const d = await hostCalls(ok, tracker).destroyBucketKey(r.results[0], reqLog());
      assert.equal(d.err, null);
    });
  }

  it('healthcheck: up calls back (null); a second call within healthcheckCacheMs sends nothing', async () => {
    const b = make({ healthcheckCacheMs: 600_000 });
    const counter = countOperations(b);
    const h = hostCalls(b, tracker);
    const r1 = await h.healthcheck(reqLog());
    assert.equal(r1.err, null);
    assert.equal(r1.args.length, 1);
    const queries = counter.count(Operation.Query);
    assert.equal(queries, 1);
    const r2 = await h.healthcheck(reqLog());
    assert.equal(r2.err, null);
    assert.equal(counter.count(Operation.Query), queries, 'cached healthcheck hit the server');
    // Concurrent first calls share one request.
    const c = make({ healthcheckCacheMs: 600_000 });
    const cc = countOperations(c);
    const hc = hostCalls(c, tracker);
    const all = await Promise.all(Array.from({ length: 5 }, () => hc.healthcheck(reqLog())));
    for (const x of all) assert.equal(x.err, null);
    assert.equal(cc.count(Operation.Query), 1);
    // healthcheckCacheMs 0: every call asks the server.
    const z = make({ healthcheckCacheMs: 0 });
    const zc = countOperations(z);
    const hz = hostCalls(z, tracker);
    assert.equal((await hz.healthcheck(reqLog())).err, null);
    assert.equal((await hz.healthcheck(reqLog())).err, null);
    assert.equal(zc.count(Operation.Query), 2);
  });

  it('destroyBucketKey calls back (null); a second destroy is ok too, and logged', async () => {
    const log = reqLog();
    const r1 = await host.destroyBucketKey(keyId, log);
    assert.equal(r1.err, null);
    assert.equal(r1.args.length, 1);
    const log2 = reqLog();
    const r2 = await host.destroyBucketKey(keyId, log2);
    assert.equal(r2.err, null);
    const said = log2.lines.filter((l) => l.fields?.['keyId'] === keyId && /already|gone/i.test(l.msg));
    assert.ok(said.length >= 1, `second destroy was not logged on the request log: ${log2.text()}`);
    // ... also by ARN
    const r3 = await host.destroyBucketKey(arn, reqLog());
    assert.equal(r3.err, null);
    // The destroyed key is gone for good.
    const dk = crypto.randomBytes(32);
    evidence.keys.push(dk);
    const r4 = await host.cipherDataKey(1, keyId, dk, reqLog());
    assert.equal((evidence.error(r4.err) as Error).message, 'KMS.NotFoundException');
  });

  it('destroyBucketKey by ARN of a fresh key', async () => {
    const c = await host.createBucketKey('bucket-arn-destroy', reqLog());
    assert.equal(c.err, null);
    const r = await host.destroyBucketKey(c.results[1], reqLog());
    assert.equal(r.err, null);
    await assert.rejects(backend.client.get(c.results[0] as string), /Item Not Found/);
  });

  it('destroyBucketKey of a key left Pre-Active (failed activation) or already Revoked finishes the job', async () => {
    const preActive = (await backend.client.create()).uniqueIdentifier;
    const revoked = (await host.createBucketKey('bucket-revoked', reqLog())).results[0] as string;
    await backend.client.revoke(revoked);
    for (const id of [preActive, revoked]) {
      const state = (await backend.client.getAttributes(id, ['State'])).attributes.find((a) => a.name === 'State')?.value;
      assert.ok(state === 'PreActive' || state === 'Deactivated', String(state));
      const r = await host.destroyBucketKey(id, reqLog());
      assert.equal(r.err, null, String((r.err as { description?: string } | null)?.description));
      await assert.rejects(backend.client.get(id), /Item Not Found/);
    }
  });

  it('every callback was called exactly once, asynchronously; no key material in errors or logs', async () => {
    await tracker.assertAllExactlyOnce();
    assert.ok(tracker.count > 2 * DATA_KEYS);
    evidence.assertNoKeyMaterial();
  });
});

pykmipSuite('KmipBackend healthcheck when the server goes down', (srv) => {
  const backends: KmipBackend[] = [];
  const tracker = new CallbackTracker();
  after(async () => {
    await Promise.all(backends.map((b) => b.close({ drainTimeoutMs: 0 })));
  });

  it('cached ok stays ok; uncached reports err.code 503 with a KMS (KMIP) description naming no address', async () => {
    const mk = (ms: number): KmipBackend => {
      const b = new KmipBackend({ kmip: hostKmipFor(srv(), { healthcheckCacheMs: ms }), logger: new RecordingLogger() });
      backends.push(b);
      return b;
    };
    const cached = hostCalls(mk(600_000), tracker);
    const uncached = hostCalls(mk(0), tracker);
    assert.equal((await cached.healthcheck(new FakeRequestLog())).err, null);
    assert.equal((await uncached.healthcheck(new FakeRequestLog())).err, null);

    await srv().stop();

    assert.equal((await cached.healthcheck(new FakeRequestLog())).err, null, 'a cached ok must stay ok until the cache expires');
    const r = await uncached.healthcheck(new FakeRequestLog());
    assertHostErrorShape(r.err, 'ServiceUnavailable', 503);
    const err = r.err as KmsHostError;
    assert.equal(err.description, 'KMS (KMIP) error for Query: the key management server cannot be reached');
    // A failure is cached too, within its window, and comes back the same way.
    const again = await uncached.healthcheck(new FakeRequestLog());
    assertHostErrorShape(again.err, 'ServiceUnavailable', 503);
    await tracker.assertAllExactlyOnce();
  });
});
