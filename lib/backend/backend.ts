/**
 * The host adapter: a drop-in KMS backend for cloudserver's `kmip` slot
 * (`new KmipBackend({ kmip: config.kmip })`), with the host's callback API and
 * error objects, plus a promise API for other hosts and scripts.
 */
import { KmipClient } from '../client';
import * as ops from '../kmip/operations';
import { KmipConnectionError, KmipError, KmipInvalidArgumentError, KmipOperationError, KmipOutcomeUnknownError, KmipProtocolError } from '../errors';
import { BlockCipherMode, CryptographicAlgorithm, PaddingMethod, QueryFunction, RevocationReasonCode } from '../kmip/enums';
import { logs, safeLog, type Logger } from '../logger';
import { pickModuleLogger } from './host-logger';
import { settingsFromHostConfig } from './config';
import { failureLogFields, toHostError } from './error-mapping';
import { pickHostErrors, type HostError, type HostErrors } from './host-errors';
import { installMetrics } from './metrics';
import type { BackendOptions, KmipSettings } from './settings';
import type { TransportStats } from '../transport';

export const ARN_PREFIX = 'arn:scality:kms:external:kmip:';

/** The wrapping every deployment used: server-side AES-256-CBC, PKCS#5, 16 zero bytes of IV. */
const WRAP_PARAMETERS = {
  blockCipherMode: BlockCipherMode.CBC,
  paddingMethod: PaddingMethod.PKCS5,
  cryptographicAlgorithm: CryptographicAlgorithm.AES,
} as const;
const ZERO_IV = Buffer.alloc(16);
const DATA_KEY_BYTES = 32;
/** AES-256-CBC with PKCS#5 padding of 32 bytes: two blocks plus a full padding block. */
const WRAPPED_DATA_KEY_BYTES = 48;

export interface BackendDescriptor {
  readonly type: 'external';
  readonly protocol: 'kmip';
  readonly provider: string;
  readonly arnPrefix: string;
}

export interface CreatedKey {
  /** The server's Unique Identifier: what the host stores. */
  readonly keyId: string;
  /** The same key as an ARN of this provider. */
  readonly arn: string;
}

type Callback<T extends unknown[]> = (err: HostError | null, ...results: T) => void;

const isNotFound = (e: unknown): boolean => e instanceof KmipOperationError && e.resultReason === 'Item Not Found';

function log(l: Logger | undefined, fallback: Logger, level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
  safeLog(l && typeof l === 'object' ? l : fallback, level, msg, fields);
}

export class KmipBackend {
  readonly backend: BackendDescriptor;
  readonly settings: KmipSettings;
  readonly client: KmipClient;
  readonly #errors: HostErrors;
  readonly #logger: Logger;
  #health: { at: number; error: KmipError | Error | null } | undefined;
  #healthPending: Promise<void> | undefined;
  readonly #stopMetrics: (() => void) | undefined;

  /**
   * Throws (KmipConfigError) on an unusable configuration: loudly, because a
   * host silently falls back to a local file KMS when a backend fails to load.
   */
  constructor(options: BackendOptions) {
    this.#logger = pickModuleLogger(options?.logger);
    this.settings = options?.settings ?? settingsFromHostConfig(options?.kmip, { logger: this.#logger, ...(options?.env ? { env: options.env } : {}) });
    this.#errors = pickHostErrors(options?.errors).errors;
    const provider = this.settings.providerName;
    this.backend = Object.freeze({ type: 'external', protocol: 'kmip', provider, arnPrefix: `${ARN_PREFIX}${provider}:key/` });
    this.client = new KmipClient({ ...this.settings.transport, logger: this.#logger });
    this.#stopMetrics = options?.metrics ? installMetrics(this.client, options.metrics) : undefined;
  }

  /** The client's per-host and total figures (see KmipClient.stats). */
  stats(): TransportStats {
    return this.client.stats();
  }

  get arnPrefix(): string {
    return this.backend.arnPrefix;
  }

  /** Never route key creation to an account-level key. */
  get supportsDefaultKeyPerAccount(): false {
    return false;
  }

  /** A plain id, or an ARN of this provider, to the server's key id. */
  keyIdOf(keyIdOrArn: unknown): string {
    if (typeof keyIdOrArn !== 'string' || keyIdOrArn.length === 0) {
      throw new KmipInvalidArgumentError('key id must be a non-empty string');
    }
    if (!keyIdOrArn.startsWith('arn:')) return keyIdOrArn;
    if (keyIdOrArn.startsWith(this.backend.arnPrefix)) {
      const id = keyIdOrArn.slice(this.backend.arnPrefix.length);
      if (id.length === 0) throw new KmipInvalidArgumentError(`key ARN ${keyIdOrArn} has an empty key id`);
      return id;
    }
    const m = /^arn:scality:kms:([^:]*):([^:]*):([^:]*):key\/(.*)$/.exec(keyIdOrArn);
    if (!m) throw new KmipInvalidArgumentError(`key ARN ${keyIdOrArn} is malformed (expected ${this.backend.arnPrefix}<id>)`);
    throw new KmipInvalidArgumentError(
      `key ${keyIdOrArn} belongs to KMS ${m[1]}/${m[2]}/${m[3]}, not to this KMIP backend (external/kmip/${this.backend.provider}); ` +
        'KMIP and other KMS protocols are mutually exclusive and there is no migration path between them',
    );
  }

  // -------------------------------------------------------------------------
  // Promise API

  /** Creates an AES-256 Encrypt|Decrypt key and makes it Active. */
  async createKey(bucketName: string, reqLog?: Logger): Promise<CreatedKey> {
    if (typeof bucketName !== 'string') throw new KmipInvalidArgumentError('bucket name must be a string');
    const s = this.settings;
    const attr = s.bucketNameAttributeName ? { name: s.bucketNameAttributeName, value: bucketName } : undefined;
    let keyId: string;
    try {
      const created = await this.client.create({
        ...(s.compoundCreateActivate ? { activationDate: new Date() } : {}),
        ...(attr ? { customAttribute: attr } : {}),
      });
      keyId = created.uniqueIdentifier;
    } catch (err) {
      if (err instanceof KmipOutcomeUnknownError) {
        log(reqLog, this.#logger, 'warn', 'KMIP Create outcome unknown: a key may have been created on the server without its id reaching us', { bucketName });
      }
      throw this.#explainCreateRefusal(err);
    }
    if (!s.compoundCreateActivate) {
      try {
        await this.client.activate(keyId);
      } catch (err) {
        // Do not leave an orphan key behind silently.
        try {
          await this.client.destroy(keyId);
          log(reqLog, this.#logger, 'warn', 'KMIP Activate failed; the new key was destroyed', { keyId, bucketName, error: (err as Error).message });
        } catch (destroyErr) {
          log(reqLog, this.#logger, 'error', 'KMIP Activate failed and the new key could not be destroyed: orphan key left on the server', {
            keyId,
            bucketName,
            error: (err as Error).message,
            destroyError: (destroyErr as Error).message,
          });
        }
        throw err;
      }
    }
    return { keyId, arn: `${this.backend.arnPrefix}${keyId}` };
  }

  #explainCreateRefusal(err: unknown): unknown {
    if (!(err instanceof KmipOperationError)) return err;
    const s = this.settings;
    const msg = `${err.resultReason ?? ''} ${err.resultMessage ?? ''}`;
    const hints: string[] = [];
    const compound = 'compoundCreateActivate (chart: compoundCreate, env: S3KMIP_COMPOUND_CREATE) to false';
    const attribute = 'bucketNameAttributeName (chart: bucketAttributeName, env: S3KMIP_BUCKET_ATTRIBUTE_NAME) to empty';
    const aboutDate = /activation date/i.test(msg);
    const aboutAttr = /custom|vendor|x-|attribute/i.test(msg) && !aboutDate;
    if (s.compoundCreateActivate && (aboutDate || !aboutAttr)) hints.push(compound);
    if (s.bucketNameAttributeName && (aboutAttr || !aboutDate)) hints.push(attribute);
    if (hints.length === 0) return err;
    return new KmipOperationError(
      err.operation,
      err.resultStatus,
      err.resultReason,
      err.resultMessage,
      `this server may not support that option: set ${hints.join(', or ')}`,
    );
  }

  /** Revoke (Cessation of Operation) then Destroy. A key already revoked or gone is not an error. */
  async destroyKey(keyIdOrArn: string, reqLog?: Logger): Promise<void> {
    const keyId = this.keyIdOf(keyIdOrArn);
    try {
      await this.client.revoke(keyId, RevocationReasonCode.CessationOfOperation);
    } catch (err) {
      if (isNotFound(err)) {
        log(reqLog, this.#logger, 'info', 'KMIP key already gone; nothing to destroy', { keyId });
        return;
      }
      if (!(err instanceof KmipOperationError)) throw err;
      // Already revoked (or never activated)? Look before giving up.
      let state: unknown;
      try {
        const attrs = await this.client.getAttributes(keyId, ['State']);
        state = attrs.attributes.find((a) => a.name === 'State')?.value;
      } catch (e) {
        if (isNotFound(e)) {
          log(reqLog, this.#logger, 'info', 'KMIP key already gone; nothing to destroy', { keyId });
          return;
        }
        throw err;
      }
      if (state === 'Destroyed' || state === 'DestroyedCompromised') {
        log(reqLog, this.#logger, 'info', 'KMIP key already destroyed', { keyId, state });
        return;
      }
      if (state === 'Active') throw err;
      log(reqLog, this.#logger, 'info', 'KMIP key not revocable in its state; destroying it directly', { keyId, state, revokeError: err.message });
    }
    try {
      await this.client.destroy(keyId);
    } catch (err) {
      if (isNotFound(err)) {
        log(reqLog, this.#logger, 'info', 'KMIP key already gone at Destroy', { keyId });
        return;
      }
      throw err;
    }
  }

  /** Wraps a 32-byte data key under the bucket key (server-side AES-256-CBC, PKCS#5, zero IV). */
  async wrapDataKey(keyIdOrArn: string, plainTextDataKey: Buffer): Promise<Buffer> {
    return wrappedOf(await this.client.call(this.#wrapRequest(keyIdOrArn, plainTextDataKey)), plainTextDataKey);
  }

  /** Unwraps what wrapDataKey (or the KMIP driver deployments used before) produced. */
  async unwrapDataKey(keyIdOrArn: string, cipheredDataKey: Buffer): Promise<Buffer> {
    return unwrappedOf(await this.client.call(this.#unwrapRequest(keyIdOrArn, cipheredDataKey)));
  }

  /** The Encrypt that wraps `plainTextDataKey`; throws KmipInvalidArgumentError on a bad key id or data key. */
  #wrapRequest(keyIdOrArn: string, plainTextDataKey: Buffer): ops.OperationRequest<ops.CipherResult> {
    const keyId = this.keyIdOf(keyIdOrArn);
    if (!Buffer.isBuffer(plainTextDataKey) || plainTextDataKey.length !== DATA_KEY_BYTES) {
      throw new KmipInvalidArgumentError(`data key must be a Buffer of ${DATA_KEY_BYTES} bytes`);
    }
    return ops.encrypt({ uniqueIdentifier: keyId, data: plainTextDataKey, cryptographicParameters: WRAP_PARAMETERS, ivCounterNonce: ZERO_IV });
  }

  /** The Decrypt that unwraps `cipheredDataKey`; throws KmipInvalidArgumentError on a bad key id or ciphered key. */
  #unwrapRequest(keyIdOrArn: string, cipheredDataKey: Buffer): ops.OperationRequest<ops.CipherResult> {
    const keyId = this.keyIdOf(keyIdOrArn);
    if (!Buffer.isBuffer(cipheredDataKey) || cipheredDataKey.length === 0 || cipheredDataKey.length % 16 !== 0) {
      throw new KmipInvalidArgumentError('ciphered data key must be a non-empty Buffer whose length is a multiple of 16 bytes');
    }
    return ops.decrypt({ uniqueIdentifier: keyId, data: cipheredDataKey, cryptographicParameters: WRAP_PARAMETERS, ivCounterNonce: ZERO_IV });
  }

  /**
   * Proves the cluster is usable: with every configured host down, an error
   * naming how many (nothing sent); otherwise one Query on a shared connection
   * (no key created), and hosts that are suspect or down are logged as a
   * degraded cluster. The result is reused for healthcheckCacheMs; concurrent
   * calls share one request.
   */
  async checkHealth(): Promise<void> {
    const now = Date.now();
    const h = this.#health;
    if (h && now - h.at < this.settings.healthcheckCacheMs) {
      if (h.error) throw h.error;
      return;
    }
    if (!this.#healthPending) {
      const timeoutMs = Math.min(5000, this.client.transport.options.requestTimeoutMs);
      const st = this.client.stats();
      const down = st.hosts.filter((x) => x.state === 'down');
      const check: Promise<unknown> =
        down.length === st.hosts.length
          ? Promise.reject(
              new KmipConnectionError(
                `${down.length} of ${st.hosts.length} KMIP hosts are down: ` + down.map((x) => `${x.host}${x.lastError ? ` (${x.lastError})` : ''}`).join(', '),
                { hostsDown: down.length },
              ),
            )
          : this.client.query([QueryFunction.QueryOperations], { timeoutMs });
      this.#healthPending = check
        .then(
          () => {
            this.#health = { at: Date.now(), error: null };
            const degraded = this.client.stats().hosts.filter((x) => x.state === 'down' || x.state === 'suspect');
            if (degraded.length > 0) {
              log(undefined, this.#logger, 'warn', 'KMIP cluster degraded: some hosts are not usable', {
                hosts: degraded.map((x) => ({ host: x.host, state: x.state, since: new Date(x.since).toISOString(), lastError: x.lastError })),
                usable: st.hosts.length - degraded.length,
                configured: st.hosts.length,
              });
            }
          },
          (err: unknown) => {
            this.#health = { at: Date.now(), error: err instanceof Error ? err : new Error(String(err)) };
          },
        )
        .finally(() => {
          this.#healthPending = undefined;
        });
    }
    await this.#healthPending;
    if (this.#health?.error) throw this.#health.error;
  }

  /** Drains or fails pending requests and closes every connection. */
  close(opts?: { drainTimeoutMs?: number }): Promise<void> {
    this.#stopMetrics?.();
    return this.client.close(opts);
  }

  // -------------------------------------------------------------------------
  // The host's callback API: each callback called once, never synchronously.

  createBucketKey(bucketName: string, reqLog: Logger, cb: Callback<[string, string]>): void {
    this.#run('createBucketKey', reqLog, cb, () => this.createKey(bucketName, reqLog), (k): [string, string] => [k.keyId, k.arn], { bucketName });
  }

  destroyBucketKey(keyIdOrArn: string, reqLog: Logger, cb: Callback<[]>): void {
    this.#run('destroyBucketKey', reqLog, cb, () => this.destroyKey(keyIdOrArn, reqLog), (): [] => [], { keyId: keyIdOrArn });
  }

  // The data-key pair is the host's hot path: no promise on the way (the
  // client's callback-level call), the same checks and the same logging as
  // #run gives the other calls.
  cipherDataKey(cryptoScheme: number, masterKeyIdOrArn: string, plainTextDataKey: Buffer, reqLog: Logger, cb: Callback<[Buffer]>): void {
    this.#runCipher('cipherDataKey', cryptoScheme, masterKeyIdOrArn, plainTextDataKey, reqLog, cb);
  }

  decipherDataKey(cryptoScheme: number, masterKeyIdOrArn: string, cipheredDataKey: Buffer, reqLog: Logger, cb: Callback<[Buffer]>): void {
    this.#runCipher('decipherDataKey', cryptoScheme, masterKeyIdOrArn, cipheredDataKey, reqLog, cb);
  }

  #runCipher(op: 'cipherDataKey' | 'decipherDataKey', cryptoScheme: number, keyIdOrArn: string, data: Buffer, reqLog: Logger, cb: Callback<[Buffer]>): void {
    const started = Date.now();
    const fields: Record<string, unknown> = { keyId: keyIdOrArn };
    const fail = (err: unknown): void => this.#failed(op, reqLog, cb, fields, started, err);
    let req: ops.OperationRequest<ops.CipherResult>;
    try {
      checkScheme(cryptoScheme);
      req = op === 'cipherDataKey' ? this.#wrapRequest(keyIdOrArn, data) : this.#unwrapRequest(keyIdOrArn, data);
    } catch (err) {
      fail(err);
      return;
    }
    try {
      this.client.callWith(
        req,
        undefined,
        (r) => {
          let out: Buffer;
          try {
            out = op === 'cipherDataKey' ? wrappedOf(r, data) : unwrappedOf(r);
          } catch (err) {
            fail(err);
            return;
          }
          this.#succeeded(op, reqLog, fields, started);
          process.nextTick(cb, null, out);
        },
        fail,
      );
    } catch (err) {
      // A bug below must not escape into the host's request handler.
      fail(err);
    }
  }

  healthcheck(reqLog: Logger, cb: Callback<[]>): void {
    this.#run('healthcheck', reqLog, cb, () => this.checkHealth(), (): [] => [], {});
  }

  #run<T, R extends unknown[]>(
    op: string,
    reqLog: Logger,
    cb: Callback<R>,
    work: () => Promise<T>,
    results: (v: T) => R,
    fields: Record<string, unknown>,
  ): void {
    const started = Date.now();
    let p: Promise<T>;
    try {
      p = work();
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (v) => {
        this.#succeeded(op, reqLog, fields, started);
        const out = results(v);
        process.nextTick(() => cb(null, ...out));
      },
      (err: unknown) => this.#failed(op, reqLog, cb, fields, started, err),
    );
  }

  // `fields` is the call's own object: completed in place, no spread (a
  // spread copy is a dictionary-mode object), and only for a logger that can
  // print the line.
  #succeeded(op: string, reqLog: Logger, fields: Record<string, unknown>, started: number): void {
    const l = reqLog && typeof reqLog === 'object' ? reqLog : this.#logger;
    if (logs(l, 'debug')) {
      fields['elapsedMs'] = Date.now() - started;
      safeLog(l, 'debug', `KMIP ${op} done`, fields);
    }
  }

  /** Logs the failure and calls back, on the next tick, with the host's error. */
  #failed<R extends unknown[]>(op: string, reqLog: Logger, cb: Callback<R>, fields: Record<string, unknown>, started: number, err: unknown): void {
    const hostErr = this.toHostError(err, op, this.#targetOf(fields));
    fields['elapsedMs'] = Date.now() - started;
    const details = failureLogFields(err);
    for (const k of Object.keys(details)) fields[k] = details[k];
    log(reqLog, this.#logger, 'error', `KMIP ${op} failed`, fields);
    process.nextTick(() => (cb as unknown as (e: HostError) => void)(hostErr));
  }

  /** The bucket name, or the key id (an ARN of ours shortened to its id), named in a failure's description. */
  #targetOf(fields: Record<string, unknown>): string | undefined {
    const t = fields['bucketName'] ?? fields['keyId'];
    if (typeof t !== 'string') return undefined;
    try {
      return this.keyIdOf(t);
    } catch {
      return t;
    }
  }

  /**
   * Our typed error to the host's error object, as 2025 hosts map KMIP
   * failures (see error-mapping.ts): Item Not Found -> KMS.NotFoundException,
   * other appliance failures -> AccessDenied, the rest -> ServiceUnavailable
   * or InternalError, never naming a host, address or path.
   */
  toHostError(err: unknown, op: string, target?: string): HostError {
    return toHostError(this.#errors, err, op, target);
  }
}

/**
 * The wrapped data key out of Encrypt's answer. The host stores whatever we
 * return next to the object: never the data key in clear, an empty or a
 * truncated one (AES-256-CBC/PKCS#5: 32 -> 48). Otherwise the answer is zeroed
 * and KmipProtocolError thrown.
 */
function wrappedOf(r: ops.CipherResult, plainTextDataKey: Buffer): Buffer {
  if (r.data.length !== WRAPPED_DATA_KEY_BYTES || r.data.indexOf(plainTextDataKey) !== -1) {
    const what = r.data.length !== WRAPPED_DATA_KEY_BYTES ? `${r.data.length} bytes, not ${WRAPPED_DATA_KEY_BYTES}` : 'the data key in clear';
    r.data.fill(0);
    throw new KmipProtocolError(`KMIP server answered Encrypt of a ${DATA_KEY_BYTES}-byte data key with ${what}: not a wrapped data key; nothing stored`);
  }
  return Buffer.from(r.data);
}

/**
 * The data key out of Decrypt's answer, copied (the answer is zeroed). A
 * wrong bucket key (or a corrupt ciphered key) can still pass the padding
 * check: never hand the host a data key of the wrong size.
 */
function unwrappedOf(r: ops.CipherResult): Buffer {
  if (r.data.length !== DATA_KEY_BYTES) {
    const n = r.data.length;
    r.data.fill(0);
    throw new KmipProtocolError(`deciphered data key is ${n} bytes, not ${DATA_KEY_BYTES}: wrong bucket key or corrupt ciphered data key`);
  }
  const out = Buffer.from(r.data);
  r.data.fill(0);
  return out;
}

function checkScheme(cryptoScheme: number): void {
  if (cryptoScheme !== 1) throw new KmipInvalidArgumentError(`unsupported cryptoScheme ${String(cryptoScheme)} (only 1 is known)`);
}
