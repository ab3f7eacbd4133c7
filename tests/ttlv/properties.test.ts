/**
 * Property tests (fast-check) for the TTLV codec and framer.
 *
 *  - random trees of all 11 types round-trip, and match an independent
 *    reference encoder byte for byte;
 *  - random bytes, plausible headers and mutated real messages only ever
 *    decode or throw TtlvError (never another exception, never a hang), and
 *    whatever decodes re-encodes to the same bytes;
 *  - the framer, fed random bytes in random chunks, only throws TtlvError, and
 *    fed valid messages in random chunks emits exactly those messages.
 *
 * Runs are seeded from the clock by fast-check; a failure prints the seed and
 * path to replay it.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode, TtlvError, TtlvFramer, TtlvItem, ttlv } from '../../lib/ttlv';
import { loadCaptures } from '../support/vectors';
import { cut } from './helpers';

const { vectors } = loadCaptures();
const T = { timeout: 60_000 };

const pad8 = (n: number): number => n + ((8 - (n % 8)) % 8);

// ---------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------

const tagArb = fc.oneof(
  fc.integer({ min: 0x420000, max: 0x42ffff }),
  fc.integer({ min: 0x540000, max: 0x54ffff }),
  fc.integer({ min: 0, max: 0xffffff }),
  fc.constantFrom(0x000000, 0xffffff, 0x420078, 0x42007b, 0x540000, 0x54ffff),
);

const int32Arb = fc
  .oneof(fc.integer(), fc.constantFrom(0, 1, -1, 0x7fffffff, -0x80000000, 0x7ffffffe, -0x7fffffff))
  .map((v) => v + 0); // never -0
const uint32Arb = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff));
const int64Arb = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.constantFrom(0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 32n),
);
/** Values around every 8-byte boundary of the two's complement length, small and huge. */
const bigIntArb = fc.oneof(
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.bigInt({ min: -(2n ** 2100n), max: 2n ** 2100n }),
  fc
    .tuple(fc.integer({ min: 1, max: 70 }), fc.constantFrom(-2n, -1n, 0n, 1n), fc.boolean())
    .map(([k, d, neg]) => (neg ? -(2n ** BigInt(8 * k - 1)) + d : 2n ** BigInt(8 * k - 1) + d)),
  fc.constantFrom(0n, -1n, 1n, 1234567890000000000000000000n, -1234567890000000000000000000n),
);
const textArb = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'binary-ascii', maxLength: 20 }),
  fc.constantFrom('', 'é', '😀', 'a\u0000b', '\u{10FFFF}', '\uFEFF', 'Hello World'),
);
const bytesArb = fc.uint8Array({ minLength: 0, maxLength: 40 }).map((u) => Buffer.from(u));

const leafArb: fc.Arbitrary<TtlvItem> = fc.oneof(
  fc.tuple(tagArb, int32Arb).map(([t, v]) => ttlv.integer(t, v)),
  fc.tuple(tagArb, int64Arb).map(([t, v]) => ttlv.longInteger(t, v)),
  fc.tuple(tagArb, bigIntArb).map(([t, v]) => ttlv.bigInteger(t, v)),
  fc.tuple(tagArb, uint32Arb).map(([t, v]) => ttlv.enumeration(t, v)),
  fc.tuple(tagArb, fc.boolean()).map(([t, v]) => ttlv.boolean(t, v)),
  fc.tuple(tagArb, textArb).map(([t, v]) => ttlv.textString(t, v)),
  fc.tuple(tagArb, bytesArb).map(([t, v]) => ttlv.byteString(t, v)),
  fc.tuple(tagArb, int64Arb).map(([t, v]) => ttlv.dateTime(t, v)),
  fc.tuple(tagArb, uint32Arb).map(([t, v]) => ttlv.interval(t, v)),
  fc.tuple(tagArb, int64Arb).map(([t, v]) => ttlv.dateTimeExtended(t, v)),
  tagArb.map((t) => ttlv.structure(t, [])),
);

/** Trees of depth at most 6 (the outer item is depth 1). */
const { item: itemArb, structure: structureArb } = fc.letrec<{ item: TtlvItem; structure: TtlvItem }>((tie) => ({
  item: fc.oneof({ maxDepth: 5, depthSize: 'small', withCrossShrink: true }, { arbitrary: leafArb, weight: 2 }, { arbitrary: tie('structure'), weight: 3 }),
  structure: fc.tuple(tagArb, fc.array(tie('item'), { maxLength: 5 })).map(([t, kids]) => ttlv.structure(t, kids)),
}));

function depthOf(item: TtlvItem): number {
  return item.type === 0x01 ? 1 + item.value.reduce((m, c) => Math.max(m, depthOf(c)), 0) : 1;
}

function hasBigInteger(item: TtlvItem): boolean {
  return item.type === 0x04 || (item.type === 0x01 && item.value.some(hasBigInteger));
}

// ---------------------------------------------------------------------------
// Independent reference encoder (Buffer.concat, no shared code with lib/ttlv)
// ---------------------------------------------------------------------------

function refValue(item: TtlvItem): Buffer {
  switch (item.type) {
    case 0x01:
      return Buffer.concat(item.value.map(refEncode));
    case 0x02: {
      const b = Buffer.alloc(4);
      b.writeInt32BE(item.value);
      return b;
    }
    case 0x05:
    case 0x0a: {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(item.value);
      return b;
    }
    case 0x03:
    case 0x09:
    case 0x0b: {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(item.value);
      return b;
    }
    case 0x06:
      return Buffer.from([0, 0, 0, 0, 0, 0, 0, item.value ? 1 : 0]);
    case 0x04: {
      // smallest n with -2^(8n-1) <= v < 2^(8n-1), then sign-extended to a multiple of 8
      const v = item.value;
      let n = 1;
      while (v < -(1n << BigInt(8 * n - 1)) || v >= 1n << BigInt(8 * n - 1)) n++;
      const len = pad8(n);
      const out = Buffer.alloc(len, v < 0n ? 0xff : 0x00);
      let x = v;
      for (let k = len - 1; k >= 0; k--) {
        out[k] = Number(x & 0xffn);
        x >>= 8n; // arithmetic shift: stays -1 for negatives
      }
      return out;
    }
    case 0x07:
      return Buffer.from(item.value, 'utf8');
    case 0x08:
      return Buffer.from(item.value);
  }
}

function refEncode(item: TtlvItem): Buffer {
  const v = refValue(item);
  const h = Buffer.alloc(8);
  h.writeUIntBE(item.tag, 0, 3);
  h[3] = item.type;
  h.writeUInt32BE(v.length, 4);
  return Buffer.concat([h, v, Buffer.alloc(pad8(v.length) - v.length)]);
}

// ---------------------------------------------------------------------------
// The "only TtlvError" oracle
// ---------------------------------------------------------------------------

/** Decodes; any exception but a well-formed TtlvError fails the property. */
function decodeOrTtlvError(input: Buffer, options?: Parameters<typeof decode>[1]): TtlvItem | TtlvError {
  try {
    return decode(input, options);
  } catch (err) {
    if (!(err instanceof TtlvError)) throw new Error(`non-TtlvError thrown for ${input.toString('hex')}: ${String(err)}`);
    if (!(Number.isInteger(err.offset) && err.offset >= 0 && err.offset <= input.length)) {
      throw new Error(`offset ${err.offset} outside the input (${input.length} bytes): ${err.message}`);
    }
    if (!Array.isArray(err.path) || !err.path.every((t) => Number.isInteger(t) && t >= 0 && t <= 0xffffff)) {
      throw new Error(`bad path ${String(err.path)}`);
    }
    return err;
  }
}

/** Whatever decodes must re-encode byte for byte (BigInteger excepted: non-minimal sign extension is accepted). */
function checkDecodedOrError(input: Buffer, options?: Parameters<typeof decode>[1]): void {
  const r = decodeOrTtlvError(input, options);
  if (r instanceof TtlvError) return;
  if (!hasBigInteger(r)) {
    const again = encode(r);
    if (!again.equals(input)) throw new Error(`decoded but re-encoded differently:\n in  ${input.toString('hex')}\n out ${again.toString('hex')}`);
  }
}

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

/** Offsets of every item header in a valid encoding. */
function headerOffsets(buf: Buffer, off = 0, end = buf.length, out: number[] = []): number[] {
  while (off + 8 <= end) {
    out.push(off);
    const len = buf.readUInt32BE(off + 4);
    if (buf[off + 3] === 0x01) headerOffsets(buf, off + 8, off + 8 + len, out);
    off += 8 + pad8(len);
  }
  return out;
}

type Mutation =
  | { op: 'flip'; at: number; x: number }
  | { op: 'set'; at: number; v: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; n: number }
  | { op: 'duplicate'; at: number; n: number }
  | { op: 'length'; h: number; how: number; v: number }
  | { op: 'type'; h: number; v: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), x: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 24 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('length' as const), h: fc.nat(), how: fc.integer({ min: 0, max: 6 }), v: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ op: fc.constant('type' as const), h: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(src: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(src);
  for (const m of muts) {
    if (b.length === 0) break;
    const at = 'at' in m ? m.at % b.length : 0;
    switch (m.op) {
      case 'flip':
        b[at] = b[at]! ^ m.x;
        break;
      case 'set':
        b[at] = m.v;
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.n), b.subarray(at, at + m.n), b.subarray(at + m.n)]);
        break;
      case 'length':
      case 'type': {
        // aim at a real header, found on a walk that tolerates earlier damage
        let hs: number[];
        try {
          hs = headerOffsets(b);
        } catch {
          hs = [];
        }
        hs = hs.filter((h) => h + 8 <= b.length);
        if (hs.length === 0) break;
        const h = hs[m.h % hs.length]!;
        if (m.op === 'type') {
          b[h + 3] = m.v;
          break;
        }
        const len = b.readUInt32BE(h + 4);
        const choices = [0, len + 1, Math.max(0, len - 1), len + 8, Math.max(0, len - 8), 0xffffffff, m.v];
        b.writeUInt32BE(choices[m.how]! >>> 0, h + 4);
        break;
      }
    }
  }
  return b;
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

describe('TTLV round trip (fast-check)', () => {
  test('random trees: decode(encode(t)) equals t, encode(decode(b)) equals b, lengths are multiples of 8', T, () => {
    fc.assert(
      fc.property(itemArb, (t) => {
        assert.ok(depthOf(t) <= 6);
        const b = encode(t);
        assert.equal(b.length % 8, 0);
        assert.equal(b.length, 8 + pad8(b.readUInt32BE(4)));
        const d = decode(b);
        assert.deepStrictEqual(d, t);
        assert.ok(encode(d).equals(b));
      }),
      { numRuns: 1500 },
    );
  });

  test('random trees: the encoder agrees byte for byte with an independent reference encoder', T, () => {
    fc.assert(
      fc.property(itemArb, (t) => {
        const b = encode(t);
        const r = refEncode(t);
        if (!b.equals(r)) assert.fail(`encode and reference differ:\n enc ${b.toString('hex')}\n ref ${r.toString('hex')}`);
      }),
      { numRuns: 1500 },
    );
  });

  test('every item in an encoding is 8-byte aligned and structures hold exactly their children', T, () => {
    fc.assert(
      fc.property(structureArb, (t) => {
        const b = encode(t);
        const check = (off: number, end: number): void => {
          while (off < end) {
            assert.equal(off % 8, 0);
            const len = b.readUInt32BE(off + 4);
            if (b[off + 3] === 0x01) {
              assert.equal(len % 8, 0);
              check(off + 8, off + 8 + len);
            }
            off += 8 + pad8(len);
          }
          assert.equal(off, end);
        };
        check(0, b.length);
      }),
      { numRuns: 500 },
    );
  });

  test('maxDepth: a tree decodes iff its depth is within the limit, else TTLV_TOO_DEEP', T, () => {
    fc.assert(
      fc.property(itemArb, fc.integer({ min: 0, max: 7 }), (t, maxDepth) => {
        const b = encode(t);
        const r = decodeOrTtlvError(b, { maxDepth });
        if (depthOf(t) <= maxDepth) assert.deepStrictEqual(r, t);
        else {
          assert.ok(r instanceof TtlvError);
          assert.equal(r.code, 'TTLV_TOO_DEEP');
        }
      }),
      { numRuns: 500 },
    );
  });

  test('maxMessageBytes: a message decodes iff it fits, else TTLV_TOO_LARGE', T, () => {
    fc.assert(
      fc.property(itemArb, fc.integer({ min: -16, max: 16 }), (t, delta) => {
        const b = encode(t);
        const r = decodeOrTtlvError(b, { maxMessageBytes: b.length + delta });
        if (delta >= 0) assert.deepStrictEqual(r, t);
        else assert.ok(r instanceof TtlvError && r.code === 'TTLV_TOO_LARGE');
      }),
      { numRuns: 300 },
    );
  });
});

describe('decode of hostile input only ever succeeds or throws TtlvError (fast-check)', () => {
  test('random byte buffers of 0..300 bytes', T, () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (u) => {
        checkDecodedOrError(Buffer.from(u));
      }),
      { numRuns: 2000 },
    );
  });

  test('random buffers that start with a plausible header', T, () => {
    const plausible = fc
      .tuple(
        fc.oneof(fc.constant(0x42), fc.constant(0x54), fc.integer({ min: 0, max: 255 })),
        fc.integer({ min: 0, max: 0xffff }),
        fc.oneof(fc.integer({ min: 0, max: 0x0c }), fc.integer({ min: 0, max: 255 })),
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 320 }), fc.integer({ min: 0, max: 0xffffffff })),
        fc.boolean(),
      )
      .map(([hi, lo, type, body, lenChoice, zeroTail]) => {
        const h = Buffer.alloc(8);
        h[0] = hi;
        h.writeUInt16BE(lo, 1);
        h[3] = type;
        h.writeUInt32BE(lenChoice < 0 ? body.length : lenChoice, 4);
        const b = Buffer.concat([h, body]);
        // often zero a tail so that padding checks can pass and decoding goes deeper
        if (zeroTail && body.length > 0) b.fill(0, 8 + Math.floor(body.length / 2));
        return b;
      });
    fc.assert(
      fc.property(plausible, (b) => {
        checkDecodedOrError(b);
        checkDecodedOrError(b, { maxDepth: 2, maxMessageBytes: 64 });
      }),
      { numRuns: 2000 },
    );
  });

  test('random mutations of the captured vectors (flip, set, truncate, splice, duplicate, lengths, types)', T, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: vectors.length - 1 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        (k, muts) => {
          checkDecodedOrError(mutate(vectors[k]!.bytes, muts));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('random mutations of random encoded trees', T, () => {
    fc.assert(
      fc.property(itemArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (t, muts) => {
        checkDecodedOrError(mutate(encode(t), muts));
      }),
      { numRuns: 1000 },
    );
  });

  test('every single-byte change of every vector', T, () => {
    // exhaustive over positions, random over values
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 255 }), (x) => {
        for (const v of vectors) {
          const b = Buffer.from(v.bytes);
          for (let at = 0; at < b.length; at++) {
            b[at] = b[at]! ^ x;
            checkDecodedOrError(b);
            b[at] = b[at]! ^ x;
          }
        }
      }),
      { numRuns: 20 },
    );
  });
});

describe('TtlvFramer (fast-check)', () => {
  /** Splits a buffer at random cut points. */
  const chunked = (buf: Buffer, cuts: number[]): Buffer[] =>
    cut(buf, [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b));

  test('random bytes in random chunks only ever throw TtlvError', T, () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 8, max: 512 }),
        (u, cuts, max) => {
          const f = new TtlvFramer({ maxMessageBytes: max });
          let failed: TtlvError | undefined;
          for (const c of chunked(Buffer.from(u), cuts)) {
            try {
              f.push(c, (m) => {
                assert.ok(m.length >= 8 && m.length <= max && m.length % 8 === 0);
                assert.equal(m[3], 0x01);
                decodeOrTtlvError(m);
              });
            } catch (err) {
              if (!(err instanceof TtlvError)) throw err;
              if (failed) assert.equal(err, failed, 'a failed framer keeps throwing the same error');
              failed = err;
            }
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  test('valid messages (random structures and the vectors) in random chunks come out exactly, in order', T, () => {
    const msgArb = fc.oneof(
      structureArb.map((t) => encode(t)),
      fc.integer({ min: 0, max: vectors.length - 1 }).map((k) => vectors[k]!.bytes),
    );
    fc.assert(
      fc.property(fc.array(msgArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (msgs, cuts) => {
        const stream = Buffer.concat(msgs);
        const f = new TtlvFramer();
        const out: Buffer[] = [];
        for (const c of chunked(stream, cuts)) f.push(c, (m) => out.push(Buffer.from(m)));
        assert.equal(out.length, msgs.length);
        msgs.forEach((m, k) => assert.ok(out[k]!.equals(m), `message ${k}`));
        assert.equal(f.bufferedBytes, 0);
      }),
      { numRuns: 500 },
    );
  });

  test('valid messages followed by garbage: the messages before the garbage are all emitted', T, () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: vectors.length - 1 }), { minLength: 1, maxLength: 4 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (ks, junk, cuts) => {
          const msgs = ks.map((k) => vectors[k]!.bytes);
          const stream = Buffer.concat([...msgs, junk]);
          const f = new TtlvFramer({ maxMessageBytes: 4096 });
          const out: Buffer[] = [];
          try {
            for (const c of chunked(stream, cuts)) f.push(c, (m) => out.push(Buffer.from(m)));
          } catch (err) {
            if (!(err instanceof TtlvError)) throw err;
          }
          assert.ok(out.length >= msgs.length);
          msgs.forEach((m, k) => assert.ok(out[k]!.equals(m), `message ${k}`));
        },
      ),
      { numRuns: 500 },
    );
  });
});
