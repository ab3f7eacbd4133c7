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
 * system openssl.cnf (each invocation gets its own minimal config file). The
 * openssl primitives are the dev server's (`lib/server/certs.ts`); this file
 * only picks the test names, CNs and a 7-day validity.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { issueLeaf, makeCa, safeName, type CertFiles } from '../../lib/server/certs';

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

const VALID_DAYS = 7;
const SERVER_SAN = 'DNS:localhost,IP:127.0.0.1';

function issueClient(dir: string, ca: CertFiles, name: string, baseName: string, clientAuthEku: boolean): Promise<CertFiles> {
  return issueLeaf(dir, ca, { baseName, cn: name, kind: 'client', clientAuthEku, days: VALID_DAYS });
}

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
  const ca = await makeCa(dir, 'ca', 'kmip-kms test CA', VALID_DAYS);
  const [server, client] = await Promise.all([
    issueLeaf(dir, ca, { baseName: 'server', cn: 'localhost', kind: 'server', san: SERVER_SAN, days: VALID_DAYS }),
    issueClient(dir, ca, clientCn, 'client', clientAuthEku),
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
  const ca = { certPath: pki.caPath, keyPath: pki.caKeyPath };
  const { certPath, keyPath } = await issueClient(pki.dir, ca, name, `client-${safeName(name)}`, opts.clientAuthEku ?? true);
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
  const otherCa = await makeCa(dir, 'ca', 'unrelated test CA', VALID_DAYS);
  const { certPath, keyPath } = await issueClient(dir, otherCa, name, `client-${safeName(name)}`, true);
  const [{ cert, key }, ca] = await Promise.all([readPems(certPath, keyPath), fsp.readFile(otherCa.certPath, 'utf8')]);
  return { cn: name, certPath, keyPath, cert, key, caPath: otherCa.certPath, ca };
}
