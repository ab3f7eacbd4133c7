import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';

import { loadSettings } from '../../../lib/backend/config';
import { CERT_PEM, KEY_PEM, expectConfigError, quiet, tmpDir, write } from './fixtures';

// loadSettings: picking the form, precedence

describe('loadSettings', () => {
  test('configFile, with the environment as its defaults (as in the host)', () => {
    const dir = tmpDir();
    write(dir, 'key.pem', KEY_PEM);
    write(dir, 'cert.pem', CERT_PEM);
    const file = write(
      dir,
      'config.json',
      JSON.stringify({ kmip: { client: { compoundCreateActivate: false }, transport: { pipelineDepth: 4, tls: { host: 'kms', port: 6000, key: 'key.pem', cert: 'cert.pem' } } } }),
    );
    const s = loadSettings({ configFile: file, env: { S3KMIP_COMPOUND_CREATE: 'true', S3KMIP_PORT: '7000' } }, quiet());
    assert.equal(s.compoundCreateActivate, true); // env: false in the file does not count (the host's rule)
    assert.deepEqual(s.transport.hosts, [{ host: 'kms', port: 6000 }]); // the file wins
    assert.equal(s.transport.pipelineDepth, 4); // file over default
    assert.equal(s.providerName, 'kmip'); // default
  });

  test('chartValues as a JSON file path or an object, with pemDir', () => {
    const dir = tmpDir();
    const pems = path.join(dir, 'pems');
    write(pems, 'kmip-key.pem', KEY_PEM);
    write(pems, 'kmip-cert.pem', CERT_PEM);
    const valuesFile = write(dir, 'values.json', JSON.stringify({ kmip: { enabled: true, hosts: ['kms'], pipelineDepth: 5 } }));
    const s = loadSettings({ chartValues: valuesFile, pemDir: pems, env: {} }, quiet());
    assert.equal(s.transport.pipelineDepth, 5);
    const s2 = loadSettings({ chartValues: { hosts: ['kms'] }, pemDir: pems, env: { S3KMIP_PIPELINE_DEPTH: '2' } }, quiet());
    assert.equal(s2.transport.pipelineDepth, 2);
  });

  test('neither: the environment alone', () => {
    const s = loadSettings({ env: { S3KMIP_HOSTS: 'kms:1234' } }, quiet());
    assert.deepEqual(s.transport.hosts, [{ host: 'kms', port: 1234 }]);
    expectConfigError(() => loadSettings({ env: {} }, quiet()), 'S3KMIP_HOSTS');
  });

  test('both sources; chart values as an object need pemDir', () => {
    expectConfigError(() => loadSettings({ configFile: 'a.json', chartValues: {}, env: {} }), 'configFile', 'chartValues');
    expectConfigError(() => loadSettings({ chartValues: { hosts: ['kms'] }, env: {} }), 'pemDir', 'required');
  });
});
