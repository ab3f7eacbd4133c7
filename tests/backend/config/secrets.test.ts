// Issue 9 §4: a configuration error names the setting and the kind of problem and echoes a value only when it is
// short, single-line and not secret: never key or certificate content, a passphrase, or text that failed to parse
// as PEM. Before, a key body given without its "-----BEGIN" armour was taken as a file path and quoted whole.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { loadSettings, settingsFromConfigFile, settingsFromEnv, settingsFromHostConfig } from '../../../lib/backend/config';
import { KmipClient } from '../../../lib/client';
import { CERT, CERT_PEM, KEY, KEY_PEM, capture, expectConfigError, hostConfig, quiet, tmpDir, write } from './fixtures';

/** The base64 body of the real client key, without its armour: multi-line, and joined on one line. */
const BODY_LINES = KEY_PEM.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
const BODY = BODY_LINES.join('\n');
const BODY_ONE_LINE = BODY_LINES.join('');
const CERT_BODY = CERT_PEM.split('\n').filter((l) => l !== '' && !l.startsWith('-----')).join('');

/** No fragment of the body (any 16 characters of it) in the message. */
function assertNoBody(message: string, body: string): void {
  const flat = body.replace(/\s/g, '');
  for (let i = 0; i + 16 <= flat.length; i += 8) {
    assert.ok(!message.includes(flat.slice(i, i + 16)), `message quotes key material: ${message}`);
  }
}

describe('configuration errors never echo secrets or unparsed PEM content', () => {
  const T = 'kmip.transport.tls';

  test('a key body without armour inline in config.kmip is not quoted as a "path"', () => {
    for (const body of [BODY, BODY_ONE_LINE]) {
      const e = expectConfigError(() => settingsFromHostConfig(hostConfig({}, { key: body, cert: CERT }), quiet()), `${T}.key`, 'neither a file path nor PEM text');
      assertNoBody(e.message, body);
    }
  });

  test('the same in S3KMIP_KEY / S3KMIP_CERT / S3KMIP_CA', () => {
    const dir = tmpDir();
    const certPath = write(dir, 'cert.pem', CERT_PEM);
    const keyPath = write(dir, 'key.pem', KEY_PEM);
    const e1 = expectConfigError(() => settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_KEY: BODY_ONE_LINE, S3KMIP_CERT: certPath }, quiet()), 'S3KMIP_KEY');
    assertNoBody(e1.message, BODY_ONE_LINE);
    const e2 = expectConfigError(() => settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_KEY: keyPath, S3KMIP_CERT: CERT_BODY }, quiet()), 'S3KMIP_CERT');
    assertNoBody(e2.message, CERT_BODY);
    const e3 = expectConfigError(() => settingsFromEnv({ S3KMIP_HOSTS: 'kms', S3KMIP_CA: CERT_BODY }, quiet()), 'S3KMIP_CA');
    assertNoBody(e3.message, CERT_BODY);
  });

  test('a key body in a config.json file and in the direct client options', () => {
    const dir = tmpDir();
    const file = write(dir, 'config.json', JSON.stringify({ kmip: { providerName: 'p', transport: { tls: { host: 'kms', key: BODY, cert: 'cert.pem' } } } }));
    write(dir, 'cert.pem', CERT_PEM);
    const e = expectConfigError(() => settingsFromConfigFile(file, { ...quiet(), env: {} }), `${T}.key`);
    assertNoBody(e.message, BODY);
    const e2 = expectConfigError(() => new KmipClient({ hosts: [{ host: 'kms', port: 5696 }], tls: { key: BODY_ONE_LINE, cert: CERT }, logger: capture().logger }), 'tls.key');
    assertNoBody(e2.message, BODY_ONE_LINE);
  });

  test('a file that is not PEM is named by its path, its content is not shown', () => {
    const dir = tmpDir();
    const p = write(dir, 'key.txt', BODY);
    const e = expectConfigError(() => settingsFromHostConfig(hostConfig({}, { key: p }), quiet()), `${T}.key`, p, 'not PEM');
    assertNoBody(e.message, BODY);
  });

  test('a passphrase of the wrong type is not echoed; nor is a long or multi-line value anywhere', () => {
    const e = expectConfigError(() => settingsFromHostConfig(hostConfig({}, { passphrase: 123456789 }), quiet()), `${T}.passphrase`, 'a number');
    assert.ok(!e.message.includes('123456789'), e.message);
    const long = 'h:'.repeat(100);
    const e2 = expectConfigError(() => settingsFromHostConfig(hostConfig({ providerName: long }), quiet()), 'kmip.providerName', '200 characters');
    assert.ok(!e2.message.includes('h:h:h:h:'), e2.message);
    const e3 = expectConfigError(() => settingsFromHostConfig(hostConfig({}, { servername: '' }), quiet()), `${T}.servername`, '"" (a string)');
    assert.ok(e3);
    // Short, single-line, not secret: echoed, so the operator sees the typo.
    expectConfigError(() => settingsFromHostConfig(hostConfig({}, { port: '56x6' }), quiet()), `${T}.port`, '"56x6" (a string)');
  });

  test('a missing chart PEM folder and unreadable values file name the path without reading further', () => {
    const dir = tmpDir();
    const values = write(dir, 'values.yaml', `kmip:\n  hosts: [kms]\n  passphrase: ${KEY.toString('base64').slice(0, 40)}\n  bad: [\n`);
    const e = expectConfigError(() => loadSettings({ chartValues: values, env: {} }, quiet()), 'chartValues', 'not valid YAML');
    assert.ok(!e.message.includes(KEY.toString('base64').slice(0, 40)), e.message);
  });
});
