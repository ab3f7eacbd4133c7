/**
 * Small real PEM material made synchronously with the `openssl` CLI at module
 * load (an EC P-256 key and its self-signed certificate take a few ms), for
 * configuration tests that only need parseable keys and certificates, not a
 * server that trusts them. For TLS against a server use `certs.ts`.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface KeyPair {
  /** PKCS#8 private key, unencrypted. */
  readonly key: string;
  /** Self-signed certificate of that key. */
  readonly cert: string;
  /** A line of the key's base64 body: it must never appear in a message or log line. */
  readonly bodyLine: string;
}

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-pem-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh key and self-signed certificate with the given CN. */
export function selfSignedSync(cn: string): KeyPair {
  return withTmp((dir) => {
    const cnf = path.join(dir, 'req.cnf');
    fs.writeFileSync(cnf, '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = x\n');
    const keyPath = path.join(dir, 'key.pem');
    const certPath = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-config', cnf, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${cn}`, '-days', '7', '-keyout', keyPath, '-out', certPath],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const key = fs.readFileSync(keyPath, 'utf8');
    return { key, cert: fs.readFileSync(certPath, 'utf8'), bodyLine: key.split('\n')[1]! };
  });
}

/** The key encrypted (PKCS#8, AES-256) under the passphrase. */
export function encryptKeySync(keyPem: string, passphrase: string): string {
  return withTmp((dir) => {
    const inPath = path.join(dir, 'in.pem');
    const outPath = path.join(dir, 'out.pem');
    fs.writeFileSync(inPath, keyPem);
    execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', inPath, '-out', outPath, '-passout', `pass:${passphrase}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return fs.readFileSync(outPath, 'utf8');
  });
}
