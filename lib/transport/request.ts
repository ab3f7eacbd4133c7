/**
 * The request record: what a caller hands the transport (WireOperation,
 * SendOptions), what it gets back (TransportResponse), and the Pending record
 * that carries one request message from the queue onto a connection and back.
 * Pending is built as a plain literal with every field present (see newPending).
 */
import { operationName, type ProtocolVersion, type RequestHeaderOptions, type ResponseBatchItem } from '../kmip/protocol';
import type { TtlvItem, TtlvWriter } from '../ttlv';

/** One operation of a request message, before the protocol version is known. */
export interface WireOperation {
  readonly operation: number;
  readonly idempotent: boolean;
  payload(version: ProtocolVersion): TtlvItem[];
  /** Writes the Request Payload's children straight into `w` (same bytes as payload(); hot operations have it). */
  writePayload?(w: TtlvWriter, version: ProtocolVersion): void;
}

export interface TransportResponse {
  /** The protocol version the request was sent with. */
  readonly version: ProtocolVersion;
  /** One per operation, in request order. */
  readonly items: readonly ResponseBatchItem[];
  /** `host:port` that answered. */
  readonly server: string;
}

export interface SendOptions {
  /** Overrides the transport's requestTimeoutMs for this request. */
  readonly timeoutMs?: number;
  readonly header?: RequestHeaderOptions;
}

export interface Pending {
  readonly ops: readonly WireOperation[];
  readonly idempotent: boolean;
  readonly timeoutMs: number;
  queueDeadline: number;
  readonly seq: number;
  readonly header: RequestHeaderOptions | undefined;
  readonly internal: boolean;
  readonly resolve: (r: TransportResponse) => void;
  readonly reject: (e: Error) => void;
  deadline: number;
  /** The connection it is on while on the wire (set and cleared by connection.ts). */
  conn: object | null;
  ids: number[] | null;
  retries: number;
  authRetried: boolean;
  done: boolean;
}

/** A plain literal with a fixed shape (object spread made it dictionary-mode: see commit c60b9af). */
export function newPending(
  init: Pick<Pending, 'ops' | 'idempotent' | 'timeoutMs' | 'queueDeadline' | 'seq' | 'header' | 'internal' | 'resolve' | 'reject'>,
): Pending {
  return {
    ops: init.ops,
    idempotent: init.idempotent,
    timeoutMs: init.timeoutMs,
    queueDeadline: init.queueDeadline,
    seq: init.seq,
    header: init.header,
    internal: init.internal,
    resolve: init.resolve,
    reject: init.reject,
    deadline: Infinity,
    conn: null,
    ids: null,
    retries: 0,
    authRetried: false,
    done: false,
  };
}

export function describeOps(ops: readonly WireOperation[]): string[] {
  return ops.map((o) => operationName(o.operation));
}
