// Issue 9 §1: every TLS mistake is a KmipConfigError naming the setting, thrown by `new KmipBackend(...)` /
// `new KmipClient(...)` before anything connects (the secure context is built at construction). Before, these
// passed construction and `tls.connect` threw inside a timer at the first call, taking the host process down.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';

import { KmipBackend } from '../../../lib/backend/backend';
import { KmipClient } from '../../../lib/client';
import { KmipConfigError } from '../../../lib/errors';
import { parsePrivateKey } from '../../../lib/transport/settings/tls-material';
import { encryptKeySync, selfSignedSync } from '../../support/pem-fixtures';
import { CA, CERT, CERT_PEM, KEY, SECRET, capture, expectConfigError, quiet } from './fixtures';

const PASSPHRASE = 'correct horse battery staple';
const ENCRYPTED_KEY = Buffer.from(encryptKeySync(KEY.toString(), PASSPHRASE));
const OTHER = selfSignedSync('someone-else');
const T = 'kmip.transport.tls';

/** A listener that records whether anything connected (nothing may). */
async function watchedPort(): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  let n = 0;
  const srv = net.createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  return { port, connections: () => n, close: () => new Promise((r) => srv.close(() => r())) };
}

function kmip(port: number, tls: Record<string, unknown>): Record<string, unknown> {
  return { providerName: 'kmip', transport: { tls: { host: '127.0.0.1', port, key: KEY, cert: CERT, ca: [CA], ...tls } } };
}

/** Both constructors throw the same KmipConfigError (key per form), and nothing connects. */
async function expectRefusedAtConstruction(tls: Record<string, unknown>, backendKey: string, clientKey: string, ...mentions: (string | RegExp)[]): Promise<void> {
  const w = await watchedPort();
  try {
    expectConfigError(() => new KmipBackend({ kmip: kmip(w.port, tls), logger: capture().logger }), backendKey, ...mentions);
    const clientTls = { key: KEY, cert: CERT, ca: [CA], ...tls };
    expectConfigError(() => new KmipClient({ hosts: [{ host: '127.0.0.1', port: w.port }], tls: clientTls as never, logger: capture().logger }), clientKey, ...mentions);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(w.connections(), 0, 'nothing may connect');
  } finally {
    await w.close();
  }
}

describe('TLS settings are checked at construction, before anything connects', () => {
  test('an encrypted key with the right passphrase is accepted', () => {
    const b = new KmipBackend({ kmip: kmip(5696, { key: ENCRYPTED_KEY, passphrase: PASSPHRASE }), ...quiet() });
    assert.equal(b.settings.transport.tls.passphrase, PASSPHRASE);
    void b.close();
  });

  test('an encrypted key without passphrase', async () => {
    await expectRefusedAtConstruction({ key: ENCRYPTED_KEY }, `${T}.passphrase`, 'tls.passphrase', 'encrypted private key');
  });

  test('a wrong passphrase', async () => {
    await expectRefusedAtConstruction({ key: ENCRYPTED_KEY, passphrase: 'wrong' }, `${T}.passphrase`, 'tls.passphrase', 'wrong passphrase');
  });

  test('a wrong passphrase whatever it decrypts to: 2000 wrong ones, each blamed on the passphrase', () => {
    // About one wrong passphrase in 300 decrypts to bytes whose padding checks; OpenSSL then
    // fails on the key itself (`DECODER routines::unsupported`), which was blamed on tls.key.
    const key = { key: `${T}.key`, data: ENCRYPTED_KEY, file: undefined };
    for (let i = 0; i < 2000; i++) {
      try {
        parsePrivateKey(key, { value: `wrong-${i}`, key: `${T}.passphrase` }, `${T}.passphrase`);
        assert.fail(`wrong-${i} was accepted`);
      } catch (err) {
        assert.ok(err instanceof KmipConfigError, String(err));
        assert.equal(err.key, `${T}.passphrase`, `wrong-${i}: ${err.message}`);
        assert.match(err.message, /wrong passphrase/);
        assert.ok(!err.message.includes(`wrong-${i}`), 'the passphrase is echoed');
      }
    }
  });

  test('a malformed key (armour right, body broken)', async () => {
    const broken = Buffer.from(KEY.toString().replace(SECRET, SECRET.split('').reverse().join('')));
    await expectRefusedAtConstruction({ key: broken }, `${T}.key`, 'tls.key', 'cannot be read');
  });

  test('a malformed certificate and a malformed CA', async () => {
    const lines = CERT_PEM.split('\n');
    const brokenCert = Buffer.from([lines[0], lines[1], 'AAAA' + lines[2]!.slice(4), ...lines.slice(3)].join('\n'));
    await expectRefusedAtConstruction({ cert: brokenCert }, `${T}.cert`, 'tls.cert', 'cannot be read');
    const brokenCa = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBnotbase64!!\n-----END CERTIFICATE-----\n');
    await expectRefusedAtConstruction({ ca: [CA, brokenCa] }, `${T}.ca[1]`, 'tls.ca[1]', 'cannot be read');
  });

  test('a key that is not the certificate\'s', async () => {
    await expectRefusedAtConstruction({ key: Buffer.from(OTHER.key) }, `${T}.key`, 'tls.key', 'does not match the certificate');
  });

  test('a cipher list OpenSSL rejects', async () => {
    await expectRefusedAtConstruction({ ciphers: 'NOT-A-CIPHER:ALSO-NOT' }, `${T}.ciphers`, 'tls.ciphers', 'cipher list');
  });

  test('minVersion above maxVersion', async () => {
    await expectRefusedAtConstruction({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' }, `${T}.maxVersion`, 'tls.maxVersion', 'below minVersion');
  });

  test('the secure context built at construction is the one connections use', () => {
    const c = new KmipClient({ hosts: [{ host: 'kms', port: 5696 }], tls: { key: KEY, cert: CERT, ca: [CA] }, logger: capture().logger });
    assert.ok(c.transport.options.secureContext, 'resolved options carry the secure context');
    void c.close();
    assert.ok(KmipConfigError);
  });
});
