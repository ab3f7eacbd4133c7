/**
 * The host contract (shared/docs/host-contract.md) without a KMIP server:
 * callbacks exactly once and never synchronously, inputs refused before any
 * network use, host-shaped errors (ours or the host's injected ones), the
 * backend descriptor, loud construction failures, no key material in errors
 * or logs. The only network use is a connection attempt to a closed port.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ARN_PREFIX, KmipBackend, type CreatedKey } from '../../lib/backend/backend';
import { KmsHostError, ownErrors } from '../../lib/backend/host-errors';
import type { KmipClient } from '../../lib/client';
import { Op, type CipherResult, type OperationRequest } from '../../lib/kmip/operations';
import { Tag } from '../../lib/kmip/tags';
import { KmipConfigError, KmipOperationError } from '../../lib/errors';
import { renderError } from '../client/pykmip-helpers';
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
  type CallOutcome,
} from './helpers';

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

const KEY_PEM = Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDSECRETBODY\n-----END PRIVATE KEY-----\n');
const CERT_PEM = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIUCERTBODY\n-----END CERTIFICATE-----\n');

function hostKmip(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providerName: 'kmip',
    client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
    transport: { pipelineDepth: 8, tls: { host: '127.0.0.1', port, servername: 'localhost' } },
    ...extra,
  };
}

const errText = (e: unknown): string => `${(e as { description?: string })?.description ?? ''} ${String(e)}`;

// ---------------------------------------------------------------------------
// Invalid inputs, unreachable server, error shape
// ---------------------------------------------------------------------------

describe('CallbackTracker (the checker itself)', () => {
  it('detects a synchronous callback, a double callback and a throwing call', async () => {
    const t = new CallbackTracker();
    await assert.rejects(t.run('sync', (cb) => cb(null)), /synchronously/);
    await assert.rejects(
      t.run('throws', () => {
        throw new Error('x');
      }),
      /threw/,
    );
    const t2 = new CallbackTracker();
    await t2.run('twice', (cb) => {
      setImmediate(() => {
        cb(null);
        cb(null);
      });
    });
    await assert.rejects(t2.assertAllExactlyOnce(), /called 2 times/);
    const t3 = new CallbackTracker();
    await t3.run('once', (cb) => process.nextTick(() => cb(null, 1)));
    await t3.assertAllExactlyOnce();
  });
});

describe('KmipBackend callback contract (closed port, no KMIP server)', () => {
  const tracker = new CallbackTracker();
  const moduleLog = new RecordingLogger();
  const logs: RecordingLogger[] = [moduleLog];
  const secrets: Buffer[] = [];
  const errorsSeen: unknown[] = [];
  let backend: KmipBackend;
  let host: ReturnType<typeof hostCalls>;
  let ops: ReturnType<typeof countOperations>;

  const reqLog = (): FakeRequestLog => {
    const l = new FakeRequestLog();
    logs.push(l);
    return l;
  };
  const dataKey = (n = 32): Buffer => {
    const b = crypto.randomBytes(n);
    secrets.push(b);
    return b;
  };

  before(async () => {
    backend = new KmipBackend({ kmip: hostKmip(await closedPort()), logger: moduleLog });
    host = hostCalls(backend, tracker);
    ops = countOperations(backend);
  });
  after(async () => {
    await backend.close({ drainTimeoutMs: 0 });
  });

  const expectRefused = (r: CallOutcome, what: RegExp): KmsHostError => {
    errorsSeen.push(r.err);
    assertHostErrorShape(r.err, 'InternalError', 500);
    const err = r.err as KmsHostError;
    assert.ok(err instanceof KmsHostError);
    assert.match(err.description, what);
    assert.doesNotMatch(err.description, /connect|ECONNREFUSED|no KMIP server/, `refused only after trying the network: ${err.description}`);
    assert.equal(r.args.length, 1, 'an error callback carries the error only');
    return err;
  };

  const invalid: Array<[string, () => Promise<CallOutcome>, RegExp]> = [
    ['data key of 31 bytes', () => host.cipherDataKey(1, 'k1', dataKey(31), reqLog()), /32 bytes/],
    ['data key of 33 bytes', () => host.cipherDataKey(1, 'k1', dataKey(33), reqLog()), /32 bytes/],
    ['data key of 0 bytes', () => host.cipherDataKey(1, 'k1', Buffer.alloc(0), reqLog()), /32 bytes/],
    ['data key as a hex string', () => host.cipherDataKey(1, 'k1', dataKey().toString('hex'), reqLog()), /Buffer/],
    ['data key as a Uint8Array', () => host.cipherDataKey(1, 'k1', new Uint8Array(dataKey()), reqLog()), /Buffer/],
    ['data key undefined', () => host.cipherDataKey(1, 'k1', undefined, reqLog()), /Buffer/],
    ['ciphered key of 47 bytes', () => host.decipherDataKey(1, 'k1', dataKey(47), reqLog()), /multiple of 16/],
    ['ciphered key of 5 bytes', () => host.decipherDataKey(1, 'k1', dataKey(5), reqLog()), /multiple of 16/],
    ['ciphered key empty', () => host.decipherDataKey(1, 'k1', Buffer.alloc(0), reqLog()), /non-empty/],
    ['ciphered key as base64 string', () => host.decipherDataKey(1, 'k1', dataKey(48).toString('base64'), reqLog()), /Buffer/],
    ['empty key id (cipher)', () => host.cipherDataKey(1, '', dataKey(), reqLog()), /key id/],
    ['empty key id (decipher)', () => host.decipherDataKey(1, '', dataKey(48), reqLog()), /key id/],
    ['empty key id (destroy)', () => host.destroyBucketKey('', reqLog()), /key id/],
    ['undefined key id', () => host.cipherDataKey(1, undefined, dataKey(), reqLog()), /key id/],
    ['numeric key id', () => host.decipherDataKey(1, 42, dataKey(48), reqLog()), /key id/],
    ['ARN with an empty id', () => host.cipherDataKey(1, `${ARN_PREFIX}kmip:key/`, dataKey(), reqLog()), /empty key id/],
    ['malformed ARN', () => host.cipherDataKey(1, 'arn:nonsense', dataKey(), reqLog()), /malformed/],
    ['NAE key ARN', () => host.cipherDataKey(1, 'arn:scality:kms:external:scality:safenet:key/abc', dataKey(), reqLog()), /safenet/],
    ['cryptoScheme 2 (cipher)', () => host.cipherDataKey(2, 'k1', dataKey(), reqLog()), /cryptoScheme 2/],
    ['cryptoScheme 2 (decipher)', () => host.decipherDataKey(2, 'k1', dataKey(48), reqLog()), /cryptoScheme 2/],
    ['cryptoScheme 0', () => host.cipherDataKey(0, 'k1', dataKey(), reqLog()), /cryptoScheme/],
    ['cryptoScheme "1" (a string)', () => host.cipherDataKey('1', 'k1', dataKey(), reqLog()), /cryptoScheme/],
    ['bucket name not a string', () => host.createBucketKey(undefined, reqLog()), /bucket name/],
  ];
  for (const [label, call, what] of invalid) {
    it(`refuses ${label} before touching the network`, async () => {
      const before = ops.count();
      expectRefused(await call(), what);
      assert.equal(ops.count(), before, 'a request was handed to the transport');
    });
  }

  const unreachable: Array<[string, () => Promise<CallOutcome>]> = [
    ['createBucketKey', () => host.createBucketKey('b1', reqLog())],
    ['destroyBucketKey', () => host.destroyBucketKey('k1', reqLog())],
    ['cipherDataKey', () => host.cipherDataKey(1, 'k1', dataKey(), reqLog())],
    ['decipherDataKey', () => host.decipherDataKey(1, 'k1', dataKey(48), reqLog())],
    ['healthcheck', () => host.healthcheck(reqLog())],
  ];
  for (const [op, call] of unreachable) {
    it(`${op}: unreachable server calls back a ServiceUnavailable 'KMS (KMIP) error for ...' naming no address`, async () => {
      const r = await call();
      errorsSeen.push(r.err);
      assertHostErrorShape(r.err, 'ServiceUnavailable', 503);
      const err = r.err as KmsHostError;
      assert.match(err.description, /cannot be reached$/);
      assert.doesNotMatch(err.description, /127\.0\.0\.1|ECONNREFUSED|:\d{2,5}\b/);
      assert.equal(r.args.length, 1);
    });
  }

  it('host-shaped errors: metadata, is, legacy flag, customizeDescription, toString, instanceof Error', async () => {
    const r = await host.cipherDataKey(1, 'k1', dataKey(31), reqLog());
    errorsSeen.push(r.err);
    const err = r.err as KmsHostError & Record<string, unknown>;
    assert.ok(err instanceof Error);
    assert.equal(err.code, 500);
    assert.equal(err.message, 'InternalError');
    assert.equal(typeof err.metadata.get, 'function');
    assert.equal(err.metadata.get('invalidArguments'), undefined);
    assert.ok(err.metadata instanceof Map);
    assert.equal(err.is.InternalError, true);
    assert.equal(err.is['NoSuchKey'], false);
    assert.equal(err.is['KMS.NotFoundException'], false);
    assert.equal(err['InternalError'], true, 'legacy err.InternalError flag');
    const c = err.customizeDescription('x');
    assert.notEqual(c, err);
    assert.ok(c instanceof KmsHostError);
    assert.ok(c instanceof Error);
    assert.equal(c.message, 'InternalError');
    assert.equal(c.code, 500);
    assert.equal(c.description, 'x');
    assert.equal(c.is.InternalError, true);
    assert.equal((c as unknown as Record<string, unknown>)['InternalError'], true);
    assert.ok(err.description.startsWith('KMS (KMIP) error for '), 'the original is not modified');
    const s = JSON.parse(err.toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(s).sort(), ['errorMessage', 'errorType']);
    assert.equal(s['errorType'], 'InternalError');
    assert.equal(s['errorMessage'], err.description);
    // The host's S3 error writer path: reads these without crashing.
    const invalidArgs = err.metadata.get('invalidArguments') as Map<string, unknown> | undefined;
    assert.equal(invalidArgs?.size ?? 0, 0);
  });

  it('our own errors object: fresh instances, KMS.NotFoundException known', () => {
    const a = ownErrors.InternalError;
    const b = ownErrors.InternalError;
    assert.notEqual(a, b);
    const nf = ownErrors['KMS.NotFoundException'];
    assert.ok(nf instanceof KmsHostError);
    assert.equal(nf.message, 'KMS.NotFoundException');
    assert.equal(nf.is['KMS.NotFoundException'], true);
    assert.equal((nf as unknown as Record<string, unknown>)['KMS.NotFoundException'], true);
    assert.equal(ownErrors['NoSuchThing'], undefined);
  });

  it('Item Not Found maps to our KMS.NotFoundException when no errors are injected', () => {
    const e = backend.toHostError(new KmipOperationError('Encrypt', 'Operation Failed', 'Item Not Found', 'Could not locate object: 7'), 'cipherDataKey', '7');
    errorsSeen.push(e);
    assert.ok(e instanceof KmsHostError);
    assertHostErrorShape(e, 'KMS.NotFoundException', e.code);
    assert.equal(e.description, 'KMS (KMIP) error for Encrypt on 7. Item Not Found: Could not locate object: 7');
    const other = backend.toHostError(new KmipOperationError('Encrypt', 'Operation Failed', 'Permission Denied', 'no'), 'cipherDataKey', '7');
    assertHostErrorShape(other, 'AccessDenied', 403);
    assert.equal(other.description, 'KMS (KMIP) error for Encrypt on 7. Permission Denied: no');
  });

  it('a request logger that is missing or throws does not break the call', async () => {
    const thrower = {
      debug() {
        throw new Error('boom');
      },
      info() {
        throw new Error('boom');
      },
      warn() {
        throw new Error('boom');
      },
      error() {
        throw new Error('boom');
      },
    };
    for (const log of [undefined, null, thrower, 'not a logger']) {
      const r = await host.cipherDataKey(1, 'k1', dataKey(31), log);
      assertHostErrorShape(r.err, 'InternalError', 500);
    }
  });

  it('every callback was called exactly once, never synchronously', async () => {
    await tracker.assertAllExactlyOnce();
  });

  it('no data key bytes (hex or base64) in error descriptions, renderings or log lines', () => {
    assert.ok(secrets.length > 10 && errorsSeen.length > 10);
    const texts = [...errorsSeen.map((e) => `${renderError(e)}\n${errText(e)}\n${inspect(e, { showHidden: true, depth: 5 })}`), ...logs.map((l) => l.text())];
    for (const k of secrets) {
      if (k.length < 8) continue;
      const needles = [k.toString('hex'), k.toString('base64'), k.subarray(0, 8).toString('hex'), k.subarray(0, 12).toString('base64')];
      for (const t of texts) for (const n of needles) assert.ok(!t.includes(n), `data key bytes (${n.slice(0, 6)}…) leaked into: ${t.slice(0, 400)}`);
    }
  });
});

// ---------------------------------------------------------------------------
// Success paths: callback machinery with the network parts stubbed
// ---------------------------------------------------------------------------

class StubbedBackend extends KmipBackend {
  mode: 'ok' | 'throw' | 'reject-string' = 'ok';
  constructor(opts: ConstructorParameters<typeof KmipBackend>[0]) {
    super(opts);
    // The data-key pair goes straight to the client's callback-level call: stubbed there.
    this.client.callWith = ((op: OperationRequest<CipherResult>, _opts: unknown, resolve: (r: CipherResult) => void, reject: (e: unknown) => void): void => {
      if (this.mode === 'throw') throw new Error('synchronous failure inside the work');
      if (this.mode === 'reject-string') {
        reject('a string, not an Error');
        return;
      }
      const item = op.payload({ major: 1, minor: 4 }).find((i) => i.tag === Tag.Data);
      const data = item && item.type === 0x08 ? item.value : Buffer.alloc(0);
      // A reversible stand-in for AES-CBC: XOR, and 16 bytes of padding on the way in.
      const x = Buffer.from(data.map((b) => b ^ 0x5a));
      setImmediate(() =>
        resolve({ uniqueIdentifier: undefined, data: op.operation === Op.Encrypt ? Buffer.concat([x, Buffer.alloc(16)]) : x.subarray(0, 32), ivCounterNonce: undefined }),
      );
    }) as KmipClient['callWith'];
  }
  #go<T>(v: T): Promise<T> {
    if (this.mode === 'throw') throw new Error('synchronous failure inside the work');
    if (this.mode === 'reject-string') return Promise.reject('a string, not an Error');
    return Promise.resolve(v);
  }
  override createKey(bucketName: string): Promise<CreatedKey> {
    return this.#go({ keyId: `id-${bucketName}`, arn: `${this.arnPrefix}id-${bucketName}` });
  }
  override destroyKey(): Promise<void> {
    return this.#go(undefined);
  }
  override checkHealth(): Promise<void> {
    return this.#go(undefined);
  }
}

describe('KmipBackend callbacks on success and on internal failures (stubbed network)', () => {
  const tracker = new CallbackTracker();
  let backend: StubbedBackend;
  let host: ReturnType<typeof hostCalls>;
  before(async () => {
    backend = new StubbedBackend({ kmip: hostKmip(await closedPort()), logger: new RecordingLogger() });
    host = hostCalls(backend, tracker);
  });
  after(async () => {
    await backend.close({ drainTimeoutMs: 0 });
  });

  it('success: each callback once, asynchronously, with the documented arguments', async () => {
    backend.mode = 'ok';
    const c = await host.createBucketKey('bk', new FakeRequestLog());
    assert.deepEqual(c.args, [null, 'id-bk', `${backend.arnPrefix}id-bk`]);
    const w = await host.cipherDataKey(1, 'id-bk', Buffer.alloc(32, 1), new FakeRequestLog());
    assert.equal(w.err, null);
    assert.equal(w.args.length, 2);
    assert.equal((w.results[0] as Buffer).length, 48);
    const u = await host.decipherDataKey(1, 'id-bk', w.results[0], new FakeRequestLog());
    assert.equal(u.err, null);
    assert.ok((u.results[0] as Buffer).equals(Buffer.alloc(32, 1)));
    const d = await host.destroyBucketKey('id-bk', new FakeRequestLog());
    assert.deepEqual(d.args, [null]);
    const h = await host.healthcheck(new FakeRequestLog());
    assert.deepEqual(h.args, [null]);
  });

  for (const mode of ['throw', 'reject-string'] as const) {
    it(`internal failure (${mode}): each callback once, asynchronously, with an InternalError 'KMS (KMIP) error for'`, async () => {
      backend.mode = mode;
      const all = [
        await host.createBucketKey('bk', new FakeRequestLog()),
        await host.cipherDataKey(1, 'id-bk', Buffer.alloc(32, 1), new FakeRequestLog()),
        await host.decipherDataKey(1, 'id-bk', Buffer.alloc(48, 1), new FakeRequestLog()),
        await host.destroyBucketKey('id-bk', new FakeRequestLog()),
        await host.healthcheck(new FakeRequestLog()),
      ];
      for (const r of all) {
        assertHostErrorShape(r.err, 'InternalError', 500);
        assert.equal(r.args.length, 1);
      }
    });
  }

  it('every callback was called exactly once, never synchronously', async () => {
    await tracker.assertAllExactlyOnce();
  });
});

// ---------------------------------------------------------------------------
// Injected host errors
// ---------------------------------------------------------------------------

describe('KmipBackend with the host\'s errors injected', () => {
  const tracker = new CallbackTracker();
  const backends: KmipBackend[] = [];
  let port = 0;
  before(async () => {
    port = await closedPort();
  });
  after(async () => {
    await Promise.all(backends.map((b) => b.close({ drainTimeoutMs: 0 })));
  });
  const make = (errors: unknown): KmipBackend => {
    const b = new KmipBackend({ kmip: hostKmip(port), logger: new RecordingLogger(), errors });
    backends.push(b);
    return b;
  };

  it('invalid input and unreachable server give instances of the host\'s error class', async () => {
    const errors = fakeErrors(true);
    const h = hostCalls(make(errors), tracker);
    const r1 = await h.cipherDataKey(1, 'k', Buffer.alloc(7), new FakeRequestLog());
    assert.ok(r1.err instanceof FakeArsenalError, `not the host's class: ${String(r1.err)}`);
    assert.equal(r1.err.type, 'InternalError');
    assert.equal(r1.err.code, 500);
    assert.equal(r1.err.description, 'KMS (KMIP) error for Encrypt on k: invalid request: data key must be a Buffer of 32 bytes');
    const r2 = await h.cipherDataKey(1, 'k', Buffer.alloc(32), new FakeRequestLog());
    assert.ok(r2.err instanceof FakeArsenalError);
    assert.equal(r2.err.type, 'ServiceUnavailable');
    assert.equal(r2.err.description, 'KMS (KMIP) error for Encrypt on k: the key management server cannot be reached');
    const r3 = await h.healthcheck(new FakeRequestLog());
    assert.ok(r3.err instanceof FakeArsenalError);
    assert.equal(r3.err.code, 503);
    assert.equal(r3.err.description, 'KMS (KMIP) error for Query: the key management server cannot be reached');
    await tracker.assertAllExactlyOnce();
  });

  it('Item Not Found becomes KMS.NotFoundException only when the host\'s errors have it', () => {
    const notFound = new KmipOperationError('Decrypt', 'Operation Failed', 'Item Not Found', 'Could not locate object: 9');
    const withNf = make(fakeErrors(true)).toHostError(notFound, 'decipherDataKey', '9');
    assert.ok(withNf instanceof FakeArsenalError);
    assert.equal((withNf as FakeArsenalError).type, 'KMS.NotFoundException');
    assert.equal(withNf.description, 'KMS (KMIP) error for Decrypt on 9. Item Not Found: Could not locate object: 9');
    // An older host without KMS.NotFoundException: an appliance failure like any other.
    const withoutNf = make(fakeErrors(false)).toHostError(notFound, 'decipherDataKey', '9');
    assert.ok(withoutNf instanceof FakeArsenalError);
    assert.equal((withoutNf as FakeArsenalError).type, 'AccessDenied');
    assert.equal(withoutNf.code, 403);
    assert.equal(withoutNf.description, 'KMS (KMIP) error for Decrypt on 9. Item Not Found: Could not locate object: 9');
  });

  it('an injected object that is not an errors object falls back to our own error class', async () => {
    for (const bogus of [{}, { InternalError: 'nope' }, null, 42]) {
      const h = hostCalls(make(bogus), tracker);
      const r = await h.cipherDataKey(1, 'k', Buffer.alloc(7), new FakeRequestLog());
      assert.ok(r.err instanceof KmsHostError, `bogus errors ${inspect(bogus)} were used`);
      assertHostErrorShape(r.err, 'InternalError', 500);
    }
    await tracker.assertAllExactlyOnce();
  });
});

// ---------------------------------------------------------------------------
// Descriptor and construction
// ---------------------------------------------------------------------------

describe('KmipBackend descriptor and construction', () => {
  it('backend descriptor {type, protocol, provider, arnPrefix}; provider defaults to "kmip"', async () => {
    const port = await closedPort();
    const cases: Array<[Record<string, unknown>, string]> = [
      [hostKmip(port), 'kmip'],
      [hostKmip(port, { providerName: 'thales' }), 'thales'],
      [{ transport: { tls: { host: '127.0.0.1', port } } }, 'kmip'],
    ];
    for (const [kmip, provider] of cases) {
      const b = new KmipBackend({ kmip, logger: new RecordingLogger() });
      try {
        assert.deepEqual({ ...b.backend }, {
          type: 'external',
          protocol: 'kmip',
          provider,
          arnPrefix: `arn:scality:kms:external:kmip:${provider}:key/`,
        });
        assert.ok(Object.isFrozen(b.backend));
        assert.equal(b.arnPrefix, b.backend.arnPrefix);
        assert.ok(!b.supportsDefaultKeyPerAccount, 'supportsDefaultKeyPerAccount must not be truthy');
        for (const m of ['createBucketKey', 'destroyBucketKey', 'cipherDataKey', 'decipherDataKey', 'healthcheck'] as const) {
          assert.equal(typeof b[m], 'function');
        }
        assert.equal(b.keyIdOf(`${b.arnPrefix}77`), '77');
        assert.equal(b.keyIdOf('77'), '77');
      } finally {
        await b.close();
      }
    }
  });

  it('calls after close() call back once with a ServiceUnavailable, never hang', async () => {
    const b = new KmipBackend({ kmip: hostKmip(await closedPort()), logger: new RecordingLogger() });
    await b.close();
    const t = new CallbackTracker();
    const h = hostCalls(b, t);
    for (const r of [
      await h.cipherDataKey(1, 'k', Buffer.alloc(32), new FakeRequestLog()),
      await h.decipherDataKey(1, 'k', Buffer.alloc(48), new FakeRequestLog()),
      await h.createBucketKey('b', new FakeRequestLog()),
      await h.destroyBucketKey('k', new FakeRequestLog()),
      await h.healthcheck(new FakeRequestLog()),
    ]) {
      assertHostErrorShape(r.err, 'ServiceUnavailable', 503);
      assert.match((r.err as KmsHostError).description, /: the key management client is closed$/);
    }
    await t.assertAllExactlyOnce();
  });

  it('construction does not connect', async () => {
    const port = await closedPort();
    const log = new RecordingLogger();
    const b = new KmipBackend({ kmip: hostKmip(port), logger: log });
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(!log.text().match(/connecting|connection failed/i), log.text());
    await b.close();
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['kmip missing', undefined, /kmip/],
    ['empty kmip section (no host)', {}, /kmip\.transport\.tls\.host/],
    ['host empty', { transport: { tls: { host: '', port: 5696 } } }, /host/],
    ['host not a string', { transport: { tls: { host: 42, port: 5696 } } }, /host/],
    ['port not digits', { transport: { tls: { host: 'kms', port: '5696x' } } }, /port/],
    ['port out of range', { transport: { tls: { host: 'kms', port: 70000 } } }, /port/],
    ['key without cert', { transport: { tls: { host: 'kms', port: 5696, key: KEY_PEM } } }, /kmip\.transport\.tls\.cert/],
    ['cert without key', { transport: { tls: { host: 'kms', port: 5696, cert: CERT_PEM } } }, /kmip\.transport\.tls\.key/],
    ['key and cert swapped', { transport: { tls: { host: 'kms', port: 5696, key: CERT_PEM, cert: KEY_PEM } } }, /swapped|not a private key|no private key/],
    ['key not PEM', { transport: { tls: { host: 'kms', port: 5696, key: Buffer.from('garbage SECRETBODY'), cert: CERT_PEM } } }, /not PEM/],
    ['providerName with ":"', { providerName: 'a:b', transport: { tls: { host: 'kms', port: 5696 } } }, /providerName/],
    ['compoundCreateActivate not a boolean', { client: { compoundCreateActivate: 'yes' }, transport: { tls: { host: 'kms', port: 5696 } } }, /compoundCreateActivate/],
    ['pipelineDepth negative', { transport: { pipelineDepth: -1, tls: { host: 'kms', port: 5696 } } }, /pipelineDepth/],
    ['protocolVersions below 1.2', { transport: { protocolVersions: ['1.1'], tls: { host: 'kms', port: 5696 } } }, /1\.2/],
  ];
  for (const [label, kmip, what] of bad) {
    it(`constructor throws KmipConfigError: ${label}`, () => {
      const log = new RecordingLogger();
      assert.throws(
        () => new KmipBackend({ kmip, logger: log }),
        (e: unknown) => {
          assert.ok(e instanceof KmipConfigError, `expected KmipConfigError, got ${String(e)}`);
          assert.match(e.message, what);
          assert.ok(!e.message.includes('SECRETBODY') && !log.text().includes('SECRETBODY'), 'PEM body in the message or log');
          return true;
        },
      );
    });
  }

  it('constructor throws KmipConfigError without options at all', () => {
    assert.throws(() => new KmipBackend(undefined as never), KmipConfigError);
    assert.throws(() => new KmipBackend({} as never), KmipConfigError);
  });
});
