import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'child_process';
import * as fs from 'fs';
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { makeClientCert, makeOtherCaClient, makeTestPki, type TestPki } from './certs';
import { pykmipSuite, tlsOptionsFor } from './pykmip';

function x509Text(certPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('openssl', ['x509', '-noout', '-text', '-in', certPath], (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${String(stderr)}`));
      else resolve(String(stdout));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface HandshakeResult {
  ok: boolean;
  protocol: string | null;
  error?: string;
}

function handshake(opts: tls.ConnectionOptions): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const sock = tls.connect(opts);
    let settled = false;
    const done = (r: HandshakeResult): void => {
      if (settled) return;
      settled = true;
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(5_000, () => done({ ok: false, protocol: null, error: 'timeout' }));
    sock.once('secureConnect', () => done({ ok: true, protocol: sock.getProtocol() }));
    sock.once('error', (e) => done({ ok: false, protocol: null, error: e.message }));
    sock.once('close', () => done({ ok: false, protocol: null, error: 'closed before handshake' }));
  });
}

describe('makeTestPki (openssl)', () => {
  let dir: string;
  let pki: TestPki;
  before(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kmip-pki-test-'));
    pki = await makeTestPki(dir, { clientCn: 'owner-a' });
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('client cert carries the clientAuth EKU and the requested CN', async () => {
    const text = await x509Text(pki.clientCertPath);
    assert.match(text, /TLS Web Client Authentication/);
    assert.match(text, /Subject: CN ?= ?owner-a/);
    assert.match(pki.clientCert, /-----BEGIN CERTIFICATE-----/);
    assert.match(pki.clientKey, /-----BEGIN (RSA )?PRIVATE KEY-----/);
    assert.match(pki.ca, /-----BEGIN CERTIFICATE-----/);
  });

  it('server cert has SAN localhost/127.0.0.1 and serverAuth EKU', async () => {
    const text = await x509Text(pki.serverCertPath);
    assert.match(text, /DNS:localhost/);
    assert.match(text, /IP Address:127\.0\.0\.1/);
    assert.match(text, /TLS Web Server Authentication/);
  });

  it('makeClientCert({clientAuthEku:false}) has no EKU at all', async () => {
    const c = await makeClientCert(pki, 'no-eku', { clientAuthEku: false });
    const text = await x509Text(c.certPath);
    assert.doesNotMatch(text, /Extended Key Usage/);
    assert.match(text, /Subject: CN ?= ?no-eku/);
  });

  it('makeOtherCaClient issues from an unrelated CA', async () => {
    const o = await makeOtherCaClient(pki);
    assert.notEqual(o.ca, pki.ca);
    const text = await x509Text(o.certPath);
    assert.match(text, /Issuer: CN ?= ?unrelated test CA/);
    assert.match(text, /TLS Web Client Authentication/);
  });
});

pykmipSuite('PyKMIP harness', (srv) => {
  it('accepts a TLS 1.2 handshake with the client certificate', async () => {
    const s = srv();
    assert.equal(s.host, '127.0.0.1');
    assert.ok(s.port > 0);
    const r = await handshake(tlsOptionsFor(s));
    assert.equal(r.ok, true, r.error);
    assert.equal(r.protocol, 'TLSv1.2');
  });

  it('rejects a client certificate from an unrelated CA', async () => {
    const s = srv();
    const other = await makeOtherCaClient(s.pki);
    const r = await handshake(tlsOptionsFor(s, other));
    assert.equal(r.ok, false);
  });

  it('completes the TLS handshake for a client cert without EKU (PyKMIP rejects it later, per request)', async () => {
    const s = srv();
    const noEku = await makeClientCert(s.pki, 'no-eku', { clientAuthEku: false });
    const r = await handshake(tlsOptionsFor(s, noEku));
    assert.equal(r.ok, true, r.error);
  });

  it('server process is alive and writes its log in the temp dir', () => {
    const s = srv();
    assert.ok(pidAlive(s.pid), `pid ${s.pid} should be alive`);
    assert.ok(s.dir.startsWith(os.tmpdir()));
    assert.ok(s.logPath.startsWith(s.dir));
    assert.ok(fs.existsSync(s.logPath));
    assert.match(s.readLog(), /Starting connection service/);
  });

  it('stop() kills the process and removes the temp dir (idempotent)', async () => {
    const s = srv();
    await s.stop();
    assert.equal(pidAlive(s.pid), false, `pid ${s.pid} should be gone`);
    // PyKMIP forks helpers (multiprocessing Manager, policy monitor) into the same group.
    assert.equal(pidAlive(-s.pid), false, `process group ${s.pid} should be gone`);
    assert.equal(fs.existsSync(s.dir), false, `${s.dir} should be removed`);
    await s.stop();
  });
});
