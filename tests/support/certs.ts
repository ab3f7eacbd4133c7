/**
 * Test PKI generation with the `openssl` CLI (no shell, no prompts).
 *
 * Produces a self-signed CA, a server certificate (SAN DNS:localhost,
 * IP:127.0.0.1, EKU serverAuth) and a client certificate (EKU clientAuth,
 * which PyKMIP requires: without it every request fails with
 * "Authentication Not Successful"). PyKMIP uses the client certificate CN as
 * the object owner.
 *
 * Every file is written under the given directory; nothing is read from the
 * system openssl.cnf (each invocation gets its own minimal config file).
 */
import { execFile } from 'child_process';
import { randomBytes } from 'crypto';
import { promises as fsp } from 'fs';
import * as path from 'path';

export interface TestPki {
  dir: string;
  caPath: string;
  caKeyPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  /** PEM of the CA certificate. */
  ca: string;
  /** PEM of the default client certificate. */
  clientCert: string;
  /** PEM of the default client private key (PKCS#8, unencrypted). */
  clientKey: string;
  /** CN of the default client certificate (the PyKMIP object owner). */
  clientCn: string;
}

export interface ClientCert {
  cn: string;
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

/** A client certificate issued by a CA unrelated to the test PKI's CA. */
export interface OtherCaClient extends ClientCert {
  caPath: string;
  ca: string;
}

export interface ClientCertOptions {
  /** Include extendedKeyUsage=clientAuth (default true). When false the
   * certificate has NO extendedKeyUsage extension at all, so the TLS
   * handshake still succeeds but PyKMIP rejects every request with
   * "Authentication Not Successful". */
  clientAuthEku?: boolean;
}

export interface TestPkiOptions extends ClientCertOptions {
  /** CN of the default client certificate (default `kmip-client`). */
  clientCn?: string;
}

const OPENSSL = 'openssl';
const VALID_DAYS = '7';

function runOpenssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      OPENSSL,
      args,
      { timeout: 30_000, maxBuffer: 4 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (err) {
          reject(new Error(`openssl ${args[0] ?? ''} failed: ${err.message}\n${String(stderr)}`));
        } else {
          resolve();
        }
      },
    );
  });
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

function randomSerial(): string {
  // Positive 64-bit serial (top bit cleared).
  const b = randomBytes(8);
  b[0] = (b[0] ?? 0) & 0x7f;
  return `0x${b.toString('hex')}`;
}

/** Minimal `req` config: no prompts, DN taken from -subj. */
const REQ_CONFIG = [
  '[req]',
  'distinguished_name = dn',
  'prompt = no',
  'x509_extensions = v3_ca',
  '[dn]',
  'CN = placeholder',
  '[v3_ca]',
  'basicConstraints = critical,CA:TRUE',
  'keyUsage = critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid:always',
  '',
].join('\n');

async function writeReqConfig(dir: string, baseName: string): Promise<string> {
  // One file per certificate so concurrent generations never race.
  const p = path.join(dir, `${baseName}.req.cnf`);
  await fsp.writeFile(p, REQ_CONFIG, { mode: 0o600 });
  return p;
}

async function makeCa(dir: string, baseName: string, cn: string): Promise<{ certPath: string; keyPath: string }> {
  const cfg = await writeReqConfig(dir, baseName);
  const certPath = path.join(dir, `${baseName}.crt`);
  const keyPath = path.join(dir, `${baseName}.key`);
  await runOpenssl([
    'req', '-x509', '-config', cfg, '-newkey', 'rsa:2048', '-nodes', '-sha256',
    '-days', VALID_DAYS, '-subj', `/CN=${cn}`, '-set_serial', randomSerial(),
    '-keyout', keyPath, '-out', certPath,
  ]);
  await fsp.rm(cfg, { force: true });
  return { certPath, keyPath };
}

/** Create a key + CSR, then sign it with the CA using the given extensions. */
async function issueLeaf(
  dir: string,
  baseName: string,
  cn: string,
  caCertPath: string,
  caKeyPath: string,
  extLines: string[],
): Promise<{ certPath: string; keyPath: string }> {
  const cfg = await writeReqConfig(dir, baseName);
  const keyPath = path.join(dir, `${baseName}.key`);
  const csrPath = path.join(dir, `${baseName}.csr`);
  const certPath = path.join(dir, `${baseName}.crt`);
  const extPath = path.join(dir, `${baseName}.ext`);
  await fsp.writeFile(extPath, ['[v3_leaf]', ...extLines, ''].join('\n'), { mode: 0o600 });
  await runOpenssl([
    'req', '-new', '-config', cfg, '-newkey', 'rsa:2048', '-nodes', '-sha256',
    '-subj', `/CN=${cn}`, '-keyout', keyPath, '-out', csrPath,
  ]);
  await runOpenssl([
    'x509', '-req', '-in', csrPath, '-CA', caCertPath, '-CAkey', caKeyPath,
    '-set_serial', randomSerial(), '-days', VALID_DAYS, '-sha256',
    '-extfile', extPath, '-extensions', 'v3_leaf', '-out', certPath,
  ]);
  await Promise.all([csrPath, extPath, cfg].map((p) => fsp.rm(p, { force: true })));
  return { certPath, keyPath };
}

function clientExtLines(clientAuthEku: boolean): string[] {
  const lines = [
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid,issuer',
  ];
  if (clientAuthEku) lines.push('extendedKeyUsage = clientAuth');
  return lines;
}

const SERVER_EXT_LINES = [
  'basicConstraints = critical,CA:FALSE',
  'keyUsage = critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage = serverAuth',
  'subjectAltName = DNS:localhost,IP:127.0.0.1',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid,issuer',
];

async function readPems(certPath: string, keyPath: string): Promise<{ cert: string; key: string }> {
  const [cert, key] = await Promise.all([fsp.readFile(certPath, 'utf8'), fsp.readFile(keyPath, 'utf8')]);
  return { cert, key };
}

/**
 * Generate a CA, a server certificate and a default client certificate in
 * `dir` (which must exist). Takes a few hundred milliseconds.
 */
export async function makeTestPki(dir: string, opts: TestPkiOptions = {}): Promise<TestPki> {
  const clientCn = opts.clientCn ?? 'kmip-client';
  const clientAuthEku = opts.clientAuthEku ?? true;
  await fsp.mkdir(dir, { recursive: true });
  const ca = await makeCa(dir, 'ca', 'kmip-kms test CA');
  const [server, client] = await Promise.all([
    issueLeaf(dir, 'server', 'localhost', ca.certPath, ca.keyPath, SERVER_EXT_LINES),
    issueLeaf(dir, 'client', clientCn, ca.certPath, ca.keyPath, clientExtLines(clientAuthEku)),
  ]);
  const [caPem, clientPems] = await Promise.all([
    fsp.readFile(ca.certPath, 'utf8'),
    readPems(client.certPath, client.keyPath),
  ]);
  return {
    dir,
    caPath: ca.certPath,
    caKeyPath: ca.keyPath,
    serverCertPath: server.certPath,
    serverKeyPath: server.keyPath,
    clientCertPath: client.certPath,
    clientKeyPath: client.keyPath,
    ca: caPem,
    clientCert: clientPems.cert,
    clientKey: clientPems.key,
    clientCn,
  };
}

/**
 * Issue an additional client certificate from the test PKI's CA, e.g. a
 * second owner identity, or one without the clientAuth EKU.
 * Files are `<dir>/client-<name>.{crt,key}`; `name` is also the CN.
 */
export async function makeClientCert(pki: TestPki, name: string, opts: ClientCertOptions = {}): Promise<ClientCert> {
  const base = `client-${safeName(name)}`;
  const { certPath, keyPath } = await issueLeaf(
    pki.dir, base, name, pki.caPath, pki.caKeyPath, clientExtLines(opts.clientAuthEku ?? true),
  );
  const { cert, key } = await readPems(certPath, keyPath);
  return { cn: name, certPath, keyPath, cert, key };
}

/**
 * Create a second, unrelated CA in `<pki.dir>/other-ca/` and a client
 * certificate (with clientAuth EKU, CN `name`) signed by it. The server does
 * not trust this CA, so the TLS handshake must fail.
 */
export async function makeOtherCaClient(pki: TestPki, name = 'other-ca-client'): Promise<OtherCaClient> {
  const dir = path.join(pki.dir, 'other-ca');
  await fsp.mkdir(dir, { recursive: true });
  const otherCa = await makeCa(dir, 'ca', 'unrelated test CA');
  const { certPath, keyPath } = await issueLeaf(
    dir, `client-${safeName(name)}`, name, otherCa.certPath, otherCa.keyPath, clientExtLines(true),
  );
  const [{ cert, key }, ca] = await Promise.all([readPems(certPath, keyPath), fsp.readFile(otherCa.certPath, 'utf8')]);
  return { cn: name, certPath, keyPath, cert, key, caPath: otherCa.certPath, ca };
}
