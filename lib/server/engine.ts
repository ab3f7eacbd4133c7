/**
 * The dev server's KMIP engine: reads a decoded Request Message, runs its batch
 * items against the key store, and encodes the Response Message. No I/O here
 * (the server owns sockets and waits for the data file); everything is
 * synchronous, so one message is processed in one turn of the event loop.
 *
 * Behaviours, with the spec sections they follow (KMIP 1.4 / 2.0):
 * - Response header: the request's Protocol Version, a Time Stamp, Batch Count.
 *   Payloads use 2.x encodings (Attributes) under a 2.x header, Template-Attribute
 *   / Attribute Name+Value under 1.x. Either form is accepted in requests.
 * - Batch items are run in order. ID Placeholder: per request message (an item
 *   without Unique Identifier uses the id set by an earlier Create or a Locate
 *   finding one object IN THE SAME MESSAGE; PyKMIP keeps it across messages).
 *   2.x Unique Identifier enumerations ID Placeholder, Create, Locate are honoured.
 * - Batch Error Continuation Option: Continue runs every item; Stop (the
 *   default) stops after the first failed item and, as the spec says, the items
 *   not processed are not in the response (behaviour `stoppedItems: 'fail'`
 *   answers each of them Operation Failed instead, for clients that expect one
 *   answer per item); Undo is not supported (every item answered Operation
 *   Failed / Feature Not Supported, nothing done).
 * - Objects are owned by the client certificate CN that created them; other
 *   clients get Item Not Found, as for an unknown id.
 * - KMIP 1.4+ response headers carry a Server Correlation Value when the
 *   request carried a Client Correlation Value.
 * The operations live by family: ops-lifecycle (Create, Register, Activate,
 * Revoke, Destroy), ops-attributes (Get Attributes, Get Attribute List,
 * Add/Modify/Delete/Set Attribute, Locate), ops-object (Get, Check),
 * ops-crypto (Encrypt, Decrypt, RNG Retrieve/Seed), ops-server (Discover
 * Versions, Query).
 */
import { randomBytes } from 'node:crypto';
import { BatchErrorContinuationOption, Operation, ResultReason, ResultStatus } from '../kmip/enums';
import { compareVersions, operationName, type ProtocolVersion } from '../kmip/protocol';
import { Tag } from '../kmip/tags';
import { safeLog, type Logger } from '../logger';
import { encode, type StructureItem, type TtlvItem } from '../ttlv';
import { bytes, en, enumLabel, fault, int, s, txt, versionItem, type Ctx, type DevServerBehaviour, type Env, type OperationHandler } from './context';
import { KmipFault } from './fault';
import { addAttribute, deleteAttribute, getAttributeList, getAttributes, locate, modifyAttribute, setAttribute } from './ops-attributes';
import { cipher, rngRetrieve, rngSeed } from './ops-crypto';
import { activate, create, destroy, register, revoke } from './ops-lifecycle';
import { check, get } from './ops-object';
import { discoverVersions, query } from './ops-server';
import { all, first, optBytes, optEnum, optInt, optStruct, required, typed } from './read';
import type { KeyStore } from './store';

export { DEV_SERVER_VENDOR, type DevServerBehaviour } from './context';
export { SUPPORTED_OPERATIONS } from './ops-server';

const OPERATIONS: ReadonlyMap<number, OperationHandler> = new Map<number, OperationHandler>([
  [Operation.DiscoverVersions, discoverVersions],
  [Operation.Query, query],
  [Operation.Create, create],
  [Operation.Register, register],
  [Operation.Activate, activate],
  [Operation.Revoke, revoke],
  [Operation.Destroy, destroy],
  [Operation.Get, get],
  [Operation.Check, check],
  [Operation.GetAttributes, getAttributes],
  [Operation.GetAttributeList, getAttributeList],
  [Operation.AddAttribute, addAttribute],
  [Operation.ModifyAttribute, modifyAttribute],
  [Operation.DeleteAttribute, deleteAttribute],
  [Operation.Locate, locate],
  [Operation.Encrypt, (env, p, ctx) => cipher(env, p, ctx, false)],
  [Operation.Decrypt, (env, p, ctx) => cipher(env, p, ctx, true)],
  [Operation.RNGRetrieve, rngRetrieve],
  [Operation.RNGSeed, rngSeed],
]);

const OPERATIONS_2X: ReadonlyMap<number, OperationHandler> = new Map<number, OperationHandler>([[Operation.SetAttribute, setAttribute]]);

export interface EngineOptions {
  readonly versions: readonly ProtocolVersion[];
  readonly behaviour?: DevServerBehaviour;
  readonly logger: Logger;
  /** Clock, milliseconds (tests). */
  readonly now?: () => number;
}

export interface HandledMessage {
  /** The encoded Response Message. */
  readonly bytes: Buffer;
  /** True when the message changed stored state: send `bytes` only once the store is flushed. */
  readonly persist: boolean;
  /** The same response with every processed item failed (when the change could not be written). */
  failAll(reason: number, message: string): Buffer;
}

interface RequestItem {
  readonly operation: number | undefined;
  readonly id: Buffer | undefined;
  readonly payload: StructureItem | undefined;
  /** Set when the batch item itself is malformed. */
  readonly fault: KmipFault | undefined;
}

interface ResultItem {
  readonly operation: number | undefined;
  readonly id: Buffer | undefined;
  readonly status: number;
  readonly reason?: number;
  readonly message?: string;
  readonly payload?: TtlvItem[];
}

interface Header {
  readonly version: ProtocolVersion;
  readonly maxResponseSize: number | undefined;
  readonly continuation: number;
  readonly batchCount: number;
  readonly clientCorrelation: boolean;
}

function readVersion(item: TtlvItem, where: string): ProtocolVersion {
  const pv = typed(item, 0x01, where);
  return {
    major: required(optInt(pv, Tag.ProtocolVersionMajor, where), Tag.ProtocolVersionMajor, where),
    minor: required(optInt(pv, Tag.ProtocolVersionMinor, where), Tag.ProtocolVersionMinor, where),
  };
}

export class KmipEngine {
  readonly #store: KeyStore;
  readonly #versions: readonly ProtocolVersion[];
  readonly #behaviour: DevServerBehaviour;
  readonly #logger: Logger;
  readonly #clock: () => number;
  readonly #fallback: ProtocolVersion;
  readonly #env: Env;
  /** Server Correlation Values: a per-server prefix and a counter. */
  readonly #correlationPrefix = randomBytes(4).toString('hex');
  #correlation = 0;

  constructor(store: KeyStore, opts: EngineOptions) {
    this.#store = store;
    this.#versions = opts.versions;
    this.#behaviour = opts.behaviour ?? {};
    this.#logger = opts.logger;
    this.#clock = opts.now ?? Date.now;
    this.#env = { store, versions: opts.versions, behaviour: this.#behaviour, logger: opts.logger };
    this.#fallback = opts.versions.find((v) => v.major === 1) ?? opts.versions[0] ?? { major: 1, minor: 4 };
  }

  get versions(): readonly ProtocolVersion[] {
    return this.#versions;
  }

  /** The answer to bytes that are not a readable message: one failed item, Invalid Message. */
  invalidMessage(message: string, version: ProtocolVersion = this.#fallback): Buffer {
    return this.#encode(version, [{ operation: undefined, id: undefined, status: ResultStatus.OperationFailed, reason: ResultReason.InvalidMessage, message }], undefined);
  }

  /** Processes one decoded request message for the client `owner`. Never throws. */
  handle(tree: TtlvItem, owner: string): HandledMessage {
    let version = this.#fallback;
    let header: Header;
    let items: RequestItem[];
    try {
      if (tree.tag !== Tag.RequestMessage) throw fault(ResultReason.InvalidMessage, 'the message is not a Request Message');
      const msg = typed(tree, 0x01, 'the request');
      const h = first(msg, Tag.RequestHeader);
      if (h === undefined) throw fault(ResultReason.InvalidMessage, 'the request has no Request Header');
      header = this.#readHeader(typed(h, 0x01, 'the request'), (v) => (version = v));
      items = all(msg, Tag.BatchItem).map((b) => this.#readBatchItem(b));
      if (items.length === 0) throw fault(ResultReason.InvalidMessage, 'the request has no Batch Item');
      if (header.batchCount !== items.length) {
        throw fault(ResultReason.InvalidMessage, `Batch Count ${header.batchCount} does not match the ${items.length} Batch Items`);
      }
      if (items.length > 1 && items.some((i) => i.id === undefined)) {
        throw fault(ResultReason.InvalidMessage, 'every Batch Item of a multi-item request needs a Unique Batch Item ID');
      }
    } catch (err) {
      const f = this.#asFault(err, 'reading the request');
      const only: ResultItem = { operation: undefined, id: undefined, status: ResultStatus.OperationFailed, reason: f.reason, message: f.message };
      const b = this.#encode(version, [only], undefined);
      return { bytes: b, persist: false, failAll: () => b };
    }

    const ctx: Ctx = {
      version,
      v2: version.major >= 2,
      v14: compareVersions(version, { major: 1, minor: 4 }) >= 0,
      owner,
      now: Math.floor(this.#clock() / 1000),
      placeholder: undefined,
      byOp: new Map(),
      mutated: false,
    };
    const supported = this.#versions.some((v) => compareVersions(v, version) === 0);
    const results: ResultItem[] = [];
    let stopped = false;
    for (const it of items) {
      if (header.continuation === BatchErrorContinuationOption.Undo) {
        results.push({
          operation: it.operation,
          id: it.id,
          status: ResultStatus.OperationFailed,
          reason: ResultReason.FeatureNotSupported,
          message: 'Batch Error Continuation Option Undo is not supported by the kmip-kms dev server; nothing was done',
        });
        continue;
      }
      if (stopped) {
        if (this.#behaviour.stoppedItems === 'fail') {
          results.push({
            operation: it.operation,
            id: it.id,
            status: ResultStatus.OperationFailed,
            reason: ResultReason.OperationCanceledByRequester,
            message: 'not processed: an earlier batch item failed (Batch Error Continuation Option Stop)',
          });
        }
        continue;
      }
      let r: ResultItem;
      try {
        if (it.fault) throw it.fault;
        if (!supported && it.operation !== Operation.DiscoverVersions) {
          throw fault(
            ctx.v2 ? ResultReason.UnsupportedProtocolVersion : ResultReason.InvalidMessage,
            `KMIP ${version.major}.${version.minor} is not supported by this server (it speaks ${this.#versions.map((v) => `${v.major}.${v.minor}`).join(', ')})`,
          );
        }
        const payload = this.#dispatch(it.operation!, it.payload!, ctx);
        r = { operation: it.operation, id: it.id, status: ResultStatus.Success, payload };
      } catch (err) {
        const f = this.#asFault(err, operationName(it.operation));
        safeLog(this.#logger, 'debug', 'kmip dev server: batch item failed', {
          operation: operationName(it.operation),
          resultReason: enumLabel(Tag.ResultReason, f.reason),
          resultMessage: f.message,
        });
        r = { operation: it.operation, id: it.id, status: ResultStatus.OperationFailed, reason: f.reason, message: f.message };
        if (header.continuation !== BatchErrorContinuationOption.Continue) stopped = true;
      }
      results.push(r);
    }
    if (ctx.mutated) this.#store.changed();
    const bytesOut = this.#encode(version, results, header.maxResponseSize, header.clientCorrelation);
    return {
      bytes: bytesOut,
      persist: ctx.mutated,
      failAll: (reason, message) =>
        this.#encode(
          version,
          results.map((r) => ({ operation: r.operation, id: r.id, status: ResultStatus.OperationFailed, reason, message })),
          undefined,
        ),
    };
  }

  #asFault(err: unknown, what: string): KmipFault {
    if (err instanceof KmipFault) return err;
    safeLog(this.#logger, 'error', 'kmip dev server: internal error', { operation: what, error: (err as Error)?.stack ?? String(err) });
    return fault(ResultReason.GeneralFailure, `internal error of the kmip-kms dev server: ${(err as Error)?.message ?? String(err)}`);
  }

  #readHeader(h: StructureItem, onVersion: (v: ProtocolVersion) => void): Header {
    const where = 'the Request Header';
    const pv = first(h, Tag.ProtocolVersion);
    if (pv === undefined) throw fault(ResultReason.InvalidMessage, 'the Request Header has no Protocol Version');
    const version = readVersion(pv, where);
    onVersion(version);
    const batchCount = optInt(h, Tag.BatchCount, where);
    if (batchCount === undefined) throw fault(ResultReason.InvalidMessage, 'the Request Header has no Batch Count');
    return {
      version,
      maxResponseSize: optInt(h, Tag.MaximumResponseSize, where),
      clientCorrelation: first(h, Tag.ClientCorrelationValue) !== undefined,
      continuation: optEnum(h, Tag.BatchErrorContinuationOption, where) ?? BatchErrorContinuationOption.Stop,
      batchCount,
    };
  }

  #readBatchItem(b: TtlvItem): RequestItem {
    let operation: number | undefined;
    let id: Buffer | undefined;
    try {
      const bi = typed(b, 0x01, 'the request');
      const where = 'a Batch Item';
      id = optBytes(bi, Tag.UniqueBatchItemID, where);
      operation = optEnum(bi, Tag.Operation, where);
      if (operation === undefined) throw fault(ResultReason.InvalidMessage, 'a Batch Item has no Operation');
      const payload = optStruct(bi, Tag.RequestPayload, where);
      if (payload === undefined) throw fault(ResultReason.InvalidMessage, `the ${operationName(operation)} Batch Item has no Request Payload`);
      return { operation, id, payload, fault: undefined };
    } catch (err) {
      if (err instanceof KmipFault) return { operation, id, payload: undefined, fault: err };
      throw err;
    }
  }

  #encode(version: ProtocolVersion, results: readonly ResultItem[], maxResponseSize: number | undefined, clientCorrelation = false): Buffer {
    // KMIP 1.4 / 2.x: a Server Correlation Value per response, for matching server and client logs.
    // KMIP 1.4+: answered when the client sent a Client Correlation Value (PyKMIP 0.10's client cannot read one it did not ask for).
    const correlation =
      compareVersions(version, { major: 1, minor: 4 }) >= 0 && clientCorrelation ? `${this.#correlationPrefix}-${++this.#correlation}` : undefined;
    const build = (rs: readonly ResultItem[]): Buffer => {
      const children: TtlvItem[] = [
        s(Tag.ResponseHeader, [
          versionItem(version),
          { tag: Tag.TimeStamp, type: 0x09, value: BigInt(Math.floor(this.#clock() / 1000)) },
          ...(correlation === undefined ? [] : [txt(Tag.ServerCorrelationValue, correlation)]),
          int(Tag.BatchCount, rs.length),
        ]),
      ];
      for (const r of rs) {
        const f: TtlvItem[] = [];
        if (r.operation !== undefined) f.push(en(Tag.Operation, r.operation));
        if (r.id !== undefined) f.push(bytes(Tag.UniqueBatchItemID, r.id));
        f.push(en(Tag.ResultStatus, r.status));
        if (r.reason !== undefined) f.push(en(Tag.ResultReason, r.reason));
        if (r.message !== undefined) f.push(txt(Tag.ResultMessage, r.message));
        if (r.payload !== undefined) f.push(s(Tag.ResponsePayload, r.payload));
        children.push(s(Tag.BatchItem, f));
      }
      return encode(s(Tag.ResponseMessage, children));
    };
    const out = build(results);
    if (maxResponseSize === undefined || out.length <= maxResponseSize) return out;
    return build(
      results.map((r) => ({
        operation: r.operation,
        id: r.id,
        status: ResultStatus.OperationFailed,
        reason: ResultReason.ResponseTooLarge,
        message: `the response (${out.length} bytes) exceeds the Maximum Response Size of ${maxResponseSize} bytes`,
      })),
    );
  }

  #dispatch(op: number, p: StructureItem, ctx: Ctx): TtlvItem[] {
    const fn = OPERATIONS.get(op) ?? (ctx.v2 ? OPERATIONS_2X.get(op) : undefined);
    if (fn === undefined) throw fault(ResultReason.OperationNotSupported, `${operationName(op)} is not supported by the kmip-kms dev server`);
    return fn(this.#env, p, ctx);
  }
}
