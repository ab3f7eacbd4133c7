/**
 * Throwaway PKI for the dev server, made with the `openssl` CLI (no shell, no
 * prompts, no system openssl.cnf): a CA, a server certificate (SAN
 * DNS:localhost, IP:127.0.0.1, EKU serverAuth) and a client certificate (EKU
 * clientAuth, which PyKMIP-like servers require). Files already in the folder
 * are reused while they are valid for at least another day.
 *
 * Every private key here is unencrypted: development and tests only.
 */
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export interface DevPki {
  readonly dir: string;
  readonly caPath: string;
  readonly caKeyPath: string;
  readonly serverCertPath: string;
  readonly serverKeyPath: string;
  readonly clientCertPath: string;
  readonly clientKeyPath: string;
  /** CN of the client certificate: the owner of the objects it creates. */
  readonly clientCn: string;
  /** True when the files were made now, false when reused. */
  readonly generated: boolean;
}

export interface DevPkiOptions {
  /** CN of the client certificate (default `kmip-dev-client`). */
  readonly clientCn?: string;
  /** Validity in days (default 365). */
  readonly days?: number;
}

export const OPENSSL_MISSING =
  'the kmip-kms dev server makes its throwaway certificates with the openssl command, which was not found: ' +
  'install openssl (e.g. `apt-get install openssl`) or pass certificates you made yourself';

const FILES = {
  ca: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'server.crt',
  serverKey: 'server.key',
  clientCert: 'client.crt',
  clientKey: 'client.key',
} as const;

function runOpenssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) {
        resolve();
        return;
      }
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') reject(new Error(OPENSSL_MISSING));
      else reject(new Error(`openssl ${args[0] ?? ''} failed: ${err.message}\n${String(stderr)}`));
    });
  });
}

function serial(): string {
  const b = randomBytes(8);
  b[0] = b[0]! & 0x7f;
  return `0x${b.toString('hex')}`;
}

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

const LEAF_COMMON = [
  'basicConstraints = critical,CA:FALSE',
  'keyUsage = critical,digitalSignature,keyEncipherment',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid,issuer',
];
const SERVER_EXT = [...LEAF_COMMON, 'extendedKeyUsage = serverAuth', 'subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1'];
const CLIENT_EXT = [...LEAF_COMMON, 'extendedKeyUsage = clientAuth'];

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

/** True when the certificate file parses and stays valid for at least a day. */
async function usableCert(p: string): Promise<boolean> {
  try {
    const c = new X509Certificate(await fsp.readFile(p));
    return Date.parse(c.validTo) > Date.now() + 24 * 3600 * 1000;
  } catch {
    return false;
  }
}

async function makeCa(dir: string, cn: string, days: string): Promise<void> {
  const cfg = path.join(dir, 'ca.req.cnf');
  await fsp.writeFile(cfg, REQ_CONFIG, { mode: 0o600 });
  await runOpenssl([
    'req', '-x509', '-config', cfg, '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', days,
    '-subj', `/CN=${cn}`, '-set_serial', serial(), '-keyout', path.join(dir, FILES.caKey), '-out', path.join(dir, FILES.ca),
  ]);
}

/** Issues `<base>.crt` / `<base>.key` in `dir`, signed by the CA files given. */
export async function issueLeaf(
  dir: string,
  base: string,
  cn: string,
  caCertPath: string,
  caKeyPath: string,
  ext: readonly string[],
  days = '365',
): Promise<{ certPath: string; keyPath: string }> {
  const cfg = path.join(dir, `${base}.req.cnf`);
  const extPath = path.join(dir, `${base}.ext`);
  const csr = path.join(dir, `${base}.csr`);
  const certPath = path.join(dir, `${base}.crt`);
  const keyPath = path.join(dir, `${base}.key`);
  await fsp.writeFile(cfg, REQ_CONFIG, { mode: 0o600 });
  await fsp.writeFile(extPath, ['[v3_leaf]', ...ext, ''].join('\n'), { mode: 0o600 });
  await runOpenssl(['req', '-new', '-config', cfg, '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', `/CN=${cn}`, '-keyout', keyPath, '-out', csr]);
  await runOpenssl([
    'x509', '-req', '-in', csr, '-CA', caCertPath, '-CAkey', caKeyPath, '-set_serial', serial(), '-days', days, '-sha256',
    '-extfile', extPath, '-extensions', 'v3_leaf', '-out', certPath,
  ]);
  await Promise.all([cfg, extPath, csr].map((p) => fsp.rm(p, { force: true })));
  return { certPath, keyPath };
}

/** Issues another client certificate (CN `cn`) from the dev CA in `pki.dir`: `client-<cn>.crt/.key`. */
export async function issueDevClientCert(pki: DevPki, cn: string): Promise<{ certPath: string; keyPath: string }> {
  const base = `client-${cn.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  return issueLeaf(pki.dir, base, cn, pki.caPath, pki.caKeyPath, CLIENT_EXT);
}

/**
 * Makes (or reuses) the dev PKI in `dir`. Generation happens in a private
 * subfolder and each finished file is renamed into place, so a concurrent
 * reader never sees half a file.
 */
export async function ensureDevPki(dir: string, opts: DevPkiOptions = {}): Promise<DevPki> {
  const clientCn = opts.clientCn ?? 'kmip-dev-client';
  const days = String(opts.days ?? 365);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const p = (f: string): string => path.join(dir, f);
  const pki = {
    dir,
    caPath: p(FILES.ca),
    caKeyPath: p(FILES.caKey),
    serverCertPath: p(FILES.serverCert),
    serverKeyPath: p(FILES.serverKey),
    clientCertPath: p(FILES.clientCert),
    clientKeyPath: p(FILES.clientKey),
    clientCn,
  };
  const present = await Promise.all(Object.values(FILES).map((f) => exists(p(f))));
  if (present.every(Boolean)) {
    const valid = await Promise.all([pki.caPath, pki.serverCertPath, pki.clientCertPath].map(usableCert));
    if (valid.every(Boolean)) {
      const cn = new X509Certificate(await fsp.readFile(pki.clientCertPath)).subject.match(/CN=([^\n,]+)/)?.[1];
      return { ...pki, clientCn: cn ?? clientCn, generated: false };
    }
  }
  const work = await fsp.mkdtemp(path.join(dir, '.gen-'));
  try {
    await makeCa(work, 'kmip-kms dev server CA (throwaway)', days);
    const caCert = path.join(work, FILES.ca);
    const caKey = path.join(work, FILES.caKey);
    await Promise.all([
      issueLeaf(work, 'server', 'localhost', caCert, caKey, SERVER_EXT, days),
      issueLeaf(work, 'client', clientCn, caCert, caKey, CLIENT_EXT, days),
    ]);
    for (const f of Object.values(FILES)) await fsp.rename(path.join(work, f), p(f));
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
  return { ...pki, generated: true };
}
