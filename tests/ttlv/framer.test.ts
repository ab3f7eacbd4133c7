/**
 * TtlvFramer: whole messages out of an arbitrarily chunked byte stream.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, TtlvError, TtlvErrorCode, TtlvFramer, ttlv } from '../../lib/ttlv';
import { hex, loadCaptures } from '../support/vectors';
import { cut } from './helpers';

const { vectors } = loadCaptures();
const all = Buffer.concat(vectors.map((v) => v.bytes));

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Feeds the chunks to a framer and returns copies of the messages emitted.
 * Chunks are copied before being pushed and then scribbled over afterwards,
 * so a framer that kept a reference to a chunk it had already consumed
 * would be caught.
 */
function frame(chunks: Buffer[], framer = new TtlvFramer()): Buffer[] {
  const out: Buffer[] = [];
  for (const c of chunks) {
    const own = Buffer.from(c);
    framer.push(own, (m) => out.push(Buffer.from(m)));
    own.fill(0xee);
  }
  return out;
}

function expectMessages(got: Buffer[], want: Buffer[], what: string): void {
  assert.equal(got.length, want.length, `${what}: ${got.length} messages emitted, ${want.length} expected`);
  for (let k = 0; k < want.length; k++) {
    assert.ok(got[k]!.equals(want[k]!), `${what}: message ${k} differs`);
  }
}

function expectTtlvError(fn: () => unknown, code: TtlvErrorCode): TtlvError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof TtlvError, `expected TtlvError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

describe('TtlvFramer with the captured vectors', () => {
  for (const v of vectors) {
    test(`${v.label}: whole, byte by byte, and in two chunks at every offset`, () => {
      expectMessages(frame([v.bytes]), [v.bytes], 'whole');

      const f = new TtlvFramer();
      const out: Buffer[] = [];
      for (let k = 0; k < v.bytes.length; k++) {
        f.push(v.bytes.subarray(k, k + 1), (m) => out.push(Buffer.from(m)));
        if (k < v.bytes.length - 1) {
          assert.equal(out.length, 0, `nothing emitted before the last byte (${k})`);
          assert.equal(f.bufferedBytes, k + 1, `bufferedBytes after ${k + 1} bytes`);
        }
      }
      expectMessages(out, [v.bytes], 'byte by byte');
      assert.equal(f.bufferedBytes, 0);

      for (let p = 0; p <= v.bytes.length; p++) {
        expectMessages(frame(cut(v.bytes, [p])), [v.bytes], `split at ${p}`);
      }
    });

    test(`${v.label}: three chunks at many offsets`, () => {
      const n = v.bytes.length;
      const step = Math.max(1, Math.floor(n / 40));
      for (let a = 0; a <= n; a += step) {
        for (let b = a; b <= n; b += step) {
          expectMessages(frame(cut(v.bytes, [a, b])), [v.bytes], `split at ${a}, ${b}`);
        }
      }
      // Every split around the 8-byte header, explicitly.
      for (let a = 0; a <= 9; a++) {
        for (let b = a; b <= 17; b++) {
          expectMessages(frame(cut(v.bytes, [a, b])), [v.bytes], `split at ${a}, ${b}`);
        }
      }
    });

    test(`${v.label}: the emitted message decodes to the same tree as the input`, () => {
      const [m] = frame([v.bytes]);
      assert.deepEqual(decode(m!), decode(v.bytes));
    });
  }

  test('all vectors concatenated in one chunk come out in order', () => {
    const f = new TtlvFramer();
    const out: Buffer[] = [];
    f.push(all, (m) => out.push(m));
    expectMessages(out, vectors.map((v) => v.bytes), 'one chunk');
    assert.equal(f.bufferedBytes, 0);
  });

  test('all vectors concatenated, random chunkings (seeded)', () => {
    const want = vectors.map((v) => v.bytes);
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const points: number[] = [];
      const maxChunk = [1, 3, 8, 17, 64, 300, 2000][seed % 7]!;
      for (let p = 0; ; ) {
        p += 1 + Math.floor(r() * maxChunk);
        if (p >= all.length) break;
        points.push(p);
      }
      expectMessages(frame(cut(all, points)), want, `seed ${seed}`);
    }
  });

  test('all vectors concatenated, every two-chunk split', () => {
    const want = vectors.map((v) => v.bytes);
    for (let p = 0; p <= all.length; p++) expectMessages(frame(cut(all, [p])), want, `split at ${p}`);
  });

  test('empty chunks are harmless anywhere', () => {
    const v = vectors[0]!.bytes;
    const chunks = [Buffer.alloc(0), v.subarray(0, 5), Buffer.alloc(0), v.subarray(5, 20), Buffer.alloc(0), v.subarray(20), Buffer.alloc(0)];
    expectMessages(frame(chunks), [v], 'with empty chunks');
  });

  test('a message whose header straddles chunks, after a complete message in the same chunk', () => {
    const a = vectors[0]!.bytes;
    const b = vectors[1]!.bytes;
    const c = vectors[2]!.bytes;
    const stream = Buffer.concat([a, b, c]);
    // first chunk: all of a + 3 bytes of b's header; second: 4 more header bytes; third: the rest
    const chunks = cut(stream, [a.length + 3, a.length + 7, a.length + b.length + 5]);
    const f = new TtlvFramer();
    const out: Buffer[] = [];
    f.push(chunks[0]!, (m) => out.push(Buffer.from(m)));
    assert.equal(out.length, 1);
    assert.equal(f.bufferedBytes, 3);
    f.push(chunks[1]!, (m) => out.push(Buffer.from(m)));
    assert.equal(f.bufferedBytes, 7);
    f.push(chunks[2]!, (m) => out.push(Buffer.from(m)));
    assert.equal(f.bufferedBytes, 5);
    f.push(chunks[3]!, (m) => out.push(Buffer.from(m)));
    expectMessages(out, [a, b, c], 'straddling header');
    assert.equal(f.bufferedBytes, 0);
  });

  test('a message contained in one chunk is emitted without waiting for more data', () => {
    const f = new TtlvFramer();
    let n = 0;
    f.push(Buffer.concat([vectors[0]!.bytes, vectors[1]!.bytes.subarray(0, 20)]), () => n++);
    assert.equal(n, 1);
    assert.equal(f.bufferedBytes, 20);
  });
});

describe('TtlvFramer limits and failures', () => {
  test('an empty structure (8 bytes) is a whole message', () => {
    const empty = hex('420078 01 00000000');
    expectMessages(frame([empty]), [empty], 'whole');
    expectMessages(frame(cut(empty, [3])), [empty], 'split');
    expectMessages(frame([...empty].map((b) => Buffer.from([b]))), [empty], 'byte by byte');
    expectMessages(frame([Buffer.concat([empty, empty, empty])]), [empty, empty, empty], 'three in a row');
    assert.deepEqual(decode(frame([empty])[0]!), ttlv.structure(0x420078, []));
  });

  test('oversize is refused from the header alone, before its body arrives', () => {
    const f = new TtlvFramer({ maxMessageBytes: 1024 });
    const err = expectTtlvError(() => f.push(hex('42007B 01 7FFFFFF8'), () => assert.fail('no message')), 'TTLV_TOO_LARGE');
    assert.equal(err.offset, 0);
    assert.deepEqual(err.path, [0x42007b]);
    assert.equal(f.bufferedBytes, 0, 'nothing buffered for the refused message');
  });

  test('oversize is refused when the header arrives in pieces, at the stream offset of the message', () => {
    const f = new TtlvFramer({ maxMessageBytes: 1024 });
    const big = hex('42007B 01 FFFFFFF8');
    const ok = vectors[0]!.bytes;
    let n = 0;
    f.push(Buffer.concat([ok, big.subarray(0, 5)]), () => n++);
    assert.equal(n, 1);
    const err = expectTtlvError(() => f.push(big.subarray(5), () => n++), 'TTLV_TOO_LARGE');
    assert.equal(err.offset, ok.length);
  });

  test('the limit counts the whole message, header included', () => {
    const v = vectors[0]!.bytes;
    expectMessages(frame([v], new TtlvFramer({ maxMessageBytes: v.length })), [v], 'at the limit');
    expectTtlvError(() => frame([v], new TtlvFramer({ maxMessageBytes: v.length - 1 })), 'TTLV_TOO_LARGE');
    expectTtlvError(() => frame([v], new TtlvFramer({ maxMessageBytes: v.length - 8 })), 'TTLV_TOO_LARGE');
  });

  test('a non-Structure outer item is refused', () => {
    for (const type of [0x00, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0xff]) {
      const item = Buffer.concat([hex('42007B'), Buffer.from([type]), hex('00000008 0000000000000001')]);
      const err = expectTtlvError(() => frame([item]), 'TTLV_NOT_STRUCTURE');
      assert.deepEqual(err.path, [0x42007b]);
      expectTtlvError(() => frame(cut(item, [2])), 'TTLV_NOT_STRUCTURE');
    }
  });

  test('an outer structure length that is not a multiple of 8 is refused', () => {
    expectTtlvError(() => frame([hex('42007B 01 00000004 00000000')]), 'TTLV_BAD_LENGTH');
  });

  test('the framer stays failed after an error, and reset() clears it', () => {
    const f = new TtlvFramer();
    const good = vectors[0]!.bytes;
    const bad = hex('42007B 02 00000004 00000001 00000000');
    const err = expectTtlvError(() => f.push(Buffer.concat([good.subarray(0, good.length), bad]), () => {}), 'TTLV_NOT_STRUCTURE');
    assert.equal(err.offset, good.length, 'offset of the bad message in the stream');
    // every later push throws the same error, even with good data
    for (let k = 0; k < 3; k++) {
      let thrown: unknown;
      try {
        f.push(good, () => assert.fail('no message after a failure'));
      } catch (e) {
        thrown = e;
      }
      assert.equal(thrown, err);
    }
    f.reset();
    assert.equal(f.bufferedBytes, 0);
    expectMessages(frame([good], f), [good], 'after reset');
    // offsets restart at zero after reset
    const err2 = expectTtlvError(() => f.push(bad, () => {}), 'TTLV_NOT_STRUCTURE');
    assert.equal(err2.offset, good.length);
    f.reset();
    const err3 = expectTtlvError(() => f.push(bad, () => {}), 'TTLV_NOT_STRUCTURE');
    assert.equal(err3.offset, 0);
  });

  test('reset() drops a partial message', () => {
    const f = new TtlvFramer();
    const v = vectors[3]!.bytes;
    f.push(v.subarray(0, 30), () => assert.fail('incomplete'));
    assert.equal(f.bufferedBytes, 30);
    f.reset();
    assert.equal(f.bufferedBytes, 0);
    f.push(v.subarray(0, 5), () => assert.fail('incomplete'));
    assert.equal(f.bufferedBytes, 5);
    f.reset();
    expectMessages(frame([v], f), [v], 'after reset');
  });

  test('a 100 kB message split into a few uneven chunks', () => {
    const big = encode(ttlv.structure(0x420078, [ttlv.byteString(0x4200c2, Buffer.alloc(100_000, 7))]));
    const f = new TtlvFramer({ maxMessageBytes: 200_000 });
    const out = frame(cut(big, [1, 9, 50_000, 99_999]), f);
    expectMessages(out, [big], 'big message');
  });
});
