/**
 * The promise API of the KMIP operations the product uses, on top of the
 * pipelined transport. A server failure becomes a KmipOperationError carrying
 * the operation, Result Status, Result Reason (by name) and Result Message.
 */
import { KmipConfigError, KmipInvalidArgumentError, KmipOperationError } from '../errors';
import * as ops from '../kmip/operations';
import { printTtlv } from '../kmip/printer';
import {
  operationName,
  resultReasonName,
  resultStatusName,
  type ProtocolVersion,
  type RequestHeaderOptions,
  type ResponseBatchItem,
} from '../kmip/protocol';
import { KmipTransport, type ServerInfo, type TransportStats } from '../transport/transport';
import type { TransportOptions } from '../transport/options';

export type KmipClientOptions = TransportOptions;

export interface CallOptions {
  /** Per-request answer timeout, overriding requestTimeoutMs. */
  readonly timeoutMs?: number;
}

export type BatchOutcome<R = unknown> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: KmipOperationError };

export interface EncryptOptions extends CallOptions {
  readonly cryptographicParameters?: ops.CryptographicParameters;
  readonly ivCounterNonce?: Buffer;
}

/** Turns a failed batch item into the typed error (never includes payload data). */
export function operationError(operation: number, item: ResponseBatchItem): KmipOperationError {
  return new KmipOperationError(
    operationName(item.operation ?? operation),
    resultStatusName(item.status),
    resultReasonName(item.reason),
    item.message,
  );
}

function uid(id: unknown, what = 'uniqueIdentifier'): string {
  if (typeof id !== 'string' || id.length === 0) throw new KmipInvalidArgumentError(`${what} must be a non-empty string`);
  return id;
}

export class KmipClient {
  readonly transport: KmipTransport;

  /** Throws KmipConfigError on unusable options (checked like the backend's configuration), before anything connects. */
  constructor(options: KmipClientOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new KmipConfigError(`KMIP configuration: options must be an object, got ${options === null ? 'null' : typeof options}`, 'options');
    }
    this.transport = new KmipTransport(options);
    this.transport.setMessagePrinter((item, hints) => printTtlv(item, hints));
  }

  /** Negotiated version, vendor, announced operations of the last connection made. */
  get serverInfo(): ServerInfo | undefined {
    return this.transport.serverInfo;
  }

  /**
   * Per host: state (unknown / up / suspect / down, since when), requests in
   * flight, requests answered, errors by kind, reconnects, p50/p99 latency over
   * the last minute; plus totals. Cheap enough to call every second.
   */
  stats(): TransportStats {
    return this.transport.stats();
  }

  /** Sends one operation; resolves its read result or rejects with a typed error. */
  call<R>(op: ops.OperationRequest<R>, opts?: CallOptions): Promise<R> {
    return new Promise<R>((resolve, reject) => this.callWith(op, opts, resolve, reject));
  }

  /**
   * call() without a promise (one promise per call is call()'s; the backend's
   * callback API has none): exactly one of `resolve` and `reject` is called,
   * possibly before callWith returns (a refused request): callers defer.
   */
  callWith<R>(op: ops.OperationRequest<R>, opts: CallOptions | undefined, resolve: (v: R) => void, reject: (e: Error) => void): void {
    this.transport.sendWith(
      [op],
      opts,
      (r) => {
        const it = r.items[0]!;
        if (it.status !== 0) {
          reject(operationError(op.operation, it));
          return;
        }
        let v: R;
        try {
          v = op.read(it.payload, r.version);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        resolve(v);
      },
      reject,
    );
  }

  /**
   * Several operations in one request message; a result per item. Items after
   * a failed one are typically not executed by the server (Batch Error
   * Continuation Option Stop) and come back as failures too.
   */
  async batch(items: readonly ops.OperationRequest<unknown>[], opts?: CallOptions & { header?: RequestHeaderOptions }): Promise<BatchOutcome[]> {
    if (items.length === 0) throw new KmipInvalidArgumentError('batch needs at least one operation');
    const r = await this.transport.send(items, opts);
    return r.items.map((it, i) => {
      const op = items[i]!;
      if (it.status !== 0) return { ok: false as const, error: operationError(op.operation, it) };
      return { ok: true as const, value: op.read(it.payload, r.version) };
    });
  }

  discoverVersions(versions: readonly ProtocolVersion[] = [], opts?: CallOptions): Promise<ProtocolVersion[]> {
    return this.call(ops.discoverVersions(versions), opts);
  }

  query(functions: readonly number[] = [1, 2, 3], opts?: CallOptions): Promise<ops.QueryResult> {
    return this.call(ops.query(functions), opts);
  }

  /** Creates a key; with `spread` host selection, later requests on it prefer the node that created it (replication lag). */
  async create(options: ops.CreateSymmetricKeyOptions = {}, opts?: CallOptions): Promise<ops.CreateResult> {
    const op = ops.create(options);
    const r = await this.transport.send([op], opts);
    const it = r.items[0]!;
    if (it.status !== 0) throw operationError(op.operation, it);
    const created = op.read(it.payload, r.version);
    this.transport.keyCreated(created.uniqueIdentifier, r.server);
    return created;
  }

  activate(uniqueIdentifier: string, opts?: CallOptions): Promise<string> {
    return this.call(ops.activate(uid(uniqueIdentifier)), opts);
  }

  revoke(
    uniqueIdentifier: string,
    reasonCode: number = ops.RevocationReasonCode.CessationOfOperation,
    message?: string,
    opts?: CallOptions,
  ): Promise<string> {
    return this.call(ops.revoke(uid(uniqueIdentifier), reasonCode, message), opts);
  }

  destroy(uniqueIdentifier: string, opts?: CallOptions): Promise<string> {
    return this.call(ops.destroy(uid(uniqueIdentifier)), opts);
  }

  get(uniqueIdentifier: string, keyFormatType?: number, opts?: CallOptions): Promise<ops.GetResult> {
    return this.call(ops.get(uid(uniqueIdentifier), keyFormatType), opts);
  }

  getAttributes(uniqueIdentifier: string, names: readonly string[] = [], opts?: CallOptions): Promise<ops.GetAttributesResult> {
    return this.call(ops.getAttributes(uid(uniqueIdentifier), names), opts);
  }

  locate(options: ops.LocateOptions, opts?: CallOptions): Promise<string[]> {
    return this.call(ops.locate(options), opts);
  }

  encrypt(uniqueIdentifier: string, data: Buffer, options: EncryptOptions = {}): Promise<ops.CipherResult> {
    return this.#cipher(ops.encrypt, uniqueIdentifier, data, options);
  }

  decrypt(uniqueIdentifier: string, data: Buffer, options: EncryptOptions = {}): Promise<ops.CipherResult> {
    return this.#cipher(ops.decrypt, uniqueIdentifier, data, options);
  }

  #cipher(
    make: (o: ops.CipherRequestOptions) => ops.OperationRequest<ops.CipherResult>,
    uniqueIdentifier: string,
    data: Buffer,
    options: EncryptOptions,
  ): Promise<ops.CipherResult> {
    try {
      if (!Buffer.isBuffer(data)) throw new KmipInvalidArgumentError('data must be a Buffer');
      // A plain literal (no conditional spreads): this is the hot path.
      const o: ops.CipherRequestOptions = {
        uniqueIdentifier: uid(uniqueIdentifier),
        data,
        cryptographicParameters: options.cryptographicParameters,
        ivCounterNonce: options.ivCounterNonce,
      };
      return this.call(make(o), options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Drains (up to drainTimeoutMs, default 5 s) or fails what is pending, then closes every connection. */
  close(opts?: { drainTimeoutMs?: number }): Promise<void> {
    return this.transport.close(opts);
  }
}
