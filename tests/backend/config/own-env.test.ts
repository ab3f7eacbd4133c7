// kmip-kms's own S3KMIP_* variables (S3KMIP_BATCH_SIZE, S3KMIP_REQUEST_TIMEOUT_MS, ...): the settings a stock
// cloudserver does not copy into config.kmip become settable there. The host's input is built the way the host
// builds it (tests/support/host-config.ts): the stock host ignores these variables, our backend applies them,
// and a config.kmip that carries the setting wins. The env, chart and config-file forms read them with their
// own precedence (over the first two, under the file).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { KmipBackend } from '../../../lib/backend/backend';
import { ENV_VARIABLES, OWN_ENV_VARIABLES, envNameOf, settingsFromChart, settingsFromConfigFile, settingsFromEnv, settingsFromHostConfig } from '../../../lib/backend/config';
import { hostBuiltKmip, type Env } from '../../support/host-config';
import { encryptKeySync } from '../../support/pem-fixtures';
import { CA_PEM, CERT_PEM, KEY_PEM, capture, expectConfigError, quiet, tmpDir, write } from './fixtures';

/** A cloudserver folder with its PEM files, and the S3KMIP_* variables of a deployment using them. */
let dir: string;
let BASE: Env;
before(() => {
  dir = tmpDir();
  write(dir, 'ssl/kmip-key.pem', KEY_PEM);
  write(dir, 'ssl/kmip-cert.pem', CERT_PEM);
  write(dir, 'ssl/kmip-ca.pem', CA_PEM);
  BASE = { S3KMIP_HOSTS: 'kms1.example.com,kms2.example.com', S3KMIP_KEY: 'ssl/kmip-key.pem', S3KMIP_CERT: 'ssl/kmip-cert.pem', S3KMIP_CA: 'ssl/kmip-ca.pem' };
});

const backends: KmipBackend[] = [];
after(async () => {
  await Promise.all(backends.map((b) => b.close({ drainTimeoutMs: 0 })));
});

/** The backend cloudserver would build from these variables (and config.json object), our variables read from `env`. */
function hostBackend(env: Env, config: Record<string, unknown> = {}, logger = capture().logger): KmipBackend {
  const b = new KmipBackend({ kmip: hostBuiltKmip(env, config, dir), env, logger });
  backends.push(b);
  return b;
}

describe("kmip-kms's own S3KMIP_* variables", () => {
  test('named S3KMIP_ + UPPER_SNAKE of each setting a stock host does not copy; reconnect has none', () => {
    assert.equal(envNameOf('batchSize'), 'S3KMIP_BATCH_SIZE');
    assert.equal(envNameOf('requestTimeoutMs'), 'S3KMIP_REQUEST_TIMEOUT_MS');
    assert.equal(envNameOf('healthcheckCacheMs'), 'S3KMIP_HEALTHCHECK_CACHE_MS');
    const expected = [
      'S3KMIP_POOL_SIZE', 'S3KMIP_MAX_QUEUE_LENGTH', 'S3KMIP_CONNECT_TIMEOUT_MS', 'S3KMIP_HANDSHAKE_TIMEOUT_MS', 'S3KMIP_QUEUE_TIMEOUT_MS',
      'S3KMIP_REQUEST_TIMEOUT_MS', 'S3KMIP_IDLE_TIMEOUT_MS', 'S3KMIP_MAX_MESSAGE_BYTES', 'S3KMIP_SUSPECT_AFTER_MS', 'S3KMIP_ALL_DOWN_GRACE_MS',
      'S3KMIP_AFFINITY_TTL_MS', 'S3KMIP_BATCH_SIZE', 'S3KMIP_SKIP_QUERY', 'S3KMIP_LOG_MESSAGES', 'S3KMIP_PROTOCOL_VERSIONS',
      'S3KMIP_HOST_SELECTION', 'S3KMIP_PASSPHRASE', 'S3KMIP_SERVERNAME', 'S3KMIP_REJECT_UNAUTHORIZED', 'S3KMIP_CIPHERS',
      'S3KMIP_MIN_VERSION', 'S3KMIP_MAX_VERSION', 'S3KMIP_HEALTHCHECK_CACHE_MS',
    ];
    assert.deepEqual([...OWN_ENV_VARIABLES].sort(), expected.sort());
    assert.ok(!ENV_VARIABLES.includes('S3KMIP_RECONNECT'));
  });

  test('host form: config.kmip as the stock host builds it lacks them; the backend applies S3KMIP_BATCH_SIZE, _REQUEST_TIMEOUT_MS, _HOST_SELECTION, _SERVERNAME', () => {
    const env: Env = { ...BASE, S3KMIP_BATCH_SIZE: '8', S3KMIP_REQUEST_TIMEOUT_MS: '2500', S3KMIP_HOST_SELECTION: 'failover', S3KMIP_SERVERNAME: 'kms.internal' };
    const kmip = hostBuiltKmip(env, {}, dir);
    // The host hands over none of them.
    assert.ok(!JSON.stringify(kmip).includes('batchSize') && !JSON.stringify(kmip).includes('servername'));
    const c = capture();
    const b = hostBackend(env, {}, c.logger);
    assert.deepEqual(c.warnings.map((w) => w.msg), []);
    const o = b.client.transport.options;
    assert.equal(o.batchSize, 8);
    assert.equal(o.requestTimeoutMs, 2500);
    assert.equal(o.hostSelection, 'failover');
    assert.equal(o.tls.servername, 'kms.internal');
    // The host's own variables are still the host's: not applied twice, same hosts.
    assert.deepEqual(b.settings.transport.hosts, [
      { host: 'kms1.example.com', port: 5696 },
      { host: 'kms2.example.com', port: 5696 },
    ]);
  });

  test('host form: the flags, protocolVersions, the TLS scalars and healthcheckCacheMs', () => {
    const env: Env = {
      ...BASE,
      S3KMIP_SKIP_QUERY: 'TRUE',
      S3KMIP_LOG_MESSAGES: 'false',
      S3KMIP_REJECT_UNAUTHORIZED: 'true',
      S3KMIP_PROTOCOL_VERSIONS: '2.0, 1.4',
      S3KMIP_MIN_VERSION: 'TLSv1.3',
      S3KMIP_CIPHERS: 'TLS_AES_256_GCM_SHA384',
      S3KMIP_POOL_SIZE: '3',
      S3KMIP_HEALTHCHECK_CACHE_MS: '0',
    };
    const s = settingsFromHostConfig(hostBuiltKmip(env, {}, dir), { ...quiet(), env });
    assert.equal(s.transport.skipQuery, true);
    assert.equal(s.transport.logMessages, false);
    assert.equal(s.transport.tls.rejectUnauthorized, true);
    assert.deepEqual(s.transport.protocolVersions, [
      { major: 2, minor: 0 },
      { major: 1, minor: 4 },
    ]);
    assert.equal(s.transport.tls.minVersion, 'TLSv1.3');
    assert.equal(s.transport.tls.ciphers, 'TLS_AES_256_GCM_SHA384');
    assert.equal(s.transport.poolSize, 3);
    assert.equal(s.healthcheckCacheMs, 0);
  });

  test('host form: process.env by default (what `new KmipBackend({ kmip })` under cloudserver sees)', () => {
    const kmip = hostBuiltKmip(BASE, {}, dir);
    process.env['S3KMIP_BATCH_SIZE'] = '6';
    try {
      const b = new KmipBackend({ kmip, logger: capture().logger });
      backends.push(b);
      assert.equal(b.settings.transport.batchSize, 6);
    } finally {
      delete process.env['S3KMIP_BATCH_SIZE'];
    }
    assert.equal(settingsFromHostConfig(kmip, quiet()).transport.batchSize, undefined);
  });

  test('host form: a config.kmip that carries batchSize (a host passing more than the stock one) wins, the variable is named in a warning', () => {
    const env: Env = { ...BASE, S3KMIP_BATCH_SIZE: '8', S3KMIP_REQUEST_TIMEOUT_MS: '2500' };
    const kmip = hostBuiltKmip(env, {}, dir);
    const t = kmip['transport'] as Record<string, unknown>;
    t['batchSize'] = 2;
    const c = capture();
    const s = settingsFromHostConfig(kmip, { logger: c.logger, env });
    assert.equal(s.transport.batchSize, 2);
    assert.equal(s.transport.requestTimeoutMs, 2500);
    assert.equal(c.warnings.length, 1, c.text());
    assert.match(c.warnings[0]!.msg, /S3KMIP_BATCH_SIZE is set but the host's config\.kmip carries kmip\.transport\.batchSize, which wins/);
    // The same value in both: nothing to say.
    const quietCapture = capture();
    t['batchSize'] = 8;
    settingsFromHostConfig(kmip, { logger: quietCapture.logger, env });
    assert.deepEqual(quietCapture.warnings, []);
  });

  test('host form, transport array: every entry gets the variables', () => {
    const kmip = hostBuiltKmip({ ...BASE, S3KMIP_BATCH_SIZE: '8' }, { kmip: { providerName: 'p', transport: [{ tls: { host: 'a' } }, { tls: { host: 'b' } }] } }, dir);
    const c = capture();
    const s = settingsFromHostConfig(kmip, { logger: c.logger, env: { S3KMIP_BATCH_SIZE: '8' } });
    assert.equal(s.transport.batchSize, 8);
    assert.deepEqual(s.transport.hosts.map((h) => h.host), ['a', 'b']);
    assert.deepEqual(c.warnings, []);
  });

  test('a bad value is a KmipConfigError naming the variable (host form and env form)', () => {
    const cases: [Env, string, string][] = [
      [{ S3KMIP_BATCH_SIZE: '8x' }, 'S3KMIP_BATCH_SIZE', '"8x"'],
      [{ S3KMIP_BATCH_SIZE: '0' }, 'S3KMIP_BATCH_SIZE', '1..256'],
      [{ S3KMIP_REQUEST_TIMEOUT_MS: '1e3' }, 'S3KMIP_REQUEST_TIMEOUT_MS', '"1e3"'],
      [{ S3KMIP_HOST_SELECTION: 'fast' }, 'S3KMIP_HOST_SELECTION', '"fast"'],
      [{ S3KMIP_SKIP_QUERY: 'yes' }, 'S3KMIP_SKIP_QUERY', '"true" or "false"'],
      [{ S3KMIP_REJECT_UNAUTHORIZED: '0' }, 'S3KMIP_REJECT_UNAUTHORIZED', '"true" or "false"'],
      [{ S3KMIP_PROTOCOL_VERSIONS: ',' }, 'S3KMIP_PROTOCOL_VERSIONS', 'lists no version'],
      [{ S3KMIP_PROTOCOL_VERSIONS: '2.0,9.9' }, 'S3KMIP_PROTOCOL_VERSIONS[1]', '9.9'],
      [{ S3KMIP_MIN_VERSION: 'TLSv1' }, 'S3KMIP_MIN_VERSION', 'TLSv1.2'],
      [{ S3KMIP_HEALTHCHECK_CACHE_MS: '-1' }, 'S3KMIP_HEALTHCHECK_CACHE_MS', '"-1"'],
    ];
    for (const [bad, key, mention] of cases) {
      const env = { ...BASE, ...bad };
      expectConfigError(() => hostBackend(env), key, mention);
      expectConfigError(() => settingsFromEnv(env, { ...quiet(), baseDir: dir }), key, mention);
    }
  });

  test('an unknown S3KMIP_FOO is still warned about (host form and env form); empty or blank variables are unset', () => {
    const env: Env = { ...BASE, S3KMIP_FOO: '1', S3KMIP_BATCH_SIZ: '8', S3KMIP_BATCH_SIZE: '  ', S3KMIP_SERVERNAME: '' };
    for (const run of [
      (logger: ReturnType<typeof capture>['logger']) => settingsFromHostConfig(hostBuiltKmip(env, {}, dir), { logger, env }),
      (logger: ReturnType<typeof capture>['logger']) => settingsFromEnv(env, { logger, baseDir: dir }),
    ]) {
      const c = capture();
      const s = run(c.logger);
      assert.equal(s.transport.batchSize, undefined);
      assert.equal(s.transport.tls.servername, undefined);
      const unknown = c.warnings.filter((w) => w.msg.includes('unknown environment variable')).map((w) => w.fields?.['key']);
      assert.deepEqual(unknown, ['S3KMIP_BATCH_SIZ', 'S3KMIP_FOO']);
    }
  });

  test('S3KMIP_PASSPHRASE: decrypts S3KMIP_KEY; a wrong one is named, never shown', () => {
    const pass = 'correct horse battery staple';
    const wrong = 'not-the-passphrase-42';
    write(dir, 'ssl/kmip-key-enc.pem', encryptKeySync(KEY_PEM, pass));
    const env: Env = { ...BASE, S3KMIP_KEY: 'ssl/kmip-key-enc.pem', S3KMIP_PASSPHRASE: pass };
    assert.equal(hostBackend(env).settings.transport.tls.passphrase, pass);
    assert.equal(settingsFromEnv(env, { ...quiet(), baseDir: dir }).transport.tls.passphrase, pass);
    const c = capture();
    const bad = { ...env, S3KMIP_PASSPHRASE: wrong };
    for (const fn of [() => hostBackend(bad, {}, c.logger), () => settingsFromEnv(bad, { logger: c.logger, baseDir: dir })]) {
      const e = expectConfigError(fn, 'S3KMIP_PASSPHRASE', 'wrong passphrase');
      assert.ok(!e.message.includes(wrong) && !e.message.includes(pass), e.message);
    }
    assert.ok(!c.text().includes(wrong) && !c.text().includes(pass));
    // No passphrase at all: the error says which variable gives one.
    const none: Env = { ...env };
    delete (none as Record<string, string | undefined>)['S3KMIP_PASSPHRASE'];
    const e = expectConfigError(() => settingsFromEnv(none, { ...quiet(), baseDir: dir }), 'S3KMIP_PASSPHRASE', 'encrypted private key');
    assert.match(e.message, /S3KMIP_PASSPHRASE/);
  });

  test('env form: the variables over nothing; chart form: the variables over the values', () => {
    const env: Env = { ...BASE, S3KMIP_BATCH_SIZE: '8', S3KMIP_IDLE_TIMEOUT_MS: '0', S3KMIP_SERVERNAME: 'kms.internal' };
    const s = settingsFromEnv(env, { ...quiet(), baseDir: dir });
    assert.equal(s.transport.batchSize, 8);
    assert.equal(s.transport.idleTimeoutMs, 0);
    assert.equal(s.transport.tls.servername, 'kms.internal');

    const chart = settingsFromChart({ kmip: { hosts: ['kms'], batchSize: 2, requestTimeoutMs: 3000, servername: 'from-values' } }, tmpDir(), {
      ...quiet(),
      env: { S3KMIP_BATCH_SIZE: '8', S3KMIP_SERVERNAME: 'kms.internal' },
    });
    assert.equal(chart.transport.batchSize, 8);
    assert.equal(chart.transport.requestTimeoutMs, 3000);
    assert.equal(chart.transport.tls.servername, 'kms.internal');
  });

  /** A config.json (providerName p, healthcheckCacheMs 1000, this transport) beside ssl/kmip-key.pem and ssl/kmip-cert.pem; its path. */
  function configJson(transport: object): string {
    const cfgDir = tmpDir();
    write(cfgDir, 'ssl/kmip-key.pem', KEY_PEM);
    write(cfgDir, 'ssl/kmip-cert.pem', CERT_PEM);
    return write(cfgDir, 'config.json', JSON.stringify({ kmip: { providerName: 'p', healthcheckCacheMs: 1000, transport } }));
  }

  test('config-file form: the variables are defaults, the file wins wherever it gives a value (false included), with a warning saying what a stock host does', () => {
    const file = configJson({ batchSize: 2, skipQuery: false, tls: { host: 'kms', key: 'ssl/kmip-key.pem', cert: 'ssl/kmip-cert.pem', servername: 'from-file' } });
    const env: Env = {
      S3KMIP_BATCH_SIZE: '8',
      S3KMIP_SKIP_QUERY: 'true',
      S3KMIP_REQUEST_TIMEOUT_MS: '2500',
      S3KMIP_SERVERNAME: 'kms.internal',
      S3KMIP_HEALTHCHECK_CACHE_MS: '250',
      S3KMIP_PASSPHRASE: 'unused-secret-xyz',
    };
    const c = capture();
    const s = settingsFromConfigFile(file, { logger: c.logger, env });
    assert.equal(s.transport.batchSize, 2);
    assert.equal(s.transport.skipQuery, false);
    assert.equal(s.transport.tls.servername, 'from-file');
    assert.equal(s.healthcheckCacheMs, 1000);
    // Where the file says nothing, the variable.
    assert.equal(s.transport.requestTimeoutMs, 2500);
    assert.equal(s.transport.tls.passphrase, 'unused-secret-xyz');
    const byKey = new Map(c.warnings.map((w) => [w.fields?.['key'], w.msg]));
    assert.match(byKey.get('S3KMIP_BATCH_SIZE') ?? '', /S3KMIP_BATCH_SIZE is set but the config file's kmip\.transport\.batchSize wins here \(batchSize 2\); a stock cloudserver does not hand that key to its backend, so there S3KMIP_BATCH_SIZE is what applies/);
    assert.match(byKey.get('S3KMIP_SKIP_QUERY') ?? '', /kmip\.transport\.skipQuery wins here \(skipQuery false\)/);
    assert.match(byKey.get('S3KMIP_SERVERNAME') ?? '', /kmip\.transport\.tls\.servername wins here \(servername "from-file"\)/);
    assert.match(byKey.get('S3KMIP_HEALTHCHECK_CACHE_MS') ?? '', /kmip\.healthcheckCacheMs wins here/);
    assert.ok(!byKey.has('S3KMIP_REQUEST_TIMEOUT_MS'));
    assert.ok(!c.text().includes('unused-secret-xyz'));
  });

  test('config-file form without the variables: one warning lists what config.json sets that a stock cloudserver drops, and the variables to set instead', () => {
    const file = configJson({ pipelineDepth: 4, batchSize: 8, tls: { host: 'kms', port: 5696, key: 'ssl/kmip-key.pem', cert: 'ssl/kmip-cert.pem', servername: 'kms.internal' } });
    // S3KMIP_SERVERNAME set: that one loses to the file (its own warning), it is not "dropped".
    const c = capture();
    const s = settingsFromConfigFile(file, { logger: c.logger, env: { S3KMIP_SERVERNAME: 'other' } });
    assert.equal(s.transport.batchSize, 8, 'the probe and demo use the file');
    const dropped = c.warnings.filter((w) => /a stock cloudserver does not hand these settings to its KMS backend/.test(w.msg));
    assert.equal(dropped.length, 1, c.text());
    assert.match(dropped[0]!.msg, /kmip\.transport\.batchSize, kmip\.healthcheckCacheMs/);
    assert.match(dropped[0]!.msg, /set S3KMIP_BATCH_SIZE, S3KMIP_HEALTHCHECK_CACHE_MS in the host's environment/);
    // What the host does copy (pipelineDepth, host, port, key, cert) is not listed.
    assert.doesNotMatch(dropped[0]!.msg, /pipelineDepth|tls\.port|tls\.host|tls\.key|tls\.cert|servername/);
  });

  test('config-file form: a passphrase in the file wins over S3KMIP_PASSPHRASE; neither is shown', () => {
    const cfgDir = tmpDir();
    const pass = 'file-secret-abc';
    write(cfgDir, 'key.pem', encryptKeySync(KEY_PEM, pass));
    write(cfgDir, 'cert.pem', CERT_PEM);
    const file = write(cfgDir, 'config.json', JSON.stringify({ kmip: { providerName: 'p', transport: { tls: { host: 'kms', key: 'key.pem', cert: 'cert.pem', passphrase: pass } } } }));
    const c = capture();
    const s = settingsFromConfigFile(file, { logger: c.logger, env: { S3KMIP_PASSPHRASE: 'env-secret-def' } });
    assert.equal(s.transport.tls.passphrase, pass);
    assert.match(c.text(), /S3KMIP_PASSPHRASE is set but the config file's kmip\.transport\.tls\.passphrase wins here;/);
    assert.ok(!c.text().includes(pass) && !c.text().includes('env-secret-def'));
  });
});
