/**
 * Shared helpers for the KmipClient interop tests against a real PyKMIP 0.10
 * server (tests/support/pykmip.ts). Not a test file itself.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { inspect } from 'node:util';
import { after, before } from 'node:test';
import { KmipClient, type KmipClientOptions } from '../../lib/client';
import { KmipError } from '../../lib/errors';
import type { LogFields, Logger } from '../../lib/logger';
import type { ProtocolVersion } from '../../lib/kmip/protocol';
import type { PykmipServer } from '../support/pykmip';

/** Every version PyKMIP 0.10 offers in a Discover Versions answer with an empty offer, in its order. */
export const PYKMIP_VERSIONS: readonly ProtocolVersion[] = [
  { major: 2, minor: 0 },
  { major: 1, minor: 4 },
  { major: 1, minor: 3 },
  { major: 1, minor: 2 },
  { major: 1, minor: 1 },
  { major: 1, minor: 0 },
];

export interface VersionConfig {
  readonly label: string;
  /** `protocolVersions` given to the client. */
  readonly offer: readonly ProtocolVersion[];
  /** What the client must negotiate with PyKMIP for that offer. */
  readonly expected: ProtocolVersion;
}

/** The two protocol configurations every interop suite runs under. */
export const VERSION_CONFIGS: readonly VersionConfig[] = [
  {
    label: 'KMIP 1.4 (offer 1.4, 1.3, 1.2)',
    offer: [
      { major: 1, minor: 4 },
      { major: 1, minor: 3 },
      { major: 1, minor: 2 },
    ],
    expected: { major: 1, minor: 4 },
  },
  {
    label: 'KMIP 2.0 (offer 2.0 only)',
    offer: [{ major: 2, minor: 0 }],
    expected: { major: 2, minor: 0 },
  },
];

/** Cryptographic Parameters for AES / CBC / PKCS5 (enumeration values). */
export const AES_CBC_PKCS5 = { blockCipherMode: 1, paddingMethod: 3, cryptographicAlgorithm: 3 } as const;

/** Local reference: AES-256-CBC with PKCS#7 (= PKCS5) padding. */
export function localAes256Cbc(key: Buffer, iv: Buffer, plaintext: Buffer): Buffer {
  const c = crypto.createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([c.update(plaintext), c.final()]);
}

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly fields: LogFields | undefined;
}

/** Keeps every log line (so tests stay quiet and can inspect what was logged). */
export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  #push(level: string, msg: string, fields?: LogFields): void {
    this.lines.push({ level, msg, fields });
  }
  debug(msg: string, fields?: LogFields): void {
    this.#push('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.#push('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.#push('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.#push('error', msg, fields);
  }
  trace(msg: string, fields?: LogFields): void {
    this.#push('trace', msg, fields);
  }
  text(): string {
    return this.lines.map((l) => `${l.level} ${l.msg} ${safeJson(l.fields)}`).join('\n');
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? '';
  } catch {
    return inspect(v, { depth: 8 });
  }
}

/** Every textual rendering of an error a caller or a log pipeline could see. */
export function renderError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error) {
      parts.push(e.message, e.stack ?? '', safeJson(e), String(e));
      e = e.cause;
    } else {
      parts.push(String(e), safeJson(e));
      break;
    }
  }
  parts.push(inspect(err, { depth: 10, showHidden: false }));
  return parts.join('\n');
}

/**
 * Collects the key material fetched by Get and every error / log line seen in
 * a suite, to assert at the end that no key material leaked into any of them.
 */
export class Evidence {
  readonly keys: Buffer[] = [];
  readonly errors: unknown[] = [];
  readonly loggers: RecordingLogger[] = [];

  key(material: Buffer): Buffer {
    this.keys.push(material);
    return material;
  }

  error<E>(err: E): E {
    this.errors.push(err);
    return err;
  }

  logger(): RecordingLogger {
    const l = new RecordingLogger();
    this.loggers.push(l);
    return l;
  }

  assertNoKeyMaterial(): void {
    assert.ok(this.keys.length > 0, 'no key material was collected: the leak check would be vacuous');
    assert.ok(this.errors.length > 0, 'no errors were collected: the leak check would be vacuous');
    const texts = [...this.errors.map(renderError), ...this.loggers.map((l) => l.text())];
    for (const k of this.keys) {
      const needles = [k.toString('hex'), k.toString('hex').toUpperCase(), k.toString('base64'), k.subarray(0, 12).toString('hex')];
      for (const t of texts) {
        for (const n of needles) {
          assert.ok(!t.includes(n), `key material (${n.slice(0, 8)}…) appears in an error or log line:\n${t.slice(0, 2000)}`);
        }
      }
    }
  }
}

export function clientOptions(s: PykmipServer, extra: Partial<KmipClientOptions> = {}): KmipClientOptions {
  return {
    hosts: [{ host: s.host, port: s.port }],
    tls: { ca: s.pki.ca, cert: s.pki.clientCert, key: s.pki.clientKey, servername: 'localhost' },
    ...extra,
  };
}

/**
 * Registers before/after hooks creating one client for the suite. Call inside
 * the pykmipSuite body (its server is started before this before() runs). The
 * after() close is a fallback: suites close explicitly in their last test,
 * while the server is still up.
 */
export function suiteClient(srv: () => PykmipServer, extra: () => Partial<KmipClientOptions> = () => ({})): () => KmipClient {
  let client: KmipClient | undefined;
  before(() => {
    client = new KmipClient(clientOptions(srv(), extra()));
  });
  after(async () => {
    await client?.close({ drainTimeoutMs: 0 });
  });
  return () => {
    if (client === undefined) throw new Error('client not created (before() hook failed?)');
    return client;
  };
}

type ErrorClass<T> = abstract new (...args: never[]) => T;

/** Awaits `p`, which must reject with an instance of `cls`; returns the error. */
export async function rejectsWith<T extends KmipError>(p: Promise<unknown>, cls: ErrorClass<T>, evidence?: Evidence): Promise<T> {
  let value: unknown;
  try {
    value = await p;
  } catch (err) {
    evidence?.error(err);
    if (!(err instanceof cls)) {
      assert.fail(`expected a ${cls.name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
    assert.ok(err instanceof KmipError, 'every client error is a KmipError');
    return err;
  }
  return assert.fail(`expected a ${cls.name} rejection, but it resolved with ${inspect(value, { depth: 3 })}`);
}

export function randomName(prefix: string): string {
  return `${prefix}-${crypto.randomBytes(6).toString('hex')}`;
}

/** Percentile (nearest rank) of an unsorted list. */
export function percentile(values: readonly number[], p: number): number {
  assert.ok(values.length > 0);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}
