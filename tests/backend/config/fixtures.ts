/** Fixtures shared by the configuration tests: real (small) PEM material, a capturing logger, error assertions, temp files. */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { KmipConfigError } from '../../../lib/errors';
import type { LogFields, Logger } from '../../../lib/logger';
import { selfSignedSync } from '../../support/pem-fixtures';

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

export const CLIENT = selfSignedSync('kmip-client');
export const CA_PAIR = selfSignedSync('ca-one');
export const CA2_PAIR = selfSignedSync('ca-two');
/** A line of the client key's body: it must never show up in a message or a log line. */
export const SECRET = CLIENT.bodyLine;
export const KEY_PEM = CLIENT.key;
export const CERT_PEM = CLIENT.cert;
export const CA_PEM = CA_PAIR.cert;
export const CA2_PEM = CA2_PAIR.cert;
export const KEY = Buffer.from(KEY_PEM);
/** A PEM block header (a bare mention of "-----BEGIN" in a hint is fine). */
export const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;
export const CERT = Buffer.from(CERT_PEM);
export const CA = Buffer.from(CA_PEM);
export const CA2 = Buffer.from(CA2_PEM);

export interface Captured {
  logger: Logger;
  warnings: { msg: string; fields: LogFields | undefined }[];
  text(): string;
}

export const allLogText: string[] = [];

export function capture(): Captured {
  const warnings: { msg: string; fields: LogFields | undefined }[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (msg, fields) => {
      warnings.push({ msg, fields });
      allLogText.push(msg, JSON.stringify(fields ?? {}));
    },
    error: (msg, fields) => {
      allLogText.push(msg, JSON.stringify(fields ?? {}));
    },
  };
  return { logger, warnings, text: () => warnings.map((w) => w.msg).join('\n') };
}

/** Asserts a KmipConfigError naming `key` (in `.key` and in the message); returns it. */
export function expectConfigError(fn: () => unknown, key: string, ...mentions: (string | RegExp)[]): KmipConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof KmipConfigError, `expected KmipConfigError, got ${String(caught)}`);
  assert.equal(caught.key, key, `wrong key in: ${caught.message}`);
  assert.equal(caught.code, 'KMIP_CONFIG');
  assert.ok(caught.message.includes(key), `message does not name ${key}: ${caught.message}`);
  for (const m of mentions) {
    if (typeof m === 'string') assert.ok(caught.message.includes(m), `message lacks ${JSON.stringify(m)}: ${caught.message}`);
    else assert.match(caught.message, m);
  }
  assert.ok(!caught.message.includes(SECRET), `message leaks key material: ${caught.message}`);
  assert.doesNotMatch(caught.message, PEM_BLOCK, `message contains PEM text: ${caught.message}`);
  return caught;
}

const tmpDirs: string[] = [];
export function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-config-test-'));
  tmpDirs.push(d);
  return d;
}
after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  // No warning of the whole file ever carried key material.
  const all = allLogText.join('\n');
  assert.ok(!all.includes(SECRET), 'a log line leaked key material');
  assert.doesNotMatch(all, PEM_BLOCK, 'a log line contains PEM text');
});

export function write(dir: string, name: string, contents: string | Buffer): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, contents);
  return p;
}

/** A minimal valid host-form config. */
export function hostConfig(overrides: Record<string, unknown> = {}, tls: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providerName: 'thales',
    client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
    transport: { pipelineDepth: 8, tls: { host: 'kms.example.com', port: 5696, key: KEY, cert: CERT, ca: [CA], ...tls } },
    ...overrides,
  };
}

export const quiet = (): { logger: Logger } => ({ logger: capture().logger });

