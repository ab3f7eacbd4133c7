import { TtlvError } from './errors';
import { DEFAULT_MAX_MESSAGE_BYTES } from './decoder';

export interface FramerOptions {
  /** Largest whole message (header included) accepted. Default 16 MiB. */
  readonly maxMessageBytes?: number;
}

/**
 * Turns an arbitrarily chunked byte stream into whole TTLV messages.
 *
 * It reads each message's 8-byte header, refuses an outer item that is not a
 * Structure or that is larger than the limit before buffering any of it, and
 * emits each message as one Buffer: a view of the input chunk when the message
 * lies inside one chunk, else one buffer of exactly the message size that the
 * following chunks are copied into. After an error the framer stays failed:
 * a stream that lost its framing cannot be resynchronised.
 */
export class TtlvFramer {
  readonly #max: number;
  readonly #header = Buffer.alloc(8);
  #headerFill = 0;
  #partial: Buffer | null = null;
  #partialFill = 0;
  #consumed = 0;
  #failed: TtlvError | null = null;

  constructor(options?: FramerOptions) {
    this.#max = options?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Bytes held for a message not yet complete. */
  get bufferedBytes(): number {
    return this.#partial ? this.#partialFill : this.#headerFill;
  }

  /** Feeds one chunk; calls `onMessage` synchronously for each whole message. Throws TtlvError. */
  push(chunk: Buffer, onMessage: (message: Buffer) => void): void {
    if (this.#failed) throw this.#failed;
    try {
      this.#push(chunk, onMessage);
    } catch (err) {
      // A throwing handler loses our place in the stream: stay failed.
      if (!this.#failed) {
        this.#failed = err instanceof TtlvError ? err : new TtlvError('TTLV_BAD_VALUE', `message handler threw: ${String(err)}`, this.#consumed);
      }
      throw err;
    }
  }

  #push(chunk: Buffer, onMessage: (message: Buffer) => void): void {
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      const partial = this.#partial;
      if (partial !== null) {
        const take = Math.min(partial.length - this.#partialFill, n - off);
        chunk.copy(partial, this.#partialFill, off, off + take);
        this.#partialFill += take;
        off += take;
        if (this.#partialFill === partial.length) {
          this.#partial = null;
          this.#partialFill = 0;
          this.#consumed += partial.length;
          onMessage(partial);
        }
        continue;
      }
      if (this.#headerFill > 0 || n - off < 8) {
        const take = Math.min(8 - this.#headerFill, n - off);
        chunk.copy(this.#header, this.#headerFill, off, off + take);
        this.#headerFill += take;
        off += take;
        if (this.#headerFill < 8) return;
        this.#headerFill = 0;
        const total = this.#check(this.#header, 0);
        const msg = Buffer.allocUnsafe(total);
        this.#header.copy(msg, 0, 0, 8);
        if (total === 8) {
          this.#consumed += 8;
          onMessage(msg);
        } else {
          this.#partial = msg;
          this.#partialFill = 8;
        }
        continue;
      }
      const total = this.#check(chunk, off);
      if (n - off >= total) {
        const msg = chunk.subarray(off, off + total);
        off += total;
        this.#consumed += total;
        onMessage(msg);
      } else {
        const msg = Buffer.allocUnsafe(total);
        chunk.copy(msg, 0, off, n);
        this.#partial = msg;
        this.#partialFill = n - off;
        off = n;
      }
    }
  }

  /** Forgets any partial message and any earlier failure (for a new connection). */
  reset(): void {
    this.#headerFill = 0;
    this.#partial = null;
    this.#partialFill = 0;
    this.#consumed = 0;
    this.#failed = null;
  }

  #check(b: Buffer, at: number): number {
    const tag = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
    const type = b[at + 3]!;
    const len = b.readUInt32BE(at + 4);
    let err: TtlvError | null = null;
    if (type !== 0x01) {
      err = new TtlvError('TTLV_NOT_STRUCTURE', `message is not a Structure (type 0x${type.toString(16).padStart(2, '0')})`, this.#consumed, [tag]);
    } else if (len % 8 !== 0) {
      err = new TtlvError('TTLV_BAD_LENGTH', `message length ${len} is not a multiple of 8`, this.#consumed, [tag]);
    } else if (len + 8 > this.#max) {
      err = new TtlvError('TTLV_TOO_LARGE', `message of ${len + 8} bytes exceeds the limit of ${this.#max}`, this.#consumed, [tag]);
    }
    if (err) {
      this.#failed = err;
      throw err;
    }
    return len + 8;
  }
}
