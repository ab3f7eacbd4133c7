import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';

import { BASE_ENV_VARIABLES, ENV_VARIABLES, OWN_ENV_VARIABLES, settingsFromEnv } from '../../../lib/backend/config';
import { CA, CA2, CA2_PEM, CA_PEM, CERT, CERT_PEM, KEY, KEY_PEM, capture, expectConfigError, quiet, tmpDir, write } from './fixtures';

// Environment only

describe('settingsFromEnv', () => {
  let dir: string;
  let keyPath: string;
  let certPath: string;
  let caPath: string;
  let ca2Path: string;
  before(() => {
    dir = tmpDir();
    keyPath = write(dir, 'key.pem', KEY_PEM);
    certPath = write(dir, 'cert.pem', CERT_PEM);
    caPath = write(dir, 'ca.pem', CA_PEM);
    ca2Path = write(dir, 'ca2.pem', CA2_PEM);
  });

  test('every variable', () => {
    const c = capture();
    const s = settingsFromEnv(
      {
        S3KMIP_PROVIDER_NAME: 'thales',
        S3KMIP_COMPOUND_CREATE: 'true',
        S3KMIP_BUCKET_ATTRIBUTE_NAME: 'x-Bucket',
        S3KMIP_PIPELINE_DEPTH: '3',
        S3KMIP_PORT: '5697',
        S3KMIP_HOSTS: 'kms-a,kms-b:6000',
        S3KMIP_KEY: keyPath,
        S3KMIP_CERT: certPath,
        S3KMIP_CA: `${caPath}, ${ca2Path}`,
        HOME: '/root',
      },
      { logger: c.logger },
    );
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(s, {
      providerName: 'thales',
      compoundCreateActivate: true,
      bucketNameAttributeName: 'x-Bucket',
      transport: {
        hosts: [
          { host: 'kms-a', port: 5697 },
          { host: 'kms-b', port: 6000 },
        ],
        tls: { key: KEY, cert: CERT, ca: [CA, CA2] },
        pipelineDepth: 3,
      },
      healthcheckCacheMs: 5000,
    });
    assert.equal(BASE_ENV_VARIABLES.length, 10);
    assert.equal(ENV_VARIABLES.length, BASE_ENV_VARIABLES.length + OWN_ENV_VARIABLES.length);
  });

  test('defaults when only S3KMIP_HOSTS is set; S3KMIP_COMPOUND_CREATE false/TRUE', () => {
    const s = settingsFromEnv({ S3KMIP_HOSTS: 'kms' }, quiet());
    assert.equal(s.providerName, 'kmip');
    assert.equal(s.compoundCreateActivate, false);
    assert.equal(s.bucketNameAttributeName, '');
    assert.equal(s.transport.pipelineDepth, 8);
    assert.deepEqual(s.transport.hosts, [{ host: 'kms', port: 5696 }]);
    assert.equal(settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_COMPOUND_CREATE: 'false' }, quiet()).compoundCreateActivate, false);
    assert.equal(settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_COMPOUND_CREATE: 'TRUE' }, quiet()).compoundCreateActivate, true);
  });

  test('IPv6 entries in S3KMIP_HOSTS', () => {
    const s = settingsFromEnv({ S3KMIP_HOSTS: '[::1]:5697,::1,[fe80::2]', S3KMIP_PORT: '6000' }, quiet());
    assert.deepEqual(s.transport.hosts, [
      { host: '::1', port: 5697 },
      { host: '::1', port: 6000 },
      { host: 'fe80::2', port: 6000 },
    ]);
  });

  test('relative paths resolve against baseDir', () => {
    const s = settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_KEY: 'key.pem', S3KMIP_CERT: 'cert.pem' }, { ...quiet(), baseDir: dir });
    assert.deepEqual(s.transport.tls.key, KEY);
  });

  test('unknown S3KMIP_* variables are warnings naming them', () => {
    const c = capture();
    settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_HOTS: 'typo', S3KMIP_KEY: keyPath, S3KMIP_CERT: certPath }, { logger: c.logger });
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!.msg, /S3KMIP_HOTS\b/);
    assert.equal(c.warnings[0]!.fields?.['key'], 'S3KMIP_HOTS');
  });

  test('no S3KMIP_HOSTS: KMIP is not configured', () => {
    expectConfigError(() => settingsFromEnv({}, quiet()), 'S3KMIP_HOSTS', 'not set');
    expectConfigError(() => settingsFromEnv({ S3KMIP_HOSTS: ' , ' }, quiet()), 'S3KMIP_HOSTS', 'no host');
  });

  test('key without cert and cert without key', () => {
    expectConfigError(() => settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_KEY: keyPath }, quiet()), 'S3KMIP_CERT', 'S3KMIP_KEY');
    expectConfigError(() => settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_CERT: certPath }, quiet()), 'S3KMIP_KEY', 'S3KMIP_CERT');
  });

  test('bad numbers and booleans', () => {
    const base = { S3KMIP_HOSTS: 'kms' };
    for (const p of ['abc', '0', '65536', '-1', '5696.5', '0x10']) {
      expectConfigError(() => settingsFromEnv({ ...base, S3KMIP_PORT: p }, quiet()), 'S3KMIP_PORT', '1..65535');
    }
    expectConfigError(() => settingsFromEnv({ S3KMIP_HOSTS: 'kms:99999' }, quiet()), 'S3KMIP_HOSTS', '1..65535');
    expectConfigError(() => settingsFromEnv({ S3KMIP_HOSTS: 'kms:' }, quiet()), 'S3KMIP_HOSTS', '1..65535');
    for (const d of ['-1', 'eight', '1.5']) {
      expectConfigError(() => settingsFromEnv({ ...base, S3KMIP_PIPELINE_DEPTH: d }, quiet()), 'S3KMIP_PIPELINE_DEPTH', '0..1024', '(a string)');
    }
    for (const b of ['yes', '1', 'on']) {
      expectConfigError(() => settingsFromEnv({ ...base, S3KMIP_COMPOUND_CREATE: b }, quiet()), 'S3KMIP_COMPOUND_CREATE', '"true" or "false"');
    }
    expectConfigError(() => settingsFromEnv({ ...base, S3KMIP_PROVIDER_NAME: 'a:b' }, quiet()), 'S3KMIP_PROVIDER_NAME', 'ARN');
    expectConfigError(() => settingsFromEnv({ S3KMIP_HOSTS: '[::1' }, quiet()), 'S3KMIP_HOSTS', 'malformed');
  });

  test('S3KMIP_PIPELINE_DEPTH=0 becomes 1 with a warning', () => {
    const c = capture();
    const s = settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_PIPELINE_DEPTH: '0', S3KMIP_KEY: keyPath, S3KMIP_CERT: certPath }, { logger: c.logger });
    assert.equal(s.transport.pipelineDepth, 1);
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!.msg, /S3KMIP_PIPELINE_DEPTH/);
    assert.match(c.warnings[0]!.msg, /using 1/);
  });

  test('an unreadable S3KMIP_CA file names the variable, the path and the OS error', () => {
    const missing = path.join(dir, 'missing-ca.pem');
    expectConfigError(() => settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_CA: `${caPath},${missing}` }, quiet()), 'S3KMIP_CA', missing, 'ENOENT');
  });
});
