import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';

import { settingsFromHostConfig } from '../../../lib/backend/config';
import { makeTestPki, type TestPki } from '../../support/certs';
import { CA, CERT, KEY, KEY_PEM, SECRET, capture, expectConfigError, hostConfig, quiet, tmpDir, write } from './fixtures';

// Validation (host form names; the same checks serve every form)

describe('validation', () => {
  const T = 'kmip.transport.tls';

  test('key without cert and cert without key', () => {
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { cert: undefined }), quiet()), `${T}.cert`, `${T}.key`, 'together');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { key: undefined }), quiet()), `${T}.key`, `${T}.cert`, 'together');
  });

  test('not PEM (no -----BEGIN), with a DER hint', () => {
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { cert: Buffer.from('hello') }), quiet()), `${T}.cert`, 'not PEM', '-----BEGIN');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { cert: Buffer.from([0x30, 0x82, 0x01]) }), quiet()), `${T}.cert`, 'DER');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { ca: [CA, Buffer.alloc(0)] }), quiet()), `${T}.ca[1]`, 'not PEM');
    const dir = tmpDir();
    const p = write(dir, 'key.txt', 'just text\n');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { key: p }), quiet()), `${T}.key`, p, 'not PEM');
  });

  test('a key file holding a certificate, a cert file holding a key, a CA file holding a key', () => {
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { key: CERT, cert: KEY }), quiet()), `${T}.key`, 'certificate', 'swapped');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { cert: KEY }), quiet()), `${T}.cert`, 'private key', 'swapped');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { ca: [KEY] }), quiet()), `${T}.ca[0]`, 'private key');
    const csr = Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { cert: csr }), quiet()), `${T}.cert`, 'CERTIFICATE REQUEST');
    const pub = Buffer.from('-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { key: pub }), quiet()), `${T}.key`, 'no private key');
  });

  test('a cert file that also holds the key works, with a warning; a combined key file is fine', () => {
    const c = capture();
    const both = Buffer.concat([CERT, KEY]);
    const s = settingsFromHostConfig(hostConfig({}, { key: both, cert: both }), { logger: c.logger });
    assert.deepEqual(s.transport.tls.cert, both);
    assert.equal(c.warnings.length, 1);
    assert.equal(c.warnings[0]!.fields?.['key'], `${T}.cert`);
  });

  test('port must be an integer in 1..65535, a number or a string of decimal digits (as the host passes S3KMIP_PORT)', () => {
    for (const port of [0, 65536, -1, 1.5, true, NaN, '8x', ' 8', '1e3', '-1', '', '65536', '0x10']) {
      const e = expectConfigError(() => settingsFromHostConfig(hostConfig({}, { port: port }), quiet()), `${T}.port`, '1..65535');
      if (typeof port === 'string' && port !== '') assert.ok(e.message.includes(`${JSON.stringify(port)} (a string)`), e.message);
    }
    assert.equal(settingsFromHostConfig(hostConfig({}, { port: '5696' }), quiet()).transport.hosts[0]!.port, 5696);
    const tls = { key: KEY, cert: CERT };
    expectConfigError(
      () => settingsFromHostConfig({ transport: [{ tls: { host: 'a', ...tls } }, { tls: { host: 'b', port: 0, ...tls } }] }, quiet()),
      'kmip.transport[1].tls.port',
    );
    for (const port of [1, 65535]) assert.equal(settingsFromHostConfig(hostConfig({}, { port }), quiet()).transport.hosts[0]!.port, port);
  });

  test('hosts: missing, empty, not a string, with a port or scheme, empty transport array', () => {
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { host: undefined }), quiet()), `${T}.host`, 'not set');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { host: '' }), quiet()), `${T}.host`, 'not set');
    expectConfigError(() => settingsFromHostConfig({ providerName: 'kmip' }, quiet()), `${T}.host`, 'not set');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { host: 42 }), quiet()), `${T}.host`, 'string');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { host: ['a', 'b'] }), quiet()), `${T}.host`, 'string');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { host: 'kms:56x' }), quiet()), `${T}.host`, '1..65535');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { host: 'a:b:c' }), quiet()), `${T}.host`, 'malformed');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { host: 'https://kms' }), quiet()), `${T}.host`, 'scheme');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { host: 'kms a' }), quiet()), `${T}.host`, 'spaces');
    expectConfigError(() => settingsFromHostConfig(hostConfig({ transport: [] }), quiet()), 'kmip.transport', 'empty');
    expectConfigError(
      () => settingsFromHostConfig(hostConfig({ transport: [{ tls: { host: 'a', key: KEY, cert: CERT } }, { tls: { key: KEY, cert: CERT } }] }), quiet()),
      'kmip.transport[1].tls.host',
      'not set',
    );
  });

  test('pipelineDepth negative or not an integer; 0 becomes 1 with a warning', () => {
    for (const pipelineDepth of [-1, 2.5, '8x', '-1', false, 1025]) {
      expectConfigError(
        () => settingsFromHostConfig(hostConfig({ transport: { pipelineDepth, tls: { host: 'kms', key: KEY, cert: CERT } } }), quiet()),
        'kmip.transport.pipelineDepth',
        '0..1024',
      );
    }
    const c = capture();
    const s = settingsFromHostConfig(hostConfig({ transport: { pipelineDepth: 0, tls: { host: 'kms', key: KEY, cert: CERT } } }), { logger: c.logger });
    assert.equal(s.transport.pipelineDepth, 1);
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!.msg, /kmip\.transport\.pipelineDepth 0 is invalid; using 1/);
  });

  test('compoundCreateActivate must be a boolean (strings only from the environment)', () => {
    for (const v of ['true', 'false', 1, 0]) {
      expectConfigError(
        () => settingsFromHostConfig(hostConfig({ client: { compoundCreateActivate: v } }), quiet()),
        'kmip.client.compoundCreateActivate',
        'boolean',
      );
    }
  });

  test('providerName: letters, digits and dashes only', () => {
    for (const providerName of ['a:b', 'a/b', 'has space', '', 42, 'ünï']) {
      expectConfigError(() => settingsFromHostConfig(hostConfig({ providerName }), quiet()), 'kmip.providerName', 'ARN');
    }
    for (const providerName of ['thales', 'Thales-CipherTrust-2', '0']) {
      assert.equal(settingsFromHostConfig(hostConfig({ providerName }), quiet()).providerName, providerName);
    }
  });

  test('bucketNameAttributeName must be a string', () => {
    expectConfigError(() => settingsFromHostConfig(hostConfig({ client: { bucketNameAttributeName: true } }), quiet()), 'kmip.client.bucketNameAttributeName', 'string');
  });

  test('sections of the wrong type', () => {
    expectConfigError(() => settingsFromHostConfig('kmip', quiet()), 'kmip', 'object');
    expectConfigError(() => settingsFromHostConfig(hostConfig({ client: 'x' }), quiet()), 'kmip.client', 'object');
    expectConfigError(() => settingsFromHostConfig(hostConfig({ transport: 'x' }), quiet()), 'kmip.transport', 'object');
    expectConfigError(() => settingsFromHostConfig(hostConfig({ transport: { tls: [] } }), quiet()), 'kmip.transport.tls', 'object');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { key: 42 }), quiet()), `${T}.key`, 'file path');
  });

  test('timeouts, pool, queue, healthcheckCacheMs, reconnect bounds', () => {
    const tr = (extra: Record<string, unknown>): Record<string, unknown> => hostConfig({ transport: { ...extra, tls: { host: 'kms', key: KEY, cert: CERT } } });
    expectConfigError(() => settingsFromHostConfig(tr({ requestTimeoutMs: 2 ** 31 }), quiet()), 'kmip.transport.requestTimeoutMs', '2147483647');
    expectConfigError(() => settingsFromHostConfig(tr({ connectTimeoutMs: 0 }), quiet()), 'kmip.transport.connectTimeoutMs');
    expectConfigError(() => settingsFromHostConfig(tr({ queueTimeoutMs: '10ms' }), quiet()), 'kmip.transport.queueTimeoutMs');
    assert.equal(settingsFromHostConfig(tr({ queueTimeoutMs: '10' }), quiet()).transport.queueTimeoutMs, 10);
    expectConfigError(() => settingsFromHostConfig(tr({ idleTimeoutMs: -1 }), quiet()), 'kmip.transport.idleTimeoutMs');
    expectConfigError(() => settingsFromHostConfig(tr({ poolSize: 0 }), quiet()), 'kmip.transport.poolSize');
    expectConfigError(() => settingsFromHostConfig(tr({ maxQueueLength: 1.5 }), quiet()), 'kmip.transport.maxQueueLength');
    expectConfigError(() => settingsFromHostConfig(tr({ skipQuery: 'yes' }), quiet()), 'kmip.transport.skipQuery', 'boolean');
    expectConfigError(() => settingsFromHostConfig(tr({ reconnect: { jitter: 2 } }), quiet()), 'kmip.transport.reconnect.jitter', '0..1');
    expectConfigError(() => settingsFromHostConfig(tr({ reconnect: 5 }), quiet()), 'kmip.transport.reconnect', 'object');
    expectConfigError(() => settingsFromHostConfig(hostConfig({ healthcheckCacheMs: -5 }), quiet()), 'kmip.healthcheckCacheMs');
  });

  test('protocolVersions: format, minimum 1.2, non-empty', () => {
    const tr = (protocolVersions: unknown): Record<string, unknown> =>
      hostConfig({ transport: { protocolVersions, tls: { host: 'kms', key: KEY, cert: CERT } } });
    expectConfigError(() => settingsFromHostConfig(tr(['1.4', '1.1']), quiet()), 'kmip.transport.protocolVersions[1]', '1.2 or later');
    expectConfigError(() => settingsFromHostConfig(tr([{ major: 1, minor: 0 }]), quiet()), 'kmip.transport.protocolVersions[0]', '1.2 or later');
    expectConfigError(() => settingsFromHostConfig(tr(['v2']), quiet()), 'kmip.transport.protocolVersions[0]', 'version like');
    expectConfigError(() => settingsFromHostConfig(tr([{ major: '2', minor: 0 }]), quiet()), 'kmip.transport.protocolVersions[0]');
    expectConfigError(() => settingsFromHostConfig(tr([]), quiet()), 'kmip.transport.protocolVersions', 'non-empty');
    expectConfigError(() => settingsFromHostConfig(tr('2.0'), quiet()), 'kmip.transport.protocolVersions', 'array');
  });

  test('TLS options: servername, rejectUnauthorized, ciphers, min/max version, passphrase', () => {
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { servername: '' }), quiet()), `${T}.servername`, 'non-empty');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { rejectUnauthorized: 'false' }), quiet()), `${T}.rejectUnauthorized`, 'boolean');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { ciphers: 7 }), quiet()), `${T}.ciphers`);
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { minVersion: 'TLSv1.1' }), quiet()), `${T}.minVersion`, 'TLSv1.2');
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' }), quiet()), `${T}.maxVersion`);
    const err = expectConfigError(() => settingsFromHostConfig(hostConfig({}, { passphrase: 12345678 }), quiet()), `${T}.passphrase`);
    assert.ok(!err.message.includes('12345678'));
    const s = settingsFromHostConfig(hostConfig({}, { rejectUnauthorized: false }), quiet());
    assert.equal(s.transport.tls.rejectUnauthorized, false);
  });

  test('error messages never carry PEM contents', () => {
    // PEM text given where a number is expected is described, not printed.
    const err = expectConfigError(() => settingsFromHostConfig(hostConfig({}, { port: KEY_PEM }), quiet()), `${T}.port`);
    assert.match(err.message, /PEM text/);
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { host: KEY }), quiet()), `${T}.host`, 'Buffer');
  });

  describe('with a real PKI', () => {
    let pki: TestPki;
    before(async () => {
      pki = await makeTestPki(tmpDir());
    });

    test('a matching key and certificate pass', () => {
      const c = capture();
      const s = settingsFromHostConfig(
        hostConfig({}, { key: Buffer.from(pki.clientKey), cert: Buffer.from(pki.clientCert), ca: [Buffer.from(pki.ca)] }),
        { logger: c.logger },
      );
      assert.deepEqual(s.transport.tls.cert, Buffer.from(pki.clientCert));
      assert.deepEqual(c.warnings, []);
    });

    test('a key that is not the certificate\'s is refused, naming both settings', () => {
      expectConfigError(
        () => settingsFromHostConfig(hostConfig({}, { key: pki.clientKeyPath, cert: pki.serverCertPath, ca: pki.caPath }), quiet()),
        `${T}.key`,
        `${T}.cert`,
        'does not match',
        pki.clientKeyPath,
      );
      assert.ok(!fs.readFileSync(pki.clientKeyPath, 'utf8').includes(SECRET));
    });

    test('real key contents never appear in messages', () => {
      const keyBody = pki.clientKey.split('\n')[1]!;
      let msg = '';
      try {
        settingsFromHostConfig(hostConfig({}, { key: Buffer.from(pki.clientKey), cert: Buffer.from(pki.clientKey) }), quiet());
      } catch (err) {
        msg = (err as Error).message;
      }
      assert.match(msg, /private key/);
      assert.ok(!msg.includes(keyBody));
    });
  });
});
