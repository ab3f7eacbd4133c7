import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { settingsFromConfigFile } from '../../../lib/backend/config';
import { CA, CA2, CA2_PEM, CA_PEM, CERT, CERT_PEM, KEY, KEY_PEM, capture, expectConfigError, quiet, tmpDir, write } from './fixtures';

// config.json

describe('settingsFromConfigFile', () => {
  function writeConfig(dir: string, kmip: unknown, name = 'conf/config.json'): string {
    return write(dir, name, JSON.stringify({ port: 8000, listenOn: [], kmip }, null, 2));
  }

  test('relative key/cert/ca paths resolve against the config file folder', () => {
    const dir = tmpDir();
    write(dir, 'conf/pki/key.pem', KEY_PEM);
    write(dir, 'conf/pki/cert.pem', CERT_PEM);
    write(dir, 'shared/ca.pem', CA_PEM);
    const file = writeConfig(dir, {
      providerName: 'thales',
      client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
      transport: {
        pipelineDepth: 8,
        tls: { host: 'kms.example.com', port: 5696, key: 'pki/key.pem', cert: './pki/cert.pem', ca: '../shared/ca.pem' },
      },
    });
    const c = capture();
    const cwd = process.cwd();
    process.chdir(os.tmpdir()); // the current directory must not matter
    try {
      const s = settingsFromConfigFile(file, { env: {}, logger: c.logger });
      assert.deepEqual(s, {
        providerName: 'thales',
        compoundCreateActivate: false,
        bucketNameAttributeName: '',
        transport: { hosts: [{ host: 'kms.example.com', port: 5696 }], tls: { key: KEY, cert: CERT, ca: [CA] }, pipelineDepth: 8 },
        healthcheckCacheMs: 5000,
      });
    } finally {
      process.chdir(cwd);
    }
    assert.deepEqual(c.warnings, []);
  });

  test('ca as an array of paths (relative and absolute), transport as an array', () => {
    const dir = tmpDir();
    write(dir, 'conf/key.pem', KEY_PEM);
    write(dir, 'conf/cert.pem', CERT_PEM);
    write(dir, 'conf/ca1.pem', CA_PEM);
    const ca2 = write(dir, 'elsewhere/ca2.pem', CA2_PEM);
    const tls = { key: 'key.pem', cert: 'cert.pem', ca: ['ca1.pem', ca2] };
    const file = writeConfig(dir, { transport: [{ tls: { host: 'a', ...tls } }, { tls: { host: 'b', port: 15696, ...tls } }] });
    const s = settingsFromConfigFile(file, { env: {}, ...quiet() });
    assert.deepEqual(s.transport.tls.ca, [CA, CA2]);
    assert.deepEqual(s.transport.hosts, [
      { host: 'a', port: 5696 },
      { host: 'b', port: 15696 },
    ]);
  });

  test('where the file sets a value it wins over the S3KMIP_* variables, which are only defaults (as in the host)', () => {
    const dir = tmpDir();
    write(dir, 'conf/key.pem', KEY_PEM);
    write(dir, 'conf/cert.pem', CERT_PEM);
    write(dir, 'conf/ca.pem', CA_PEM);
    const envKey = write(dir, 'env/key.pem', `${KEY_PEM}\n`); // other bytes than the file's
    const envCert = write(dir, 'env/cert.pem', `${CERT_PEM}\n`);
    const envCa1 = write(dir, 'env/ca1.pem', CA2_PEM);
    const envCa2 = write(dir, 'env/ca2.pem', CA_PEM);
    const file = writeConfig(dir, {
      providerName: 'thales',
      client: { compoundCreateActivate: false, bucketNameAttributeName: 'x-file' },
      transport: { pipelineDepth: 8, tls: { host: 'file-host', port: 5696, key: 'key.pem', cert: 'cert.pem', ca: ['ca.pem'] } },
    });
    const c = capture();
    const s = settingsFromConfigFile(file, {
      logger: c.logger,
      env: {
        S3KMIP_PROVIDER_NAME: 'gemalto',
        S3KMIP_COMPOUND_CREATE: 'true',
        S3KMIP_BUCKET_ATTRIBUTE_NAME: 'x-env',
        S3KMIP_PIPELINE_DEPTH: '1',
        S3KMIP_PORT: '7000',
        S3KMIP_HOSTS: 'env-a:7001, env-b',
        S3KMIP_KEY: envKey,
        S3KMIP_CERT: envCert,
        S3KMIP_CA: `${envCa1},${envCa2}`,
        PATH: '/usr/bin',
      },
    });
    assert.equal(s.providerName, 'thales');
    assert.equal(s.compoundCreateActivate, true); // false in the file does not count: the host keeps the variable's true
    assert.equal(s.bucketNameAttributeName, 'x-file');
    assert.equal(s.transport.pipelineDepth, 8);
    assert.deepEqual(s.transport.hosts, [{ host: 'file-host', port: 5696 }]);
    assert.deepEqual(s.transport.tls.key, KEY);
    assert.deepEqual(s.transport.tls.cert, CERT);
    assert.deepEqual(s.transport.tls.ca, [CA]);
    const named = c.warnings.map((w) => w.fields?.['key']);
    for (const v of ['S3KMIP_PROVIDER_NAME', 'S3KMIP_BUCKET_ATTRIBUTE_NAME', 'S3KMIP_PIPELINE_DEPTH', 'S3KMIP_PORT', 'S3KMIP_HOSTS', 'S3KMIP_KEY', 'S3KMIP_CERT', 'S3KMIP_CA']) {
      assert.ok(named.includes(v), `no warning for ${v}:\n${c.text()}`);
    }
    assert.ok(named.includes('kmip.client.compoundCreateActivate'), c.text());
  });

  test('S3KMIP_PORT only reaches entries without a port; S3KMIP_HOSTS only entries without a host', () => {
    const dir = tmpDir();
    const file = writeConfig(dir, {
      transport: [
        { tls: { host: 'a', port: 6001, key: KEY_PEM, cert: CERT_PEM } },
        { tls: { host: 'b', key: KEY_PEM, cert: CERT_PEM } },
      ],
    });
    const s1 = settingsFromConfigFile(file, { ...quiet(), env: { S3KMIP_PORT: '7000' } });
    assert.deepEqual(s1.transport.hosts, [
      { host: 'a', port: 6001 },
      { host: 'b', port: 7000 },
    ]);
    const file2 = writeConfig(dir, {
      transport: [
        { tls: { port: 6001, key: KEY_PEM, cert: CERT_PEM } },
        { tls: { host: 'b', port: 6002, key: KEY_PEM, cert: CERT_PEM } },
      ],
    });
    const s2 = settingsFromConfigFile(file2, { ...quiet(), env: { S3KMIP_HOSTS: 'x,y:9' } });
    assert.deepEqual(s2.transport.hosts, [
      { host: 'x', port: 6001 },
      { host: 'y', port: 9 },
      { host: 'b', port: 6002 },
    ]);
  });

  test('relative S3KMIP_* paths resolve against the config folder; empty variables count as unset', () => {
    const dir = tmpDir();
    write(dir, 'conf/key.pem', KEY_PEM);
    write(dir, 'conf/cert.pem', CERT_PEM);
    const file = writeConfig(dir, { transport: { tls: { host: 'kms' } } });
    const s = settingsFromConfigFile(file, {
      ...quiet(),
      env: { S3KMIP_KEY: 'key.pem', S3KMIP_CERT: 'cert.pem', S3KMIP_HOSTS: '', S3KMIP_PORT: '  ' },
    });
    assert.deepEqual(s.transport.tls.key, KEY);
    assert.deepEqual(s.transport.hosts, [{ host: 'kms', port: 5696 }]);
  });

  test('a config file without a kmip section can be completed by the environment', () => {
    const dir = tmpDir();
    const file = write(dir, 'config.json', JSON.stringify({ port: 8000 }));
    const s = settingsFromConfigFile(file, { ...quiet(), env: { S3KMIP_HOSTS: 'kms' } });
    assert.deepEqual(s.transport.hosts, [{ host: 'kms', port: 5696 }]);
    expectConfigError(() => settingsFromConfigFile(file, { ...quiet(), env: {} }), 'kmip.transport.tls.host', 'not set');
  });

  test('other sections of config.json are not warned about', () => {
    const dir = tmpDir();
    const file = writeConfig(dir, { providerName: 'thales', transport: { tls: { host: 'kms', key: KEY_PEM, cert: CERT_PEM } } });
    const c = capture();
    settingsFromConfigFile(file, { env: {}, logger: c.logger });
    assert.deepEqual(c.warnings, []);
  });

  test('a kmip section without providerName is warned about: cloudserver refuses to start with one', () => {
    const dir = tmpDir();
    const file = writeConfig(dir, { transport: { tls: { host: 'kms', key: KEY_PEM, cert: CERT_PEM } } });
    const c = capture();
    const s = settingsFromConfigFile(file, { env: {}, logger: c.logger });
    assert.equal(s.providerName, 'kmip');
    assert.equal(c.warnings.length, 1, c.text());
    assert.equal(c.warnings[0]!.fields?.['key'], 'kmip.providerName');
    assert.match(c.warnings[0]!.msg, /cloudserver refuses to start/);
  });

  test('unreadable config file and invalid JSON name configFile', () => {
    const dir = tmpDir();
    const missing = path.join(dir, 'nope.json');
    expectConfigError(() => settingsFromConfigFile(missing, { env: {} }), 'configFile', missing, 'ENOENT');
    const bad = write(dir, 'bad.json', '{ "kmip": ');
    expectConfigError(() => settingsFromConfigFile(bad, { env: {} }), 'configFile', 'not valid JSON');
    const arr = write(dir, 'arr.json', '[]');
    expectConfigError(() => settingsFromConfigFile(arr, { env: {} }), 'configFile', 'must be an object');
  });

  test('a missing PEM file names the setting, the resolved path and the OS error', () => {
    const dir = tmpDir();
    write(dir, 'conf/cert.pem', CERT_PEM);
    const file = writeConfig(dir, { transport: { tls: { host: 'kms', key: 'missing-key.pem', cert: 'cert.pem' } } });
    expectConfigError(
      () => settingsFromConfigFile(file, { env: {} }),
      'kmip.transport.tls.key',
      path.join(dir, 'conf', 'missing-key.pem'),
      'ENOENT',
    );
    const file2 = writeConfig(dir, { transport: { tls: { host: 'kms', key: KEY_PEM, cert: CERT_PEM, ca: ['cert.pem', 'nope.pem'] } } });
    expectConfigError(() => settingsFromConfigFile(file2, { env: {} }), 'kmip.transport.tls.ca[1]', 'nope.pem', 'ENOENT');
  });

  test('a PEM path that is a directory is an unreadable file', () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'conf', 'adir'), { recursive: true });
    const file = writeConfig(dir, { transport: { tls: { host: 'kms', key: KEY_PEM, cert: CERT_PEM, ca: 'adir' } } });
    expectConfigError(() => settingsFromConfigFile(file, { env: {} }), 'kmip.transport.tls.ca', 'EISDIR');
  });
});
