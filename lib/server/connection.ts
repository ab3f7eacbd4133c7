/**
 * One client connection of the dev server: framing, the queue of requests
 * read but not yet processed, back-pressure, and the limits that keep an idle,
 * slow or non-reading client from holding resources forever:
 *
 * - idle timeout: a connection with nothing received, nothing to answer and
 *   nothing in progress for `idleTimeoutMs` is closed;
 * - read timeout: a request message started must be complete within
 *   `readTimeoutMs` of its first byte (a client trickling bytes — slowloris —
 *   is closed; the timer is not reset by further bytes);
 * - buffered bytes: requests are processed only while the answers waiting to
 *   be sent stay under `maxBufferedBytes`; beyond, the connection stops
 *   reading and processing until the client reads (answers are never dropped);
 * - writes: one answer per TLS write (hence per TLS record) unless `coalesce`.
 */
import type * as tls from 'node:tls';
import { safeLog, type Logger } from '../logger';
import { TtlvFramer } from '../ttlv';

export interface ConnectionLimits {
  /** 0 = never. */
  readonly idleTimeoutMs: number;
  /** 0 = never. */
  readonly readTimeoutMs: number;
  readonly maxBufferedBytes: number;
  readonly maxMessageBytes: number;
  readonly coalesce: boolean;
}

export interface ConnectionHandler {
  /** Processes one whole request message; answers through `conn.send` (now or later). */
  message(conn: DevConnection, bytes: Buffer): void;
  /** The framing is lost (the error says why): answer if possible, the connection then closes. */
  framingLost(conn: DevConnection, err: Error): void;
}

export class DevConnection {
  readonly socket: tls.TLSSocket;
  readonly owner: string;
  readonly #framer: TtlvFramer;
  readonly #limits: ConnectionLimits;
  readonly #handler: ConnectionHandler;
  readonly #logger: Logger;
  readonly #queue: Buffer[] = [];
  #queuedBytes = 0;
  /** Answers being prepared asynchronously (waiting for the data file). */
  #pending = 0;
  #readTimer: NodeJS.Timeout | null = null;

  constructor(socket: tls.TLSSocket, owner: string, limits: ConnectionLimits, handler: ConnectionHandler, logger: Logger) {
    this.socket = socket;
    this.owner = owner;
    this.#limits = limits;
    this.#handler = handler;
    this.#logger = logger;
    this.#framer = new TtlvFramer({ maxMessageBytes: limits.maxMessageBytes });
    socket.setNoDelay(true);
    // One answer per TLS record: without _writev, answers queued behind a busy
    // socket are written one by one (one SSL_write each) instead of merged.
    if (!limits.coalesce) (socket as unknown as { _writev: null })._writev = null;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#pump());
    if (limits.idleTimeoutMs > 0) {
      socket.setTimeout(limits.idleTimeoutMs);
      socket.on('timeout', () => {
        if (this.#pending > 0 || this.#queue.length > 0 || this.#framer.bufferedBytes > 0 || socket.writableLength > 0) return;
        safeLog(this.#logger, 'debug', 'kmip dev server: closing an idle connection', { owner, idleTimeoutMs: limits.idleTimeoutMs });
        socket.destroy();
      });
    }
    socket.on('close', () => this.#clearReadTimer());
  }

  /** Bytes held for this connection: partial request, queued requests, answers not yet sent. */
  get bufferedBytes(): number {
    return this.#framer.bufferedBytes + this.#queuedBytes + this.socket.writableLength;
  }

  /** An answer will come later (`send` after `done`). */
  begin(): void {
    this.#pending++;
  }

  done(): void {
    this.#pending--;
  }

  send(bytes: Buffer): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    if (!socket.write(bytes)) socket.pause();
  }

  #onData(chunk: Buffer): void {
    let completed = false;
    try {
      this.#framer.push(chunk, (msg) => {
        completed = true;
        this.#queue.push(msg);
        this.#queuedBytes += msg.length;
      });
    } catch (err) {
      this.#clearReadTimer();
      this.#pump();
      this.#handler.framingLost(this, err as Error);
      return;
    }
    // The read timer runs from the chunk in which the current partial message started.
    if (completed) this.#clearReadTimer();
    this.#armReadTimer();
    this.#pump();
  }

  /** Processes queued requests while the unsent answers stay under the cap; reads again once all are processed. */
  #pump(): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    const coalesce = this.#limits.coalesce;
    if (coalesce) socket.cork();
    try {
      while (this.#queue.length > 0 && socket.writableLength < this.#limits.maxBufferedBytes && !socket.destroyed) {
        const msg = this.#queue.shift()!;
        this.#queuedBytes -= msg.length;
        this.#handler.message(this, msg);
      }
    } finally {
      if (coalesce) socket.uncork();
    }
    if (this.#queue.length > 0 || socket.writableLength >= this.#limits.maxBufferedBytes) socket.pause();
    else if (!socket.writableNeedDrain) socket.resume();
  }

  #armReadTimer(): void {
    if (this.#framer.bufferedBytes === 0) {
      this.#clearReadTimer();
      return;
    }
    if (this.#readTimer !== null || this.#limits.readTimeoutMs <= 0) return;
    this.#readTimer = setTimeout(() => {
      this.#readTimer = null;
      if (this.#framer.bufferedBytes === 0) return;
      safeLog(this.#logger, 'debug', 'kmip dev server: a request message was not completed in time; closing the connection', {
        owner: this.owner,
        readTimeoutMs: this.#limits.readTimeoutMs,
        bufferedBytes: this.#framer.bufferedBytes,
      });
      this.socket.destroy();
    }, this.#limits.readTimeoutMs);
    this.#readTimer.unref();
  }

  #clearReadTimer(): void {
    if (this.#readTimer !== null) clearTimeout(this.#readTimer);
    this.#readTimer = null;
  }
}
