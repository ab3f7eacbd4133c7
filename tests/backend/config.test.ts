import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  ENV_VARIABLES,
  SETTINGS_DEFAULTS,
  loadSettings,
  settingsFromChart,
  settingsFromConfigFile,
  settingsFromEnv,
  settingsFromHostConfig,
} from '../../lib/backend/config';
import type { KmipSettings } from '../../lib/backend/settings';
import { KmipConfigError } from '../../lib/errors';
import type { LogFields, Logger } from '../../lib/logger';
import { makeTestPki, type TestPki } from '../support/certs';

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/** Marker inside every dummy key body: it must never show up in a message or a log line. */
const SECRET = 'S3CR3TK3YM4T3R14L';
const KEY_PEM = `-----BEGIN PRIVATE KEY-----\nMIIE${SECRET}AAAA\n-----END PRIVATE KEY-----\n`;
const CERT_PEM = `-----BEGIN CERTIFICATE-----\nMIIBcertA${SECRET}\n-----END CERTIFICATE-----\n`;
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBcaOne\n-----END CERTIFICATE-----\n';
const CA2_PEM = '-----BEGIN CERTIFICATE-----\nMIIBcaTwo\n-----END CERTIFICATE-----\n';
const KEY = Buffer.from(KEY_PEM);
/** A PEM block header (a bare mention of "-----BEGIN" in a hint is fine). */
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;
const CERT = Buffer.from(CERT_PEM);
const CA = Buffer.from(CA_PEM);
const CA2 = Buffer.from(CA2_PEM);

interface Captured {
  logger: Logger;
  warnings: { msg: string; fields: LogFields | undefined }[];
  text(): string;
}

const allLogText: string[] = [];

function capture(): Captured {
  const warnings: { msg: string; fields: LogFields | undefined }[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (msg, fields) => {
      warnings.push({ msg, fields });
      allLogText.push(msg, JSON.stringify(fields ?? {}));
    },
    error: (msg, fields) => {
      allLogText.push(msg, JSON.stringify(fields ?? {}));
    },
  };
  return { logger, warnings, text: () => warnings.map((w) => w.msg).join('\n') };
}

/** Asserts a KmipConfigError naming `key` (in `.key` and in the message); returns it. */
function expectConfigError(fn: () => unknown, key: string, ...mentions: (string | RegExp)[]): KmipConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof KmipConfigError, `expected KmipConfigError, got ${String(caught)}`);
  assert.equal(caught.key, key, `wrong key in: ${caught.message}`);
  assert.equal(caught.code, 'KMIP_CONFIG');
  assert.ok(caught.message.includes(key), `message does not name ${key}: ${caught.message}`);
  for (const m of mentions) {
    if (typeof m === 'string') assert.ok(caught.message.includes(m), `message lacks ${JSON.stringify(m)}: ${caught.message}`);
    else assert.match(caught.message, m);
  }
  assert.ok(!caught.message.includes(SECRET), `message leaks key material: ${caught.message}`);
  assert.doesNotMatch(caught.message, PEM_BLOCK, `message contains PEM text: ${caught.message}`);
  return caught;
}

const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-config-test-'));
  tmpDirs.push(d);
  return d;
}
after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  // No warning of the whole file ever carried key material.
  const all = allLogText.join('\n');
  assert.ok(!all.includes(SECRET), 'a log line leaked key material');
  assert.doesNotMatch(all, PEM_BLOCK, 'a log line contains PEM text');
});

function write(dir: string, name: string, contents: string | Buffer): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, contents);
  return p;
}

/** A minimal valid host-form config. */
function hostConfig(overrides: Record<string, unknown> = {}, tls: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providerName: 'thales',
    client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
    transport: { pipelineDepth: 8, tls: { host: 'kms.example.com', port: 5696, key: KEY, cert: CERT, ca: [CA], ...tls } },
    ...overrides,
  };
}

const quiet = (): { logger: Logger } => ({ logger: capture().logger });

// ---------------------------------------------------------------------------
// Host form: the parsed config.kmip
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// config.json
// ---------------------------------------------------------------------------

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

  test('S3KMIP_* variables override the file', () => {
    const dir = tmpDir();
    write(dir, 'conf/key.pem', KEY_PEM);
    write(dir, 'conf/cert.pem', CERT_PEM);
    write(dir, 'conf/ca.pem', CA_PEM);
    const envKey = write(dir, 'env/key.pem', KEY_PEM.replace('AAAA', 'BBBB'));
    const envCert = write(dir, 'env/cert.pem', CERT_PEM.replace('certA', 'certB'));
    const envCa1 = write(dir, 'env/ca1.pem', CA2_PEM);
    const envCa2 = write(dir, 'env/ca2.pem', CA_PEM);
    const file = writeConfig(dir, {
      providerName: 'thales',
      client: { compoundCreateActivate: false, bucketNameAttributeName: 'x-file' },
      transport: { pipelineDepth: 8, tls: { host: 'file-host', port: 5696, key: 'key.pem', cert: 'cert.pem', ca: ['ca.pem'] } },
    });
    const s = settingsFromConfigFile(file, {
      ...quiet(),
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
    assert.equal(s.providerName, 'gemalto');
    assert.equal(s.compoundCreateActivate, true);
    assert.equal(s.bucketNameAttributeName, 'x-env');
    assert.equal(s.transport.pipelineDepth, 1);
    assert.deepEqual(s.transport.hosts, [
      { host: 'env-a', port: 7001 },
      { host: 'env-b', port: 7000 },
    ]);
    assert.deepEqual(s.transport.tls.key, fs.readFileSync(envKey));
    assert.deepEqual(s.transport.tls.cert, fs.readFileSync(envCert));
    assert.deepEqual(s.transport.tls.ca, [CA2, CA]);
  });

  test('S3KMIP_PORT alone re-ports every host of the file; S3KMIP_HOSTS alone keeps the file port', () => {
    const dir = tmpDir();
    const file = writeConfig(dir, {
      transport: [
        { tls: { host: 'a', port: 6001, key: KEY_PEM, cert: CERT_PEM } },
        { tls: { host: 'b', port: 6002, key: KEY_PEM, cert: CERT_PEM } },
      ],
    });
    const s1 = settingsFromConfigFile(file, { ...quiet(), env: { S3KMIP_PORT: '7000' } });
    assert.deepEqual(s1.transport.hosts, [
      { host: 'a', port: 7000 },
      { host: 'b', port: 7000 },
    ]);
    const s2 = settingsFromConfigFile(file, { ...quiet(), env: { S3KMIP_HOSTS: 'x,y:9' } });
    assert.deepEqual(s2.transport.hosts, [
      { host: 'x', port: 6001 },
      { host: 'y', port: 9 },
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
    const file = writeConfig(dir, { transport: { tls: { host: 'kms', key: KEY_PEM, cert: CERT_PEM } } });
    const c = capture();
    settingsFromConfigFile(file, { env: {}, logger: c.logger });
    assert.deepEqual(c.warnings, []);
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

// ---------------------------------------------------------------------------
// Environment only
// ---------------------------------------------------------------------------

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
    assert.equal(ENV_VARIABLES.length, 9);
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
    settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_HOST: 'typo', S3KMIP_KEY: keyPath, S3KMIP_CERT: certPath }, { logger: c.logger });
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!.msg, /S3KMIP_HOST\b/);
    assert.equal(c.warnings[0]!.fields?.['key'], 'S3KMIP_HOST');
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
      expectConfigError(() => settingsFromEnv({ ...base, S3KMIP_PIPELINE_DEPTH: d }, quiet()), 'S3KMIP_PIPELINE_DEPTH', 'non-negative integer');
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

// ---------------------------------------------------------------------------
// Kubernetes chart values + PEM folder
// ---------------------------------------------------------------------------

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

  test('chart values are strict about types: compoundCreate "true" and port "5696" are errors', () => {
    const dir = pemDir(fullPems);
    expectConfigError(() => settingsFromChart({ hosts: ['kms'], compoundCreate: 'true' }, dir, { env: {} }), 'kmip.compoundCreate', 'boolean');
    expectConfigError(() => settingsFromChart({ hosts: ['kms'], port: '5696' }, dir, { env: {} }), 'kmip.port', '1..65535');
    expectConfigError(() => settingsFromChart({ hosts: ['kms'], pipelineDepth: -2 }, dir, { env: {} }), 'kmip.pipelineDepth', 'non-negative');
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

// ---------------------------------------------------------------------------
// loadSettings: picking the form, precedence
// ---------------------------------------------------------------------------

describe('loadSettings', () => {
  test('configFile, with the environment on top', () => {
    const dir = tmpDir();
    write(dir, 'key.pem', KEY_PEM);
    write(dir, 'cert.pem', CERT_PEM);
    const file = write(
      dir,
      'config.json',
      JSON.stringify({ kmip: { client: { compoundCreateActivate: false }, transport: { pipelineDepth: 4, tls: { host: 'kms', port: 6000, key: 'key.pem', cert: 'cert.pem' } } } }),
    );
    const s = loadSettings({ configFile: file, env: { S3KMIP_COMPOUND_CREATE: 'true', S3KMIP_PORT: '7000' } }, quiet());
    assert.equal(s.compoundCreateActivate, true); // env wins
    assert.deepEqual(s.transport.hosts, [{ host: 'kms', port: 7000 }]); // env wins
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

  test('both sources, chartValues without pemDir, YAML values', () => {
    const dir = tmpDir();
    expectConfigError(() => loadSettings({ configFile: 'a.json', chartValues: {}, env: {} }), 'configFile', 'chartValues');
    expectConfigError(() => loadSettings({ chartValues: { hosts: ['kms'] }, env: {} }), 'pemDir', 'required');
    const yaml = write(dir, 'values.yaml', 'kmip:\n  enabled: true\n  hosts: [kms]\n');
    expectConfigError(() => loadSettings({ chartValues: yaml, pemDir: dir, env: {} }), 'chartValues', 'YAML');
  });
});

// ---------------------------------------------------------------------------
// Validation (host form names; the same checks serve every form)
// ---------------------------------------------------------------------------

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

  test('port must be an integer in 1..65535 (a number)', () => {
    for (const port of [0, 65536, -1, 1.5, '5696', true, NaN]) {
      expectConfigError(() => settingsFromHostConfig(hostConfig({}, { port }), quiet()), `${T}.port`, '1..65535');
    }
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
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { host: 'kms:5696' }), quiet()), `${T}.host`, 'port');
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
    for (const pipelineDepth of [-1, 2.5, '8', false]) {
      expectConfigError(
        () => settingsFromHostConfig(hostConfig({ transport: { pipelineDepth, tls: { host: 'kms', key: KEY, cert: CERT } } }), quiet()),
        'kmip.transport.pipelineDepth',
        'non-negative integer',
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
    expectConfigError(() => settingsFromHostConfig(tr({ queueTimeoutMs: '10' }), quiet()), 'kmip.transport.queueTimeoutMs');
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
