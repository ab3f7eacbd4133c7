/**
 * KMIP message level: request messages (header + batch items) and the reading of
 * response messages, independent of any particular operation.
 */
import { KmipProtocolError } from '../errors';
import { TtlvWriter as TtlvWriterCtor, type StructureItem, type TtlvItem, type TtlvWriter } from '../ttlv';
import { enumName } from './enums';
import { Tag } from './tags';

export interface ProtocolVersion {
  readonly major: number;
  readonly minor: number;
}

/** KMIP 2.0 down to 1.2, most preferred first: what the client offers and the dev server speaks by default. */
export const KMIP_VERSIONS_2_0_TO_1_2: readonly ProtocolVersion[] = Object.freeze([
  { major: 2, minor: 0 },
  { major: 1, minor: 4 },
  { major: 1, minor: 3 },
  { major: 1, minor: 2 },
]);

export const versionString = (v: ProtocolVersion): string => `${v.major}.${v.minor}`;
export const isV2 = (v: ProtocolVersion): boolean => v.major >= 2;
export function compareVersions(a: ProtocolVersion, b: ProtocolVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

export interface RequestBatchItem {
  readonly operation: number;
  /** Unique Batch Item ID; omitted when undefined. */
  readonly id?: Buffer;
  /** Children of the Request Payload structure. */
  readonly payload: readonly TtlvItem[];
}

export interface RequestHeaderOptions {
  readonly maximumResponseSize?: number;
  /** Batch Error Continuation Option: 1 = Continue, 2 = Stop (the server's default when absent), 3 = Undo. */
  readonly batchErrorContinuationOption?: number;
  readonly batchOrderOption?: boolean;
}

const versionItem = (v: ProtocolVersion): StructureItem => ({
  tag: Tag.ProtocolVersion,
  type: 0x01,
  value: [
    { tag: Tag.ProtocolVersionMajor, type: 0x02, value: v.major },
    { tag: Tag.ProtocolVersionMinor, type: 0x02, value: v.minor },
  ],
});

/** Builds a Request Message tree. */
export function requestMessage(version: ProtocolVersion, items: readonly RequestBatchItem[], opts?: RequestHeaderOptions): StructureItem {
  const header: TtlvItem[] = [versionItem(version)];
  if (opts?.maximumResponseSize !== undefined) header.push({ tag: Tag.MaximumResponseSize, type: 0x02, value: opts.maximumResponseSize });
  if (opts?.batchOrderOption !== undefined) header.push({ tag: Tag.BatchOrderOption, type: 0x06, value: opts.batchOrderOption });
  if (opts?.batchErrorContinuationOption !== undefined) {
    header.push({ tag: Tag.BatchErrorContinuationOption, type: 0x05, value: opts.batchErrorContinuationOption });
  }
  header.push({ tag: Tag.BatchCount, type: 0x02, value: items.length });
  const children: TtlvItem[] = [{ tag: Tag.RequestHeader, type: 0x01, value: header }];
  for (const it of items) {
    const bi: TtlvItem[] = [{ tag: Tag.Operation, type: 0x05, value: it.operation }];
    if (it.id !== undefined) bi.push({ tag: Tag.UniqueBatchItemID, type: 0x08, value: it.id });
    bi.push({ tag: Tag.RequestPayload, type: 0x01, value: it.payload as TtlvItem[] });
    children.push({ tag: Tag.BatchItem, type: 0x01, value: bi });
  }
  return { tag: Tag.RequestMessage, type: 0x01, value: children };
}

/** One operation as writeRequestMessage takes it: a payload tree, or a prepared writer of its payload. */
export interface RequestOperation {
  readonly operation: number;
  payload(version: ProtocolVersion): readonly TtlvItem[];
  /** Writes the Request Payload's children straight into `w` (same bytes as payload()). */
  writePayload?(w: TtlvWriter, version: ProtocolVersion): void;
}

/**
 * Writes the Request Message for `ops` into `w`, the batch item of ops[i]
 * carrying the 4-byte Unique Batch Item ID ids[i]: the bytes of
 * encode(requestMessage(...)) with no tree built for the envelope, nor for
 * the payload of an operation that has writePayload.
 */
export function writeRequestMessage(
  w: TtlvWriter,
  version: ProtocolVersion,
  ops: readonly RequestOperation[],
  ids: readonly number[],
  opts?: RequestHeaderOptions,
): void {
  const only = ops.length === 1 && opts === undefined ? ops[0]! : undefined;
  if (only !== undefined && only.writePayload !== undefined) {
    const env = envelopeOf(version, only.operation);
    if (env !== undefined) {
      // The envelope copied, the ID and the three lengths patched: the same bytes as below.
      const start = w.pos;
      w.ensure(ENVELOPE_BYTES);
      env.copy(w.buf, start);
      w.pos = start + ENVELOPE_BYTES;
      w.buf.writeUInt32BE(ids[0]! >>> 0, start + ENVELOPE_ID_AT);
      only.writePayload(w, version);
      const len = w.pos - start;
      w.buf.writeUInt32BE(len - 8, start + 4);
      w.buf.writeUInt32BE(len - ENVELOPE_BATCH_ITEM_AT - 8, start + ENVELOPE_BATCH_ITEM_AT + 4);
      w.buf.writeUInt32BE(len - ENVELOPE_BYTES, start + ENVELOPE_BYTES - 4);
      return;
    }
  }
  const msg = w.beginStructure(Tag.RequestMessage);
  const hdr = w.beginStructure(Tag.RequestHeader);
  const pv = w.beginStructure(Tag.ProtocolVersion);
  w.writeInteger(Tag.ProtocolVersionMajor, version.major);
  w.writeInteger(Tag.ProtocolVersionMinor, version.minor);
  w.endStructure(pv);
  if (opts !== undefined) {
    if (opts.maximumResponseSize !== undefined) w.writeInteger(Tag.MaximumResponseSize, opts.maximumResponseSize);
    if (opts.batchOrderOption !== undefined) w.write({ tag: Tag.BatchOrderOption, type: 0x06, value: opts.batchOrderOption });
    if (opts.batchErrorContinuationOption !== undefined) w.writeEnumeration(Tag.BatchErrorContinuationOption, opts.batchErrorContinuationOption);
  }
  w.writeInteger(Tag.BatchCount, ops.length);
  w.endStructure(hdr);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const bi = w.beginStructure(Tag.BatchItem);
    w.writeEnumeration(Tag.Operation, op.operation);
    w.writeUint32Bytes(Tag.UniqueBatchItemID, ids[i]!);
    if (op.writePayload !== undefined) {
      const pl = w.beginStructure(Tag.RequestPayload);
      op.writePayload(w, version);
      w.endStructure(pl);
    } else {
      w.write({ tag: Tag.RequestPayload, type: 0x01, value: op.payload(version) as TtlvItem[] });
    }
    w.endStructure(bi);
  }
  w.endStructure(msg);
}

/**
 * A one-operation request message without header options, up to the start of
 * its Request Payload's value: Request Message, Request Header (Protocol
 * Version, Batch Count 1), Batch Item (Operation, a 4-byte Unique Batch Item
 * ID), Request Payload. Written once per version and operation by the
 * general path (so with the same bytes), then copied; the ID and the lengths
 * of the message, the batch item and the payload are patched.
 */
const ENVELOPE_BYTES = 120;
const ENVELOPE_BATCH_ITEM_AT = 72;
const ENVELOPE_ID_AT = 104;
const envelopes = new Map<number, Buffer>();

function envelopeOf(version: ProtocolVersion, operation: number): Buffer | undefined {
  const { major, minor } = version;
  if (!(major >= 0 && major < 256 && minor >= 0 && minor < 256 && operation >= 0 && operation < 0x10000) || !Number.isInteger(major + minor + operation)) return undefined;
  const k = major * 0x1000000 + minor * 0x10000 + operation;
  let env = envelopes.get(k);
  if (env === undefined) {
    const w = new TtlvWriterCtor(256);
    writeRequestMessage(w, version, [{ operation, payload: () => [] }], [0]);
    env = Buffer.from(w.buf.subarray(0, ENVELOPE_BYTES));
    envelopes.set(k, env);
  }
  return env;
}

export interface ResponseBatchItem {
  readonly operation: number | undefined;
  readonly id: Buffer | undefined;
  /** 0 Success, 1 Operation Failed, 2 Operation Pending, 3 Operation Undone. */
  readonly status: number;
  readonly reason: number | undefined;
  readonly message: string | undefined;
  readonly payload: StructureItem | undefined;
}

export interface ResponseMessage {
  readonly version: ProtocolVersion;
  readonly timeStamp: bigint | undefined;
  readonly items: readonly ResponseBatchItem[];
}

function need<T extends TtlvItem['type']>(item: TtlvItem | undefined, type: T, what: string): Extract<TtlvItem, { type: T }> {
  if (item === undefined) throw new KmipProtocolError(`response has no ${what}`);
  if (item.type !== type) throw new KmipProtocolError(`response ${what} has the wrong type (0x${item.type.toString(16)})`);
  return item as Extract<TtlvItem, { type: T }>;
}

/** Reads a decoded Response Message tree; throws KmipProtocolError on a malformed one. */
export function readResponseMessage(msg: TtlvItem): ResponseMessage {
  if (msg.tag !== Tag.ResponseMessage || msg.type !== 0x01) {
    throw new KmipProtocolError(`expected a Response Message, got tag 0x${msg.tag.toString(16)}`);
  }
  let header: StructureItem | undefined;
  const items: ResponseBatchItem[] = [];
  for (const c of msg.value) {
    if (c.tag === Tag.ResponseHeader) header = need(c, 0x01, 'Response Header');
    else if (c.tag === Tag.BatchItem) items.push(readBatchItem(need(c, 0x01, 'Batch Item')));
  }
  if (!header) throw new KmipProtocolError('response has no Response Header');
  let version: ProtocolVersion | undefined;
  let timeStamp: bigint | undefined;
  let batchCount: number | undefined;
  for (const c of header.value) {
    if (c.tag === Tag.ProtocolVersion) {
      const pv = need(c, 0x01, 'Protocol Version');
      let major: number | undefined;
      let minor: number | undefined;
      for (const p of pv.value) {
        if (p.tag === Tag.ProtocolVersionMajor) major = need(p, 0x02, 'Protocol Version Major').value;
        else if (p.tag === Tag.ProtocolVersionMinor) minor = need(p, 0x02, 'Protocol Version Minor').value;
      }
      if (major === undefined || minor === undefined) throw new KmipProtocolError('response Protocol Version is incomplete');
      version = { major, minor };
    } else if (c.tag === Tag.TimeStamp) timeStamp = need(c, 0x09, 'Time Stamp').value;
    else if (c.tag === Tag.BatchCount) batchCount = need(c, 0x02, 'Batch Count').value;
  }
  if (!version) throw new KmipProtocolError('response header has no Protocol Version');
  if (batchCount === undefined) throw new KmipProtocolError('response header has no Batch Count');
  if (batchCount !== items.length) {
    throw new KmipProtocolError(`response Batch Count ${batchCount} does not match its ${items.length} batch items`);
  }
  return { version, timeStamp, items };
}

function readBatchItem(bi: StructureItem): ResponseBatchItem {
  let operation: number | undefined;
  let id: Buffer | undefined;
  let status: number | undefined;
  let reason: number | undefined;
  let message: string | undefined;
  let payload: StructureItem | undefined;
  for (const c of bi.value) {
    switch (c.tag) {
      case Tag.Operation:
        operation = need(c, 0x05, 'Operation').value;
        break;
      case Tag.UniqueBatchItemID:
        id = need(c, 0x08, 'Unique Batch Item ID').value;
        break;
      case Tag.ResultStatus:
        status = need(c, 0x05, 'Result Status').value;
        break;
      case Tag.ResultReason:
        reason = need(c, 0x05, 'Result Reason').value;
        break;
      case Tag.ResultMessage:
        message = need(c, 0x07, 'Result Message').value;
        break;
      case Tag.ResponsePayload:
        payload = need(c, 0x01, 'Response Payload');
        break;
      default:
        break;
    }
  }
  if (status === undefined) throw new KmipProtocolError('response batch item has no Result Status');
  return { operation, id, status, reason, message, payload };
}

/** "CryptographicAlgorithm" -> "Cryptographic Algorithm" (spec spelling, 1.x attribute names). */
export function spacedName(pascal: string): string {
  return pascal.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
}

/** "Get Attributes", or "operation 0x42" when unknown. */
export const operationName = (op: number | undefined): string => {
  if (op === undefined) return 'unknown operation';
  const n = enumName(Tag.Operation, op);
  return n ? spacedName(n) : `operation 0x${op.toString(16)}`;
};
/** "Operation Failed". */
export const resultStatusName = (s: number): string => {
  const n = enumName(Tag.ResultStatus, s);
  return n ? spacedName(n) : `status 0x${s.toString(16)}`;
};
/** "Item Not Found". */
export const resultReasonName = (r: number | undefined): string | undefined => {
  if (r === undefined) return undefined;
  const n = enumName(Tag.ResultReason, r);
  return n ? spacedName(n) : `reason 0x${r.toString(16)}`;
};
