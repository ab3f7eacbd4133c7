// The chart's values.yaml (issue 8 §2): YAML read with the `yaml` package, the whole values file or its kmip section,
// PEM files found beside it by their kmip-<word>.pem names.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';

import { loadSettings } from '../../../lib/backend/config';
import { CA, CA2, CA2_PEM, CA_PEM, CERT, CERT_PEM, KEY, KEY_PEM, capture, expectConfigError, quiet, tmpDir, write } from './fixtures';

/** A chart values file as operators edit it: other sections around the kmip one. */
const VALUES = `# cloudserver chart values
replicaCount: 2
image:
  repository: ghcr.io/scality/cloudserver
  tag: "8.8.45"
kmip:
  enabled: true
  port: 5697
  hosts:
    - kms1.example.com
    - "kms2.example.com:5698"
  compoundCreate: false
  bucketAttributeName: x-bucket
  pipelineDepth: 4
`;

function chartDir(files: Record<string, string>): string {
  const d = tmpDir();
  for (const [n, c] of Object.entries(files)) write(d, n, c);
  return d;
}
const PEMS = { 'kmip-key.pem': KEY_PEM, 'kmip-cert.pem': CERT_PEM, 'kmip-ca.pem': CA_PEM };

describe('values.yaml', () => {
  test('a whole chart values file: the kmip section, other sections ignored, PEM files beside it', () => {
    const dir = chartDir({ ...PEMS, 'values.yaml': VALUES });
    const c = capture();
    const s = loadSettings({ chartValues: path.join(dir, 'values.yaml'), env: {} }, { logger: c.logger });
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(s, {
      providerName: 'kmip',
      compoundCreateActivate: false,
      bucketNameAttributeName: 'x-bucket',
      transport: {
        hosts: [
          { host: 'kms1.example.com', port: 5697 },
          { host: 'kms2.example.com', port: 5698 },
        ],
        tls: { key: KEY, cert: CERT, ca: [CA] },
        pipelineDepth: 4,
      },
      healthcheckCacheMs: 5000,
    });
  });

  test('the kmip section alone, in YAML or in JSON; pemDir may point elsewhere', () => {
    const pems = chartDir(PEMS);
    const dir = chartDir({
      'kmip.yaml': 'enabled: true\nhosts: [kms]\n',
      'kmip.json': '{"enabled": true, "hosts": ["kms"]}',
    });
    for (const f of ['kmip.yaml', 'kmip.json']) {
      const s = loadSettings({ chartValues: path.join(dir, f), pemDir: pems, env: {} }, quiet());
      assert.deepEqual(s.transport.hosts, [{ host: 'kms', port: 5696 }]);
      assert.deepEqual(s.transport.tls.key, KEY);
    }
  });

  test('a YAML syntax error gives file, line and column, and not the text', () => {
    const dir = chartDir({ ...PEMS, 'values.yaml': 'kmip:\n  enabled: true\n  hosts: [kms\n  port: 5696\n' });
    const file = path.join(dir, 'values.yaml');
    const e = expectConfigError(() => loadSettings({ chartValues: file, env: {} }, quiet()), 'chartValues', file, /line \d+, column \d+/);
    assert.ok(!e.message.includes('port: 5696'), e.message);
    const dup = chartDir({ ...PEMS, 'values.yaml': 'kmip:\n  port: 1\n  port: 2\n' });
    expectConfigError(() => loadSettings({ chartValues: path.join(dup, 'values.yaml'), env: {} }, quiet()), 'chartValues', 'line 3, column 3');
  });

  test('enabled: false says KMIP is disabled in these values and how to enable it', () => {
    const dir = chartDir({ ...PEMS, 'values.yaml': 'kmip:\n  enabled: false\n  hosts: [kms]\n' });
    expectConfigError(() => loadSettings({ chartValues: path.join(dir, 'values.yaml'), env: {} }, quiet()), 'kmip.enabled', 'disabled in these values', 'enabled: true');
  });

  test('PEM discovery by kmip-<word>.pem names: client-key/client-cert/crt variants, several CAs (kmip-ca.pem first)', () => {
    const dir = chartDir({
      'values.yaml': VALUES,
      'kmip-client-key.pem': KEY_PEM,
      'kmip-client.crt.pem': 'unused',
      'kmip-client-cert.pem': CERT_PEM,
      'kmip-ca.pem': CA_PEM,
      'kmip-ca-extra.pem': CA2_PEM,
      'kmip-notes.pem': 'not a role',
    });
    const c = capture();
    const s = loadSettings({ chartValues: path.join(dir, 'values.yaml'), env: {} }, { logger: c.logger });
    assert.deepEqual(s.transport.tls.key, KEY);
    assert.deepEqual(s.transport.tls.cert, CERT);
    assert.deepEqual(s.transport.tls.ca, [CA, CA2]);
    assert.deepEqual(
      c.warnings.map((w) => w.fields?.['key']),
      ['kmip-client.crt.pem', 'kmip-notes.pem'],
    );
  });

  test('missing or ambiguous key/cert name which one', () => {
    const values = { 'values.yaml': VALUES };
    const load = (d: string) => (): unknown => loadSettings({ chartValues: path.join(d, 'values.yaml'), env: {} }, quiet());
    expectConfigError(load(chartDir({ ...values, 'kmip-key.pem': KEY_PEM })), 'kmip-cert.pem', 'missing', 'kmip-key.pem');
    expectConfigError(load(chartDir({ ...values, 'kmip-cert.pem': CERT_PEM })), 'kmip-key.pem', 'missing', 'kmip-cert.pem');
    expectConfigError(
      load(chartDir({ ...values, 'kmip-key.pem': KEY_PEM, 'kmip-client-key.pem': KEY_PEM, 'kmip-cert.pem': CERT_PEM })),
      'kmip-key.pem',
      'ambiguous',
      'kmip-client-key.pem',
    );
    expectConfigError(
      load(chartDir({ ...values, 'kmip-key.pem': KEY_PEM, 'kmip-cert.pem': CERT_PEM, 'kmip-crt.pem': CERT_PEM })),
      'kmip-cert.pem',
      'ambiguous',
      'kmip-crt.pem',
    );
    expectConfigError(load(chartDir({ ...values, 'kmip-ca-key.pem': KEY_PEM })), 'kmip-ca-key.pem', 'ambiguous');
  });
});
