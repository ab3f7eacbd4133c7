// loadSettings({ configFile }) with S3KMIP_* variables set: the same effective settings as the host's own
// config.kmip built from the same environment and config.json (tests/support/host-config.ts, transcribed from
// cloudserver's lib/Config.js) and handed to the backend; and a warning for every variable the file overrides.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';

import { loadSettings, settingsFromHostConfig } from '../../../lib/backend/config';
import type { KmipSettings } from '../../../lib/backend/settings';
import { selfSignedSync } from '../../support/pem-fixtures';
import { hostBuiltKmip, type Env } from '../../support/host-config';
import { CA, CA2, CA2_PEM, CA_PEM, CERT, CERT_PEM, KEY, KEY_PEM, capture, expectConfigError, quiet, tmpDir, write } from './fixtures';

/** The environment's own client key pair (another key than the file's). */
const ENV_PAIR = selfSignedSync('kmip-env-client');
const ENV_KEY = Buffer.from(ENV_PAIR.key);
const ENV_CERT = Buffer.from(ENV_PAIR.cert);

/** A cloudserver folder: config.json at its root, PEM files under ssl/ (paths relative to it, like the host's). */
function hostDir(): string {
  const d = tmpDir();
  write(d, 'ssl/file-key.pem', KEY_PEM);
  write(d, 'ssl/file-cert.pem', CERT_PEM);
  write(d, 'ssl/file-ca.pem', CA_PEM);
  write(d, 'ssl/env-key.pem', ENV_PAIR.key);
  write(d, 'ssl/env-cert.pem', ENV_PAIR.cert);
  write(d, 'ssl/env-ca.pem', CA2_PEM);
  return d;
}

const ENV: Env = {
  S3KMIP_HOSTS: 'env-a.example.com,env-b.example.com:5699',
  S3KMIP_PORT: '5697',
  S3KMIP_PIPELINE_DEPTH: '4',
  S3KMIP_KEY: 'ssl/env-key.pem',
  S3KMIP_CERT: 'ssl/env-cert.pem',
  S3KMIP_CA: 'ssl/env-ca.pem',
  S3KMIP_COMPOUND_CREATE: 'true',
  S3KMIP_BUCKET_ATTRIBUTE_NAME: 'x-env',
};

const FILE_TLS = { host: 'kms.example.com', port: 15696, key: 'ssl/file-key.pem', cert: 'ssl/file-cert.pem', ca: ['ssl/file-ca.pem'] };
const FILE_KMIP = {
  providerName: 'thales',
  client: { compoundCreateActivate: true, bucketNameAttributeName: 'x-file' },
  transport: { pipelineDepth: 2, tls: FILE_TLS },
};

const ENV_HOSTS = [
  { host: 'env-a.example.com', port: 5697 },
  { host: 'env-b.example.com', port: 5699 },
];

interface Case {
  readonly name: string;
  readonly env: Env;
  /** The whole parsed config.json (its other sections do not matter). */
  readonly config: Record<string, unknown>;
  readonly expect: (s: KmipSettings) => void;
  /** The variables the warnings must name, each with the config key that wins (a substring of the same warning). */
  readonly warns: readonly (readonly [string, string])[];
}

const CASES: readonly Case[] = [
  {
    name: 'env only: config.json without a kmip section',
    env: ENV,
    config: { port: 8000 },
    expect: (s) => {
      assert.deepEqual(s.transport.hosts, ENV_HOSTS);
      assert.equal(s.transport.pipelineDepth, 4);
      assert.deepEqual(s.transport.tls, { key: ENV_KEY, cert: ENV_CERT, ca: [CA2] });
      assert.equal(s.compoundCreateActivate, true);
      assert.equal(s.bucketNameAttributeName, 'x-env');
      assert.equal(s.providerName, 'kmip');
    },
    warns: [],
  },
  {
    name: 'env only: a kmip section without transport',
    env: ENV,
    config: { kmip: { providerName: 'thales' } },
    expect: (s) => {
      assert.equal(s.providerName, 'thales');
      assert.deepEqual(s.transport.hosts, ENV_HOSTS);
      assert.deepEqual(s.transport.tls, { key: ENV_KEY, cert: ENV_CERT, ca: [CA2] });
    },
    warns: [],
  },
  {
    name: 'file only',
    env: {},
    config: { kmip: FILE_KMIP },
    expect: (s) => {
      assert.deepEqual(s.transport.hosts, [{ host: 'kms.example.com', port: 15696 }]);
      assert.equal(s.transport.pipelineDepth, 2);
      assert.deepEqual(s.transport.tls, { key: KEY, cert: CERT, ca: [CA] });
      assert.equal(s.compoundCreateActivate, true);
      assert.equal(s.bucketNameAttributeName, 'x-file');
    },
    warns: [],
  },
  {
    name: 'both: the file wins for port, host, pipelineDepth, key, cert, ca and the client flags',
    env: ENV,
    config: { kmip: FILE_KMIP },
    expect: (s) => {
      assert.deepEqual(s.transport.hosts, [{ host: 'kms.example.com', port: 15696 }]);
      assert.equal(s.transport.pipelineDepth, 2);
      assert.deepEqual(s.transport.tls, { key: KEY, cert: CERT, ca: [CA] });
      assert.equal(s.bucketNameAttributeName, 'x-file');
    },
    warns: [
      ['S3KMIP_PORT', 'kmip.transport.tls.port'],
      ['S3KMIP_HOSTS', 'kmip.transport.tls.host'],
      ['S3KMIP_PIPELINE_DEPTH', 'kmip.transport.pipelineDepth'],
      ['S3KMIP_KEY', 'kmip.transport.tls.key'],
      ['S3KMIP_CERT', 'kmip.transport.tls.cert'],
      ['S3KMIP_CA', 'kmip.transport.tls.ca'],
      ['S3KMIP_BUCKET_ATTRIBUTE_NAME', 'kmip.client.bucketNameAttributeName'],
    ],
  },
  {
    name: 'S3KMIP_CA with a file tls object lacking ca: no CA at all (the host drops the variable)',
    env: ENV,
    config: { kmip: { providerName: 'thales', transport: { tls: { host: 'kms.example.com', key: 'ssl/file-key.pem', cert: 'ssl/file-cert.pem' } } } },
    expect: (s) => {
      assert.equal(s.transport.tls.ca, undefined);
      assert.deepEqual(s.transport.hosts, [{ host: 'kms.example.com', port: 5697 }]); // file host, env port
      assert.equal(s.transport.pipelineDepth, 4);
      assert.deepEqual(s.transport.tls.key, KEY);
    },
    warns: [
      ['S3KMIP_CA', 'kmip.transport.tls'],
      ['S3KMIP_HOSTS', 'kmip.transport.tls.host'],
      ['S3KMIP_KEY', 'kmip.transport.tls.key'],
    ],
  },
  {
    name: 'S3KMIP_CA with no tls object in the file: the variables give hosts, port and all the TLS material',
    env: ENV,
    config: { kmip: { providerName: 'thales', transport: { pipelineDepth: 2 } } },
    expect: (s) => {
      assert.deepEqual(s.transport.hosts, ENV_HOSTS);
      assert.deepEqual(s.transport.tls, { key: ENV_KEY, cert: ENV_CERT, ca: [CA2] });
      assert.equal(s.transport.pipelineDepth, 2);
    },
    warns: [['S3KMIP_PIPELINE_DEPTH', 'kmip.transport.pipelineDepth']],
  },
  {
    name: 'false, 0 and "" in the file leave the variables their say',
    env: ENV,
    config: {
      kmip: {
        providerName: 'thales',
        client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
        transport: { pipelineDepth: 0, tls: { host: '', port: 0, key: '', cert: '', ca: ['ssl/file-ca.pem'] } },
      },
    },
    expect: (s) => {
      assert.equal(s.compoundCreateActivate, true);
      assert.equal(s.bucketNameAttributeName, 'x-env');
      assert.equal(s.transport.pipelineDepth, 4);
      assert.deepEqual(s.transport.hosts, ENV_HOSTS);
      assert.deepEqual(s.transport.tls, { key: ENV_KEY, cert: ENV_CERT, ca: [CA] });
    },
    warns: [
      ['S3KMIP_COMPOUND_CREATE', 'kmip.client.compoundCreateActivate'],
      ['S3KMIP_BUCKET_ATTRIBUTE_NAME', 'kmip.client.bucketNameAttributeName'],
      ['S3KMIP_PIPELINE_DEPTH', 'kmip.transport.pipelineDepth'],
      ['S3KMIP_PORT', 'kmip.transport.tls.port'],
      ['S3KMIP_CA', 'kmip.transport.tls.ca'],
    ],
  },
  {
    name: 'S3KMIP_HOSTS entries without their own port take the file port',
    env: ENV,
    config: { kmip: { providerName: 'thales', transport: { tls: { port: 6000, key: 'ssl/file-key.pem', cert: 'ssl/file-cert.pem', ca: 'ssl/file-ca.pem' } } } },
    expect: (s) => {
      assert.deepEqual(s.transport.hosts, [
        { host: 'env-a.example.com', port: 6000 },
        { host: 'env-b.example.com', port: 5699 },
      ]);
    },
    warns: [['S3KMIP_PORT', 'kmip.transport.tls.port']],
  },
  {
    name: 'S3KMIP_HOST, the older single-host name, under a file port',
    env: { S3KMIP_HOST: 'old.example.com' },
    config: { kmip: { providerName: 'thales', transport: { tls: { port: 6000, key: 'ssl/file-key.pem', cert: 'ssl/file-cert.pem' } } } },
    expect: (s) => assert.deepEqual(s.transport.hosts, [{ host: 'old.example.com', port: 6000 }]),
    warns: [],
  },
  {
    name: 'transport array: every entry takes the variables as its defaults',
    env: ENV,
    config: {
      kmip: {
        providerName: 'thales',
        transport: [
          { pipelineDepth: 2, tls: { host: 'kms1.example.com', port: 6001, key: 'ssl/file-key.pem', cert: 'ssl/file-cert.pem', ca: ['ssl/file-ca.pem'] } },
          { pipelineDepth: 2, tls: { host: 'kms2.example.com', key: 'ssl/file-key.pem', cert: 'ssl/file-cert.pem', ca: ['ssl/file-ca.pem'] } },
          { pipelineDepth: 2, tls: { host: 'kms3.example.com:6003', port: 6002, key: 'ssl/file-key.pem', cert: 'ssl/file-cert.pem', ca: ['ssl/file-ca.pem'] } },
        ],
      },
    },
    expect: (s) => {
      assert.deepEqual(s.transport.hosts, [
        { host: 'kms1.example.com', port: 6001 },
        { host: 'kms2.example.com', port: 5697 },
        { host: 'kms3.example.com', port: 6003 },
      ]);
      assert.equal(s.transport.pipelineDepth, 2);
      assert.deepEqual(s.transport.tls, { key: KEY, cert: CERT, ca: [CA] });
    },
    warns: [
      ['S3KMIP_PORT', 'kmip.transport[0].tls.port'],
      ['S3KMIP_PORT', 'kmip.transport[2].tls.port'],
      ['S3KMIP_HOSTS', 'kmip.transport[1].tls.host'],
      ['S3KMIP_KEY', 'kmip.transport[0].tls.key'],
    ],
  },
  {
    name: 'transport array: an entry without tls gets its host, port and TLS material from the variables',
    env: ENV,
    config: {
      kmip: {
        providerName: 'thales',
        transport: [{ tls: { host: 'kms1.example.com', port: 6001, key: 'ssl/file-key.pem', cert: 'ssl/file-cert.pem', ca: ['ssl/file-ca.pem'] } }, { pipelineDepth: 4 }],
      },
    },
    expect: (s) => {
      assert.deepEqual(s.transport.hosts, [{ host: 'kms1.example.com', port: 6001 }, ...ENV_HOSTS]);
      assert.deepEqual(s.transport.tls, { key: KEY, cert: CERT, ca: [CA] }); // every server uses the first entry's TLS
    },
    warns: [['S3KMIP_PORT', 'kmip.transport[0].tls.port']],
  },
];

describe('loadSettings({ configFile }) gives the settings the host builds from the same environment and config.json', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const dir = hostDir();
      const file = write(dir, 'config.json', JSON.stringify(c.config, null, 2));
      const cap = capture();
      const ours = loadSettings({ configFile: file, env: { ...c.env } }, { logger: cap.logger });
      const hosts = settingsFromHostConfig(hostBuiltKmip(c.env, c.config, dir), quiet());
      assert.deepEqual(ours, hosts);
      c.expect(ours);

      const warnings = cap.warnings.filter((w) => !/differs from kmip\.transport\[0\]/.test(w.msg));
      for (const [variable, winner] of c.warns) {
        const w = warnings.find((x) => x.msg.includes(variable) && x.msg.includes(winner));
        assert.ok(w, `no warning naming ${variable} and ${winner} in:\n${cap.text()}`);
      }
      // Every warning is about a variable given here, and shows no path or PEM content.
      for (const w of warnings) {
        assert.ok(Object.keys(c.env).some((v) => w.msg.includes(v)), `unexpected warning: ${w.msg}`);
        assert.doesNotMatch(w.msg, /ssl\/|\.pem|BEGIN/, `a path or PEM text in: ${w.msg}`);
        assert.ok(!w.msg.includes(dir));
      }
      if (c.warns.length === 0) assert.deepEqual(warnings, []);
    });
  }

  test('a key without a certificate in the file is refused, as the host refuses it, even when the variables give both', () => {
    const dir = hostDir();
    const config = { kmip: { providerName: 'thales', transport: { tls: { host: 'kms', key: 'ssl/file-key.pem' } } } };
    const file = write(dir, 'config.json', JSON.stringify(config));
    expectConfigError(() => loadSettings({ configFile: file, env: { ...ENV } }, quiet()), 'kmip.transport.tls.cert', 'go together');
    assert.throws(() => hostBuiltKmip(ENV, config, dir), /certificate and key must come along/);
  });

  test('pipelineDepth 0 and port 0 in the file without variables: the defaults (the host ignores a 0), each with a warning', () => {
    const dir = hostDir();
    const config = { kmip: { providerName: 'thales', transport: { pipelineDepth: 0, tls: { host: 'kms.example.com', port: 0, key: 'ssl/file-key.pem', cert: 'ssl/file-cert.pem' } } } };
    const file = write(dir, 'config.json', JSON.stringify(config));
    const cap = capture();
    const ours = loadSettings({ configFile: file, env: {} }, { logger: cap.logger });
    assert.deepEqual(ours, settingsFromHostConfig(hostBuiltKmip({}, config, dir), quiet()));
    assert.equal(ours.transport.pipelineDepth, 8);
    assert.deepEqual(ours.transport.hosts, [{ host: 'kms.example.com', port: 5696 }]);
    const keys = cap.warnings.map((w) => w.fields?.['key']);
    assert.ok(keys.includes('kmip.transport.pipelineDepth') && keys.includes('kmip.transport.tls.port'), cap.text());
    assert.match(cap.text(), /kmip\.transport\.pipelineDepth 0 is ignored, as cloudserver ignores a 0 there: 8 \(the default\) is used/);
  });

  test('a port or pipelineDepth given as a string in the file is refused, as the host refuses it (only the variables are strings)', () => {
    const dir = hostDir();
    for (const [transport, key] of [
      [{ tls: { host: 'kms', port: '5696' } }, 'kmip.transport.tls.port'],
      [{ pipelineDepth: '8', tls: { host: 'kms' } }, 'kmip.transport.pipelineDepth'],
    ] as const) {
      const config = { kmip: { providerName: 'thales', transport } };
      const file = write(dir, 'config.json', JSON.stringify(config));
      expectConfigError(() => loadSettings({ configFile: file, env: {} }, quiet()), key, '"', 'must be a number');
      assert.throws(() => hostBuiltKmip({}, config, dir), /must be a number/);
    }
  });

  test('the warnings say what wins, with a port or host value but never a key, certificate or CA path', () => {
    const dir = hostDir();
    const file = write(dir, 'conf/config.json', JSON.stringify({ kmip: FILE_KMIP }));
    write(dir, 'conf/ssl/file-key.pem', KEY_PEM);
    write(dir, 'conf/ssl/file-cert.pem', CERT_PEM);
    write(dir, 'conf/ssl/file-ca.pem', CA_PEM);
    const env = { ...ENV, S3KMIP_KEY: path.join(dir, 'ssl/env-key.pem'), S3KMIP_CERT: path.join(dir, 'ssl/env-cert.pem'), S3KMIP_CA: path.join(dir, 'ssl/env-ca.pem') };
    const cap = capture();
    loadSettings({ configFile: file, env }, { logger: cap.logger });
    const byKey = new Map(cap.warnings.map((w) => [w.fields?.['key'], w.msg]));
    assert.match(byKey.get('S3KMIP_PORT') ?? '', /S3KMIP_PORT is set but the config file's kmip\.transport\.tls\.port wins .*: port 15696$/);
    assert.match(byKey.get('S3KMIP_HOSTS') ?? '', /S3KMIP_HOSTS is set but the config file's kmip\.transport\.tls\.host wins .*: host kms\.example\.com:15696$/);
    assert.match(byKey.get('S3KMIP_KEY') ?? '', /S3KMIP_KEY is set but the config file's kmip\.transport\.tls\.key wins \([^)]*\)$/);
    for (const msg of byKey.values()) {
      assert.ok(!msg.includes(dir), `a path in: ${msg}`);
      assert.doesNotMatch(msg, /\.pem|BEGIN/, msg);
    }
  });
});
