import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';

import { settingsFromChart } from '../../../lib/backend/config';
import { CA, CA2, CA2_PEM, CA_PEM, CERT, CERT_PEM, KEY, KEY_PEM, capture, expectConfigError, quiet, tmpDir, write } from './fixtures';

// Kubernetes chart values + PEM folder

describe('settingsFromChart', () => {
  function pemDir(files: Record<string, string>): string {
    const d = tmpDir();
    for (const [name, contents] of Object.entries(files)) write(d, name, contents);
    return d;
  }
  const fullPems = { 'kmip-key.pem': KEY_PEM, 'kmip-cert.pem': CERT_PEM, 'kmip-ca.pem': CA_PEM };

  test('values nested under kmip, with defaults', () => {
    const c = capture();
    const s = settingsFromChart(
      { replicaCount: 3, image: { tag: 'x' }, kmip: { enabled: true, hosts: ['kms.example.com'] } },
      pemDir(fullPems),
      { env: {}, logger: c.logger },
    );
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(s, {
      providerName: 'kmip',
      compoundCreateActivate: false,
      bucketNameAttributeName: '',
      transport: { hosts: [{ host: 'kms.example.com', port: 5696 }], tls: { key: KEY, cert: CERT, ca: [CA] }, pipelineDepth: 8 },
      healthcheckCacheMs: 5000,
    });
  });

  test('flat values with every chart setting; host:port entries; several CA files in name order', () => {
    const dir = pemDir({ ...fullPems, 'kmip-ca-2.pem': CA_PEM, 'kmip-ca-1.pem': CA2_PEM, 'README.txt': 'not a pem' });
    const c = capture();
    const s = settingsFromChart(
      {
        enabled: true,
        port: 6000,
        hosts: ['kms-a', 'kms-b:6001'],
        compoundCreate: true,
        bucketAttributeName: 'x-bucket',
        pipelineDepth: 2,
        providerName: 'thales',
        requestTimeoutMs: 1234,
        servername: 'kms.internal',
      },
      dir,
      { env: {}, logger: c.logger },
    );
    assert.deepEqual(c.warnings, []);
    assert.equal(s.providerName, 'thales');
    assert.equal(s.compoundCreateActivate, true);
    assert.equal(s.bucketNameAttributeName, 'x-bucket');
    assert.equal(s.transport.pipelineDepth, 2);
    assert.equal(s.transport.requestTimeoutMs, 1234);
    assert.equal(s.transport.tls.servername, 'kms.internal');
    assert.deepEqual(s.transport.hosts, [
      { host: 'kms-a', port: 6000 },
      { host: 'kms-b', port: 6001 },
    ]);
    assert.deepEqual(s.transport.tls.ca, [CA, CA2, CA]);
  });

  test('enabled: false is refused', () => {
    expectConfigError(() => settingsFromChart({ kmip: { enabled: false, hosts: ['kms'] } }, pemDir(fullPems), { env: {} }), 'kmip.enabled', 'disabled');
    expectConfigError(() => settingsFromChart({ enabled: 'yes', hosts: ['kms'] }, pemDir(fullPems), { env: {} }), 'kmip.enabled');
  });

  test('kmip-key.pem without kmip-cert.pem and the reverse', () => {
    expectConfigError(
      () => settingsFromChart({ hosts: ['kms'] }, pemDir({ 'kmip-key.pem': KEY_PEM }), { env: {}, ...quiet() }),
      'kmip-cert.pem',
      'kmip-key.pem',
    );
    expectConfigError(
      () => settingsFromChart({ hosts: ['kms'] }, pemDir({ 'kmip-cert.pem': CERT_PEM }), { env: {}, ...quiet() }),
      'kmip-key.pem',
      'kmip-cert.pem',
    );
  });

  test('swapped chart PEM files name the file', () => {
    const dir = pemDir({ 'kmip-key.pem': CERT_PEM, 'kmip-cert.pem': KEY_PEM });
    const err = expectConfigError(() => settingsFromChart({ hosts: ['kms'] }, dir, { env: {}, ...quiet() }), 'kmip-key.pem', 'swapped');
    assert.ok(err.message.includes(path.join(dir, 'kmip-key.pem')));
  });

  test('unknown values and unknown kmip-*.pem files are warnings', () => {
    const c = capture();
    settingsFromChart(
      { kmip: { hosts: ['kms'], compoundcreate: true } },
      pemDir({ ...fullPems, 'kmip-client.pem': CERT_PEM }),
      { env: {}, logger: c.logger },
    );
    const keys = c.warnings.map((w) => w.fields?.['key']);
    assert.deepEqual(keys, ['kmip.compoundcreate', 'kmip-client.pem']);
    assert.match(c.warnings[1]!.msg, /kmip-client\.pem/);
  });

  test('missing PEM folder names pemDir', () => {
    const missing = path.join(os.tmpdir(), 'kmip-config-test-does-not-exist');
    expectConfigError(() => settingsFromChart({ hosts: ['kms'] }, missing, { env: {} }), 'pemDir', missing, 'ENOENT');
  });

  test('hosts: empty, empty entry, non-string entry, missing', () => {
    const dir = pemDir(fullPems);
    expectConfigError(() => settingsFromChart({ hosts: [] }, dir, { env: {} }), 'kmip.hosts', 'empty');
    expectConfigError(() => settingsFromChart({ hosts: ['kms', ''] }, dir, { env: {} }), 'kmip.hosts[1]', 'empty');
    expectConfigError(() => settingsFromChart({ hosts: [42] }, dir, { env: {} }), 'kmip.hosts[0]', 'string');
    expectConfigError(() => settingsFromChart({ hosts: { a: 1 } }, dir, { env: {} }), 'kmip.hosts', 'array');
    expectConfigError(() => settingsFromChart({ enabled: true }, dir, { env: {} }), 'kmip.hosts', 'not set');
  });

  test('chart values: booleans are strict, numbers may be quoted digits (YAML "5696"), anything else is refused', () => {
    const dir = pemDir(fullPems);
    expectConfigError(() => settingsFromChart({ hosts: ['kms'], compoundCreate: 'true' }, dir, { env: {} }), 'kmip.compoundCreate', 'boolean');
    assert.equal(settingsFromChart({ hosts: ['kms'], port: '5697' }, dir, { ...quiet(), env: {} }).transport.hosts[0]!.port, 5697);
    expectConfigError(() => settingsFromChart({ hosts: ['kms'], port: '56x' }, dir, { env: {} }), 'kmip.port', '1..65535', '"56x" (a string)');
    expectConfigError(() => settingsFromChart({ hosts: ['kms'], pipelineDepth: -2 }, dir, { env: {} }), 'kmip.pipelineDepth', '0..1024');
  });

  test('chart pipelineDepth 0 becomes 1 with a warning', () => {
    const c = capture();
    const s = settingsFromChart({ hosts: ['kms'], pipelineDepth: 0 }, pemDir(fullPems), { env: {}, logger: c.logger });
    assert.equal(s.transport.pipelineDepth, 1);
    assert.equal(c.warnings.length, 1);
    assert.equal(c.warnings[0]!.fields?.['key'], 'kmip.pipelineDepth');
  });

  test('S3KMIP_* variables override the chart values', () => {
    const s = settingsFromChart({ hosts: ['kms'], pipelineDepth: 8, port: 6000 }, pemDir(fullPems), {
      ...quiet(),
      env: { S3KMIP_PIPELINE_DEPTH: '1', S3KMIP_HOSTS: 'other' },
    });
    assert.equal(s.transport.pipelineDepth, 1);
    assert.deepEqual(s.transport.hosts, [{ host: 'other', port: 6000 }]);
  });
});
