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
 * - State model: Create -> Pre-Active, or Active when its Activation Date is not
 *   in the future (a future date activates the key when reached); Activate
 *   Pre-Active -> Active (else Permission Denied); Revoke with Key/CA Compromise
 *   -> Compromised (Destroyed -> Destroyed Compromised), other reasons Active or
 *   Pre-Active -> Deactivated (else Illegal Operation); Destroy of an Active
 *   object -> Permission Denied, else Destroyed (Compromised -> Destroyed
 *   Compromised), key material erased, attributes kept; a Deactivation Date
 *   reached deactivates.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import {
  BatchErrorContinuationOption,
  BlockCipherMode,
  CryptographicAlgorithm,
  CryptographicUsageMask,
  KeyFormatType,
  NameType,
  ObjectType,
  Operation,
  PaddingMethod,
  QueryFunction,
  ResultReason,
  ResultStatus,
  RevocationReasonCode,
  State,
  UniqueIdentifier,
  enumName,
} from '../kmip/enums';
import { attributeTag } from '../kmip/operations';
import { compareVersions, operationName, spacedName, type ProtocolVersion } from '../kmip/protocol';
import { Tag } from '../kmip/tags';
import { safeLog, type Logger } from '../logger';
import { encode, type StructureItem, type TtlvItem } from '../ttlv';
import {
  attributeName1x,
  encodeAttribute1x,
  encodeAttribute2x,
  objectAttributes,
  readRequestAttributes,
  retag,
  type InAttribute,
  type OutAttribute,
} from './attributes';
import { KmipFault } from './fault';
import { all, dateSeconds, first, optBool, optBytes, optDate, optEnum, optInt, optStruct, optText, required, typed } from './read';
import type { CustomAttribute, KeyObject, KeyStore, NameValue, StoredAttribute } from './store';

export const DEV_SERVER_VENDOR = 'kmip-kms dev server';

/** Knobs for behaviours where servers differ. */
export interface DevServerBehaviour {
  /**
   * Batch Error Continuation Option Stop: 'omit' (default, as the spec and
   * PyKMIP) leaves the items after the failed one out of the response; 'fail'
   * answers each of them Operation Failed / Operation Canceled By Requester.
   */
  readonly stoppedItems?: 'omit' | 'fail';
  /** Allow Decrypt with Deactivated and Compromised keys (the spec allows it; PyKMIP does not). Default false. */
  readonly decryptWhenDeactivated?: boolean;
  /** Vendor Identification answered to Query. Default 'kmip-kms dev server'. */
  readonly vendorIdentification?: string;
}

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

export const SUPPORTED_OPERATIONS: readonly number[] = [
  Operation.Create,
  Operation.Locate,
  Operation.Get,
  Operation.GetAttributes,
  Operation.GetAttributeList,
  Operation.Activate,
  Operation.Revoke,
  Operation.Destroy,
  Operation.Query,
  Operation.DiscoverVersions,
  Operation.Encrypt,
  Operation.Decrypt,
];

/** Attributes only the server sets; a client giving one at Create gets Invalid Field. */
const SERVER_SET: ReadonlySet<number> = new Set([
  Tag.UniqueIdentifier,
  Tag.State,
  Tag.InitialDate,
  Tag.LastChangeDate,
  Tag.DestroyDate,
  Tag.CompromiseDate,
  Tag.CompromiseOccurrenceDate,
  Tag.RevocationReason,
  Tag.Digest,
  Tag.KeyValuePresent,
  Tag.OriginalCreationDate,
  Tag.Fresh,
  Tag.AlwaysSensitive,
  Tag.NeverExtractable,
]);

const DATE_TAGS: ReadonlySet<number> = new Set([
  Tag.ActivationDate,
  Tag.DeactivationDate,
  Tag.InitialDate,
  Tag.LastChangeDate,
  Tag.DestroyDate,
  Tag.CompromiseDate,
  Tag.CompromiseOccurrenceDate,
  Tag.ProcessStartDate,
  Tag.ProtectStopDate,
  Tag.ArchiveDate,
]);

const AES_LENGTHS: ReadonlySet<number> = new Set([128, 192, 256]);

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

interface Ctx {
  readonly version: ProtocolVersion;
  readonly v2: boolean;
  readonly owner: string;
  /** Seconds. */
  readonly now: number;
  placeholder: string | undefined;
  /** Last id produced per operation in this message (2.x Unique Identifier enumerations). */
  readonly byOp: Map<number, string>;
  mutated: boolean;
}

interface Header {
  readonly version: ProtocolVersion;
  readonly maxResponseSize: number | undefined;
  readonly continuation: number;
  readonly batchCount: number;
}

const s = (tag: number, value: TtlvItem[]): StructureItem => ({ tag, type: 0x01, value });
const txt = (tag: number, value: string): TtlvItem => ({ tag, type: 0x07, value });
const en = (tag: number, value: number): TtlvItem => ({ tag, type: 0x05, value });
const int = (tag: number, value: number): TtlvItem => ({ tag, type: 0x02, value });
const bytes = (tag: number, value: Buffer): TtlvItem => ({ tag, type: 0x08, value });
const versionItem = (v: ProtocolVersion): StructureItem =>
  s(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, v.major), int(Tag.ProtocolVersionMinor, v.minor)]);

const fault = (reason: number, message: string): KmipFault => new KmipFault(reason, message);

function enumLabel(tag: number, v: number): string {
  const n = enumName(tag, v);
  return n ? spacedName(n) : `0x${v.toString(16)}`;
}

const stateLabel = (st: number): string => (st === State.PreActive ? 'Pre-Active' : enumLabel(Tag.State, st));

function readVersion(item: TtlvItem, where: string): ProtocolVersion {
  const pv = typed(item, 0x01, where);
  return {
    major: required(optInt(pv, Tag.ProtocolVersionMajor, where), Tag.ProtocolVersionMajor, where),
    minor: required(optInt(pv, Tag.ProtocolVersionMinor, where), Tag.ProtocolVersionMinor, where),
  };
}

/** Applies date-driven transitions (Activation Date / Deactivation Date reached). */
export function refreshState(o: KeyObject, now: number): void {
  if (o.state === State.PreActive && o.activationDate !== undefined && o.activationDate <= now) o.state = State.Active;
  if ((o.state === State.PreActive || o.state === State.Active) && o.deactivationDate !== undefined && o.deactivationDate <= now) {
    o.state = State.Deactivated;
  }
}

export class KmipEngine {
  readonly #store: KeyStore;
  readonly #versions: readonly ProtocolVersion[];
  readonly #behaviour: DevServerBehaviour;
  readonly #logger: Logger;
  readonly #clock: () => number;
  readonly #fallback: ProtocolVersion;

  constructor(store: KeyStore, opts: EngineOptions) {
    this.#store = store;
    this.#versions = opts.versions;
    this.#behaviour = opts.behaviour ?? {};
    this.#logger = opts.logger;
    this.#clock = opts.now ?? Date.now;
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
    const bytesOut = this.#encode(version, results, header.maxResponseSize);
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

  #encode(version: ProtocolVersion, results: readonly ResultItem[], maxResponseSize: number | undefined): Buffer {
    const build = (rs: readonly ResultItem[]): Buffer => {
      const children: TtlvItem[] = [
        s(Tag.ResponseHeader, [
          versionItem(version),
          { tag: Tag.TimeStamp, type: 0x09, value: BigInt(Math.floor(this.#clock() / 1000)) },
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
    switch (op) {
      case Operation.DiscoverVersions:
        return this.#discoverVersions(p);
      case Operation.Query:
        return this.#query(p);
      case Operation.Create:
        return this.#create(p, ctx);
      case Operation.Activate:
        return this.#activate(p, ctx);
      case Operation.Revoke:
        return this.#revoke(p, ctx);
      case Operation.Destroy:
        return this.#destroy(p, ctx);
      case Operation.Get:
        return this.#get(p, ctx);
      case Operation.GetAttributes:
        return this.#getAttributes(p, ctx);
      case Operation.GetAttributeList:
        return this.#getAttributeList(p, ctx);
      case Operation.Locate:
        return this.#locate(p, ctx);
      case Operation.Encrypt:
        return this.#cipher(p, ctx, false);
      case Operation.Decrypt:
        return this.#cipher(p, ctx, true);
      default:
        throw fault(ResultReason.OperationNotSupported, `${operationName(op)} is not supported by the kmip-kms dev server`);
    }
  }

  // -------------------------------------------------------------------------
  // Helpers

  #uid(p: StructureItem, ctx: Ctx, where: string): string {
    const it = first(p, Tag.UniqueIdentifier);
    if (it === undefined) {
      if (ctx.placeholder === undefined) {
        throw fault(ResultReason.MissingData, `${where}: no Unique Identifier given and no ID Placeholder set by an earlier item of this request message`);
      }
      return ctx.placeholder;
    }
    if (it.type === 0x07) return it.value;
    if (it.type === 0x05) {
      let id: string | undefined;
      if (it.value === UniqueIdentifier.IDPlaceholder) id = ctx.placeholder;
      else if (it.value === UniqueIdentifier.Create) id = ctx.byOp.get(Operation.Create);
      else if (it.value === UniqueIdentifier.Locate) id = ctx.byOp.get(Operation.Locate);
      else if (it.value === UniqueIdentifier.Register) id = ctx.byOp.get(Operation.Register);
      else throw fault(ResultReason.InvalidField, `${where}: Unique Identifier ${enumLabel(Tag.UniqueIdentifier, it.value)} is not supported`);
      if (id === undefined) {
        throw fault(ResultReason.MissingData, `${where}: Unique Identifier ${enumLabel(Tag.UniqueIdentifier, it.value)} refers to nothing in this request message`);
      }
      return id;
    }
    return typed(it, 0x07, where).value;
  }

  /** The object `uid` if `ctx.owner` owns it; Item Not Found otherwise (as for an unknown id). */
  #owned(uid: string, ctx: Ctx): KeyObject {
    const o = this.#store.get(uid);
    if (o === undefined || o.owner !== ctx.owner) throw fault(ResultReason.ItemNotFound, `object ${uid} not found`);
    refreshState(o, ctx.now);
    return o;
  }

  #destroyed(uid: string, ctx: Ctx): KmipFault {
    return fault(ctx.v2 ? ResultReason.ObjectDestroyed : ResultReason.ItemNotFound, `object ${uid} has been destroyed: its key material is gone`);
  }

  // -------------------------------------------------------------------------
  // Operations

  #discoverVersions(p: StructureItem): TtlvItem[] {
    const offered = all(p, Tag.ProtocolVersion).map((v) => readVersion(v, 'Discover Versions'));
    const answer = offered.length === 0 ? this.#versions : this.#versions.filter((v) => offered.some((o) => compareVersions(o, v) === 0));
    return answer.map(versionItem);
  }

  #query(p: StructureItem): TtlvItem[] {
    const fns = new Set(all(p, Tag.QueryFunction).map((f) => typed(f, 0x05, 'Query').value));
    const out: TtlvItem[] = [];
    if (fns.has(QueryFunction.QueryOperations)) for (const op of SUPPORTED_OPERATIONS) out.push(en(Tag.Operation, op));
    if (fns.has(QueryFunction.QueryObjects)) out.push(en(Tag.ObjectType, ObjectType.SymmetricKey));
    if (fns.has(QueryFunction.QueryServerInformation)) {
      out.push(txt(Tag.VendorIdentification, this.#behaviour.vendorIdentification ?? DEV_SERVER_VENDOR));
      out.push(
        s(Tag.ServerInformation, [
          txt(Tag.ServerName, 'kmip-kms development server'),
          txt(Tag.ProductName, 'kmip-kms dev server (development and tests only, NOT an appliance)'),
          txt(Tag.ServerVersion, this.#versions.map((v) => `${v.major}.${v.minor}`).join(' ')),
        ]),
      );
    }
    return out;
  }

  #create(p: StructureItem, ctx: Ctx): TtlvItem[] {
    const where = 'Create';
    const objectType = required(optEnum(p, Tag.ObjectType, where), Tag.ObjectType, where);
    if (objectType !== ObjectType.SymmetricKey) {
      throw fault(ResultReason.InvalidField, `Create of a ${enumLabel(Tag.ObjectType, objectType)} is not supported: the kmip-kms dev server creates Symmetric Keys only`);
    }
    let algorithm: number | undefined;
    let length: number | undefined;
    let usageMask: number | undefined;
    let activationDate: number | undefined;
    let deactivationDate: number | undefined;
    const names: NameValue[] = [];
    const custom: CustomAttribute[] = [];
    const other: StoredAttribute[] = [];
    for (const a of readRequestAttributes(p, where)) {
      if (a.kind === 'custom') {
        custom.push({ vendor: a.vendor, name: a.name, value: retag(a.value, Tag.AttributeValue) });
        continue;
      }
      const label = attributeName1x(a.tag);
      switch (a.tag) {
        case Tag.CryptographicAlgorithm:
          algorithm = typed(a.value, 0x05, where).value;
          break;
        case Tag.CryptographicLength:
          length = typed(a.value, 0x02, where).value;
          break;
        case Tag.CryptographicUsageMask:
          usageMask = typed(a.value, 0x02, where).value;
          break;
        case Tag.Name: {
          const n = typed(a.value, 0x01, where);
          const value = optText(n, Tag.NameValue, where);
          if (value === undefined) throw fault(ResultReason.InvalidField, 'a Name attribute has no Name Value');
          names.push({ value, type: optEnum(n, Tag.NameType, where) ?? NameType.UninterpretedTextString });
          break;
        }
        case Tag.ActivationDate:
          activationDate = dateSeconds(a.value, where);
          break;
        case Tag.DeactivationDate:
          deactivationDate = dateSeconds(a.value, where);
          break;
        case Tag.ObjectType:
          if (typed(a.value, 0x05, where).value !== objectType) throw fault(ResultReason.InvalidField, 'the Object Type attribute contradicts the Object Type of the request');
          break;
        default:
          if (SERVER_SET.has(a.tag)) throw fault(ResultReason.InvalidField, `${label} is set by the server; a client cannot give it`);
          other.push({ tag: a.tag, value: a.value });
      }
    }
    if (algorithm === undefined) throw fault(ResultReason.MissingData, 'Create needs a Cryptographic Algorithm attribute');
    if (algorithm !== CryptographicAlgorithm.AES) {
      throw fault(ResultReason.InvalidField, `Cryptographic Algorithm ${enumLabel(Tag.CryptographicAlgorithm, algorithm)} is not supported: AES only`);
    }
    if (length === undefined) throw fault(ResultReason.MissingData, 'Create needs a Cryptographic Length attribute');
    if (!AES_LENGTHS.has(length)) throw fault(ResultReason.InvalidField, `Cryptographic Length ${length} is not an AES key length (128, 192 or 256)`);
    if (usageMask === undefined) throw fault(ResultReason.MissingData, 'Create needs a Cryptographic Usage Mask attribute');
    if (usageMask < 0) throw fault(ResultReason.InvalidField, 'the Cryptographic Usage Mask is negative');
    const now = ctx.now;
    const uid = randomUUID();
    const obj: KeyObject = {
      uid,
      owner: ctx.owner,
      objectType,
      algorithm,
      length,
      usageMask,
      state: State.PreActive,
      names,
      initialDate: now,
      lastChangeDate: now,
      material: randomBytes(length / 8),
      custom,
      other,
    };
    if (activationDate !== undefined) obj.activationDate = activationDate;
    if (deactivationDate !== undefined) obj.deactivationDate = deactivationDate;
    refreshState(obj, now);
    this.#store.add(obj);
    ctx.mutated = true;
    ctx.placeholder = uid;
    ctx.byOp.set(Operation.Create, uid);
    safeLog(this.#logger, 'info', 'kmip dev server: created a key', { uid, owner: ctx.owner, state: stateLabel(obj.state) });
    return [en(Tag.ObjectType, objectType), txt(Tag.UniqueIdentifier, uid)];
  }

  #activate(p: StructureItem, ctx: Ctx): TtlvItem[] {
    const uid = this.#uid(p, ctx, 'Activate');
    const o = this.#owned(uid, ctx);
    if (o.state !== State.PreActive) {
      throw fault(ResultReason.PermissionDenied, `object ${uid} is ${stateLabel(o.state)}, not Pre-Active: it cannot be activated`);
    }
    o.state = State.Active;
    o.activationDate = ctx.now;
    o.lastChangeDate = ctx.now;
    ctx.mutated = true;
    return [txt(Tag.UniqueIdentifier, uid)];
  }

  #revoke(p: StructureItem, ctx: Ctx): TtlvItem[] {
    const where = 'Revoke';
    const rr = optStruct(p, Tag.RevocationReason, where);
    if (rr === undefined) throw fault(ResultReason.MissingData, 'Revoke needs a Revocation Reason');
    const code = required(optEnum(rr, Tag.RevocationReasonCode, where), Tag.RevocationReasonCode, 'the Revocation Reason');
    const message = optText(rr, Tag.RevocationMessage, where);
    const occurrence = optDate(p, Tag.CompromiseOccurrenceDate, where);
    const uid = this.#uid(p, ctx, where);
    const o = this.#owned(uid, ctx);
    const now = ctx.now;
    if (code === RevocationReasonCode.KeyCompromise || code === RevocationReasonCode.CACompromise) {
      if (o.state === State.Destroyed) o.state = State.DestroyedCompromised;
      else if (o.state !== State.DestroyedCompromised) o.state = State.Compromised;
      o.compromiseDate ??= now;
      o.compromiseOccurrenceDate ??= occurrence ?? o.initialDate;
    } else if (o.state === State.Active || o.state === State.PreActive) {
      o.state = State.Deactivated;
      o.deactivationDate = now;
    } else {
      throw fault(
        ResultReason.IllegalOperation,
        `object ${uid} is ${stateLabel(o.state)}: only an Active or Pre-Active object can be revoked for reason ${enumLabel(Tag.RevocationReasonCode, code)}`,
      );
    }
    o.revocation = message === undefined ? { code } : { code, message };
    o.lastChangeDate = now;
    ctx.mutated = true;
    return [txt(Tag.UniqueIdentifier, uid)];
  }

  #destroy(p: StructureItem, ctx: Ctx): TtlvItem[] {
    const uid = this.#uid(p, ctx, 'Destroy');
    const o = this.#owned(uid, ctx);
    switch (o.state) {
      case State.Active:
        throw fault(ResultReason.PermissionDenied, 'Object is active and cannot be destroyed');
      case State.Destroyed:
      case State.DestroyedCompromised:
        throw this.#destroyed(uid, ctx);
      case State.Compromised:
        o.state = State.DestroyedCompromised;
        break;
      default:
        o.state = State.Destroyed;
    }
    o.material?.fill(0);
    o.material = null;
    o.destroyDate = ctx.now;
    o.lastChangeDate = ctx.now;
    ctx.mutated = true;
    return [txt(Tag.UniqueIdentifier, uid)];
  }

  #get(p: StructureItem, ctx: Ctx): TtlvItem[] {
    const where = 'Get';
    const uid = this.#uid(p, ctx, where);
    const format = optEnum(p, Tag.KeyFormatType, where);
    if (optEnum(p, Tag.KeyCompressionType, where) !== undefined) {
      throw fault(ResultReason.KeyCompressionTypeNotSupported, 'key compression is not supported by the kmip-kms dev server');
    }
    if (first(p, Tag.KeyWrappingSpecification) !== undefined) {
      throw fault(ResultReason.FeatureNotSupported, 'key wrapping (Key Wrapping Specification) is not supported by the kmip-kms dev server');
    }
    const o = this.#owned(uid, ctx);
    if (o.material === null) throw this.#destroyed(uid, ctx);
    if (format !== undefined && format !== KeyFormatType.Raw && format !== KeyFormatType.TransparentSymmetricKey) {
      throw fault(ResultReason.KeyFormatTypeNotSupported, `Key Format Type ${enumLabel(Tag.KeyFormatType, format)} is not supported for a symmetric key (Raw, Transparent Symmetric Key)`);
    }
    const material =
      format === KeyFormatType.TransparentSymmetricKey ? s(Tag.KeyMaterial, [bytes(Tag.Key, o.material)]) : bytes(Tag.KeyMaterial, o.material);
    const keyBlock = s(Tag.KeyBlock, [
      en(Tag.KeyFormatType, format ?? KeyFormatType.Raw),
      s(Tag.KeyValue, [material]),
      en(Tag.CryptographicAlgorithm, o.algorithm),
      int(Tag.CryptographicLength, o.length),
    ]);
    return [en(Tag.ObjectType, o.objectType), txt(Tag.UniqueIdentifier, uid), s(Tag.SymmetricKey, [keyBlock])];
  }

  #getAttributes(p: StructureItem, ctx: Ctx): TtlvItem[] {
    const where = 'Get Attributes';
    const uid = this.#uid(p, ctx, where);
    const o = this.#owned(uid, ctx);
    const selectors: Array<(a: OutAttribute) => boolean> = [];
    for (const c of p.value) {
      if (c.tag === Tag.AttributeName) {
        const name = typed(c, 0x07, where).value;
        const tag = /^[xy]-/.test(name) ? undefined : attributeTag(name);
        selectors.push((a) => a.name1x === name || (tag !== undefined && a.tag === tag));
      } else if (c.tag === Tag.AttributeReference) {
        if (c.type === 0x05) {
          const tag = c.value;
          selectors.push((a) => a.tag === tag);
        } else {
          const ref = typed(c, 0x01, where);
          const vendor = optText(ref, Tag.VendorIdentification, where);
          const name = optText(ref, Tag.AttributeName, where);
          selectors.push((a) => a.tag === undefined && a.name === name && (vendor === undefined || a.vendor === vendor));
        }
      }
    }
    const attrs = objectAttributes(o).filter((a) => selectors.length === 0 || selectors.some((sel) => sel(a)));
    if (ctx.v2) return [txt(Tag.UniqueIdentifier, uid), s(Tag.Attributes, attrs.map(encodeAttribute2x))];
    return [txt(Tag.UniqueIdentifier, uid), ...attrs.map(encodeAttribute1x)];
  }

  #getAttributeList(p: StructureItem, ctx: Ctx): TtlvItem[] {
    const uid = this.#uid(p, ctx, 'Get Attribute List');
    const o = this.#owned(uid, ctx);
    const out: TtlvItem[] = [txt(Tag.UniqueIdentifier, uid)];
    const seen = new Set<string>();
    for (const a of objectAttributes(o)) {
      if (seen.has(a.name1x)) continue;
      seen.add(a.name1x);
      if (!ctx.v2) out.push(txt(Tag.AttributeName, a.name1x));
      else if (a.tag !== undefined) out.push(en(Tag.AttributeReference, a.tag));
      else out.push(s(Tag.AttributeReference, [txt(Tag.VendorIdentification, a.vendor ?? 'x'), txt(Tag.AttributeName, a.name ?? '')]));
    }
    return out;
  }

  #locate(p: StructureItem, ctx: Ctx): TtlvItem[] {
    const where = 'Locate';
    const maxItems = optInt(p, Tag.MaximumItems, where);
    const offset = optInt(p, Tag.OffsetItems, where) ?? 0;
    const storage = optInt(p, Tag.StorageStatusMask, where) ?? 1;
    const filters = readRequestAttributes(p, where);
    const found: string[] = [];
    for (const o of this.#store.objects.values()) {
      if (o.owner !== ctx.owner) continue;
      refreshState(o, ctx.now);
      const bit = o.material === null ? 4 : 1;
      if ((storage & bit) === 0) continue;
      if (matches(o, filters)) found.push(o.uid);
    }
    const page = found.slice(Math.max(0, offset), maxItems === undefined ? undefined : Math.max(0, offset) + Math.max(0, maxItems));
    if (page.length === 1) {
      ctx.placeholder = page[0];
      ctx.byOp.set(Operation.Locate, page[0]!);
    } else if (page.length > 1) ctx.placeholder = undefined;
    const out: TtlvItem[] = [];
    if (compareVersions(ctx.version, { major: 1, minor: 3 }) >= 0) out.push(int(Tag.LocatedItems, found.length));
    for (const uid of page) out.push(txt(Tag.UniqueIdentifier, uid));
    return out;
  }

  #cipher(p: StructureItem, ctx: Ctx, decrypt: boolean): TtlvItem[] {
    const where = decrypt ? 'Decrypt' : 'Encrypt';
    const uid = this.#uid(p, ctx, where);
    const o = this.#owned(uid, ctx);
    const usable =
      o.state === State.Active ||
      (decrypt && this.#behaviour.decryptWhenDeactivated === true && (o.state === State.Deactivated || o.state === State.Compromised));
    if (!usable || o.material === null) {
      throw fault(ResultReason.PermissionDenied, `key ${uid} is ${stateLabel(o.state)}: it must be Active to be used for ${decrypt ? 'decryption' : 'encryption'}`);
    }
    const bit = decrypt ? CryptographicUsageMask.Decrypt : CryptographicUsageMask.Encrypt;
    if ((o.usageMask & bit) === 0) {
      throw fault(
        ctx.v2 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied,
        `key ${uid} does not have the ${decrypt ? 'Decrypt' : 'Encrypt'} bit in its Cryptographic Usage Mask`,
      );
    }
    if (optBytes(p, Tag.CorrelationValue, where) !== undefined || optBool(p, Tag.InitIndicator, where) === true || optBool(p, Tag.FinalIndicator, where) === false) {
      throw fault(ResultReason.FeatureNotSupported, `streaming ${where} (Correlation Value, Init/Final Indicator) is not supported by the kmip-kms dev server`);
    }
    const cp = optStruct(p, Tag.CryptographicParameters, where) ?? storedParameters(o);
    if (cp === undefined) {
      throw fault(ResultReason.InvalidField, `${where} needs Cryptographic Parameters (Block Cipher Mode CBC or ECB, Padding Method PKCS5 or None): the key has none`);
    }
    const mode = optEnum(cp, Tag.BlockCipherMode, where);
    const padding = optEnum(cp, Tag.PaddingMethod, where) ?? PaddingMethod.None;
    const alg = optEnum(cp, Tag.CryptographicAlgorithm, where);
    const randomIv = optBool(cp, Tag.RandomIV, where);
    if (alg !== undefined && alg !== o.algorithm) {
      throw fault(ResultReason.InvalidField, `Cryptographic Algorithm ${enumLabel(Tag.CryptographicAlgorithm, alg)} does not match the key's (${enumLabel(Tag.CryptographicAlgorithm, o.algorithm)})`);
    }
    if (mode === undefined) throw fault(ResultReason.InvalidField, `${where} needs a Block Cipher Mode (CBC or ECB) in its Cryptographic Parameters`);
    if (mode !== BlockCipherMode.CBC && mode !== BlockCipherMode.ECB) {
      throw fault(ResultReason.InvalidField, `Block Cipher Mode ${enumLabel(Tag.BlockCipherMode, mode)} is not supported by the kmip-kms dev server (CBC, ECB)`);
    }
    if (padding !== PaddingMethod.None && padding !== PaddingMethod.PKCS5) {
      throw fault(ResultReason.InvalidField, `Padding Method ${enumLabel(Tag.PaddingMethod, padding)} is not supported by the kmip-kms dev server (PKCS5, None)`);
    }
    const data = optBytes(p, Tag.Data, where);
    if (data === undefined) throw fault(ResultReason.MissingData, `${where} has no Data`);
    let iv: Buffer | null = null;
    let madeIv = false;
    if (mode === BlockCipherMode.CBC) {
      const given = optBytes(p, Tag.IVCounterNonce, where);
      if (given !== undefined) {
        if (!decrypt && randomIv === true) throw fault(ResultReason.InvalidField, 'Random IV is True but an IV/Counter/Nonce was given');
        if (given.length !== 16) throw fault(ResultReason.InvalidField, `the IV/Counter/Nonce is ${given.length} bytes; AES-CBC needs 16`);
        iv = given;
      } else if (decrypt) {
        throw fault(ctx.v2 ? ResultReason.MissingInitializationVector : ResultReason.InvalidField, 'Decrypt in CBC mode needs the IV/Counter/Nonce');
      } else {
        iv = randomBytes(16);
        madeIv = true;
      }
    }
    if (padding === PaddingMethod.None && data.length % 16 !== 0) {
      throw fault(
        decrypt ? ResultReason.CryptographicFailure : ResultReason.InvalidField,
        `without padding the data must be a multiple of 16 bytes (got ${data.length})`,
      );
    }
    const algorithm = `aes-${o.length}-${mode === BlockCipherMode.CBC ? 'cbc' : 'ecb'}`;
    let out: Buffer;
    try {
      const c = decrypt ? createDecipheriv(algorithm, o.material, iv) : createCipheriv(algorithm, o.material, iv);
      c.setAutoPadding(padding === PaddingMethod.PKCS5);
      out = Buffer.concat([c.update(data), c.final()]);
    } catch (err) {
      throw fault(ResultReason.CryptographicFailure, `${where} failed: ${decrypt ? 'bad padding or data length' : (err as Error).message}`);
    }
    const res: TtlvItem[] = [txt(Tag.UniqueIdentifier, uid), bytes(Tag.Data, out)];
    if (madeIv && iv !== null) res.push(bytes(Tag.IVCounterNonce, iv));
    return res;
  }
}

function storedParameters(o: KeyObject): StructureItem | undefined {
  const a = o.other.find((x) => x.tag === Tag.CryptographicParameters);
  return a !== undefined && a.value.type === 0x01 ? a.value : undefined;
}

const sameItem = (a: TtlvItem, b: TtlvItem): boolean => encode(retag(a, Tag.AttributeValue)).equals(encode(retag(b, Tag.AttributeValue)));

/** Locate matching: every filter must match; a date attribute given twice is a range. */
function matches(o: KeyObject, filters: readonly InAttribute[]): boolean {
  if (filters.length === 0) return true;
  const attrs = objectAttributes(o);
  const ranges = new Map<number, number[]>();
  for (const f of filters) {
    if (f.kind === 'standard' && DATE_TAGS.has(f.tag) && (f.value.type === 0x09 || f.value.type === 0x0b)) {
      const list = ranges.get(f.tag) ?? [];
      list.push(dateSeconds(f.value, 'Locate'));
      ranges.set(f.tag, list);
    }
  }
  for (const f of filters) {
    if (f.kind === 'custom') {
      if (!o.custom.some((c) => c.vendor === f.vendor && c.name === f.name && sameItem(c.value, f.value))) return false;
      continue;
    }
    if (f.tag === Tag.Name && f.value.type === 0x01) {
      const nv = optText(f.value, Tag.NameValue, 'Locate');
      const nt = optEnum(f.value, Tag.NameType, 'Locate');
      if (!o.names.some((n) => n.value === nv && (nt === undefined || n.type === nt))) return false;
      continue;
    }
    const mine = attrs.filter((a) => a.tag === f.tag);
    const range = ranges.get(f.tag);
    if (range !== undefined && range.length >= 2) {
      const lo = Math.min(...range);
      const hi = Math.max(...range);
      if (!mine.some((a) => a.value.type === 0x09 && Number(a.value.value) >= lo && Number(a.value.value) <= hi)) return false;
      continue;
    }
    if (!mine.some((a) => sameItem(a.value, f.value))) return false;
  }
  return true;
}
