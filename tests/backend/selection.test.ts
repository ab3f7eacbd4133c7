/**
 * createKmsBackend: the host's backend selection (`backends.kms` / `S3KMS`).
 * `kmip` is ours; `scality` loads the separate Safenet NAE module
 * (scality-kms); the two are mutually exclusive with no migration path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KmipBackend } from '../../lib/backend/backend';
import { createKmsBackend, kmipConfigured, naeConfigured } from '../../lib/backend/selection';
import { KmipConfigError } from '../../lib/errors';
import { RecordingLogger } from './helpers';

/** The host's parsed config.kmip with a host set (construction does not connect). */
const KMIP_SET = {
  providerName: 'kmip',
  client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
  transport: { pipelineDepth: 8, tls: { host: '127.0.0.1', port: 1 } },
};
/** What cloudserver's config.kmip looks like when nobody configured KMIP (S3KMIP_* defaults only). */
const KMIP_UNSET = {
  providerName: 'kmip',
  client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
  transport: { pipelineDepth: 8, tls: { port: 5696 } },
};
const NAE = { userName: 'nae-user', password: 'nae-pass', helperProgram: '/opt/nae/helper', maxSessions: 4 };

class FakeNae {
  static constructed: unknown[] = [];
  constructor(readonly cfg: unknown) {
    FakeNae.constructed.push(cfg);
  }
}

const notLoaded = (name: string): never => {
  const e = new Error(`Cannot find module '${name}'`) as NodeJS.ErrnoException;
  e.code = 'MODULE_NOT_FOUND';
  throw e;
};

function expectConfigError(fn: () => unknown, ...patterns: RegExp[]): KmipConfigError {
  let caught: unknown;
  try {
    const b = fn();
    if (b instanceof KmipBackend) void b.close();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof KmipConfigError, `expected a KmipConfigError, got ${String(caught)}`);
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}

describe('createKmsBackend', () => {
  it('"kmip" from backends.kms gives a KmipBackend built from config.kmip', async () => {
    const b = createKmsBackend({ backends: { kms: 'kmip' }, kmip: { ...KMIP_SET, providerName: 'thales' } }, { env: {}, logger: new RecordingLogger() });
    assert.ok(b instanceof KmipBackend);
    try {
      assert.equal(b.backend.provider, 'thales');
      assert.equal(b.settings.transport.hosts[0]?.host, '127.0.0.1');
    } finally {
      await b.close();
    }
  });

  it('"kmip" from S3KMS gives a KmipBackend, and S3KMS wins over backends.kms (as in cloudserver)', async () => {
    for (const backends of [undefined, { kms: 'file' }, { kms: 'scality' }]) {
      const b = createKmsBackend({ ...(backends ? { backends } : {}), kmip: KMIP_SET }, { env: { S3KMS: 'kmip' }, logger: new RecordingLogger() });
      assert.ok(b instanceof KmipBackend);
      await b.close();
    }
  });

  it('reads process.env by default', async () => {
    const saved = process.env['S3KMS'];
    process.env['S3KMS'] = 'kmip';
    try {
      const b = createKmsBackend({ kmip: KMIP_SET }, { logger: new RecordingLogger() });
      assert.ok(b instanceof KmipBackend);
      await b.close();
    } finally {
      if (saved === undefined) delete process.env['S3KMS'];
      else process.env['S3KMS'] = saved;
    }
  });

  it('an empty S3KMS counts as unset (cloudserver: `if (process.env.S3KMS)`)', {}, async () => {
    const b = createKmsBackend({ backends: { kms: 'kmip' }, kmip: KMIP_SET }, { env: { S3KMS: '' }, logger: new RecordingLogger() });
    assert.ok(b instanceof KmipBackend);
    await (b as KmipBackend).close();
  });

  it('"kmip" passes injected host errors through to the backend', async () => {
    class HostErr extends Error {
      readonly code = 500;
      readonly metadata = new Map();
      readonly is = { InternalError: true };
      constructor(readonly description: string) {
        super('InternalError');
      }
      customizeDescription(d: string): HostErr {
        return new HostErr(d);
      }
    }
    const errors = { InternalError: new HostErr('internal') };
    const b = createKmsBackend({ backends: { kms: 'kmip' }, kmip: KMIP_SET }, { env: {}, errors, logger: new RecordingLogger() }) as KmipBackend;
    try {
      const err = await new Promise<unknown>((resolve) => b.cipherDataKey(1, 'k', Buffer.alloc(3), new RecordingLogger(), (e) => resolve(e)));
      assert.ok(err instanceof HostErr);
    } finally {
      await b.close();
    }
  });

  it('"kmip" with an unusable kmip section throws KmipConfigError (no silent fallback)', () => {
    expectConfigError(() => createKmsBackend({ backends: { kms: 'kmip' }, kmip: KMIP_UNSET }, { env: {}, logger: new RecordingLogger() }), /host/);
    expectConfigError(() => createKmsBackend({ backends: { kms: 'kmip' } }, { env: {}, logger: new RecordingLogger() }), /kmip/);
  });

  it('"scality" constructs the NAE module class with config.kms', () => {
    FakeNae.constructed = [];
    const loaded: string[] = [];
    const b = createKmsBackend(
      { backends: { kms: 'scality' }, kms: NAE, kmip: KMIP_UNSET },
      {
        env: {},
        requireModule: (name) => {
          loaded.push(name);
          return FakeNae;
        },
      },
    );
    assert.ok(b instanceof FakeNae);
    assert.equal(b.cfg, NAE);
    assert.deepEqual(FakeNae.constructed, [NAE]);
    assert.deepEqual(loaded, ['scality-kms']);
    // and from S3KMS
    const b2 = createKmsBackend({ kms: NAE }, { env: { S3KMS: 'scality' }, requireModule: () => FakeNae });
    assert.ok(b2 instanceof FakeNae);
  });

  it('"scality" without the module: KmipConfigError naming scality-kms', () => {
    const e = expectConfigError(() => createKmsBackend({ backends: { kms: 'scality' }, kms: NAE, kmip: KMIP_UNSET }, { env: {}, requireModule: notLoaded }), /scality-kms/);
    assert.match(e.message, /cannot be loaded/);
    // with the real require (scality-kms is not installed here)
    expectConfigError(() => createKmsBackend({ backends: { kms: 'scality' }, kms: NAE, kmip: KMIP_UNSET }, { env: {} }), /scality-kms/);
    // a module that is not a class
    expectConfigError(() => createKmsBackend({ backends: { kms: 'scality' }, kms: NAE }, { env: {}, requireModule: () => ({}) }), /scality-kms/);
  });

  it('KMIP and NAE both configured: refused for either selection, "mutually exclusive", "no migration path"', () => {
    let loads = 0;
    const requireModule = (): unknown => {
      loads++;
      return FakeNae;
    };
    for (const sel of [{ backends: { kms: 'kmip' } }, { backends: { kms: 'scality' } }]) {
      expectConfigError(
        () => createKmsBackend({ ...sel, kmip: KMIP_SET, kms: NAE }, { env: {}, requireModule, logger: new RecordingLogger() }),
        /mutually exclusive/,
        /no migration path/,
      );
    }
    for (const S3KMS of ['kmip', 'scality']) {
      expectConfigError(() => createKmsBackend({ kmip: KMIP_SET, kms: NAE }, { env: { S3KMS }, requireModule, logger: new RecordingLogger() }), /mutually exclusive/, /no migration path/);
    }
    // With a cluster transport array too.
    expectConfigError(
      () => createKmsBackend({ backends: { kms: 'scality' }, kmip: { ...KMIP_SET, transport: [KMIP_SET.transport] }, kms: NAE }, { env: {}, requireModule }),
      /mutually exclusive/,
    );
    assert.equal(loads, 0, 'the NAE module was loaded although the configuration is refused');
  });

  it('the default (unset) kmip section does not count as configured; an empty userName does not count as NAE', async () => {
    assert.equal(kmipConfigured(KMIP_UNSET), false);
    assert.equal(kmipConfigured(KMIP_SET), true);
    assert.equal(kmipConfigured({ transport: [{ tls: {} }, { tls: { host: 'h' } }] }), true);
    assert.equal(kmipConfigured(undefined), false);
    assert.equal(naeConfigured({ userName: '', password: '' }), false);
    assert.equal(naeConfigured(NAE), true);
    assert.equal(naeConfigured(undefined), false);
    const b = createKmsBackend({ backends: { kms: 'kmip' }, kmip: KMIP_SET, kms: { userName: '' } }, { env: {}, logger: new RecordingLogger() });
    assert.ok(b instanceof KmipBackend);
    await b.close();
    const n = createKmsBackend({ backends: { kms: 'scality' }, kmip: KMIP_UNSET, kms: NAE }, { env: {}, requireModule: () => FakeNae });
    assert.ok(n instanceof FakeNae);
  });

  it('unknown or missing backend: a clear KmipConfigError', () => {
    const missing = expectConfigError(() => createKmsBackend({ kmip: KMIP_SET }, { env: {} }), /no KMS backend selected/, /kmip/);
    assert.equal(missing.key, 'backends.kms');
    for (const kind of ['file', 'mem', 'aws', 'KMIP', 'nae']) {
      const e = expectConfigError(() => createKmsBackend({ backends: { kms: kind }, kmip: KMIP_SET }, { env: {} }), new RegExp(`"${kind}"`), /kmip/);
      assert.equal(e.key, 'backends.kms');
    }
    expectConfigError(() => createKmsBackend({ kmip: KMIP_SET }, { env: { S3KMS: 'file' } }), /"file"/);
    expectConfigError(() => createKmsBackend({}, { env: {} }), /no KMS backend selected/);
  });

  it('a missing host configuration object gives a KmipConfigError, not a TypeError', {}, () => {
    expectConfigError(() => createKmsBackend(undefined as never, { env: { S3KMS: 'kmip' } }));
    expectConfigError(() => createKmsBackend(undefined as never, { env: { S3KMS: 'scality' }, requireModule: notLoaded }));
  });
});
