/**
 * Truncated and corrupt inputs: each must throw a TtlvError with the right
 * code (and, where it matters, offset and path). Encoder refusals too.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decode, DecodeOptions, encode, TtlvError, TtlvErrorCode, TtlvItem, ttlv, DEFAULT_MAX_DEPTH } from '../../lib/ttlv';
import { hex, loadCaptures } from '../support/vectors';

const { vectors } = loadCaptures();

function header(tag: number, type: number, len: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUIntBE(tag, 0, 3);
  b[3] = type;
  b.writeUInt32BE(len, 4);
  return b;
}

/** An item with the given header fields and exactly the given value bytes (no padding added). */
function raw(tag: number, type: number, len: number, value: Buffer | string = Buffer.alloc(0)): Buffer {
  return Buffer.concat([header(tag, type, len), typeof value === 'string' ? hex(value) : value]);
}

/** A structure whose length field is the real size of the given (already encoded) children. */
function struct(tag: number, ...children: Buffer[]): Buffer {
  const body = Buffer.concat(children);
  return Buffer.concat([header(tag, 0x01, body.length), body]);
}

function catchTtlv(fn: () => unknown): TtlvError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, 'expected a TtlvError, but nothing was thrown');
  assert.ok(caught instanceof TtlvError, `expected a TtlvError, got ${String(caught)}`);
  assert.equal(caught.name, 'TtlvError');
  assert.equal(typeof caught.offset, 'number');
  assert.ok(Array.isArray(caught.path));
  return caught;
}

function expectDecodeError(input: Buffer, code: TtlvErrorCode | readonly TtlvErrorCode[], options?: DecodeOptions): TtlvError {
  const err = catchTtlv(() => decode(input, options));
  const codes = typeof code === 'string' ? [code] : code;
  assert.ok(codes.includes(err.code), `expected ${codes.join(' or ')}, got ${err.code}: ${err.message}`);
  assert.ok(err.offset >= 0 && err.offset <= input.length, `offset ${err.offset} outside the input (${input.length} bytes)`);
  return err;
}

const T = 0x420020;
const A = 0x420001;
const B = 0x420002;
const C = 0x420003;

interface Case {
  name: string;
  input: Buffer;
  code: TtlvErrorCode;
  options?: DecodeOptions;
  offset?: number;
  path?: number[];
}

const cases: Case[] = [];
const add = (c: Case): void => {
  cases.push(c);
};

// --- headers and truncation -------------------------------------------------
add({ name: 'empty input', input: Buffer.alloc(0), code: 'TTLV_TRUNCATED', offset: 0, path: [] });
add({ name: '7-byte input', input: hex('420078 01 000000'), code: 'TTLV_TRUNCATED', offset: 0 });
add({ name: 'Integer without its padding', input: raw(T, 0x02, 4, '00000008'), code: 'TTLV_TRUNCATED' });
add({ name: 'Text without its padding', input: raw(T, 0x07, 2, '4142'), code: 'TTLV_TRUNCATED' });
add({ name: 'Structure declaring 2^32-8 bytes', input: raw(T, 0x01, 0xfffffff8, Buffer.alloc(16)), code: 'TTLV_TRUNCATED' });

// --- bad lengths for each fixed-size type ------------------------------------
const fixed: Array<[string, number, number]> = [
  ['Integer', 0x02, 4],
  ['Enumeration', 0x05, 4],
  ['Interval', 0x0a, 4],
  ['LongInteger', 0x03, 8],
  ['DateTime', 0x09, 8],
  ['DateTimeExtended', 0x0b, 8],
  ['Boolean', 0x06, 8],
];
for (const [name, type, good] of fixed) {
  for (const len of [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 24]) {
    if (len === good) continue;
    const padded = len + ((8 - (len % 8)) % 8);
    add({ name: `${name} with length ${len}`, input: raw(T, type, len, Buffer.alloc(padded)), code: 'TTLV_BAD_LENGTH', offset: 0, path: [T] });
  }
}

// --- structures ---------------------------------------------------------------
const int1 = raw(C, 0x02, 4, '00000001 00000000');
add({
  name: 'child overruns its (inner) structure',
  // A{ B(len 16){ C: Text len 16 = 24 bytes } } : B's value holds only 16 bytes
  input: struct(A, raw(B, 0x01, 16, raw(C, 0x07, 16, Buffer.alloc(8))), Buffer.alloc(8)),
  code: 'TTLV_BAD_LENGTH',
  offset: 16,
  path: [A, B, C],
});
add({
  name: 'child header overruns its structure',
  // B(len 8) holds 8 bytes, then A's next 8 bytes: the child header claims 4 bytes (+4 pad) that lie outside B
  input: struct(A, raw(B, 0x01, 8, raw(C, 0x02, 4)), hex('00000001 00000000')),
  code: 'TTLV_BAD_LENGTH',
  path: [A, B, C],
});
add({
  name: 'structure length not a multiple of 8 (20, value bytes present)',
  input: raw(A, 0x01, 20, Buffer.concat([int1, hex('00000000 00000000')])),
  code: 'TTLV_BAD_LENGTH',
  offset: 0,
  path: [A],
});
add({
  name: 'structure length not a multiple of 8 (4)',
  input: raw(A, 0x01, 4, Buffer.alloc(8)),
  code: 'TTLV_BAD_LENGTH',
});
add({
  name: 'nested structure with stray bytes (length 20 = one Integer + 4 bytes)',
  input: struct(A, raw(B, 0x01, 20, Buffer.concat([int1, hex('01020304 00000000')]))),
  code: 'TTLV_BAD_LENGTH',
  path: [A, B],
});
add({
  name: 'structure with 8 trailing zero bytes inside (a zero header: type 0x00)',
  input: struct(A, int1, Buffer.alloc(8)),
  code: 'TTLV_BAD_TYPE',
  offset: 8 + 16 + 3,
  path: [A, 0],
});

// --- padding ------------------------------------------------------------------
for (const [name, type] of [
  ['Integer', 0x02],
  ['Enumeration', 0x05],
  ['Interval', 0x0a],
] as const) {
  for (let k = 4; k < 8; k++) {
    const v = Buffer.alloc(8);
    v[3] = 1;
    v[k] = 0x01;
    add({ name: `${name} with non-zero padding byte ${k}`, input: raw(T, type, 4, v), code: 'TTLV_BAD_PADDING', offset: 8 + k, path: [T] });
  }
}
add({ name: 'Text with non-zero padding', input: raw(T, 0x07, 3, '414243 0000000001'), code: 'TTLV_BAD_PADDING', offset: 15 });
add({ name: 'Text with padding 0x20', input: raw(T, 0x07, 3, '414243 2000000000'), code: 'TTLV_BAD_PADDING', offset: 11 });
add({ name: 'Bytes with non-zero padding', input: raw(T, 0x08, 1, 'ff ff000000000000'), code: 'TTLV_BAD_PADDING', offset: 9 });
add({ name: 'Bytes (9) with non-zero padding', input: raw(T, 0x08, 9, '0102030405060708 09 00000000000080'), code: 'TTLV_BAD_PADDING', offset: 23 });
add({
  name: 'Integer padding inside a structure',
  input: struct(A, raw(B, 0x02, 4, '00000001 00010000')),
  code: 'TTLV_BAD_PADDING',
  offset: 8 + 8 + 5,
  path: [A, B],
});

// --- booleans -----------------------------------------------------------------
for (const v of ['0000000000000002', '00000000000000ff', '0000000100000001', '8000000000000000', '0000000100000000', 'ffffffffffffffff']) {
  add({ name: `Boolean ${v}`, input: raw(T, 0x06, 8, v), code: 'TTLV_BAD_BOOLEAN', offset: 8, path: [T] });
}

// --- UTF-8 --------------------------------------------------------------------
const badUtf8: Array<[string, string]> = [
  ['overlong "/" (C0 AF)', 'c0af'],
  ['overlong NUL (C0 80)', 'c080'],
  ['overlong 3-byte (E0 80 AF)', 'e080af'],
  ['overlong 4-byte (F0 80 80 AF)', 'f08080af'],
  ['lone continuation byte', '80'],
  ['continuation after ASCII', '41bf42'],
  ['UTF-16 surrogate encoded (ED A0 80)', 'eda080'],
  ['low surrogate encoded (ED B0 80)', 'edb080'],
  ['surrogate pair encoded separately (CESU-8)', 'eda0bdedb880'],
  ['truncated 3-byte sequence at the end', '41e282'],
  ['truncated 2-byte sequence before ASCII', 'c341'],
  ['code point above U+10FFFF', 'f4908080'],
  ['byte FF', 'ff'],
  ['byte FE', '41fe'],
];
for (const [name, bytes] of badUtf8) {
  const v = Buffer.from(bytes, 'hex');
  const padded = Buffer.concat([v, Buffer.alloc((8 - (v.length % 8)) % 8)]);
  add({ name: `Text with invalid UTF-8: ${name}`, input: raw(T, 0x07, v.length, padded), code: 'TTLV_BAD_UTF8', offset: 8, path: [T] });
}

// --- types --------------------------------------------------------------------
for (const type of [0x00, 0x0c, 0x0d, 0x42, 0x80, 0xff]) {
  add({ name: `unknown type 0x${type.toString(16)}`, input: raw(T, type, 0, ''), code: 'TTLV_BAD_TYPE', offset: 3, path: [T] });
}
add({
  name: 'unknown type 0x0C inside a structure',
  input: struct(A, int1, raw(B, 0x0c, 8, Buffer.alloc(8))),
  code: 'TTLV_BAD_TYPE',
  offset: 8 + 16 + 3,
  path: [A, B],
});

// --- BigInteger ---------------------------------------------------------------
add({ name: 'BigInteger length 12', input: raw(T, 0x04, 12, Buffer.alloc(16)), code: 'TTLV_BAD_LENGTH', offset: 0 });
add({ name: 'BigInteger length 4', input: raw(T, 0x04, 4, Buffer.alloc(8)), code: 'TTLV_BAD_LENGTH' });
add({ name: 'BigInteger length 1', input: raw(T, 0x04, 1, Buffer.alloc(8)), code: 'TTLV_BAD_LENGTH' });

// --- limits and trailing bytes ------------------------------------------------
function nested(levels: number): Buffer {
  let b = raw(C, 0x02, 4, '00000007 00000000');
  for (let k = 1; k < levels; k++) b = struct(0x420000 + k, b);
  return b;
}
add({ name: 'nesting 4 levels with maxDepth 3', input: nested(4), code: 'TTLV_TOO_DEEP', options: { maxDepth: 3 } });
add({ name: `nesting ${DEFAULT_MAX_DEPTH + 1} levels with the default maxDepth`, input: nested(DEFAULT_MAX_DEPTH + 1), code: 'TTLV_TOO_DEEP' });
add({ name: 'maxDepth 0 refuses everything', input: int1, code: 'TTLV_TOO_DEEP', options: { maxDepth: 0 } });
add({ name: 'input one byte over maxMessageBytes', input: vectors[0]!.bytes, code: 'TTLV_TOO_LARGE', options: { maxMessageBytes: vectors[0]!.bytes.length - 1 } });
add({ name: 'input over maxMessageBytes even when truncated', input: Buffer.alloc(100), code: 'TTLV_TOO_LARGE', options: { maxMessageBytes: 50 } });
add({ name: 'one trailing byte', input: Buffer.concat([int1, Buffer.from([0])]), code: 'TTLV_TRAILING_BYTES', offset: 16 });
add({ name: 'trailing zero header', input: Buffer.concat([int1, Buffer.alloc(8)]), code: 'TTLV_TRAILING_BYTES', offset: 16 });
add({ name: 'two messages back to back', input: Buffer.concat([vectors[0]!.bytes, vectors[1]!.bytes]), code: 'TTLV_TRAILING_BYTES', offset: vectors[0]!.bytes.length });

describe('corrupt inputs: table', () => {
  for (const c of cases) {
    test(`${c.name} → ${c.code}`, () => {
      const err = expectDecodeError(c.input, c.code, c.options);
      if (c.offset !== undefined) assert.equal(err.offset, c.offset, `offset (${err.message})`);
      if (c.path !== undefined) assert.deepEqual([...err.path], c.path, `path (${err.message})`);
    });
  }
});

describe('corrupt inputs: sanity of the table', () => {
  test('each corrupt input differs from a valid one only in what it tests', () => {
    // The good twins decode: a guard against cases that fail for some other reason.
    assert.deepEqual(decode(raw(T, 0x02, 4, '00000008 00000000')), ttlv.integer(T, 8));
    assert.deepEqual(decode(raw(T, 0x06, 8, '0000000000000001')), ttlv.boolean(T, true));
    assert.deepEqual(decode(raw(T, 0x07, 3, '414243 0000000000')), ttlv.textString(T, 'ABC'));
    assert.deepEqual(decode(nested(3), { maxDepth: 3 }).type, 0x01);
    assert.deepEqual(decode(nested(DEFAULT_MAX_DEPTH)).type, 0x01);
    assert.ok(decode(vectors[0]!.bytes, { maxMessageBytes: vectors[0]!.bytes.length }));
    assert.deepEqual(decode(struct(A, int1)), ttlv.structure(A, [ttlv.integer(C, 1)]));
    assert.deepEqual(decode(raw(T, 0x04, 8, '0000000000000000')), ttlv.bigInteger(T, 0n));
    // A zero-length Big Integer is 0 (issue 9.7), not a corrupt input.
    assert.deepEqual(decode(raw(T, 0x04, 0, '')), ttlv.bigInteger(T, 0n));
  });
});

describe('corrupt inputs: truncation of every vector', () => {
  for (const v of vectors) {
    test(`${v.label}: every proper prefix is refused`, () => {
      for (let n = 0; n < v.bytes.length; n++) {
        const err = expectDecodeError(v.bytes.subarray(0, n), ['TTLV_TRUNCATED', 'TTLV_BAD_LENGTH']);
        // A proper prefix of a valid message is short of the outer item's own
        // declared length, so it is always reported as a truncation of the outer item.
        assert.equal(err.code, 'TTLV_TRUNCATED', `prefix of ${n} bytes: ${err.message}`);
        assert.equal(err.offset, 0);
        assert.deepEqual([...err.path], n < 8 ? [] : [v.bytes.readUIntBE(0, 3)]);
      }
    });
  }
});

describe('corrupt inputs: offsets and paths inside real messages', () => {
  const enc = vectors.find((v) => v.label === 'encrypt_request')!;
  const REQ = 0x420078;
  const HDR = 0x420077;
  const PV = 0x420069;
  const MINOR = 0x42006b;
  const BATCH = 0x42000f;
  const PAYLOAD = 0x420079;
  const UID = 0x420094;

  /** Offset of the first item header with the given tag (structure-aware walk). */
  function offsetOf(buf: Buffer, tag: number, off = 0, end = buf.length): number {
    while (off < end) {
      const t = buf.readUIntBE(off, 3);
      const len = buf.readUInt32BE(off + 4);
      if (t === tag) return off;
      if (buf[off + 3] === 0x01) {
        const inner = offsetOf(buf, tag, off + 8, off + 8 + len);
        if (inner >= 0) return inner;
      }
      off += 8 + len + ((8 - (len % 8)) % 8);
    }
    return -1;
  }

  test('non-zero padding of Protocol Version Minor', () => {
    const b = Buffer.from(enc.bytes);
    const at = offsetOf(b, MINOR);
    assert.ok(at > 0);
    b[at + 8 + 6] = 0x10;
    const err = expectDecodeError(b, 'TTLV_BAD_PADDING');
    assert.equal(err.offset, at + 14);
    assert.deepEqual([...err.path], [REQ, HDR, PV, MINOR]);
    assert.match(err.message, /0x42006B/);
  });

  test('invalid UTF-8 in the Unique Identifier', () => {
    const b = Buffer.from(enc.bytes);
    const at = offsetOf(b, UID);
    b[at + 8] = 0xc0; // '88' -> C0 38: a lead byte followed by a non-continuation
    const err = expectDecodeError(b, 'TTLV_BAD_UTF8');
    assert.equal(err.offset, at + 8);
    assert.deepEqual([...err.path], [REQ, BATCH, PAYLOAD, UID]);
  });

  test('unknown type of the Unique Identifier', () => {
    const b = Buffer.from(enc.bytes);
    const at = offsetOf(b, UID);
    b[at + 3] = 0x0c;
    const err = expectDecodeError(b, 'TTLV_BAD_TYPE');
    assert.equal(err.offset, at + 3);
    assert.deepEqual([...err.path], [REQ, BATCH, PAYLOAD, UID]);
  });

  test('a Protocol Version structure length that no longer fits the request header', () => {
    const b = Buffer.from(enc.bytes);
    const at = offsetOf(b, PV);
    b.writeUInt32BE(0x40, at + 4); // 64 instead of 32: runs past the Request Header (56)
    const err = expectDecodeError(b, 'TTLV_BAD_LENGTH');
    assert.equal(err.offset, at);
    assert.deepEqual([...err.path], [REQ, HDR, PV]);
  });

  test('the outer length one block longer than the input', () => {
    const b = Buffer.from(enc.bytes);
    b.writeUInt32BE(b.readUInt32BE(4) + 8, 4);
    const err = expectDecodeError(b, 'TTLV_TRUNCATED');
    assert.equal(err.offset, 0);
    assert.deepEqual([...err.path], [REQ]);
  });

  test('the outer length one block shorter than the input', () => {
    const b = Buffer.from(enc.bytes);
    b.writeUInt32BE(b.readUInt32BE(4) - 8, 4);
    // the Batch Item, the outer structure's last child, now overruns it
    const err = expectDecodeError(b, 'TTLV_BAD_LENGTH');
    assert.deepEqual([...err.path].slice(0, 2), [REQ, BATCH]);
  });

  test('a child that overruns the outer structure (the last item of a complete message)', () => {
    // The input holds the whole outer structure, so this is a bad length, not a truncation.
    const b = Buffer.from(enc.bytes);
    const IV = 0x42003d;
    const at = offsetOf(b, IV);
    b.writeUInt32BE(0x18, at + 4); // IV claims 24 bytes; only 16 remain in the message
    const err = expectDecodeError(b, 'TTLV_BAD_LENGTH');
    assert.equal(err.offset, at);
    assert.deepEqual([...err.path], [REQ, BATCH, PAYLOAD, IV]);
  });

  test('error messages name the offset', () => {
    const err = expectDecodeError(hex('420020 06 00000008 0000000000000002'), 'TTLV_BAD_BOOLEAN');
    assert.match(err.message, /offset 8/);
    assert.ok(err instanceof Error);
  });
});

describe('decode refuses a non-Buffer', () => {
  test('a string, a Uint8Array, undefined', () => {
    for (const v of ['42007801', new Uint8Array(8), undefined, null, 42]) {
      const err = catchTtlv(() => decode(v as unknown as Buffer));
      assert.equal(err.code, 'TTLV_BAD_VALUE');
    }
  });
});

describe('encoder refusals → TTLV_BAD_VALUE', () => {
  const refusals: Array<[string, TtlvItem]> = [
    ['Integer 2^31', ttlv.integer(T, 2 ** 31)],
    ['Integer -2^31 - 1', ttlv.integer(T, -(2 ** 31) - 1)],
    ['Integer 1.5', ttlv.integer(T, 1.5)],
    ['Integer NaN', ttlv.integer(T, NaN)],
    ['Integer Infinity', ttlv.integer(T, Infinity)],
    ['Enumeration -1', ttlv.enumeration(T, -1)],
    ['Enumeration 2^32', ttlv.enumeration(T, 2 ** 32)],
    ['Enumeration 0.5', ttlv.enumeration(T, 0.5)],
    ['Interval -1', ttlv.interval(T, -1)],
    ['Interval 2^32', ttlv.interval(T, 2 ** 32)],
    ['LongInteger 2^63', ttlv.longInteger(T, 2n ** 63n)],
    ['LongInteger -2^63 - 1', ttlv.longInteger(T, -(2n ** 63n) - 1n)],
    ['LongInteger as a number', ttlv.longInteger(T, 5 as unknown as bigint)],
    ['DateTime 2^63', ttlv.dateTime(T, 2n ** 63n)],
    ['DateTimeExtended -2^63 - 1', ttlv.dateTimeExtended(T, -(2n ** 63n) - 1n)],
    ['BigInteger as a number', ttlv.bigInteger(T, 5 as unknown as bigint)],
    ['Boolean as a number', ttlv.boolean(T, 1 as unknown as boolean)],
    ['Text with a lone high surrogate', ttlv.textString(T, '\uD800')],
    ['Text with a lone low surrogate', ttlv.textString(T, 'ab\uDC00cd')],
    ['Text with a reversed surrogate pair', ttlv.textString(T, '\uDE00\uD83D')],
    ['Text ending in a high surrogate', ttlv.textString(T, 'ok \uD83D')],
    ['Text as a number', ttlv.textString(T, 5 as unknown as string)],
    ['Bytes as a string', ttlv.byteString(T, 'abc' as unknown as Buffer)],
    ['tag > 0xFFFFFF', ttlv.integer(0x1000000, 1)],
    ['tag -1', ttlv.integer(-1, 1)],
    ['tag 1.5', ttlv.integer(1.5, 1)],
    ['tag > 0xFFFFFF on a Structure', ttlv.structure(0x1000000, [])],
    ['unknown type 0x0C', { tag: T, type: 0x0c, value: 0 } as unknown as TtlvItem],
    ['unknown type 0', { tag: T, type: 0, value: 0 } as unknown as TtlvItem],
    ['a bad child deep inside a structure', ttlv.structure(A, [ttlv.integer(B, 1), ttlv.structure(B, [ttlv.enumeration(C, -5)])])],
  ];
  for (const [name, item] of refusals) {
    test(name, () => {
      const err = catchTtlv(() => encode(item));
      assert.equal(err.code, 'TTLV_BAD_VALUE', err.message);
    });
  }

  test('boundary values are accepted', () => {
    assert.equal(encode(ttlv.integer(T, 2 ** 31 - 1)).toString('hex'), '42002002000000047fffffff00000000');
    assert.equal(encode(ttlv.integer(T, -(2 ** 31))).toString('hex'), '420020020000000480000000' + '00000000');
    assert.equal(encode(ttlv.enumeration(T, 2 ** 32 - 1)).toString('hex'), '4200200500000004ffffffff00000000');
    assert.equal(encode(ttlv.interval(T, 0)).toString('hex'), '4200200a000000040000000000000000');
    assert.equal(encode(ttlv.longInteger(T, 2n ** 63n - 1n)).toString('hex'), '42002003000000087fffffffffffffff');
    assert.equal(encode(ttlv.longInteger(T, -(2n ** 63n))).toString('hex'), '42002003000000088000000000000000');
    assert.equal(encode(ttlv.integer(0xffffff, 0)).subarray(0, 4).toString('hex'), 'ffffff02');
    assert.equal(encode(ttlv.integer(0, 0)).subarray(0, 4).toString('hex'), '00000002');
    assert.equal(encode(ttlv.textString(T, '😀')).toString('hex'), '4200200700000004f09f988000000000');
  });

  test('the encoder is usable again after a refusal in the middle of a structure', () => {
    const bad = ttlv.structure(A, [ttlv.textString(B, 'x'.repeat(100)), ttlv.integer(C, 2 ** 40)]);
    catchTtlv(() => encode(bad));
    const good = ttlv.structure(A, [ttlv.integer(C, 1)]);
    assert.equal(encode(good).toString('hex'), '42000101000000104200030200000004' + '0000000100000000');
    for (const v of vectors) assert.ok(encode(decode(v.bytes)).equals(v.bytes));
  });
});
