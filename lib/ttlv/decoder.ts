import * as nodeBuffer from 'node:buffer';

/** buffer.isUtf8 (Node 18.14+), else a fatal TextDecoder (Node 16.20, the host's runtime). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const isUtf8: (b: Buffer) => boolean =
  typeof (nodeBuffer as { isUtf8?: unknown }).isUtf8 === 'function'
    ? (nodeBuffer as unknown as { isUtf8: (b: Buffer) => boolean }).isUtf8
    : (b) => {
        try {
          strictUtf8.decode(b);
          return true;
        } catch {
          return false;
        }
      };
import { TtlvError } from './errors';
import type { TtlvItem } from './types';

export interface DecodeOptions {
  /** Deepest nesting accepted; the outer item is depth 1. Default 32. */
  readonly maxDepth?: number;
  /** Largest input accepted, in bytes. Default 16 MiB. */
  readonly maxMessageBytes?: number;
}

export const DEFAULT_MAX_DEPTH = 32;
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;


/**
 * Decodes exactly one TTLV item occupying the whole of `buf`.
 * Byte String values are views into `buf` (no copy).
 * Throws only TtlvError, whatever the input.
 */
export function decode(buf: Buffer, options?: DecodeOptions): TtlvItem {
  const maxBytes = options?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Buffer.isBuffer(buf)) throw new TtlvError('TTLV_BAD_VALUE', 'input is not a Buffer', 0);
  if (buf.length > maxBytes) {
    throw new TtlvError('TTLV_TOO_LARGE', `message of ${buf.length} bytes exceeds the limit of ${maxBytes}`, 0);
  }
  const d = new Decoder(buf, options?.maxDepth ?? DEFAULT_MAX_DEPTH);
  try {
    const item = d.item(0, buf.length, 1);
    if (d.pos !== buf.length) {
      throw new TtlvError('TTLV_TRAILING_BYTES', `${buf.length - d.pos} bytes after the end of the item`, d.pos);
    }
    return item;
  } catch (err) {
    if (err instanceof TtlvError) throw err;
    // Defensive: nothing else is expected, but no other exception type may escape.
    throw new TtlvError('TTLV_BAD_VALUE', `undecodable input: ${String(err)}`, d.pos, d.path.slice());
  }
}

class Decoder {
  pos = 0;
  readonly path: number[] = [];
  constructor(
    private readonly buf: Buffer,
    private readonly maxDepth: number,
  ) {}

  private fail(code: ConstructorParameters<typeof TtlvError>[0], msg: string, offset: number): never {
    throw new TtlvError(code, msg, offset, this.path.slice());
  }

  /** Decodes the item at `start`, which must end at or before `end`. */
  item(start: number, end: number, depth: number): TtlvItem {
    const buf = this.buf;
    if (end - start < 8) {
      this.fail('TTLV_TRUNCATED', `need an 8-byte item header, ${end - start} bytes left`, start);
    }
    const tag = (buf[start]! << 16) | (buf[start + 1]! << 8) | buf[start + 2]!;
    const type = buf[start + 3]!;
    const len = buf.readUInt32BE(start + 4);
    this.path.push(tag);
    if (depth > this.maxDepth) this.fail('TTLV_TOO_DEEP', `nesting deeper than ${this.maxDepth} levels`, start);
    const vs = start + 8;
    const padded = len + ((8 - (len % 8)) % 8);
    if (padded > end - vs) {
      if (depth === 1) this.fail('TTLV_TRUNCATED', `value of ${len} bytes runs past the end of the input`, start);
      this.fail('TTLV_BAD_LENGTH', `value of ${len} bytes overruns its enclosing structure`, start);
    }
    const ve = vs + len;
    let out: TtlvItem;
    switch (type) {
      case 0x01: {
        if (len % 8 !== 0) this.fail('TTLV_BAD_LENGTH', `structure length ${len} is not a multiple of 8`, start);
        const children: TtlvItem[] = [];
        let p = vs;
        // len is a multiple of 8 and every child takes a multiple of 8: no stray bytes.
        while (p < ve) {
          children.push(this.item(p, ve, depth + 1));
          p = this.pos;
        }
        out = { tag, type: 0x01, value: children };
        break;
      }
      case 0x02:
        this.fixed(len, 4, type, start);
        this.zeroPad(ve, vs + 8);
        out = { tag, type: 0x02, value: buf.readInt32BE(vs) };
        break;
      case 0x05:
        this.fixed(len, 4, type, start);
        this.zeroPad(ve, vs + 8);
        out = { tag, type: 0x05, value: buf.readUInt32BE(vs) };
        break;
      case 0x0a:
        this.fixed(len, 4, type, start);
        this.zeroPad(ve, vs + 8);
        out = { tag, type: 0x0a, value: buf.readUInt32BE(vs) };
        break;
      case 0x03:
        this.fixed(len, 8, type, start);
        out = { tag, type: 0x03, value: buf.readBigInt64BE(vs) };
        break;
      case 0x09:
        this.fixed(len, 8, type, start);
        out = { tag, type: 0x09, value: buf.readBigInt64BE(vs) };
        break;
      case 0x0b:
        this.fixed(len, 8, type, start);
        out = { tag, type: 0x0b, value: buf.readBigInt64BE(vs) };
        break;
      case 0x06: {
        this.fixed(len, 8, type, start);
        const hi = buf.readUInt32BE(vs);
        const lo = buf.readUInt32BE(vs + 4);
        if (hi !== 0 || lo > 1) this.fail('TTLV_BAD_BOOLEAN', 'boolean value is neither 0 nor 1', vs);
        out = { tag, type: 0x06, value: lo === 1 };
        break;
      }
      case 0x04: {
        // Zero is a multiple of 8: an empty Big Integer is read as 0 (the
        // encoder always writes at least 8 bytes).
        if (len % 8 !== 0) this.fail('TTLV_BAD_LENGTH', `big integer length ${len} is not a multiple of 8`, start);
        out = { tag, type: 0x04, value: len === 0 ? 0n : readBigInteger(buf, vs, ve) };
        break;
      }
      case 0x07: {
        this.zeroPad(ve, vs + padded);
        let ascii = true;
        for (let i = vs; i < ve; i++) {
          if (buf[i]! > 0x7f) {
            ascii = false;
            break;
          }
        }
        if (!ascii && !isUtf8(buf.subarray(vs, ve))) this.fail('TTLV_BAD_UTF8', 'text string is not valid UTF-8', vs);
        out = { tag, type: 0x07, value: buf.toString(ascii ? 'latin1' : 'utf8', vs, ve) };
        break;
      }
      case 0x08:
        this.zeroPad(ve, vs + padded);
        out = { tag, type: 0x08, value: buf.subarray(vs, ve) };
        break;
      default:
        this.fail('TTLV_BAD_TYPE', `unknown item type 0x${type.toString(16).padStart(2, '0')}`, start + 3);
    }
    this.path.pop();
    this.pos = vs + padded;
    return out;
  }

  private fixed(len: number, want: number, type: number, start: number): void {
    if (len !== want) {
      this.fail('TTLV_BAD_LENGTH', `length ${len} is invalid for type 0x${type.toString(16).padStart(2, '0')} (must be ${want})`, start);
    }
  }

  private zeroPad(from: number, to: number): void {
    const buf = this.buf;
    for (let i = from; i < to; i++) {
      if (buf[i] !== 0) this.fail('TTLV_BAD_PADDING', 'non-zero padding byte', i);
    }
  }
}

function readBigInteger(buf: Buffer, start: number, end: number): bigint {
  let v = 0n;
  for (let p = start; p < end; p += 8) v = (v << 64n) | buf.readBigUInt64BE(p);
  const bits = BigInt((end - start) * 8);
  if ((buf[start]! & 0x80) !== 0) v -= 1n << bits;
  return v;
}

