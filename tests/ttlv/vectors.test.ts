/**
 * Every captured PyKMIP message decodes to exactly its documented tree and
 * re-encodes byte for byte.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'crypto';
import { decode, encode, ItemType, ITEM_TYPE_NAMES, TtlvItem } from '../../lib/ttlv';
import { DocNode, loadCaptures, parseCaptures } from '../support/vectors';

const { vectors, values } = loadCaptures();

const pad8 = (n: number): number => n + ((8 - (n % 8)) % 8);
const tagHex = (t: number): string => '0x' + t.toString(16).toUpperCase().padStart(6, '0');

/**
 * Walks the raw bytes (no codec involved) against the documented tree:
 * header fields, nesting, padding, and raw value bytes. Returns the offset
 * after the item.
 */
function walkRaw(buf: Buffer, off: number, node: DocNode, where: string): number {
  const at = `${where}/${node.name}@${off}`;
  assert.ok(off + 8 <= buf.length, `${at}: header runs past the end`);
  const tag = buf.readUIntBE(off, 3);
  const type = buf[off + 3]!;
  const len = buf.readUInt32BE(off + 4);
  assert.equal(tagHex(tag), tagHex(node.tag), `${at}: tag`);
  // The capture file spells type names as ItemType does; the bytes are PyKMIP's, so this also checks ItemType.
  assert.equal(type, ItemType[node.typeName], `${at}: type byte`);
  assert.equal(len, node.len, `${at}: length field`);
  const vs = off + 8;
  const end = vs + pad8(len);
  assert.ok(end <= buf.length, `${at}: value runs past the end`);
  if (node.typeName === 'Structure') {
    let p = vs;
    for (const child of node.children) p = walkRaw(buf, p, child, at);
    assert.equal(p, vs + len, `${at}: children do not fill the structure exactly`);
    return end;
  }
  assert.ok(buf.subarray(vs + len, end).every((b) => b === 0), `${at}: padding is not zero`);
  if (node.typeName === 'TextString') assert.equal(buf.toString('utf8', vs, vs + len), node.value, `${at}: raw text`);
  if (node.typeName === 'ByteString') assert.deepEqual(buf.subarray(vs, vs + len), node.value, `${at}: raw bytes`);
  if (node.typeName === 'Integer') assert.equal(buf.readInt32BE(vs), node.value, `${at}: raw integer`);
  if (node.typeName === 'Enumeration' || node.typeName === 'Interval') {
    assert.equal(buf.readUInt32BE(vs), node.value, `${at}: raw value`);
  }
  if (node.typeName === 'DateTime' || node.typeName === 'LongInteger') {
    assert.equal(buf.readBigInt64BE(vs), node.value, `${at}: raw value`);
  }
  return end;
}

/** Length field a decoded item must have been encoded with (minimal BigInteger). */
function expectedLen(item: TtlvItem): number {
  switch (item.type) {
    case 0x01:
      return item.value.reduce((s, c) => s + 8 + pad8(expectedLen(c)), 0);
    case 0x02:
    case 0x05:
    case 0x0a:
      return 4;
    case 0x03:
    case 0x06:
    case 0x09:
    case 0x0b:
      return 8;
    case 0x04: {
      const v = item.value;
      const bits = (v < 0n ? -v - 1n : v).toString(2).length + 1;
      return Math.max(8, Math.ceil(bits / 64) * 8);
    }
    case 0x07:
      return Buffer.byteLength(item.value, 'utf8');
    case 0x08:
      return item.value.length;
  }
}

/** The decoded tree must match the documented one node for node. */
function compareTree(item: TtlvItem, node: DocNode, where: string): void {
  const at = `${where}/${node.name}`;
  assert.equal(tagHex(item.tag), tagHex(node.tag), `${at}: tag`);
  assert.equal(ITEM_TYPE_NAMES[item.type], node.typeName, `${at}: type`);
  assert.equal(expectedLen(item), node.len, `${at}: len`);
  if (item.type === 0x01) {
    assert.equal(node.value, undefined);
    assert.equal(
      item.value.length,
      node.children.length,
      `${at}: ${item.value.length} children decoded, ${node.children.length} documented`,
    );
    item.value.forEach((c, k) => compareTree(c, node.children[k]!, at));
    return;
  }
  assert.equal(node.children.length, 0, `${at}: documented children under a non-Structure`);
  switch (item.type) {
    case 0x02:
    case 0x05:
    case 0x0a:
      assert.equal(typeof item.value, 'number', `${at}: JS type`);
      break;
    case 0x03:
    case 0x04:
    case 0x09:
    case 0x0b:
      assert.equal(typeof item.value, 'bigint', `${at}: JS type`);
      break;
    case 0x06:
      assert.equal(typeof item.value, 'boolean', `${at}: JS type`);
      break;
    case 0x07:
      assert.equal(typeof item.value, 'string', `${at}: JS type`);
      break;
    case 0x08:
      assert.ok(Buffer.isBuffer(item.value), `${at}: JS type`);
      break;
  }
  assert.deepEqual(item.value, node.value, `${at}: value`);
  if (node.dateText !== undefined) {
    const iso = new Date(Number(item.value) * 1000).toISOString().replace('T', ' ').replace(/\.000Z$/, ' UTC');
    assert.equal(iso, node.dateText, `${at}: documented date`);
  }
}

function findAll(item: TtlvItem, tag: number, out: TtlvItem[] = []): TtlvItem[] {
  if (item.tag === tag) out.push(item);
  if (item.type === 0x01) for (const c of item.value) findAll(c, tag, out);
  return out;
}

function only(item: TtlvItem, tag: number): TtlvItem {
  const all = findAll(item, tag);
  assert.equal(all.length, 1, `exactly one ${tagHex(tag)} expected`);
  return all[0]!;
}

describe('capture file loader', () => {
  test('finds all twelve messages and the plain values', () => {
    assert.deepEqual(
      vectors.map((v) => v.label),
      [
        'encrypt_request',
        'encrypt_response',
        'decrypt_request',
        'decrypt_response',
        'create_request',
        'create_response',
        'activate_request',
        'activate_response',
        'destroy_notfound_request',
        'destroy_notfound_response',
        'activate_no_uid_request',
        'parse_error_response',
      ],
    );
    assert.deepEqual(Object.keys(values).sort(), ['ciphertext_hex', 'iv_hex', 'key_hex', 'key_uid', 'plaintext_hex']);
    assert.equal(values['key_uid'], '88');
    for (const v of vectors) {
      assert.equal(v.tree.length, 1, `${v.label}: one documented root`);
      assert.equal(v.bytes.toString('hex'), v.hex);
    }
  });

  test('parses every value format, and refuses what it does not understand', () => {
    const text = [
      '# prose',
      'some_value: 0011',
      'x_request: 4200780100000000',
      "#   REQUEST_MESSAGE (0x420078) Structure len=0",
      'y_request: 00',
      '#   A (0x420001) Structure len=0',
      '#     B (0x42000B) Enumeration len=4 = 3',
      '#     C (0x42005C) Enumeration len=4 = ENCRYPT (0x1F)',
      "#     D (0x42000A) TextString len=5 = 'it\\'s'",
      '#     E (0x4200C2) ByteString len=0 = ',
      '#     F (0x420092) DateTime len=8 = 1795919448 (2026-11-29 02:30:48 UTC)',
      '#     G (0x420006) Boolean len=8 = True',
      '#     H (0x420007) BigInteger len=16 = -18446744073709551617',
      '#     I (0x420008) Structure len=0',
      '#       J (0x540001) Interval len=4 = 864000',
    ].join('\n');
    const c = parseCaptures(text);
    assert.deepEqual(c.values, { some_value: '0011' });
    assert.equal(c.vectors.length, 2);
    const [b, cc, d, e, f, g, h, i] = c.vectors[1]!.tree[0]!.children;
    assert.equal(b!.value, 3);
    assert.equal(b!.enumName, undefined);
    assert.equal(cc!.value, 0x1f);
    assert.equal(cc!.enumName, 'ENCRYPT');
    assert.equal(d!.value, "it's");
    assert.deepEqual(e!.value, Buffer.alloc(0));
    assert.equal(f!.value, 1795919448n);
    assert.equal(f!.dateText, '2026-11-29 02:30:48 UTC');
    assert.equal(g!.value, true);
    assert.equal(h!.value, -18446744073709551617n);
    assert.equal(i!.children[0]!.tag, 0x540001);
    assert.equal(i!.children[0]!.value, 864000);

    assert.throws(() => parseCaptures('a_request: 42\n#    ODD (0x420001) Structure len=0'), /odd indentation/);
    assert.throws(() => parseCaptures('a_request: 42\n#   A (0x420001) Structure len=0\n#       B (0x420001) Structure len=0'), /more than one level/);
    assert.throws(() => parseCaptures('a_request: 42\n#   A (0x420001) Integer len=4 = x'), /bad integer/);
    assert.throws(() => parseCaptures('a_request: 42\n#   A (0x420001) Weird len=4 = 1'), /unknown type/);
    assert.throws(() => parseCaptures('a_request: 4200'), /no documented tree/);
    assert.throws(() => parseCaptures('a: 1\na: 2'), /duplicate/);
  });
});

describe('PyKMIP 0.10 captures decode to their documented trees', () => {
  for (const v of vectors) {
    test(`${v.label}: raw bytes match the documented headers, nesting and padding`, () => {
      const end = walkRaw(v.bytes, 0, v.tree[0]!, v.label);
      assert.equal(end, v.bytes.length, 'the message is exactly one item');
    });

    test(`${v.label}: decodes to the documented tree`, () => {
      const item = decode(v.bytes);
      compareTree(item, v.tree[0]!, v.label);
      const outer = v.label.endsWith('_request') ? 0x420078 : 0x42007b;
      assert.equal(item.tag, outer);
      assert.equal(item.type, 0x01);
    });

    test(`${v.label}: re-encodes byte for byte`, () => {
      const out = encode(decode(v.bytes));
      assert.equal(out.toString('hex'), v.hex);
    });

    test(`${v.label}: decodes the same from an unaligned view of a larger buffer`, () => {
      const big = Buffer.concat([Buffer.from([0xaa, 0xbb, 0xcc]), v.bytes, Buffer.from([0xdd])]);
      const view = big.subarray(3, 3 + v.bytes.length);
      assert.deepEqual(decode(view), decode(v.bytes));
      assert.ok(encode(decode(view)).equals(v.bytes));
    });
  }
});

describe('captured values are consistent with the messages', () => {
  const byLabel = new Map(vectors.map((v) => [v.label, decode(v.bytes)]));
  const get = (label: string): TtlvItem => {
    const item = byLabel.get(label);
    assert.ok(item, `vector ${label}`);
    return item;
  };
  const DATA = 0x4200c2;
  const UID = 0x420094;
  const IV = 0x42003d;

  test('AES-256-CBC(key, iv, plaintext) is the ciphertext the server returned', () => {
    const key = Buffer.from(values['key_hex']!, 'hex');
    const iv = Buffer.from(values['iv_hex']!, 'hex');
    const plaintext = Buffer.from(values['plaintext_hex']!, 'hex');
    const c = crypto.createCipheriv('aes-256-cbc', key, iv);
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    assert.equal(ct.toString('hex'), values['ciphertext_hex']);
  });

  test('Data, IV and Unique Identifier items carry the captured values', () => {
    assert.deepEqual(only(get('encrypt_request'), DATA).value, Buffer.from(values['plaintext_hex']!, 'hex'));
    assert.deepEqual(only(get('encrypt_request'), IV).value, Buffer.from(values['iv_hex']!, 'hex'));
    assert.deepEqual(only(get('encrypt_response'), DATA).value, Buffer.from(values['ciphertext_hex']!, 'hex'));
    assert.deepEqual(only(get('decrypt_request'), DATA).value, Buffer.from(values['ciphertext_hex']!, 'hex'));
    assert.deepEqual(only(get('decrypt_response'), DATA).value, Buffer.from(values['plaintext_hex']!, 'hex'));
    for (const l of ['encrypt_request', 'decrypt_request', 'create_response', 'activate_request', 'activate_response']) {
      assert.equal(only(get(l), UID).value, values['key_uid'], l);
    }
  });

  test('decoded Byte Strings are views into the input (no copy)', () => {
    const v = vectors.find((x) => x.label === 'encrypt_response')!;
    const input = Buffer.from(v.bytes);
    const data = only(decode(input), DATA).value as Buffer;
    const at = input.indexOf(data);
    assert.ok(at > 0);
    input[at] = input[at]! ^ 0xff; // a view sees the change, a copy would not
    assert.equal(data[0], input[at]);
  });
});
