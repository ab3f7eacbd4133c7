/**
 * Loader for the captured PyKMIP 0.10 TTLV vectors
 * (`shared/vectors/pykmip-0.10-captures.txt`).
 *
 * File format:
 *   - `label: hex` lines. A line followed by a block of `#   ` comment lines
 *     (the documented TTLV tree) is a message vector; any other `label: value`
 *     line (key_uid, key_hex, plaintext_hex, iv_hex, ciphertext_hex, ...) is a
 *     plain value.
 *   - tree lines: `#   NAME (0xTAG) Type len=N` for a Structure, and
 *     `#   NAME (0xTAG) Type len=N = value` for the other types, indented by
 *     2 more spaces per nesting level. Value formats: decimal integers,
 *     `ENUM_NAME (0xHEX)` or a bare decimal for enumerations, quoted text,
 *     hex bytes, DateTime `N (date text)`.
 *   - other `#` lines are prose and are ignored.
 *
 * The parser is strict: any line it does not understand throws, so a change
 * of format shows up as a failing test rather than as vectors silently lost.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ItemType } from '../../lib/ttlv';

export const CAPTURES_FILE = 'pykmip-0.10-captures.txt';

/** Type names as written in the capture file: the keys of ItemType (same spelling as ITEM_TYPE_NAMES). */
export type DocTypeName = keyof typeof ItemType;

const TYPE_NAMES = Object.keys(ItemType) as readonly DocTypeName[];

export type DocValue = number | bigint | boolean | string | Buffer;

/** One node of a documented tree. */
export interface DocNode {
  /** Field name as printed by PyKMIP, e.g. `REQUEST_MESSAGE`. */
  name: string;
  tag: number;
  typeName: DocTypeName;
  /** The length field as documented (unpadded value length). */
  len: number;
  /**
   * Parsed value (undefined for a Structure): number for Integer/Enumeration/
   * Interval, bigint for LongInteger/BigInteger/DateTime/DateTimeExtended,
   * boolean, string for TextString, Buffer for ByteString.
   */
  value: DocValue | undefined;
  /** The value text exactly as written after `= `. */
  raw: string | undefined;
  /** Enumeration symbolic name, when the file gives one (`ENCRYPT (0x1F)`). */
  enumName?: string;
  /** Human date that follows a DateTime value (`2026-11-29 02:30:48 UTC`). */
  dateText?: string;
  children: DocNode[];
  /** 1-based line number in the capture file. */
  line: number;
}

export interface CaptureVector {
  label: string;
  /** Lower-case hex exactly as in the file. */
  hex: string;
  bytes: Buffer;
  /** The documented tree: normally exactly one root (the message). */
  tree: DocNode[];
  /** 1-based line number of the hex line. */
  line: number;
}

export interface Captures {
  vectors: CaptureVector[];
  values: Record<string, string>;
  /** Absolute path of the file that was read. */
  file: string;
}

/**
 * Finds the `shared/vectors` folder: walks up from this file's folder and, at
 * each ancestor A, accepts `A/shared/vectors` or `A/../shared/vectors` (the
 * repository may be cloned anywhere with `shared/` as its sibling).
 * `KMIP_SHARED_VECTORS_DIR` overrides the search.
 */
export function findVectorsDir(start: string = __dirname): string {
  const override = process.env['KMIP_SHARED_VECTORS_DIR'];
  if (override) {
    if (!isDir(override)) throw new Error(`KMIP_SHARED_VECTORS_DIR=${override} is not a directory`);
    return path.resolve(override);
  }
  const tried: string[] = [];
  let dir = path.resolve(start);
  for (;;) {
    for (const cand of [path.join(dir, 'shared', 'vectors'), path.resolve(dir, '..', 'shared', 'vectors')]) {
      tried.push(cand);
      if (isDir(cand)) return cand;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`shared/vectors not found; looked in:\n  ${tried.join('\n  ')}`);
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

let cached: Captures | undefined;

/** Reads and parses the capture file once (cached); returns fresh copies of the Buffers. */
export function loadCaptures(): Captures {
  if (!cached) {
    const file = path.join(findVectorsDir(), CAPTURES_FILE);
    cached = parseCaptures(fs.readFileSync(file, 'utf8'), file);
  }
  return {
    file: cached.file,
    values: { ...cached.values },
    vectors: cached.vectors.map((v) => ({ ...v, bytes: Buffer.from(v.bytes) })),
  };
}

const LABEL_LINE = /^([A-Za-z_][A-Za-z0-9_]*):[ \t]*(.*?)\s*$/;
const TREE_PREFIX = '#   ';
const NODE_LINE = /^([A-Za-z_][A-Za-z0-9_]*) \(0x([0-9A-Fa-f]{1,6})\) ([A-Za-z]+) len=(\d+)(?: = (.*))?$/;
const HEX = /^(?:[0-9A-Fa-f]{2})*$/;

/** Parses the text of a capture file (exported for the loader's own tests). */
export function parseCaptures(text: string, file = '<text>'): Captures {
  const lines = text.split(/\r?\n/);
  const vectors: CaptureVector[] = [];
  const values: Record<string, string> = {};
  const seen = new Set<string>();
  const where = (i: number): string => `${file}:${i + 1}`;

  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (line.startsWith('#')) {
      if (line.startsWith(TREE_PREFIX)) throw new Error(`${where(i)}: tree line without a preceding hex line`);
      i++;
      continue;
    }
    const m = LABEL_LINE.exec(line);
    if (!m) throw new Error(`${where(i)}: unrecognised line: ${line}`);
    const label = m[1]!;
    const body = m[2]!;
    if (seen.has(label)) throw new Error(`${where(i)}: duplicate label ${label}`);
    seen.add(label);
    const hexLine = i;
    i++;
    const treeLines: Array<{ text: string; line: number }> = [];
    while (i < lines.length && lines[i]!.startsWith(TREE_PREFIX)) {
      treeLines.push({ text: lines[i]!.slice(TREE_PREFIX.length), line: i + 1 });
      i++;
    }
    if (treeLines.length === 0) {
      if (/_(request|response)$/.test(label)) throw new Error(`${where(hexLine)}: message ${label} has no documented tree`);
      values[label] = body;
      continue;
    }
    if (!HEX.test(body) || body.length === 0) throw new Error(`${where(hexLine)}: ${label} is not a hex string`);
    vectors.push({
      label,
      hex: body.toLowerCase(),
      bytes: Buffer.from(body, 'hex'),
      tree: parseTree(treeLines, file),
      line: hexLine + 1,
    });
  }
  return { vectors, values, file };
}

function parseTree(treeLines: Array<{ text: string; line: number }>, file: string): DocNode[] {
  const roots: DocNode[] = [];
  const stack: DocNode[] = []; // stack[d] = last node seen at depth d
  for (const { text, line } of treeLines) {
    const at = `${file}:${line}`;
    const indent = text.length - text.trimStart().length;
    if (indent % 2 !== 0) throw new Error(`${at}: odd indentation (${indent} spaces)`);
    const depth = indent / 2;
    if (depth > stack.length) throw new Error(`${at}: indentation jumps more than one level`);
    const node = parseNode(text.trimStart(), line, at);
    stack.length = depth;
    if (depth === 0) {
      roots.push(node);
    } else {
      const parent = stack[depth - 1]!;
      if (parent.typeName !== 'Structure') throw new Error(`${at}: child of a non-Structure (${parent.name})`);
      parent.children.push(node);
    }
    stack.push(node);
  }
  return roots;
}

function parseNode(text: string, line: number, at: string): DocNode {
  const m = NODE_LINE.exec(text);
  if (!m) throw new Error(`${at}: unrecognised tree line: ${text}`);
  const [, name, tagHex, typeText, lenText, raw] = m;
  if (!(TYPE_NAMES as readonly string[]).includes(typeText!)) throw new Error(`${at}: unknown type name ${typeText}`);
  const typeName = typeText as DocTypeName;
  const node: DocNode = {
    name: name!,
    tag: parseInt(tagHex!, 16),
    typeName,
    len: Number(lenText),
    value: undefined,
    raw,
    children: [],
    line,
  };
  if (typeName === 'Structure') {
    if (raw !== undefined) throw new Error(`${at}: a Structure has no value`);
    return node;
  }
  if (raw === undefined) throw new Error(`${at}: ${typeName} without a value`);
  switch (typeName) {
    case 'Integer':
    case 'Interval':
      node.value = parseSmallInt(raw, at);
      break;
    case 'Enumeration': {
      const named = /^([A-Za-z_][A-Za-z0-9_]*) \(0x([0-9A-Fa-f]+)\)$/.exec(raw);
      if (named) {
        node.enumName = named[1]!;
        node.value = parseInt(named[2]!, 16);
      } else {
        node.value = parseSmallInt(raw, at);
      }
      break;
    }
    case 'LongInteger':
    case 'BigInteger':
      if (!/^-?\d+$/.test(raw)) throw new Error(`${at}: bad ${typeName} value ${raw}`);
      node.value = BigInt(raw);
      break;
    case 'DateTime':
    case 'DateTimeExtended': {
      const dm = /^(-?\d+)(?: \((.*)\))?$/.exec(raw);
      if (!dm) throw new Error(`${at}: bad ${typeName} value ${raw}`);
      node.value = BigInt(dm[1]!);
      if (dm[2] !== undefined) node.dateText = dm[2];
      break;
    }
    case 'Boolean':
      if (/^(true|1)$/i.test(raw)) node.value = true;
      else if (/^(false|0)$/i.test(raw)) node.value = false;
      else throw new Error(`${at}: bad Boolean value ${raw}`);
      break;
    case 'TextString':
      node.value = parseQuoted(raw, at);
      break;
    case 'ByteString':
      if (!HEX.test(raw)) throw new Error(`${at}: bad ByteString hex ${raw}`);
      node.value = Buffer.from(raw, 'hex');
      break;
  }
  return node;
}

function parseSmallInt(raw: string, at: string): number {
  let v: number;
  if (/^-?\d+$/.test(raw)) v = Number(raw);
  else if (/^0x[0-9A-Fa-f]+$/.test(raw)) v = parseInt(raw.slice(2), 16);
  else throw new Error(`${at}: bad integer value ${raw}`);
  if (!Number.isSafeInteger(v)) throw new Error(`${at}: integer value out of range ${raw}`);
  return v;
}

/** Python-repr style quoted string: '...' or "..." with backslash escapes. */
function parseQuoted(raw: string, at: string): string {
  const q = raw[0];
  if (raw.length < 2 || (q !== "'" && q !== '"') || raw[raw.length - 1] !== q) {
    throw new Error(`${at}: TextString value is not quoted: ${raw}`);
  }
  const inner = raw.slice(1, -1);
  let out = '';
  for (let k = 0; k < inner.length; k++) {
    const c = inner[k]!;
    if (c !== '\\') {
      if (c === q) throw new Error(`${at}: unescaped quote in ${raw}`);
      out += c;
      continue;
    }
    const e = inner[++k];
    switch (e) {
      case '\\':
      case "'":
      case '"':
        out += e;
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case '0':
        out += '\0';
        break;
      case 'x':
      case 'u':
      case 'U': {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const h = inner.slice(k + 1, k + 1 + n);
        if (h.length !== n || !/^[0-9A-Fa-f]+$/.test(h)) throw new Error(`${at}: bad \\${e} escape in ${raw}`);
        out += String.fromCodePoint(parseInt(h, 16));
        k += n;
        break;
      }
      default:
        throw new Error(`${at}: unknown escape \\${String(e)} in ${raw}`);
    }
  }
  return out;
}

/** `hex('42 00 20 | 02 | ...')`: a Buffer from hex with spaces and `|` ignored. */
export function hex(s: string): Buffer {
  const clean = s.replace(/[\s|]/g, '');
  if (!HEX.test(clean)) throw new Error(`not hex: ${s}`);
  return Buffer.from(clean, 'hex');
}
