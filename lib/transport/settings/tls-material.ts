/**
 * Checks of the TLS material before anything connects: PEM armour and
 * labels, the private key (encrypted? passphrase right?), the certificates,
 * the key against the certificate, and finally the whole secure context as
 * Node builds it (ciphers, versions). Every failure is a KmipConfigError
 * naming the setting; no message carries key material, a passphrase or text
 * that failed to parse.
 */
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'crypto';
import * as tls from 'tls';
import { fail, type Pem, type Val, type Warn } from './values';

const where = (p: Pem): string => (p.file === undefined ? 'value' : `file ${JSON.stringify(p.file)}`);

function pemBlocks(data: Buffer): { label: string; text: string }[] {
  const out: { label: string; text: string }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  const text = data.toString('latin1');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push({ label: m[1] ?? '', text: m[0] });
  return out;
}

function pemLabels(data: Buffer): string[] {
  const labels: string[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----/g;
  const text = data.toString('latin1');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) labels.push(m[1] ?? '');
  return labels;
}

const isPrivateKeyLabel = (l: string): boolean => l.endsWith('PRIVATE KEY');
const isCertLabel = (l: string): boolean => l === 'CERTIFICATE' || l === 'TRUSTED CERTIFICATE' || l === 'X509 CERTIFICATE';

/** The armour and labels: a key file holds a private key, a cert or CA file a certificate. */
export function checkPem(p: Pem, kind: 'key' | 'cert' | 'ca', warn: Warn): void {
  const labels = pemLabels(p.data);
  if (labels.length === 0) {
    const der = p.data.length > 0 && p.data[0] === 0x30 ? ' (it looks like DER: convert it to PEM with openssl)' : '';
    fail(p.key, `${where(p)} is not PEM: no "-----BEGIN" line found${der}`);
  }
  const hasKey = labels.some(isPrivateKeyLabel);
  const hasCert = labels.some(isCertLabel);
  const found = [...new Set(labels)].join(', ');
  if (kind === 'key') {
    if (!hasKey) {
      if (hasCert) fail(p.key, `${where(p)} contains a certificate, not a private key (are key and cert swapped?)`);
      fail(p.key, `${where(p)} contains no private key (found: ${found})`);
    }
    return;
  }
  const what = kind === 'cert' ? 'certificate' : 'CA certificate';
  if (!hasCert) {
    if (hasKey) fail(p.key, `${where(p)} contains a private key, not a ${what}${kind === 'cert' ? ' (are key and cert swapped?)' : ''}`);
    fail(p.key, `${where(p)} contains no ${what} (found: ${found})`);
  }
  if (hasKey) warn(`${p.key} ${where(p)} also contains a private key; keep private keys out of ${kind} files`, p.key);
}

/** OpenSSL's reason without anything of the input (its messages hold none, but keep only the reason). */
function reason(err: unknown): string {
  const e = err as { code?: unknown; reason?: unknown; message?: unknown };
  if (typeof e.reason === 'string' && e.reason !== '') return e.reason;
  const m = typeof e.message === 'string' ? e.message : '';
  const last = m.split(':').pop()?.trim() ?? '';
  return /^[a-zA-Z0-9 _().,-]{1,80}$/.test(last) ? last : typeof e.code === 'string' ? e.code : 'unreadable';
}

const isEncrypted = (p: Pem): boolean => {
  const t = p.data.toString('latin1');
  return t.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(t);
};

/**
 * Parses the private key with its passphrase. `passphraseName` names where a
 * passphrase is set (or could be) in this form.
 */
export function parsePrivateKey(key: Pem, passphrase: Val | undefined, passphraseName: string): KeyObject {
  const pass = typeof passphrase?.value === 'string' ? passphrase.value : undefined;
  const encrypted = isEncrypted(key);
  if (encrypted && pass === undefined) {
    fail(passphraseName, `is not set but ${key.key} (${where(key)}) is an encrypted private key: give its passphrase, or use an unencrypted key`);
  }
  const block = pemBlocks(key.data).find((b) => isPrivateKeyLabel(b.label));
  try {
    return createPrivateKey(pass === undefined ? { key: block?.text ?? key.data } : { key: block?.text ?? key.data, passphrase: pass });
  } catch (err) {
    const r = reason(err);
    // An encrypted key that fails to load with a passphrase given: nearly
    // always the passphrase. OpenSSL usually says `bad decrypt`, but about one
    // wrong passphrase in 300 decrypts to bytes whose padding happens to check
    // and fails later as an undecodable key (`DECODER routines::unsupported`).
    if (encrypted && pass !== undefined) {
      fail(passphrase?.key ?? passphraseName, `does not decrypt ${key.key} (${where(key)}): wrong passphrase, or a damaged key (${r})`);
    }
    fail(key.key, `${where(key)} holds a private key that cannot be read (${r})`);
  }
}

/** Parses every certificate block; returns the first (the leaf, for a client chain). */
export function parseCertificates(p: Pem, what: string): X509Certificate {
  let first: X509Certificate | undefined;
  for (const b of pemBlocks(p.data).filter((x) => isCertLabel(x.label))) {
    try {
      const c = new X509Certificate(b.text);
      first ??= c;
    } catch (err) {
      fail(p.key, `${where(p)} holds a ${what} that cannot be read (${reason(err)})`);
    }
  }
  if (!first) fail(p.key, `${where(p)} holds no complete ${what} (a -----BEGIN line without its -----END?)`);
  return first;
}

export function checkKeyMatchesCert(key: Pem, keyObject: KeyObject, cert: Pem, certificate: X509Certificate): void {
  const certSpki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  const keySpki = createPublicKey(keyObject).export({ type: 'spki', format: 'der' });
  if (!keySpki.equals(certSpki)) {
    fail(key.key, `${where(key)} does not match the certificate of ${cert.key} (${where(cert)}): the key is not the certificate's`);
  }
}

export interface SecureContextInput {
  readonly key?: Buffer;
  readonly cert?: Buffer;
  readonly passphrase?: string;
  readonly ca?: readonly Buffer[];
  readonly ciphers?: Val;
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Names the material for messages when Node refuses it as a whole. */
  readonly names: { readonly key: string; readonly ca: string; readonly tls: string };
}

/** Builds the secure context as the connection will; what Node refuses becomes a KmipConfigError. */
export function buildSecureContext(i: SecureContextInput): tls.SecureContext {
  if (i.ciphers && typeof i.ciphers.value === 'string') {
    try {
      tls.createSecureContext({ ciphers: i.ciphers.value, minVersion: i.minVersion ?? 'TLSv1.2', ...(i.maxVersion ? { maxVersion: i.maxVersion } : {}) });
    } catch (err) {
      fail(i.ciphers.key, `is not a cipher list OpenSSL accepts (${reason(err)})`);
    }
  }
  try {
    return tls.createSecureContext({
      minVersion: i.minVersion ?? 'TLSv1.2',
      ...(i.maxVersion ? { maxVersion: i.maxVersion } : {}),
      ...(i.ciphers && typeof i.ciphers.value === 'string' ? { ciphers: i.ciphers.value } : {}),
      ...(i.ca ? { ca: i.ca as Buffer[] } : {}),
      ...(i.cert ? { cert: i.cert } : {}),
      ...(i.key ? { key: i.key } : {}),
      ...(i.passphrase !== undefined ? { passphrase: i.passphrase } : {}),
    });
  } catch (err) {
    const r = reason(err);
    const name = /ca|x509|certificate/i.test(r) && !/key/i.test(r) ? i.names.ca : /key|decrypt/i.test(r) ? i.names.key : i.names.tls;
    fail(name, `is refused by Node's TLS layer (${r})`);
  }
}
