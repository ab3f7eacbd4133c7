/**
 * Throwaway PKI for the dev server, made with the `openssl` CLI (no shell, no
 * prompts, no system openssl.cnf): a CA, a server certificate (SAN
 * DNS:localhost, IP:127.0.0.1, EKU serverAuth) and a client certificate (EKU
 * clientAuth, which PyKMIP-like servers require). Files already in the folder
 * are reused while they are valid for at least another day.
 *
 * The primitives (`runOpenssl`, `makeCa`, `issueLeaf`) also make the test PKI
 * (tests/support/certs.ts).
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

/** Runs `openssl <args>` (no shell); rejects with {@link OPENSSL_MISSING} when the command is not installed. */
export function runOpenssl(args: readonly string[]): Promise<void> {
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

/** A random positive 64-bit certificate serial (top bit cleared), as openssl `-set_serial` takes it. */
function serial(): string {
  const b = randomBytes(8);
  b[0] = b[0]! & 0x7f;
  return `0x${b.toString('hex')}`;
}

/** `name` with every character outside `[A-Za-z0-9._-]` replaced by `_`, safe in a file name. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Minimal `req` config: no prompts, DN taken from -subj, CA extensions for `req -x509`. */
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

/** Writes the req config for one certificate (one file each, so concurrent generations never race). */
async function writeReqConfig(dir: string, baseName: string): Promise<string> {
  const p = path.join(dir, `${baseName}.req.cnf`);
  await fsp.writeFile(p, REQ_CONFIG, { mode: 0o600 });
  return p;
}

const DEFAULT_DAYS = 365;
const SERVER_SAN = 'DNS:localhost,IP:127.0.0.1,IP:::1';

/** A certificate file and its (unencrypted) private key file. */
export interface CertFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

export interface LeafOptions {
  /** Files are `<dir>/<baseName>.crt` / `.key`. */
  readonly baseName: string;
  readonly cn: string;
  /** EKU serverAuth (server) or clientAuth (client, unless `clientAuthEku` is false). */
  readonly kind: 'server' | 'client';
  /** subjectAltName value, e.g. `DNS:localhost,IP:127.0.0.1`; none when omitted. */
  readonly san?: string;
  /** Client certificates only (default true). When false the certificate has NO extendedKeyUsage extension at all. */
  readonly clientAuthEku?: boolean;
  /** Validity in days (default 365). */
  readonly days?: number;
}

function leafExtensions(opts: LeafOptions): string[] {
  const lines = [
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid,issuer',
  ];
  if (opts.kind === 'server') lines.push('extendedKeyUsage = serverAuth');
  else if (opts.clientAuthEku ?? true) lines.push('extendedKeyUsage = clientAuth');
  if (opts.san !== undefined) lines.push(`subjectAltName = ${opts.san}`);
  return lines;
}

/** Makes a self-signed CA (`<dir>/<baseName>.crt` / `.key`, CN `cn`). */
export async function makeCa(dir: string, baseName: string, cn: string, days = DEFAULT_DAYS): Promise<CertFiles> {
  const cfg = await writeReqConfig(dir, baseName);
  const certPath = path.join(dir, `${baseName}.crt`);
  const keyPath = path.join(dir, `${baseName}.key`);
  await runOpenssl([
    'req', '-x509', '-config', cfg, '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', String(days),
    '-subj', `/CN=${cn}`, '-set_serial', serial(), '-keyout', keyPath, '-out', certPath,
  ]);
  await fsp.rm(cfg, { force: true });
  return { certPath, keyPath };
}

/** Issues a leaf certificate `<dir>/<baseName>.crt` / `.key` (new key + CSR), signed by `ca`. */
export async function issueLeaf(dir: string, ca: CertFiles, opts: LeafOptions): Promise<CertFiles> {
  const base = opts.baseName;
  const days = String(opts.days ?? DEFAULT_DAYS);
  const cfg = await writeReqConfig(dir, base);
  const extPath = path.join(dir, `${base}.ext`);
  const csr = path.join(dir, `${base}.csr`);
  const certPath = path.join(dir, `${base}.crt`);
  const keyPath = path.join(dir, `${base}.key`);
  await fsp.writeFile(extPath, ['[v3_leaf]', ...leafExtensions(opts), ''].join('\n'), { mode: 0o600 });
  await runOpenssl(['req', '-new', '-config', cfg, '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', `/CN=${opts.cn}`, '-keyout', keyPath, '-out', csr]);
  await runOpenssl([
    'x509', '-req', '-in', csr, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-set_serial', serial(), '-days', days, '-sha256',
    '-extfile', extPath, '-extensions', 'v3_leaf', '-out', certPath,
  ]);
  await Promise.all([cfg, extPath, csr].map((p) => fsp.rm(p, { force: true })));
  return { certPath, keyPath };
}

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

/** Issues another client certificate (CN `cn`) from the dev CA in `pki.dir`: `client-<cn>.crt/.key`. */
export async function issueDevClientCert(pki: DevPki, cn: string): Promise<CertFiles> {
  return issueLeaf(pki.dir, { certPath: pki.caPath, keyPath: pki.caKeyPath }, { baseName: `client-${safeName(cn)}`, cn, kind: 'client' });
}

/**
 * Makes (or reuses) the dev PKI in `dir`. Generation happens in a private
 * subfolder and each finished file is renamed into place, so a concurrent
 * reader never sees half a file.
 */
export async function ensureDevPki(dir: string, opts: DevPkiOptions = {}): Promise<DevPki> {
  const clientCn = opts.clientCn ?? 'kmip-dev-client';
  const days = opts.days ?? DEFAULT_DAYS;
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
    // Base names match FILES: `ca`, `server`, `client` (.crt / .key).
    const ca = await makeCa(work, 'ca', 'kmip-kms dev server CA (throwaway)', days);
    await Promise.all([
      issueLeaf(work, ca, { baseName: 'server', cn: 'localhost', kind: 'server', san: SERVER_SAN, days }),
      issueLeaf(work, ca, { baseName: 'client', cn: clientCn, kind: 'client', days }),
    ]);
    for (const f of Object.values(FILES)) await fsp.rename(path.join(work, f), p(f));
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
  return { ...pki, generated: true };
}
