/**
 * What a connection does with a response message once it is read: match it
 * to what is in flight, check it against the request, and settle, retry or
 * refuse.
 *
 * Matching is by Unique Batch Item ID only. A response belongs to one request
 * message: either one caller's (a single operation, or the batch of
 * client.batch()), whose items must all be that caller's, each of its IDs at
 * most once; or a message shared by several callers (batchSize > 1, one batch
 * item each, `SharedMessage`), whose items must all be members of that same
 * message, each at most once. Anything else (an unknown ID, items of two
 * messages, a duplicate) is a protocol error: the connection goes (its owner
 * retries idempotent work once elsewhere), and no caller ever gets another's
 * answer.
 *
 * Then, per caller: the checks (Operation, header version), a session the
 * server dropped (session-expiry.ts: reconnect and send once more), Item Not
 * Found on one node of a cluster (try another once), and the answer. A
 * failure without Unique Batch Item ID is settled only when one request
 * message is in flight (it can only be that one's).
 */
import { KmipProtocolError } from '../errors';
import { Op as Operation } from '../kmip/operations';
import { operationName, resultReasonName, versionString, type ProtocolVersion, type ResponseBatchItem, type ResponseMessage } from '../kmip/protocol';
import type { TtlvItem } from '../ttlv';
import type { Connection, ConnectionHost, MessagePrintHints } from './connection';
import { answer, describeOps, failed, type Pending, type SharedMessage } from './request';
import { sessionExpiry } from './session-expiry';

const ITEM_NOT_FOUND = 0x01;
const STRUCTURE_ONLY: MessagePrintHints = { structureOnly: true };

const idOf = (it: ResponseBatchItem): number => (it.id !== undefined && it.id.length === 4 ? it.id.readUInt32BE(0) : -1);

export const idBuffer = (id: number): Buffer => {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(id, 0);
  return b;
};

/** For logging only: the request's operation of each response batch item, in message order. */
function requestOperations<H extends ConnectionHost>(c: Connection<H>, items: readonly ResponseBatchItem[]): (number | undefined)[] {
  return items.map((it) => {
    const id = idOf(it);
    const p = id >= 0 ? c.inflight.get(id) : undefined;
    const idx = p && p.ids ? p.ids.indexOf(id) : -1;
    return idx >= 0 ? p!.ops[idx]!.operation : undefined;
  });
}

/**
 * Handles one response message read on `c`. `tree` is its decoded tree when
 * messages are logged (printed once matched, redacted by the requests'
 * operations), `size` its length in bytes.
 */
export function handleResponse<H extends ConnectionHost>(c: Connection<H>, resp: ResponseMessage, tree: TtlvItem | undefined, size: number): void {
  const owner = c.owner;
  const logging = owner.logMessages;
  const items = resp.items;
  const first = items.length > 0 ? items[0]! : undefined;
  // The usual answer: one item, to a caller's one-operation message, that succeeded.
  if (first !== undefined && items.length === 1 && !logging && first.status === 0) {
    const id = idOf(first);
    const p = c.inflight.get(id);
    if (p !== undefined && p.message === null && p.ids !== null && p.ids.length === 1 && p.ids[0] === id) {
      c.messagesInFlight--;
      if (release(c, p)) return;
      settle(c, p, resp.version, items, false);
      return;
    }
  }
  const log = (hints: MessagePrintHints): void => owner.logMessage('received', c.host.label, tree ?? size, hints);
  if (first === undefined) {
    if (logging) log(STRUCTURE_ONLY);
    c.fail(new KmipProtocolError(`KMIP server ${c.host.label} sent a response with no batch items`), 'protocol');
    return;
  }
  if (first.id === undefined && first.status !== 0 && items.length === 1) {
    // A failure without ID: servers answer a request they could not parse this way.
    if (logging) {
      const only = c.messagesInFlight === 1 ? (c.inflight.values().next().value as Pending | undefined) : undefined;
      log(only ? { operations: [only.ops[0]!.operation] } : STRUCTURE_ONLY);
    }
    anonymousFailure(c, first);
    return;
  }
  const firstId = idOf(first);
  const p = firstId >= 0 ? c.inflight.get(firstId) : undefined;
  if (logging) log(p && p.ids ? { operations: requestOperations(c, items) } : STRUCTURE_ONLY);
  if (!p || !p.ids) {
    const detail =
      first.id === undefined
        ? 'a response without Unique Batch Item ID'
        : `a response whose Unique Batch Item ID ${first.id.toString('hex')} matches no request in flight`;
    const server = first.status !== 0 ? ` (server said: ${resultReasonName(first.reason) ?? 'no reason'}${first.message ? `: ${first.message}` : ''})` : '';
    c.fail(new KmipProtocolError(`KMIP server ${c.host.label} sent ${detail}${server}; closing the connection`), 'protocol');
    return;
  }
  if (p.message !== null) {
    sharedAnswer(c, p.message, resp);
    return;
  }
  // Every item must belong to p, each of p's ids at most once. Fewer items
  // than requested is how a server answers a batch it stopped after a
  // failure (Batch Error Continuation Option Stop): the rest were not done.
  const ids = p.ids;
  const ordered: ResponseBatchItem[] = new Array<ResponseBatchItem>(ids.length);
  let ok = items.length <= ids.length;
  let anyFailed = false;
  for (let i = 0; ok && i < items.length; i++) {
    const it = items[i]!;
    const idx = ids.indexOf(idOf(it));
    if (idx < 0 || ordered[idx] !== undefined) ok = false;
    else ordered[idx] = it;
    if (it.status !== 0) anyFailed = true;
  }
  if (ok && items.length < ids.length && !anyFailed) ok = false;
  if (!ok) {
    c.fail(new KmipProtocolError(`KMIP server ${c.host.label} sent a response whose batch items do not match the request's`), 'protocol');
    return;
  }
  for (let i = 0; i < ordered.length; i++) {
    if (ordered[i] === undefined) {
      ordered[i] = {
        operation: p.ops[i]!.operation,
        id: idBuffer(ids[i]!),
        status: 1,
        reason: undefined,
        message: 'not executed: the server stopped the batch after an earlier item failed',
        payload: undefined,
      };
    }
  }
  c.messagesInFlight--;
  if (release(c, p)) return;
  settle(c, p, resp.version, ordered, anyFailed);
}

/**
 * The answer to a message shared by several callers: each item must be one
 * member's, each member answered at most once. A member the server did not
 * answer (it should not: the message asked it to continue after a failure)
 * goes back to the queue: its request is idempotent, so sent once more.
 */
function sharedAnswer<H extends ConnectionHost>(c: Connection<H>, m: SharedMessage, resp: ResponseMessage): void {
  const items = resp.items;
  const members = m.members;
  const got: (ResponseBatchItem | undefined)[] = new Array<ResponseBatchItem | undefined>(members.length);
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const q = c.inflight.get(idOf(it));
    const idx = q !== undefined && q.message === m ? members.indexOf(q) : -1;
    if (idx < 0 || got[idx] !== undefined) {
      c.fail(new KmipProtocolError(`KMIP server ${c.host.label} sent a response whose batch items do not match the request's`), 'protocol');
      return;
    }
    got[idx] = it;
  }
  c.messagesInFlight--;
  const again: Pending[] = [];
  for (let i = 0; i < members.length; i++) {
    const q = members[i]!;
    const it = got[i];
    if (release(c, q)) continue;
    if (it === undefined) {
      if (q.retries < 1 && !c.owner.closing) {
        q.retries++;
        again.push(q);
      } else {
        const why = q.retries >= 1 ? ' (it had already been sent once more)' : ' (the client is closing)';
        const e = new KmipProtocolError(`KMIP server ${c.host.label} left ${describeOps(q.ops).join('+')} unanswered in a batch${why}`);
        if (failed(q, e)) c.host.stats.error(e.code);
      }
      continue;
    }
    settle(c, q, resp.version, [it], it.status !== 0);
  }
  if (again.length > 0) {
    c.owner.log('warn', 'KMIP server left batch items unanswered; sending them again', { server: c.host.label, requests: again.length });
    c.owner.requeueFront(again);
  }
}

/**
 * Takes an answered request off its connection (its IDs; the message count
 * is the caller's). True when it was already settled: its twin, re-sent
 * elsewhere while this host was quiet, was answered first, and this late
 * answer is only counted.
 */
function release<H extends ConnectionHost>(c: Connection<H>, p: Pending): boolean {
  const ids = p.ids;
  if (ids !== null) for (let i = 0; i < ids.length; i++) c.inflight.delete(ids[i]!);
  p.conn = null;
  p.ids = null;
  p.message = null;
  if (!p.done) return false;
  c.host.stats.lateAnswers++;
  return true;
}

/** One caller's answer, its items in request order: checked, retried, or handed over. */
function settle<H extends ConnectionHost>(c: Connection<H>, p: Pending, version: ProtocolVersion, ordered: readonly ResponseBatchItem[], anyFailed: boolean): void {
  const owner = c.owner;
  const usedVersion = p.internal ? version : c.version;
  const bad = mismatch(c, p, version, ordered);
  if (bad) {
    owner.log('warn', 'KMIP answer does not match its request', { server: c.host.label, operations: describeOps(p.ops), problem: bad.message });
    if (failed(p, bad) && !p.internal) c.host.stats.error(bad.code);
    return;
  }
  // A session the server dropped (session-expiry.ts): retire the connection, send once more on a new one.
  const expired = anyFailed && !p.internal ? sessionExpiry(ordered) : undefined;
  if (expired !== undefined && c.successes > 0 && (expired.anyOperation || p.idempotent) && !p.authRetried && p.twin === null && !owner.closing) {
    p.authRetried = true;
    const said = ordered.find((it) => it.status !== 0);
    owner.log('warn', 'KMIP server says the session of this long-lived connection is dead; reconnecting and sending the request once more', {
      server: c.host.label,
      vendor: expired.vendor,
      resultReason: resultReasonName(said?.reason),
      resultMessage: said?.message,
    });
    c.retire();
    owner.requeueFront([p]);
    return;
  }
  // Replication lag: a node that does not know the key yet did nothing; try another once.
  if (
    anyFailed &&
    !p.internal &&
    ordered.length === 1 &&
    ordered[0]!.reason === ITEM_NOT_FOUND &&
    !p.notFoundRetried &&
    p.twin === null &&
    !owner.closing &&
    owner.otherUsable(c.host)
  ) {
    p.notFoundRetried = true;
    p.avoid = c.host;
    owner.log('debug', 'KMIP Item Not Found on one node; trying another', { server: c.host.label, operations: describeOps(p.ops) });
    owner.requeueFront([p]);
    return;
  }
  if (expired === undefined && !p.internal) c.successes++;
  if (!p.internal) owner.answered(c, p, c.lastReceived - p.sentAt, anyFailed);
  answer(p, { version: usedVersion, items: ordered, server: c.host.label });
}

/**
 * An answer checked against its request (cheap: fields already decoded):
 * each batch item's Operation, when present, is the request's, and the
 * header carries the negotiated version (Discover Versions excepted: its
 * answer is what fixes the version). A mismatch fails that request.
 */
function mismatch<H extends ConnectionHost>(c: Connection<H>, p: Pending, version: ProtocolVersion, ordered: readonly ResponseBatchItem[]): KmipProtocolError | undefined {
  for (let i = 0; i < ordered.length; i++) {
    const got = ordered[i]!.operation;
    const want = p.ops[i]!.operation;
    if (got !== undefined && got !== want) {
      return new KmipProtocolError(`KMIP server ${c.host.label} answered ${operationName(want)} with a ${operationName(got)} batch item`);
    }
  }
  if (p.internal && p.ops[0]!.operation === Operation.DiscoverVersions) return undefined;
  const v = c.version;
  if (version.major !== v.major || version.minor !== v.minor) {
    const failedItem = ordered.find((it) => it.status !== 0);
    const said = failedItem ? ` (server said: ${resultReasonName(failedItem.reason) ?? 'no reason'}${failedItem.message ? `: ${failedItem.message}` : ''})` : '';
    return new KmipProtocolError(
      `KMIP server ${c.host.label} answered ${describeOps(p.ops).join('+')} with protocol version ${versionString(version)} in its header, not the negotiated ${versionString(v)}${said}`,
    );
  }
  return undefined;
}

/**
 * A failed answer without Unique Batch Item ID. With one request message in
 * flight it can only be that message's (no guess): each of its callers gets
 * the server's failure and the connection stays. With several, nobody can
 * tell whose it is: the connection goes, idempotent requests are retried once
 * elsewhere and the others fail with an unknown outcome.
 */
function anonymousFailure<H extends ConnectionHost>(c: Connection<H>, item: ResponseBatchItem): void {
  const server = `${resultReasonName(item.reason) ?? 'no reason'}${item.message ? `: ${item.message}` : ''}`;
  if (c.messagesInFlight === 1) {
    const p = c.inflight.values().next().value as Pending | undefined;
    if (p && p.ids) {
      const callers = p.message !== null ? p.message.members : [p];
      c.messagesInFlight--;
      for (const q of callers) {
        const ids = q.ids ?? [];
        if (release(c, q)) continue;
        const answered = ids.map((id, i) => ({ ...item, operation: item.operation ?? q.ops[i]!.operation, id: idBuffer(id) }));
        c.owner.log('warn', 'KMIP server answered a request with a failure that carries no Unique Batch Item ID', {
          server: c.host.label,
          operations: describeOps(q.ops),
          resultReason: resultReasonName(item.reason),
          resultMessage: item.message,
        });
        if (!q.internal) c.owner.answered(c, q, c.lastReceived - q.sentAt, true);
        answer(q, { version: q.internal ? { major: 1, minor: 0 } : c.version, items: answered, server: c.host.label });
      }
      return;
    }
  }
  c.fail(
    new KmipProtocolError(
      `KMIP server ${c.host.label} answered one of ${c.messagesInFlight} pipelined requests with a failure that carries no Unique Batch Item ID (server said: ${server}); closing the connection`,
    ),
    'protocol',
  );
}
