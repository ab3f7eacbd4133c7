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
  /** The Unique Identifier it acts on, when it names one (key affinity). */
  readonly key?: string | undefined;
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
  /** The key it acts on (single-operation requests): key affinity with `spread`. */
  readonly key: string | undefined;
  /** A host not to send it to (it answered Item Not Found there); hosts.ts's HostState. */
  avoid: object | null;
  notFoundRetried: boolean;
  /** When it was written (latency). */
  sentAt: number;
  /**
   * The other copy of a request re-sent because its host went quiet: both are
   * on the wire, the first answer settles the caller and marks the other done,
   * so the other's answer or failure is discarded.
   */
  twin: Pending | null;
  /** True while it counts in the queue's length (queue.ts). */
  queued: boolean;
  /**
   * The request message it shares with other requests (batchSize > 1: one
   * batch item each), while on the wire; null when it has its message alone.
   */
  message: SharedMessage | null;
}

/** One request message carrying several callers' requests, one batch item (one operation) each. */
export interface SharedMessage {
  readonly members: readonly Pending[];
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
    key: init.ops.length === 1 ? init.ops[0]!.key : undefined,
    avoid: null,
    notFoundRetried: false,
    sentAt: 0,
    twin: null,
    queued: false,
    message: null,
  };
}

/** A copy of `p` to send elsewhere (its twin); both settle the same caller, the first answer wins. */
export function twinOf(p: Pending, queueDeadline: number): Pending {
  const q = newPending({
    ops: p.ops,
    idempotent: p.idempotent,
    timeoutMs: p.timeoutMs,
    queueDeadline,
    seq: p.seq,
    header: p.header,
    internal: false,
    resolve: p.resolve,
    reject: p.reject,
  });
  q.retries = p.retries;
  q.authRetried = p.authRetried;
  q.notFoundRetried = p.notFoundRetried;
  q.twin = p;
  p.twin = q;
  return q;
}

/**
 * True when `p` may share a request message with others (batchSize > 1): a
 * caller's single idempotent operation with no header options, so a lost or
 * unanswered batch item can be sent again.
 */
export function batchable(p: Pending): boolean {
  return p.ops.length === 1 && p.idempotent && !p.internal && p.header === undefined && !p.done;
}

/** Settles `p` with an answer: false when it was already settled (a twin answered first). */
export function answer(p: Pending, r: TransportResponse): boolean {
  if (p.done) return false;
  p.done = true;
  if (p.twin !== null) p.twin.done = true;
  p.resolve(r);
  return true;
}

/**
 * Fails `p`, unless its twin is still on its way (the twin then carries the
 * caller). False when nothing was reported to the caller.
 */
export function failed(p: Pending, err: Error): boolean {
  if (p.done) return false;
  p.done = true;
  const t = p.twin;
  if (t !== null && !t.done) {
    t.twin = null;
    return false;
  }
  p.reject(err);
  return true;
}

export function describeOps(ops: readonly WireOperation[]): string[] {
  return ops.map((o) => operationName(o.operation));
}
