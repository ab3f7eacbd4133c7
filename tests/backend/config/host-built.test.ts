// config.kmip exactly as the host builds it (issue 8 §1): strings from S3KMIP_* variables, S3KMIP_HOSTS unsplit,
// PEM files read into Buffers, `retries` always there; env only, config.json only, both; one and several hosts;
// and a bucket lifecycle against PyKMIP with the env-built settings.
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as path from 'node:path';

import { KmipBackend } from '../../../lib/backend/backend';
import { settingsFromEnv, settingsFromHostConfig } from '../../../lib/backend/config';
import { hostBuiltKmip, type Env } from '../../support/host-config';
import { pykmipSuite } from '../../support/pykmip';
import { CallbackTracker, FakeRequestLog, RecordingLogger, hostCalls } from '../helpers';
import { CA, CA2, CA2_PEM, CA_PEM, CERT, CERT_PEM, KEY, KEY_PEM, capture, expectConfigError, quiet, tmpDir, write } from './fixtures';

/** A cloudserver folder: PEM files under ssl/, paths relative to it like the host's own. */
function hostDir(): string {
  const d = tmpDir();
  write(d, 'ssl/kmip-key.pem', KEY_PEM);
  write(d, 'ssl/kmip-cert.pem', CERT_PEM);
  write(d, 'ssl/kmip-ca.pem', CA_PEM);
  write(d, 'ssl/kmip-ca2.pem', CA2_PEM);
  return d;
}

const ENV: Env = {
  S3KMIP_HOSTS: 'kms1.example.com,kms2.example.com',
  S3KMIP_PORT: '5697',
  S3KMIP_PIPELINE_DEPTH: '4',
  S3KMIP_KEY: 'ssl/kmip-key.pem',
  S3KMIP_CERT: 'ssl/kmip-cert.pem',
  S3KMIP_CA: 'ssl/kmip-ca.pem,ssl/kmip-ca2.pem',
  S3KMIP_COMPOUND_CREATE: 'true',
  S3KMIP_BUCKET_ATTRIBUTE_NAME: 'x-bucket',
};

const FILE = {
  kmip: {
    providerName: 'thales',
    client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
    transport: { pipelineDepth: 8, tls: { host: 'kms.example.com', port: 5696, key: 'ssl/kmip-key.pem', cert: 'ssl/kmip-cert.pem', ca: ['ssl/kmip-ca.pem'] } },
  },
};

describe('config.kmip as the host builds it', () => {
  test('env only: port and pipelineDepth strings, the unsplit host list, Buffers, retries; the backend constructs', () => {
    const dir = hostDir();
    const kmip = hostBuiltKmip(ENV, {}, dir);
    // What the host hands over really is strings and one unsplit host string.
    const t = kmip['transport'] as { pipelineDepth: unknown; tls: Record<string, unknown> };
    assert.equal(t.pipelineDepth, '4');
    assert.equal(t.tls['port'], '5697');
    assert.equal(t.tls['host'], 'kms1.example.com,kms2.example.com');
    assert.equal(kmip['retries'], 0);

    const c = capture();
    const b = new KmipBackend({ kmip, logger: c.logger });
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(b.settings, {
      providerName: 'kmip',
      compoundCreateActivate: true,
      bucketNameAttributeName: 'x-bucket',
      transport: {
        hosts: [
          { host: 'kms1.example.com', port: 5697 },
          { host: 'kms2.example.com', port: 5697 },
        ],
        tls: { key: KEY, cert: CERT, ca: [CA, CA2] },
        pipelineDepth: 4,
      },
      healthcheckCacheMs: 5000,
    });
    // The same as our own reading of the same variables.
    assert.deepEqual(b.settings, settingsFromEnv(ENV, { ...quiet(), baseDir: dir }));
    void b.close();
  });

  test('config.json only: numbers, one host, paths relative to the host folder', () => {
    const dir = hostDir();
    const s = settingsFromHostConfig(hostBuiltKmip({}, FILE, dir), quiet());
    assert.deepEqual(s, {
      providerName: 'thales',
      compoundCreateActivate: false,
      bucketNameAttributeName: '',
      transport: { hosts: [{ host: 'kms.example.com', port: 5696 }], tls: { key: KEY, cert: CERT, ca: [CA] }, pipelineDepth: 8 },
      healthcheckCacheMs: 5000,
    });
  });

  test('both: the environment fills what config.json leaves unset; where the file sets a value the host keeps the file\'s', () => {
    const dir = hostDir();
    const file = { kmip: { providerName: 'thales', transport: { tls: { host: 'kms.example.com', key: 'ssl/kmip-key.pem', cert: 'ssl/kmip-cert.pem' } } } };
    const s = settingsFromHostConfig(hostBuiltKmip(ENV, file, dir), quiet());
    assert.equal(s.providerName, 'thales');
    assert.equal(s.compoundCreateActivate, true); // env (file leaves it unset)
    assert.equal(s.bucketNameAttributeName, 'x-bucket');
    assert.deepEqual(s.transport.hosts, [{ host: 'kms.example.com', port: 5697 }]); // file host, env port
    assert.equal(s.transport.pipelineDepth, 4);
    assert.equal(s.transport.tls.ca, undefined); // the host drops S3KMIP_CA when the file has a tls object without ca
    const withPort = settingsFromHostConfig(hostBuiltKmip(ENV, { kmip: { ...file.kmip, transport: { pipelineDepth: 2, tls: { ...file.kmip.transport.tls, port: 6000 } } } }, dir), quiet());
    assert.deepEqual(withPort.transport.hosts, [{ host: 'kms.example.com', port: 6000 }]);
    assert.equal(withPort.transport.pipelineDepth, 2);
  });

  test('several hosts in the host string behave like the same hosts listed as transport entries', () => {
    const dir = hostDir();
    const env = { ...ENV, S3KMIP_HOSTS: ' kms1.example.com , kms2.example.com:5698,,[fd00::7]:5699 ', S3KMIP_CA: undefined };
    const fromString = settingsFromHostConfig(hostBuiltKmip(env, {}, dir), quiet());
    const tls = { key: 'ssl/kmip-key.pem', cert: 'ssl/kmip-cert.pem' };
    const listed = {
      kmip: {
        providerName: 'kmip',
        transport: [
          { pipelineDepth: 4, tls: { ...tls, host: 'kms1.example.com', port: 5697 } },
          { pipelineDepth: 4, tls: { ...tls, host: 'kms2.example.com', port: 5698 } },
          { pipelineDepth: 4, tls: { ...tls, host: 'fd00::7', port: 5699 } },
        ],
      },
    };
    const fromArray = settingsFromHostConfig(hostBuiltKmip({ S3KMIP_COMPOUND_CREATE: 'true', S3KMIP_BUCKET_ATTRIBUTE_NAME: 'x-bucket' }, listed, dir), quiet());
    assert.deepEqual(fromString.transport.hosts, [
      { host: 'kms1.example.com', port: 5697 },
      { host: 'kms2.example.com', port: 5698 },
      { host: 'fd00::7', port: 5699 },
    ]);
    assert.deepEqual(fromString, fromArray);
  });

  test('duplicate hosts are refused naming the setting; a bad port in the string names its type', () => {
    const dir = hostDir();
    const build = (env: Env) => (): unknown => settingsFromHostConfig(hostBuiltKmip({ ...ENV, ...env }, {}, dir), quiet());
    expectConfigError(build({ S3KMIP_HOSTS: 'kms1,kms2,KMS1' }), 'kmip.transport.tls.host', 'KMS1:5697 twice');
    expectConfigError(build({ S3KMIP_HOSTS: 'kms1:5697,kms1' }), 'kmip.transport.tls.host', 'twice');
    for (const port of ['8x', ' 8', '1e3', '-1']) {
      expectConfigError(build({ S3KMIP_PORT: port }), 'kmip.transport.tls.port', `${JSON.stringify(port)} (a string)`);
    }
    for (const depth of ['8x', '1e3', '-1']) {
      expectConfigError(build({ S3KMIP_PIPELINE_DEPTH: depth }), 'kmip.transport.pipelineDepth', `${JSON.stringify(depth)} (a string)`);
    }
  });
});

pykmipSuite('a bucket lifecycle against PyKMIP with settings built by the host from S3KMIP_* variables', (srv) => {
  it('create, cipher, decipher, destroy through the host callbacks', async () => {
    const s = srv();
    const env: Env = {
      S3KMIP_HOSTS: '127.0.0.1',
      S3KMIP_PORT: String(s.port),
      S3KMIP_PIPELINE_DEPTH: '4',
      S3KMIP_KEY: s.pki.clientKeyPath,
      S3KMIP_CERT: s.pki.clientCertPath,
      S3KMIP_CA: s.pki.caPath,
    };
    const kmip = hostBuiltKmip(env, {}, path.dirname(s.pki.caPath));
    const backend = new KmipBackend({ kmip, logger: new RecordingLogger() });
    const tracker = new CallbackTracker();
    const host = hostCalls(backend, tracker);
    try {
      assert.deepEqual(backend.settings.transport.hosts, [{ host: '127.0.0.1', port: s.port }]);
      const created = await host.createBucketKey('env-built-bucket', new FakeRequestLog());
      assert.equal(created.err, null);
      const keyId = created.results[0] as string;
      const dataKey = crypto.randomBytes(32);
      const wrapped = await host.cipherDataKey(1, keyId, dataKey, new FakeRequestLog());
      assert.equal(wrapped.err, null);
      assert.equal((wrapped.results[0] as Buffer).length, 48);
      const unwrapped = await host.decipherDataKey(1, keyId, wrapped.results[0], new FakeRequestLog());
      assert.equal(unwrapped.err, null);
      assert.deepEqual(unwrapped.results[0], dataKey);
      const destroyed = await host.destroyBucketKey(keyId, new FakeRequestLog());
      assert.equal(destroyed.err, null);
      await tracker.assertAllExactlyOnce();
    } finally {
      await backend.close();
    }
  });
});
