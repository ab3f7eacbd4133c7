import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { SETTINGS_DEFAULTS, settingsFromHostConfig } from '../../../lib/backend/config';
import type { KmipSettings } from '../../../lib/backend/settings';
import { CA, CA2, CA_PEM, CERT, CERT_PEM, KEY, KEY_PEM, capture, hostConfig, quiet, tmpDir, write } from './fixtures';

// Host form: the parsed config.kmip

describe('settingsFromHostConfig', () => {
  test('single transport with Buffers maps to KmipSettings', () => {
    const c = capture();
    const s = settingsFromHostConfig(
      {
        providerName: 'thales',
        client: { compoundCreateActivate: true, bucketNameAttributeName: 'x-bucket' },
        transport: { pipelineDepth: 4, tls: { host: 'kms.example.com', port: 5697, key: KEY, cert: CERT, ca: [CA, CA2] } },
      },
      { logger: c.logger },
    );
    const expected: KmipSettings = {
      providerName: 'thales',
      compoundCreateActivate: true,
      bucketNameAttributeName: 'x-bucket',
      transport: {
        hosts: [{ host: 'kms.example.com', port: 5697 }],
        tls: { key: KEY, cert: CERT, ca: [CA, CA2] },
        pipelineDepth: 4,
      },
      healthcheckCacheMs: 5000,
    };
    assert.deepEqual(s, expected);
    assert.deepEqual(c.warnings, []);
  });

  test('defaults: providerName, compoundCreateActivate, bucketNameAttributeName, port, pipelineDepth, healthcheckCacheMs', () => {
    const s = settingsFromHostConfig({ transport: { tls: { host: 'kms', key: KEY, cert: CERT } } }, quiet());
    assert.equal(s.providerName, 'kmip');
    assert.equal(s.compoundCreateActivate, false);
    assert.equal(s.bucketNameAttributeName, '');
    assert.deepEqual(s.transport.hosts, [{ host: 'kms', port: 5696 }]);
    assert.equal(s.transport.pipelineDepth, 8);
    assert.equal(s.healthcheckCacheMs, 5000);
    assert.equal(s.transport.tls.ca, undefined);
    assert.deepEqual(SETTINGS_DEFAULTS, {
      providerName: 'kmip',
      compoundCreateActivate: false,
      bucketNameAttributeName: '',
      port: 5696,
      pipelineDepth: 8,
      healthcheckCacheMs: 5000,
    });
  });

  test('a single ca Buffer becomes a one-element array; a single string ca too', () => {
    const s = settingsFromHostConfig(hostConfig({}, { ca: CA }), quiet());
    assert.deepEqual(s.transport.tls.ca, [CA]);
    const s2 = settingsFromHostConfig(hostConfig({}, { ca: CA_PEM, key: KEY_PEM, cert: CERT_PEM }), quiet());
    assert.deepEqual(s2.transport.tls.ca, [CA]);
    assert.deepEqual(s2.transport.tls.key, KEY);
    assert.deepEqual(s2.transport.tls.cert, CERT);
  });

  test('an array of transports gives one host per entry, first is the default', () => {
    const c = capture();
    const tlsCommon = { key: KEY, cert: CERT, ca: [CA] };
    const s = settingsFromHostConfig(
      {
        transport: [
          { pipelineDepth: 2, tls: { host: 'kms-a', port: 5696, ...tlsCommon } },
          { pipelineDepth: 2, tls: { host: 'kms-b', port: 6000, ...tlsCommon } },
          { pipelineDepth: 2, tls: { host: '10.0.0.3', ...tlsCommon } },
        ],
      },
      { logger: c.logger },
    );
    assert.deepEqual(s.transport.hosts, [
      { host: 'kms-a', port: 5696 },
      { host: 'kms-b', port: 6000 },
      { host: '10.0.0.3', port: 5696 },
    ]);
    assert.equal(s.transport.pipelineDepth, 2);
    assert.deepEqual(s.transport.tls, { key: KEY, cert: CERT, ca: [CA] });
    assert.deepEqual(c.warnings, []);
  });

  test('transports with different TLS material or settings: the first wins, with a warning naming the differences', () => {
    const c = capture();
    const s = settingsFromHostConfig(
      {
        transport: [
          { tls: { host: 'kms-a', key: KEY, cert: CERT, ca: [CA] } },
          { pipelineDepth: 1, tls: { host: 'kms-b', key: KEY, cert: CERT, ca: [CA2] } },
        ],
      },
      { logger: c.logger },
    );
    assert.deepEqual(s.transport.tls.ca, [CA]);
    assert.equal(s.transport.pipelineDepth, 8);
    assert.equal(c.warnings.length, 1);
    const w = c.warnings[0]!;
    assert.match(w.msg, /kmip\.transport\[1\]/);
    assert.match(w.msg, /tls\.ca/);
    assert.match(w.msg, /pipelineDepth/);
    assert.equal(w.fields?.['key'], 'kmip.transport[1]');
  });

  test('same material read from different paths is not a difference', () => {
    const dir = tmpDir();
    const a = write(dir, 'a/ca.pem', CA_PEM);
    const b = write(dir, 'b/ca.pem', CA_PEM);
    const c = capture();
    settingsFromHostConfig(
      { transport: [{ tls: { host: 'a', key: KEY, cert: CERT, ca: a } }, { tls: { host: 'b', key: KEY, cert: CERT, ca: [b] } }] },
      { logger: c.logger },
    );
    assert.deepEqual(c.warnings, []);
  });

  test('supported extra keys: timeouts, pool, queue, versions, TLS options, reconnect, healthcheckCacheMs', () => {
    const c = capture();
    const s = settingsFromHostConfig(
      {
        healthcheckCacheMs: 0,
        transport: {
          pipelineDepth: 16,
          connectTimeoutMs: 1000,
          handshakeTimeoutMs: 2000,
          requestTimeoutMs: 3000,
          queueTimeoutMs: 4000,
          idleTimeoutMs: 0,
          poolSize: 2,
          maxQueueLength: 50,
          maxMessageBytes: 1024,
          skipQuery: true,
          logMessages: false,
          protocolVersions: ['1.4', { major: 2, minor: 0 }, '1.2'],
          reconnect: { baseDelayMs: 50, maxDelayMs: 500, jitter: 0.5 },
          tls: {
            host: 'kms',
            key: KEY,
            cert: CERT,
            servername: 'kms.internal',
            rejectUnauthorized: true,
            ciphers: 'ECDHE-RSA-AES256-GCM-SHA384',
            minVersion: 'TLSv1.2',
            maxVersion: 'TLSv1.3',
            passphrase: 'pw',
          },
        },
      },
      { logger: c.logger },
    );
    assert.deepEqual(c.warnings, []);
    assert.equal(s.healthcheckCacheMs, 0);
    const t = s.transport;
    assert.equal(t.pipelineDepth, 16);
    assert.equal(t.connectTimeoutMs, 1000);
    assert.equal(t.handshakeTimeoutMs, 2000);
    assert.equal(t.requestTimeoutMs, 3000);
    assert.equal(t.queueTimeoutMs, 4000);
    assert.equal(t.idleTimeoutMs, 0);
    assert.equal(t.poolSize, 2);
    assert.equal(t.maxQueueLength, 50);
    assert.equal(t.maxMessageBytes, 1024);
    assert.equal(t.skipQuery, true);
    assert.equal(t.logMessages, false);
    assert.deepEqual(t.protocolVersions, [
      { major: 1, minor: 4 },
      { major: 2, minor: 0 },
      { major: 1, minor: 2 },
    ]);
    assert.deepEqual(t.reconnect, { baseDelayMs: 50, maxDelayMs: 500, jitter: 0.5 });
    assert.deepEqual(t.tls, {
      key: KEY,
      cert: CERT,
      servername: 'kms.internal',
      rejectUnauthorized: true,
      ciphers: 'ECDHE-RSA-AES256-GCM-SHA384',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      passphrase: 'pw',
    });
  });

  test('unset transport options are left to the transport defaults', () => {
    const s = settingsFromHostConfig(hostConfig(), quiet());
    assert.deepEqual(Object.keys(s.transport).sort(), ['hosts', 'pipelineDepth', 'tls']);
  });

  test('string PEM values that are not PEM text are file paths, relative to baseDir', () => {
    const dir = tmpDir();
    write(dir, 'pki/key.pem', KEY_PEM);
    write(dir, 'pki/cert.pem', CERT_PEM);
    write(dir, 'pki/ca.pem', CA_PEM);
    const s = settingsFromHostConfig(hostConfig({}, { key: 'pki/key.pem', cert: 'pki/cert.pem', ca: 'pki/ca.pem' }), {
      ...quiet(),
      baseDir: dir,
    });
    assert.deepEqual(s.transport.tls.key, KEY);
    assert.deepEqual(s.transport.tls.cert, CERT);
    assert.deepEqual(s.transport.tls.ca, [CA]);
  });

  test('unknown keys are warnings naming the key, not errors', () => {
    const c = capture();
    const s = settingsFromHostConfig(
      {
        providerName: 'kmip',
        foo: 1,
        client: { compoundCreateActivate: false, isClusterInstance: true },
        transport: { pipelinedepth: 3, tls: { host: 'kms', key: KEY, cert: CERT, pfx: 'x' } },
      },
      { logger: c.logger },
    );
    assert.equal(s.transport.pipelineDepth, 8);
    const keys = c.warnings.map((w) => w.fields?.['key']);
    assert.deepEqual(keys, ['kmip.foo', 'kmip.client.isClusterInstance', 'kmip.transport.pipelinedepth', 'kmip.transport.tls.pfx']);
    for (const w of c.warnings) assert.ok(w.msg.includes(String(w.fields?.['key'])), w.msg);
  });

  test('undefined and null values (the host fills absent settings that way) count as absent, without warnings', () => {
    const c = capture();
    const s = settingsFromHostConfig(
      {
        providerName: undefined,
        client: { compoundCreateActivate: undefined, bucketNameAttributeName: null },
        transport: { pipelineDepth: undefined, tls: { host: 'kms', port: undefined, key: KEY, cert: CERT, ca: undefined } },
        someFutureKey: undefined,
      },
      { logger: c.logger },
    );
    assert.deepEqual(c.warnings, []);
    assert.equal(s.providerName, 'kmip');
    assert.deepEqual(s.transport.hosts, [{ host: 'kms', port: 5696 }]);
  });

  test('no client key and certificate at all is allowed, with a warning', () => {
    const c = capture();
    const s = settingsFromHostConfig({ transport: { tls: { host: 'kms' } } }, { logger: c.logger });
    assert.deepEqual(s.transport.tls, {});
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!.msg, /client authentication/);
  });

  test('IPv6 hosts, bracketed or not', () => {
    const s = settingsFromHostConfig(
      { transport: [{ tls: { host: '::1', key: KEY, cert: CERT } }, { tls: { host: '[fe80::1]', port: 7000, key: KEY, cert: CERT } }] },
      quiet(),
    );
    assert.deepEqual(s.transport.hosts, [
      { host: '::1', port: 5696 },
      { host: 'fe80::1', port: 7000 },
    ]);
  });

  test('bucketNameAttributeName without the x- prefix is a warning', () => {
    const c = capture();
    const s = settingsFromHostConfig(hostConfig({ client: { bucketNameAttributeName: 'BucketName' } }), { logger: c.logger });
    assert.equal(s.bucketNameAttributeName, 'BucketName');
    assert.equal(c.warnings.length, 1);
    assert.equal(c.warnings[0]!.fields?.['key'], 'kmip.client.bucketNameAttributeName');
    assert.match(c.warnings[0]!.msg, /x-/);
  });
});
