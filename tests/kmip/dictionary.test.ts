import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Tag, TAG_NAMES, tagName, tagFromName, isTagName, normalizeName, formatTag } from '../../lib/kmip/tags';
import * as Enums from '../../lib/kmip/enums';
import {
  ENUM_BY_TAG,
  MASK_BY_TAG,
  enumName,
  enumValue,
  maskNames,
  maskValue,
  Operation,
  ResultReason,
  BlockCipherMode,
  PaddingMethod,
  CryptographicAlgorithm,
  CryptographicUsageMask,
  ObjectType,
  State,
  type EnumTable,
} from '../../lib/kmip/enums';

function isTable(v: unknown): v is EnumTable {
  return typeof v === 'object' && v !== null && !(v instanceof Map) && Object.values(v).every((x) => typeof x === 'number');
}

/** Every exported enumeration/mask object of lib/kmip/enums. */
const TABLES: ReadonlyArray<readonly [string, EnumTable]> = Object.entries(Enums).filter(
  (e): e is [string, EnumTable] => isTable(e[1]),
);

test('known tag values', () => {
  assert.equal(Tag.RequestMessage, 0x420078);
  assert.equal(Tag.ResponseMessage, 0x42007b);
  assert.equal(Tag.UniqueBatchItemID, 0x420093);
  assert.equal(Tag.IVCounterNonce, 0x42003d);
  assert.equal(Tag.Data, 0x4200c2);
  assert.equal(Tag.Attributes, 0x420125);
  assert.equal(Tag.ActivationDate, 0x420001);
  assert.equal(Tag.ProtocolVersionMajor, 0x42006a);
  assert.equal(Tag.CryptographicUsageMask, 0x42002c);
  assert.equal(Tag.TemplateAttribute, 0x420091);
  assert.equal(Tag.X_509CertificateIdentifier, 0x4200b5);
  assert.equal(Tag.PKCS_12FriendlyName, 0x4200fb);
  assert.equal(Tag.PublicProtectionStorageMasks, 0x420165); // last 2.0 tag
  assert.equal(Tag.AsynchronousCorrelationValues, 0x420176); // last 2.1 tag
});

test('known enumeration values', () => {
  assert.equal(Operation.Encrypt, 0x1f);
  assert.equal(Operation.Decrypt, 0x20);
  assert.equal(Operation.ReKey, 0x04);
  assert.equal(Operation.Ping, 0x3b);
  assert.equal(ResultReason.ItemNotFound, 0x1);
  assert.equal(ResultReason.GeneralFailure, 0x100);
  assert.equal(BlockCipherMode.CBC, 1);
  assert.equal(PaddingMethod.PKCS5, 3);
  assert.equal(CryptographicAlgorithm.AES, 3);
  assert.equal(CryptographicAlgorithm.DES3, 2);
  assert.equal(ObjectType.SymmetricKey, 2);
  assert.equal(State.PreActive, 1);
  assert.equal(CryptographicUsageMask.Encrypt | CryptographicUsageMask.Decrypt, 0x0c);
  assert.equal(enumName(Tag.Operation, 0x1f), 'Encrypt');
  assert.equal(enumValue(Tag.RevocationReasonCode, 'CessationOfOperation'), 6);
  assert.equal(enumValue(Tag.MaskGeneratorHashingAlgorithm, 'SHA_256'), 6);
  assert.equal(enumName(Tag.AttributeReference, 0x420028), 'CryptographicAlgorithm');
  assert.equal(enumName(Tag.Operation, 0x7fff), undefined);
  assert.equal(enumName(Tag.ActivationDate, 1), undefined);
  assert.equal(enumValue(Tag.Operation, 'NoSuchOperation'), undefined);
});

test('no duplicate values within Tag', () => {
  const values = Object.values(Tag);
  assert.equal(new Set(values).size, values.length);
  for (const v of values) assert.ok((v & 0xff0000) === 0x420000, formatTag(v));
});

test('no duplicate values within any enumeration or mask', () => {
  assert.ok(TABLES.length >= 60, `only ${TABLES.length} tables exported`);
  for (const [name, table] of TABLES) {
    const values = Object.values(table);
    assert.equal(new Set(values).size, values.length, `duplicate value in ${name}`);
    for (const v of values) assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, `${name}: ${v}`);
  }
  for (const [tag, table] of MASK_BY_TAG) {
    for (const [n, v] of Object.entries(table)) {
      assert.equal(v & (v - 1), 0, `${tagName(tag)}.${n} is not a single bit`);
    }
  }
});

test('tag reverse maps are consistent', () => {
  const names = Object.keys(Tag);
  assert.equal(TAG_NAMES.size, names.length);
  for (const name of names) {
    const value = tagFromName(name);
    assert.ok(value !== undefined && isTagName(name));
    assert.equal(TAG_NAMES.get(value), name);
    assert.equal(tagName(value), name);
  }
  for (const [value, name] of TAG_NAMES) assert.equal(Tag[name], value);
  assert.equal(tagName(0x540001), '0x540001');
  assert.equal(tagName(0x4201ff), '0x4201FF');
  assert.equal(tagFromName('0x540001'), 0x540001);
  assert.equal(tagFromName('0x42000d'), 0x42000d);
  assert.equal(tagFromName('0x4200C2'), Tag.Data);
  assert.equal(tagFromName('0x123456'), undefined);
  assert.equal(tagFromName('NoSuchTag'), undefined);
  assert.equal(tagFromName('constructor'), undefined);
  assert.equal(tagFromName('toString'), undefined);
});

test('enumeration and mask reverse maps are consistent', () => {
  for (const [tag, table] of ENUM_BY_TAG) {
    assert.ok(TAG_NAMES.has(tag), `ENUM_BY_TAG key ${formatTag(tag)} is not a tag`);
    for (const [name, value] of Object.entries(table)) {
      assert.equal(enumName(tag, value), name, `${tagName(tag)} ${value}`);
      assert.equal(enumValue(tag, name), value, `${tagName(tag)} ${name}`);
    }
  }
  for (const tag of [Tag.Operation, Tag.ObjectType, Tag.BlockCipherMode, Tag.ResultReason, Tag.ResultStatus,
    Tag.RevocationReasonCode, Tag.State, Tag.QueryFunction, Tag.NameType, Tag.KeyFormatType,
    Tag.CryptographicAlgorithm, Tag.PaddingMethod, Tag.HashingAlgorithm, Tag.LinkType, Tag.UniqueIdentifier]) {
    assert.ok(ENUM_BY_TAG.has(tag), tagName(tag));
  }
  for (const [tag, table] of MASK_BY_TAG) {
    assert.ok(TAG_NAMES.has(tag));
    for (const [name, value] of Object.entries(table)) {
      assert.deepEqual(maskNames(tag, value), [name]);
      assert.equal(maskValue(tag, name), value);
    }
  }
  assert.equal(maskValue(Tag.CryptographicUsageMask, 'Encrypt   Decrypt'), 0x0c);
  assert.equal(maskValue(Tag.CryptographicUsageMask, ['Sign', 'Verify']), 0x03);
  assert.equal(maskValue(Tag.CryptographicUsageMask, ''), 0);
  assert.equal(maskValue(Tag.CryptographicUsageMask, 'Encrypt Bogus'), undefined);
  assert.deepEqual(maskNames(Tag.CryptographicUsageMask, 0x0c), ['Encrypt', 'Decrypt']);
  assert.deepEqual(maskNames(Tag.CryptographicUsageMask, 0), []);
  assert.equal(maskNames(Tag.CryptographicUsageMask, 0x80000000), undefined);
  assert.equal(maskNames(Tag.StorageStatusMask, 3)?.join(' '), 'OnLineStorage ArchivalStorage');
  assert.equal(maskNames(Tag.Operation, 1), undefined);
});

test('normalizeName follows the KMIP XML naming rules', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['Cryptographic Usage Mask', 'CryptographicUsageMask'],
    ['IV/Counter/Nonce', 'IVCounterNonce'],
    ['Unique Batch Item ID', 'UniqueBatchItemID'],
    ['X.509 Certificate Identifier', 'X_509CertificateIdentifier'],
    ['PKCS#12 Friendly Name', 'PKCS_12FriendlyName'],
    ['Common Template-Attribute', 'CommonTemplateAttribute'],
    ['3DES', 'DES3'],
    ['SHA-256 with RSA Encryption', 'SHA_256WithRSAEncryption'],
    ['Polynomial Sharing GF (2^8)', 'PolynomialSharingGF2_8'],
    ['Re-key Key Pair', 'ReKeyKeyPair'],
    ['Pre-Active', 'PreActive'],
    ['HMAC-SHA256', 'HMAC_SHA256'],
    ['On-line storage', 'OnLineStorage'],
  ];
  for (const [spec, xml] of cases) assert.equal(normalizeName(spec), xml, spec);
});

/**
 * Finds shared/vectors/oasis: the first ancestor D of this file's directory (then of the
 * working directory) with D/shared/vectors/oasis or D/../shared/vectors/oasis.
 */
function findVectorsDir(): string | undefined {
  for (const start of [__dirname, process.cwd()]) {
    let dir = path.resolve(start);
    for (;;) {
      for (const candidate of [path.join(dir, 'shared', 'vectors', 'oasis'), path.join(dir, '..', 'shared', 'vectors', 'oasis')]) {
        if (fs.existsSync(candidate) && fs.statSync(candidate).isDirectory()) return path.resolve(candidate);
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

const VECTORS = findVectorsDir();

function vectorFiles(root: string): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(root).filter((n) => /^v1\./.test(n)).sort()) {
    const sub = path.join(root, d);
    if (!fs.statSync(sub).isDirectory()) continue;
    for (const f of fs.readdirSync(sub).filter((n) => n.endsWith('.xml')).sort()) out.push(path.join(sub, f));
  }
  return out;
}

const ELEMENT = /<([A-Za-z_][A-Za-z0-9_]*)((?:\s+[A-Za-z_][A-Za-z0-9_]*\s*=\s*"[^"]*")*)\s*\/?>/g;
const ATTR = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]*)"/g;

function attrs(s: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of s.matchAll(ATTR)) m.set(a[1] as string, a[2] as string);
  return m;
}

test('every element and enumeration/mask name in the OASIS XML vectors resolves', { skip: VECTORS === undefined ? 'shared/vectors/oasis not found' : false }, () => {
  const files = vectorFiles(VECTORS as string);
  assert.ok(files.length > 0, 'no vector files');
  const problems = new Set<string>();
  let elements = 0;
  let enumerations = 0;
  let masks = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8').replace(/<!--[\s\S]*?-->/g, '');
    let lastAttributeName: string | undefined;
    for (const m of text.matchAll(ELEMENT)) {
      const element = m[1] as string;
      const a = attrs(m[2] ?? '');
      if (element === 'KMIP') continue; // document wrapper, not a tag
      elements++;
      let tag: number | undefined;
      if (element === 'TTLV') {
        tag = tagFromName(a.get('tag') ?? '');
        if (tag === undefined) problems.add(`TTLV tag="${a.get('tag') ?? ''}"`);
        continue;
      }
      tag = tagFromName(element);
      if (tag === undefined) {
        problems.add(`element <${element}>`);
        continue;
      }
      const type = a.get('type');
      const value = a.get('value');
      if (tag === Tag.AttributeName && value !== undefined) lastAttributeName = value;
      if (value === undefined || value.startsWith('$') || value.startsWith('0x')) continue;
      // Attribute Value carries the type of the attribute named just before it.
      const fieldTag = tag === Tag.AttributeValue && lastAttributeName !== undefined ? tagFromName(normalizeName(lastAttributeName)) : tag;
      if (type === 'Enumeration') {
        enumerations++;
        if (fieldTag === undefined || enumValue(fieldTag, value) === undefined) {
          problems.add(`Enumeration <${element}> ${tag === Tag.AttributeValue ? `(${lastAttributeName ?? '?'}) ` : ''}value="${value}"`);
        }
      } else if (type === 'Integer' && !/^-?\d+$/.test(value.trim())) {
        masks++;
        if (fieldTag === undefined || maskValue(fieldTag, value) === undefined) {
          problems.add(`mask <${element}> value="${value}"`);
        }
      }
    }
  }
  assert.deepEqual([...problems].sort(), []);
  assert.ok(elements > 1000 && enumerations > 1000 && masks > 0, `${elements} elements, ${enumerations} enumerations, ${masks} masks`);
});
