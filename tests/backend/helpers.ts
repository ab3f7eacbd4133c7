/**
 * Shared helpers for the host-adapter (KmipBackend) tests. Not a test file.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import * as net from 'node:net';
import type { KmipBackend } from '../../lib/backend/backend';
import { Tag } from '../../lib/kmip/tags';
import type { LogFields } from '../../lib/logger';
import { ttlv } from '../../lib/ttlv';
import { OP, type FaultServer } from '../support/fault-server';
import { RecordingLogger } from '../client/pykmip-helpers';
import type { PykmipServer } from '../support/pykmip';

export { RecordingLogger };

/**
 * A werelogs request logger as the host hands it to a backend: the level
 * methods plus a few of werelogs' RequestLogger extras, recording every line.
 */
export class FakeRequestLog extends RecordingLogger {
  ended = false;
  fatal(msg: string, fields?: LogFields): void {
    this.error(msg, fields);
  }
  end(): this {
    this.ended = true;
    return this;
  }
  addDefaultFields(_fields: LogFields): LogFields {
    return {};
  }
  getSerializedUids(): string {
    return 'req-uid';
  }
}

/** arsenal-like error class, for injected `errors`. */
export class FakeArsenalError extends Error {
  readonly is: Record<string, boolean>;
  readonly metadata = new Map<string, unknown>();
  constructor(
    readonly type: string,
    readonly code: number,
    readonly description: string,
  ) {
    super(type);
    this.is = { [type]: true };
  }
  customizeDescription(d: string): FakeArsenalError {
    return new FakeArsenalError(this.type, this.code, d);
  }
}

/** Like arsenal's `errors`: getters handing out instances of the host's class; `KMS.NotFoundException` only when asked. */
export function fakeErrors(withNotFound: boolean): object {
  const errors = {
    get InternalError() {
      return new FakeArsenalError('InternalError', 500, 'We encountered an internal error. Please try again.');
    },
    get AccessDenied() {
      return new FakeArsenalError('AccessDenied', 403, 'Access Denied');
    },
    get ServiceUnavailable() {
      return new FakeArsenalError('ServiceUnavailable', 503, 'The request has failed due to a temporary failure of the server.');
    },
  };
  if (withNotFound) {
    Object.defineProperty(errors, 'KMS.NotFoundException', {
      get: () => new FakeArsenalError('KMS.NotFoundException', 400, 'not found'),
      enumerable: true,
    });
  }
  return errors;
}

export interface HostKmipOverrides {
  providerName?: string;
  client?: Record<string, unknown>;
  transport?: Record<string, unknown>;
  tls?: Record<string, unknown>;
  healthcheckCacheMs?: number;
}

/** The host's parsed `config.kmip` for a PyKMIP server (PEM contents as Buffers, like cloudserver reads them). */
export function hostKmipFor(s: PykmipServer, o: HostKmipOverrides = {}): Record<string, unknown> {
  return {
    providerName: o.providerName ?? 'kmip',
    client: { compoundCreateActivate: false, bucketNameAttributeName: '', ...o.client },
    transport: {
      pipelineDepth: 8,
      ...o.transport,
      tls: {
        host: '127.0.0.1',
        port: s.port,
        key: Buffer.from(s.pki.clientKey),
        cert: Buffer.from(s.pki.clientCert),
        ca: [Buffer.from(s.pki.ca)],
        servername: 'localhost',
        ...o.tls,
      },
    },
    ...(o.healthcheckCacheMs !== undefined ? { healthcheckCacheMs: o.healthcheckCacheMs } : {}),
  };
}

/** A loopback port nothing listens on (bound then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('no port'));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}

export interface CallOutcome {
  readonly err: unknown;
  readonly results: unknown[];
  /** Every argument the callback received. */
  readonly args: unknown[];
}

interface Tracked {
  readonly label: string;
  calls: number;
  synchronous: boolean;
}

/**
 * Runs the host's callback calls and checks the callback contract: called
 * exactly once, never synchronously from inside the call.
 */
export class CallbackTracker {
  readonly #all: Tracked[] = [];

  run(label: string, start: (cb: (...args: unknown[]) => void) => void): Promise<CallOutcome> {
    const t: Tracked = { label, calls: 0, synchronous: false };
    this.#all.push(t);
    let returned = false;
    return new Promise<CallOutcome>((resolve, reject) => {
      const cb = (...args: unknown[]): void => {
        t.calls++;
        if (!returned) t.synchronous = true;
        if (t.calls > 1) return;
        if (t.synchronous) {
          reject(new Error(`${label}: callback called synchronously from inside the call`));
          return;
        }
        resolve({ err: args[0], results: args.slice(1), args });
      };
      try {
        start(cb);
      } catch (err) {
        reject(new Error(`${label}: the call threw instead of calling back: ${(err as Error)?.message ?? String(err)}`));
        return;
      } finally {
        returned = true;
      }
    });
  }

  get count(): number {
    return this.#all.length;
  }

  /** Waits for stray late callbacks, then checks every callback was called exactly once and asynchronously. */
  async assertAllExactlyOnce(): Promise<void> {
    assert.ok(this.#all.length > 0, 'no call was tracked');
    await new Promise((r) => setTimeout(r, 50));
    for (const t of this.#all) {
      assert.equal(t.calls, 1, `${t.label}: callback called ${t.calls} times`);
      assert.equal(t.synchronous, false, `${t.label}: callback called synchronously`);
    }
  }
}

/** Promisified host calls with callback-contract checks. */
export function hostCalls(backend: KmipBackend, tracker: CallbackTracker) {
  return {
    createBucketKey: (bucket: unknown, log: unknown): Promise<CallOutcome> =>
      tracker.run('createBucketKey', (cb) => backend.createBucketKey(bucket as string, log as never, cb as never)),
    destroyBucketKey: (keyId: unknown, log: unknown): Promise<CallOutcome> =>
      tracker.run('destroyBucketKey', (cb) => backend.destroyBucketKey(keyId as string, log as never, cb as never)),
    cipherDataKey: (scheme: unknown, keyId: unknown, dataKey: unknown, log: unknown): Promise<CallOutcome> =>
      tracker.run('cipherDataKey', (cb) => backend.cipherDataKey(scheme as number, keyId as string, dataKey as Buffer, log as never, cb as never)),
    decipherDataKey: (scheme: unknown, keyId: unknown, ciphered: unknown, log: unknown): Promise<CallOutcome> =>
      tracker.run('decipherDataKey', (cb) => backend.decipherDataKey(scheme as number, keyId as string, ciphered as Buffer, log as never, cb as never)),
    healthcheck: (log: unknown): Promise<CallOutcome> => tracker.run('healthcheck', (cb) => backend.healthcheck(log as never, cb as never)),
  };
}

/** Counts the operations handed to the backend's transport (by KMIP operation code). */
export function countOperations(backend: KmipBackend): { count(op?: number): number } {
  const t = backend.client.transport;
  const counts = new Map<number, number>();
  let total = 0;
  // Every request goes through sendWith (send() included).
  const orig = t.sendWith.bind(t);
  t.sendWith = ((ops, opts, resolve, reject) => {
    for (const o of ops) {
      counts.set(o.operation, (counts.get(o.operation) ?? 0) + 1);
      total++;
    }
    orig(ops, opts, resolve, reject);
  }) as typeof t.sendWith;
  return { count: (op?: number) => (op === undefined ? total : (counts.get(op) ?? 0)) };
}

/** The host-error shape every error handed to the host must have. */
export function assertHostErrorShape(err: unknown, type: string, code: number): void {
  assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
  const e = err as Error & Record<string, unknown>;
  assert.equal(e.message, type);
  assert.equal(e['code'], code);
  assert.equal(typeof e['description'], 'string');
  assert.ok((e['description'] as string).startsWith('KMS (KMIP) error for '), `description does not start with 'KMS (KMIP) error for': ${String(e['description'])}`);
  const md = e['metadata'] as { get?: unknown } | undefined;
  assert.equal(typeof md?.get, 'function', 'err.metadata.get must be a function (the host S3 error writer calls it)');
  assert.equal((e['is'] as Record<string, boolean>)[type], true, `err.is[${type}] must be true`);
  assert.equal(typeof e['customizeDescription'], 'function');
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The bucket key the fake appliance "holds" for `uid`. */
export const keyOf = (uid: string): Buffer => createHash('sha256').update(`bucket-key:${uid}`).digest();

/** What a real appliance answers to the legacy wrap: AES-256-CBC, PKCS#5, zero IV. */
export function realWrap(uid: string, data: Buffer): Buffer {
  const c = createCipheriv('aes-256-cbc', keyOf(uid), Buffer.alloc(16));
  return Buffer.concat([c.update(data), c.final()]);
}

/**
 * The fault server plays an appliance for data-key wrapping: Encrypt is answered
 * with `answer(uid, data)` as Data (same uid, same batch item id; by default the
 * real 48-byte wrap the backend checks for), the rest as the fault server does.
 */
export function appliance(srv: FaultServer, answer: (uid: string, data: Buffer) => Buffer = realWrap): void {
  srv.script = {
    onRequest: (req, ctx) => {
      if (req.operation !== OP.Encrypt) return 'answer';
      const uid = req.uid!;
      return {
        items: ctx.defaultItems().map((it) => ({
          ...it,
          payload: [ttlv.textString(Tag.UniqueIdentifier, uid), ttlv.byteString(Tag.Data, answer(uid, req.data!))],
        })),
      };
    },
  };
}
