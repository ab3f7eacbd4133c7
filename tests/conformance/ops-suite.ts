/**
 * The KmipClient interop suite — the operations the product uses, under a
 * negotiated KMIP 1.4 and under a forced KMIP 2.0 — as a function of the
 * server it runs against. Each configuration runs on its own server.
 *
 * Callers:
 * - tests/client/pykmip-ops.test.ts: a real PyKMIP 0.10 server;
 * - tests/conformance/dev-server-ops.test.ts: our development server.
 *
 * Where servers legitimately differ, the provider says so in `quirks`, and the
 * test asserts that server's behaviour (the correct one wherever the server
 * gets it right). Not a test file itself.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { KmipClient, type KmipClientOptions } from '../../lib/client';
import { KmipClosedError, KmipError, KmipOperationError } from '../../lib/errors';
import * as ops from '../../lib/kmip/operations';
import type { ProtocolVersion } from '../../lib/kmip/protocol';
import {
  AES_CBC_PKCS5,
  Evidence,
  VERSION_CONFIGS,
  localAes256Cbc,
  randomName,
  rejectsWith,
  type VersionConfig,
} from '../client/pykmip-helpers';

/** A running server, as the suite needs it. */
export interface OpsServer {
  readonly host: string;
  readonly port: number;
  /** CA of the server certificate, client certificate and key: PEM contents or file paths. */
  readonly ca: string | Buffer;
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** Stops the server; idempotent. */
  stop(): Promise<void>;
}

/** Where a server departs from what the suite asserts by default (KMIP as written). */
export interface ServerQuirks {
  /**
   * Activate without a Unique Identifier (relying on the ID Placeholder of a
   * batch) makes the whole request message unparseable: every item is answered
   * Invalid Message "Error parsing request message", nothing is executed
   * (PyKMIP 0.10). Otherwise [create, activate(placeholder)] gives an Active key.
   */
  readonly cannotParsePlaceholderActivate: boolean;
  /**
   * A non-ASCII (UTF-8) Text String makes the request unparseable: Invalid
   * Message (PyKMIP 0.10). Otherwise a non-ASCII Name round-trips byte for byte.
   */
  readonly cannotParseNonAsciiText: boolean;
  /**
   * Destroy removes the object: Get Attributes of it then fails Item Not Found
   * (PyKMIP). Otherwise the object stays with State Destroyed and its other
   * attributes, as KMIP allows (dev server); Get of it fails in both cases.
   */
  readonly destroyRemovesObject: boolean;
}

export interface ServerProvider {
  /** As it appears in test names: `PyKMIP`, `the dev server`. */
  readonly name: string;
  start(): Promise<OpsServer>;
  /** Timeout of the before() hook that starts a server. Default 60 s. */
  readonly startTimeoutMs?: number;
  /**
   * Undefined when the server can run here; a string: the suite is skipped with
   * that reason; throwing: the suite holds one failing test named
   * `availabilityTestName` carrying that error (e.g. KMIP_INTEROP=required).
   */
  readonly unavailable?: () => string | undefined;
  readonly availabilityTestName?: string;
  readonly quirks: ServerQuirks;
  /** Vendor Identification the server announces. */
  readonly vendor: RegExp;
  /** Discover Versions with an empty offer: every version the server speaks, in its order. */
  readonly versions: readonly ProtocolVersion[];
  /** TLS version the client (default TLS options) ends up with. */
  readonly tlsProtocol: 'TLSv1.2' | 'TLSv1.3';
}

const T = { timeout: 30_000 };

export function opsClientOptions(s: OpsServer, extra: Partial<KmipClientOptions> = {}): KmipClientOptions {
  return {
    hosts: [{ host: s.host, port: s.port }],
    tls: { ca: s.ca, cert: s.cert, key: s.key, servername: 'localhost' },
    ...extra,
  };
}

/**
 * `describe(name)` with a server of `provider` started in before() and
 * stopped in after(); `body` gets `srv()` (call it only in tests and hooks).
 */
export function serverSuite(name: string, provider: ServerProvider, body: (srv: () => OpsServer) => void): void {
  let skip: string | undefined;
  let missing: Error | undefined;
  try {
    skip = provider.unavailable?.();
  } catch (e) {
    missing = e instanceof Error ? e : new Error(String(e));
  }
  if (missing !== undefined) {
    const err = missing;
    describe(name, () => {
      it(provider.availabilityTestName ?? `${provider.name} is available`, () => {
        throw err;
      });
    });
    return;
  }
  describe(name, { skip }, () => {
    let server: OpsServer | undefined;
    before(async () => {
      server = await provider.start();
    }, { timeout: provider.startTimeoutMs ?? 60_000 });
    after(async () => {
      await server?.stop();
    });
    body(() => {
      if (server === undefined) throw new Error(`${provider.name} is not running (before() hook failed or not yet run)`);
      return server;
    });
  });
}

function stateOf(r: ops.GetAttributesResult): ops.AttributeValue | undefined {
  return r.attributes.find((a) => a.name === 'State')?.value;
}

function tlsLabel(p: ServerProvider['tlsProtocol']): string {
  return p.replace(/^TLSv/, 'TLS ');
}

/** Registers the whole interop suite, once per protocol configuration, against `provider`'s servers. */
export function opsSuite(provider: ServerProvider): void {
  for (const cfg of VERSION_CONFIGS) {
    serverSuite(`KmipClient x ${provider.name}: operations, ${cfg.label}`, provider, (srv) => opsSuiteBody(provider, cfg, srv));
  }
}

function opsSuiteBody(provider: ServerProvider, cfg: VersionConfig, srv: () => OpsServer): void {
  const { name: server, quirks, vendor } = provider;
  const evidence = new Evidence();
  const logger = evidence.logger();
  let suiteClient: KmipClient | undefined;
  before(() => {
    suiteClient = new KmipClient(opsClientOptions(srv(), { protocolVersions: cfg.offer, logger }));
  });
  after(async () => {
    await suiteClient?.close({ drainTimeoutMs: 0 });
  });
  const client = (): KmipClient => {
    if (suiteClient === undefined) throw new Error('client not created (before() hook failed?)');
    return suiteClient;
  };

  /** Creates an AES-256 key, activates it and fetches its material. */
  async function activeKey(): Promise<{ uid: string; key: Buffer }> {
    const c = client();
    const { uniqueIdentifier: uid } = await c.create({ algorithm: 3, length: 256, usageMask: 0x0c });
    await c.activate(uid);
    const g = await c.get(uid);
    assert.ok(g.keyMaterial, 'Get returned no key material');
    return { uid, key: evidence.key(g.keyMaterial) };
  }

  it(`discoverVersions: the offered versions come back, in order; an empty offer lists all of ${server}`, T, async () => {
    const c = client();
    assert.deepEqual(await c.discoverVersions(cfg.offer), cfg.offer);
    assert.deepEqual(await c.discoverVersions([]), provider.versions);
  });

  it(`query: ${server} vendor and the operations the product uses`, T, async () => {
    const q = await client().query();
    assert.match(q.vendorIdentification ?? '', vendor);
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

  it(`serverInfo: negotiated ${cfg.expected.major}.${cfg.expected.minor} over ${tlsLabel(provider.tlsProtocol)} with ${server}`, T, async () => {
    const c = client();
    await c.query(); // make sure a connection has been negotiated
    const info = c.serverInfo;
    assert.ok(info, 'serverInfo is undefined after a successful request');
    assert.deepEqual(info.version, cfg.expected);
    assert.match(info.vendorIdentification ?? '', vendor);
    assert.ok(info.operations?.includes(ops.Op.Encrypt), 'serverInfo.operations lacks Encrypt');
    assert.equal(info.tlsProtocol, provider.tlsProtocol);
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

  it(`batchSize 4 (issue 11): waiting Encrypts, then Decrypts, share request messages; ${server} answers each item; an unknown key fails only its caller`, T, async () => {
    const { uid, key } = await activeKey();
    // Depth 1 and a request held up front: the others wait, so they are batched.
    const c = new KmipClient(opsClientOptions(srv(), { protocolVersions: cfg.offer, logger, pipelineDepth: 1, batchSize: 4 }));
    try {
      const iv = Buffer.alloc(16);
      const opts = { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: iv };
      const plain = Array.from({ length: 13 }, () => crypto.randomBytes(32));
      const unknown = `no-such-key-${randomName('b')}`;
      const enc = await Promise.all(
        plain.map((p, i) => (i === 6 ? c.encrypt(unknown, p, opts) : c.encrypt(uid, p, opts)).then((r) => ({ r }), (e: unknown) => ({ e }))),
      );
      enc.forEach((x, i) => {
        if (i === 6) {
          assert.ok('e' in x && x.e instanceof KmipOperationError, `Encrypt with an unknown key should fail alone, got ${JSON.stringify(x)}`);
          assert.equal(x.e.resultReason, 'Item Not Found');
        } else {
          assert.ok('r' in x, `Encrypt ${i} failed: ${'e' in x ? String(x.e) : ''}`);
          assert.deepEqual(x.r.data, localAes256Cbc(key, iv, plain[i]!), `Encrypt ${i}: another caller's answer?`);
        }
      });
      const dec = await Promise.all(enc.map((x, i) => ('r' in x ? c.decrypt(uid, x.r.data, opts) : Promise.resolve(undefined)).then((r) => ({ r, i }))));
      for (const { r, i } of dec) if (r !== undefined) assert.deepEqual(r.data, plain[i], `Decrypt ${i}: another caller's answer?`);
      assert.ok(c.stats().hosts[0]!.batched >= 8, `only ${c.stats().hosts[0]!.batched} requests were batched`);
    } finally {
      await c.close({ drainTimeoutMs: 0 });
    }
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

  if (quirks.destroyRemovesObject) {
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
  } else {
    // KMIP keeps a destroyed object's attributes; only its key material goes.
    // Get of it: Object Destroyed (a 2.0 reason), Item Not Found under 1.x.
    const getReason = cfg.expected.major >= 2 ? 'Object Destroyed' : 'Item Not Found';
    it(`revoke (Cessation Of Operation) -> Deactivated, destroy -> State Destroyed, attributes kept; get -> ${getReason}`, T, async () => {
      const c = client();
      const { uid } = await activeKey();
      assert.equal(await c.revoke(uid, ops.RevocationReasonCode.CessationOfOperation, 'rotated out'), uid);
      assert.equal(stateOf(await c.getAttributes(uid, ['State'])), 'Deactivated');
      assert.equal(await c.destroy(uid), uid);
      const after = await c.getAttributes(uid, ['State', 'Cryptographic Length']);
      assert.equal(after.uniqueIdentifier, uid);
      assert.equal(stateOf(after), 'Destroyed');
      assert.equal(after.attributes.find((a) => a.name === 'Cryptographic Length')?.value, 256);
      const err = await rejectsWith(c.get(uid), KmipOperationError, evidence);
      assert.equal(err.operation, 'Get');
      assert.equal(err.resultStatus, 'Operation Failed');
      assert.equal(err.resultReason, getReason);
      assert.match(err.resultMessage ?? '', new RegExp(`\\b${uid}\\b`));
      // Destroying it again is not possible either.
      await rejectsWith(c.destroy(uid), KmipOperationError, evidence);
    });
  }

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

  if (quirks.cannotParsePlaceholderActivate) {
    it(`batch [create, activate(ID placeholder)]: ${server} cannot parse it; each item gets the typed failure, nothing done, client keeps working`, T, async () => {
      // PyKMIP 0.10 requires a Unique Identifier in Activate's payload: the
      // whole request message fails to parse, and it answers a lone error
      // batch item WITHOUT Unique Batch Item ID ("Error parsing request
      // message"). With only this request in flight the answer is its own.
      const c = client();
      const name = randomName('kmip-kms-batch-activate');
      const results = await c.batch([ops.create({ name }), ops.activate(undefined)]);
      assert.equal(results.length, 2);
      for (const r of results) {
        assert.ok(!r.ok, `${server} cannot parse this batch`);
        assert.ok(r.error instanceof KmipOperationError);
        assert.equal(r.error.resultReason, 'Invalid Message');
        assert.match(r.error.message, /Error parsing request message/);
        evidence.errors.push(r.error);
      }
      // Nothing of the batch was executed.
      assert.deepEqual(await c.locate({ name }), []);
      // The client reconnects by itself for the next requests.
      const q = await c.query();
      assert.match(q.vendorIdentification ?? '', vendor);
      const { uid } = await activeKey();
      assert.equal(stateOf(await c.getAttributes(uid, ['State'])), 'Active');
      assert.deepEqual(c.serverInfo?.version, cfg.expected);
    });
  } else {
    it('batch [create, activate(ID placeholder)]: both items ok, about the same new key, which is Active', T, async () => {
      const c = client();
      const name = randomName('kmip-kms-batch-activate');
      const results = await c.batch([ops.create({ name }), ops.activate(undefined)]);
      assert.equal(results.length, 2);
      const [first, second] = results;
      assert.ok(first?.ok, `create failed: ${first && !first.ok ? first.error.message : ''}`);
      assert.ok(second?.ok, `activate failed: ${second && !second.ok ? second.error.message : ''}`);
      const created = first.value as ops.CreateResult;
      assert.equal(second.value, created.uniqueIdentifier, 'Activate answered about another object');
      assert.deepEqual(await c.locate({ name }), [created.uniqueIdentifier]);
      assert.equal(stateOf(await c.getAttributes(created.uniqueIdentifier, ['State'])), 'Active');
      // Usable at once: a wrap with it matches local AES-256-CBC.
      const key = evidence.key((await c.get(created.uniqueIdentifier)).keyMaterial!);
      const iv = Buffer.alloc(16);
      const dek = crypto.randomBytes(32);
      const enc = await c.encrypt(created.uniqueIdentifier, dek, { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: iv });
      assert.deepEqual(enc.data, localAes256Cbc(key, iv, dek));
      // A placeholder does not outlive its message: a lone activate(placeholder) fails, typed.
      const [lone] = await c.batch([ops.activate(undefined)]);
      assert.ok(lone && !lone.ok, 'activate(placeholder) alone in a message succeeded');
      assert.ok(lone.error instanceof KmipOperationError);
      evidence.errors.push(lone.error);
      assert.deepEqual(c.serverInfo?.version, cfg.expected);
    });
  }

  const nonAscii = 'clé-bucket-é ünïcödé 日本 🔑';
  if (quirks.cannotParseNonAsciiText) {
    it(`a non-ASCII Name: ${server} cannot decode it -> typed Invalid Message; the next requests work`, T, async () => {
      const c = client();
      const err = await rejectsWith(c.create({ name: `${nonAscii} ${randomName('k')}` }), KmipOperationError, evidence);
      assert.equal(err.operation, 'Create');
      assert.equal(err.resultReason, 'Invalid Message');
      const { uid } = await activeKey();
      assert.equal(stateOf(await c.getAttributes(uid, ['State'])), 'Active');
    });
  } else {
    it('a non-ASCII Name round-trips: create, locate by it, getAttributes gives it back unchanged', T, async () => {
      const c = client();
      const name = `${nonAscii} ${randomName('k')}`;
      const { uniqueIdentifier: uid } = await c.create({ name });
      assert.deepEqual(await c.locate({ name }), [uid]);
      // Same characters, other normalisation (NFD): another name.
      assert.deepEqual(await c.locate({ name: name.normalize('NFD') }), []);
      const attrs = await c.getAttributes(uid, ['Name']);
      const value = attrs.attributes.find((a) => a.name === 'Name')?.value;
      assert.ok(value !== undefined, `no Name attribute: ${JSON.stringify(attrs)}`);
      const text = typeof value === 'string' ? value : (value as { NameValue?: unknown }).NameValue;
      assert.equal(text, name);
    });
  }

  if (cfg === VERSION_CONFIGS[0]) {
    it('logMessages: true logs every message sent/received as a redacted tree (no key material)', T, async () => {
      const l = evidence.logger();
      const c = new KmipClient(opsClientOptions(srv(), { protocolVersions: cfg.offer, logger: l, logMessages: true }));
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
    });
  }

  it('no error message, error JSON or log line contains key material', T, () => {
    evidence.assertNoKeyMaterial();
  });

  it('close() drains and closes; later calls fail with KmipClosedError', T, async () => {
    const c = client();
    const pending = c.query(); // in flight while closing: drained, not failed
    await c.close();
    assert.match((await pending).vendorIdentification ?? '', vendor);
    const err = await rejectsWith(c.query(), KmipClosedError);
    assert.ok(err instanceof KmipError);
    await c.close(); // idempotent
  });
}
