import { TtlvError } from './errors';
import { DEFAULT_MAX_DEPTH } from './decoder';
import type { TtlvItem } from './types';

const PAD = Buffer.alloc(8);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * A growable output buffer that TTLV items are encoded straight into.
 * Structure lengths are written after their children (back-patched), so an
 * item is encoded in one pass with no intermediate buffers.
 */
export class TtlvWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 4096) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A copy of what has been written so far. */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  // Primitives for prepared messages (hot paths that write fields straight
  // into the buffer instead of building a tree first). Same bytes as write().

  /** Opens a Structure; pass what it returns to endStructure once its children are written. */
  beginStructure(tag: number): number {
    this.ensure(8);
    const start = this.pos;
    header(this, tag, 0x01, 0);
    return start;
  }

  /** Back-patches the length of the Structure opened at `start`. */
  endStructure(start: number): void {
    this.buf.writeUInt32BE(this.pos - start - 8, start + 4);
  }

  /** An Integer (0x02). */
  writeInteger(tag: number, v: number): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) bad({ tag, type: 0x02, value: v }, 'integer out of 32-bit signed range');
    this.ensure(16);
    header(this, tag, 0x02, 4);
    this.buf.writeInt32BE(v, this.pos);
    this.buf.writeUInt32BE(0, this.pos + 4);
    this.pos += 8;
  }

  /** An Enumeration (0x05) or Interval (0x0a): 32-bit unsigned. */
  writeEnumeration(tag: number, v: number, type: 0x05 | 0x0a = 0x05): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) bad({ tag, type, value: v }, 'value out of 32-bit unsigned range');
    this.ensure(16);
    header(this, tag, type, 4);
    this.buf.writeUInt32BE(v, this.pos);
    this.buf.writeUInt32BE(0, this.pos + 4);
    this.pos += 8;
  }

  /** A Text String (0x07). */
  writeText(tag: number, s: string): void {
    if (typeof s !== 'string') bad({ tag, type: 0x07, value: String(s) }, 'string expected');
    this.ensure(16 + s.length * 3);
    const n = s.length === 0 ? 0 : this.buf.write(s, this.pos + 8, 'utf8');
    if (n !== s.length && !isWellFormed(s)) bad({ tag, type: 0x07, value: s }, 'text contains a lone UTF-16 surrogate');
    header(this, tag, 0x07, n);
    padValue(this, n);
  }

  /** A Byte String (0x08). */
  writeBytes(tag: number, b: Uint8Array): void {
    if (!(b instanceof Uint8Array)) bad({ tag, type: 0x08, value: Buffer.alloc(0) }, 'Buffer expected');
    this.ensure(16 + b.length);
    header(this, tag, 0x08, b.length);
    this.buf.set(b, this.pos);
    padValue(this, b.length);
  }

  /** A Byte String of 4 bytes holding `v` big-endian (a Unique Batch Item ID), without a Buffer for it. */
  writeUint32Bytes(tag: number, v: number): void {
    this.ensure(16);
    header(this, tag, 0x08, 4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.buf.writeUInt32BE(0, this.pos + 4);
    this.pos += 8;
  }

  /** Bytes that are already whole TTLV items (a prepared fragment). */
  writeEncoded(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Encodes one item (recursively) at the current position. */
  write(item: TtlvItem): void {
    try {
      writeItem(this, item, 1);
    } catch (err) {
      if (err instanceof TtlvError) throw err;
      throw new TtlvError('TTLV_BAD_VALUE', `cannot encode item: ${String(err)}`, this.pos);
    }
  }
}

function header(w: TtlvWriter, tag: number, type: number, len: number): void {
  const b = w.buf;
  const p = w.pos;
  b[p] = tag >>> 16;
  b[p + 1] = (tag >>> 8) & 0xff;
  b[p + 2] = tag & 0xff;
  b[p + 3] = type;
  b.writeUInt32BE(len, p + 4);
  w.pos = p + 8;
}

function bad(item: TtlvItem, why: string): never {
  throw new TtlvError('TTLV_BAD_VALUE', `cannot encode tag 0x${Number(item.tag).toString(16)}: ${why}`, 0, [item.tag]);
}

const MAX_DEPTH = DEFAULT_MAX_DEPTH;

function writeItem(w: TtlvWriter, item: TtlvItem, depth: number): void {
  const tag = item.tag;
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xffffff) bad(item, 'tag is not a 24-bit number');
  switch (item.type) {
    case 0x01: {
      if (depth > MAX_DEPTH) bad(item, `structure nested deeper than ${MAX_DEPTH} levels`);
      if (!Array.isArray(item.value)) bad(item, 'structure value must be an array');
      w.ensure(8);
      const start = w.pos;
      header(w, tag, 0x01, 0);
      const children = item.value;
      for (let i = 0; i < children.length; i++) writeItem(w, children[i]!, depth + 1);
      w.buf.writeUInt32BE(w.pos - start - 8, start + 4);
      return;
    }
    case 0x02: {
      const v = item.value;
      if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) bad(item, 'integer out of 32-bit signed range');
      w.ensure(16);
      header(w, tag, 0x02, 4);
      w.buf.writeInt32BE(v, w.pos);
      w.buf.writeUInt32BE(0, w.pos + 4);
      w.pos += 8;
      return;
    }
    case 0x05:
    case 0x0a: {
      const v = item.value;
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) bad(item, 'value out of 32-bit unsigned range');
      w.ensure(16);
      header(w, tag, item.type, 4);
      w.buf.writeUInt32BE(v, w.pos);
      w.buf.writeUInt32BE(0, w.pos + 4);
      w.pos += 8;
      return;
    }
    case 0x03:
    case 0x09:
    case 0x0b: {
      const v = item.value;
      if (typeof v !== 'bigint' || v < -(1n << 63n) || v >= 1n << 63n) bad(item, 'value out of 64-bit signed range');
      w.ensure(16);
      header(w, tag, item.type, 8);
      w.buf.writeBigInt64BE(v, w.pos);
      w.pos += 8;
      return;
    }
    case 0x06: {
      if (typeof item.value !== 'boolean') bad(item, 'boolean expected');
      w.ensure(16);
      header(w, tag, 0x06, 8);
      w.buf.writeUInt32BE(0, w.pos);
      w.buf.writeUInt32BE(item.value ? 1 : 0, w.pos + 4);
      w.pos += 8;
      return;
    }
    case 0x04: {
      if (typeof item.value !== 'bigint') bad(item, 'bigint expected');
      writeBigInteger(w, tag, item.value);
      return;
    }
    case 0x07: {
      const s = item.value;
      if (typeof s !== 'string') bad(item, 'string expected');
      w.ensure(16 + s.length * 3);
      const n = s.length === 0 ? 0 : w.buf.write(s, w.pos + 8, 'utf8');
      if (n !== s.length && !isWellFormed(s)) bad(item, 'text contains a lone UTF-16 surrogate');
      header(w, tag, 0x07, n);
      padValue(w, n);
      return;
    }
    case 0x08: {
      const b = item.value;
      if (!(b instanceof Uint8Array)) bad(item, 'Buffer expected');
      w.ensure(16 + b.length);
      header(w, tag, 0x08, b.length);
      w.buf.set(b, w.pos);
      padValue(w, b.length);
      return;
    }
    default:
      bad(item, `unknown type ${String((item as { type: unknown }).type)}`);
  }
}

/** Pads the `len`-byte value that starts at w.pos with zeros to a multiple of 8. */
function padValue(w: TtlvWriter, len: number): void {
  const end = w.pos + len;
  const pad = (8 - (len % 8)) % 8;
  if (pad > 0) PAD.copy(w.buf, end, 0, pad);
  w.pos = end + pad;
}

function writeBigInteger(w: TtlvWriter, tag: number, v: bigint): void {
  // Minimal two's complement length, rounded up to a multiple of 8 bytes.
  const mag = v < 0n ? -v - 1n : v;
  const bits = mag.toString(2).length + 1; // +1 sign bit
  const bytes = Math.max(8, Math.ceil(bits / 64) * 8);
  const mod = 1n << BigInt(bytes * 8);
  const u = v < 0n ? mod + v : v;
  const hex = u.toString(16).padStart(bytes * 2, '0');
  w.ensure(8 + bytes);
  header(w, tag, 0x04, bytes);
  w.buf.write(hex, w.pos, 'hex');
  w.pos += bytes;
}

const shared = new TtlvWriter(64 * 1024);

/** Encodes one item into a new Buffer of exactly its size. */
export function encode(item: TtlvItem): Buffer {
  shared.reset();
  try {
    shared.write(item);
  } catch (err) {
    shared.reset();
    throw err;
  }
  const out = shared.toBuffer();
  if (shared.buf.length > 1024 * 1024) shared.buf = Buffer.allocUnsafe(64 * 1024);
  return out;
}
