/**
 * KMIP XML message encoding (OASIS "KMIP Additional Message Encodings" v1.0,
 * XML section) <-> TTLV items.
 *
 * Encoding rules implemented (both directions):
 *   - One XML element per TTLV item. The element name is the tag name from the
 *     dictionary (`ProtocolVersionMajor`); a tag without a name is written
 *     `<TTLV tag="0x540001" .../>` (6 hex digits).
 *   - Attribute `type` = the item type name (`Integer`, `TextString`, ...),
 *     omitted for a Structure (`type="Structure"` is accepted on input).
 *   - Attribute `value` for every non-Structure item:
 *       Integer          decimal; for a tag with a mask table (Cryptographic
 *                        Usage Mask, Storage Status Mask, ...) a list of mask
 *                        names separated by spaces (`Encrypt Decrypt`); a
 *                        leftover of unnamed bits is written as one `0x%08X`
 *                        token. Input also accepts `0x` hex, and `|` as a
 *                        separator.
 *       LongInteger      decimal (input also `0x` + up to 16 hex digits).
 *       BigInteger       hex, big-endian two's complement, padded to a multiple
 *                        of 8 bytes (the TTLV form); input accepts any length
 *                        and an optional `0x` prefix.
 *       Enumeration      the value name when the dictionary knows it, else
 *                        `0x` + 8 hex digits (input also accepts decimal).
 *       Boolean          `true` / `false`.
 *       TextString       the text, XML-escaped.
 *       ByteString       hex (lowercase on output, any case on input).
 *       DateTime         ISO-8601 `2012-04-27T08:12:24+00:00` (UTC offset;
 *                        input accepts `Z`, any `±hh:mm` offset or none = UTC);
 *                        outside years 0000-9999 written as `0x` + 16 hex
 *                        digits (two's complement seconds).
 *       Interval         decimal seconds.
 *       DateTimeExtended ISO-8601 with 6 fractional digits (microseconds).
 *   - The value of an `AttributeValue` is interpreted with the dictionary of the
 *     tag named by the preceding sibling `AttributeName` (spaces removed), so
 *     `<AttributeValue type="Enumeration" value="AES"/>` after
 *     `<AttributeName ... value="Cryptographic Algorithm"/>` resolves through
 *     Cryptographic Algorithm, and a "Cryptographic Usage Mask" value through
 *     that mask table. Same rule on output.
 *
 * Input handling (the subset the OASIS profile test-case files use):
 *   - `<?xml ...?>`, `<!-- comments -->`, CDATA and character data are skipped;
 *     the encoding carries no value in text content. `#` starts an annotation
 *     (`# TIME 3`, `# [Client-A]`) running to the end of the line or the next
 *     `<`. With `strictText: true` any other non-blank text is an error (the
 *     OASIS files contain a few stray digits, so the default ignores it).
 *   - Several top-level elements are accepted (the files are sequences of
 *     messages); a root named `KMIP` is a wrapper and its children are the
 *     messages.
 *   - The predefined entities and numeric character references are decoded;
 *     literal tabs/newlines in attribute values become spaces (XML attribute
 *     value normalisation), so toKmipXml writes them as `&#9;`, `&#10;`, `&#13;`
 *     (other C0 controls likewise as `&#n;`, which this reader accepts although
 *     XML 1.0 does not allow those characters).
 *
 * Placeholders: a `value` beginning with `$` (`$NOW`, `$UNIQUE_IDENTIFIER_0`,
 * `$IV_COUNTER_NONCE`, ...) is offered first to `options.placeholders`
 * (called with the placeholder as written, including `$`, the type name and
 * the element name); if that is absent or returns undefined, a deterministic
 * stand-in is used:
 *   - TextString: the literal text (`$UNIQUE_IDENTIFIER_0` stays as is);
 *   - ByteString: the UTF-8 bytes of the placeholder text;
 *   - DateTime / DateTimeExtended: `$NOW`, `$NOW+n`, `$NOW-n` (n seconds) relative
 *     to `options.now` (seconds, default PLACEHOLDER_NOW = 2000-01-01T00:00:00Z);
 *   - any other type or placeholder: a KmipXmlError (code PLACEHOLDER).
 *
 * Errors: every problem throws a KmipXmlError naming the line, the element and,
 * for dictionary misses, the missing name. With `options.onError` the
 * dictionary/value errors (not XML syntax errors) are reported there instead,
 * the offending element is left out, and parsing continues, which lets a caller
 * collect every missing name in one pass.
 */
import { ITEM_TYPE_NAMES, type TtlvItem } from '../ttlv';
import { tagName, tagFromName } from './tags';
import { enumName, enumValue, MASK_BY_TAG } from './enums';

/** 2000-01-01T00:00:00Z, the default value of `$NOW` (seconds since the epoch). */
export const PLACEHOLDER_NOW = 946684800n;

export type KmipXmlErrorCode =
  | 'XML_SYNTAX'
  | 'UNKNOWN_TAG'
  | 'UNKNOWN_ENUM'
  | 'UNKNOWN_MASK'
  | 'BAD_TYPE'
  | 'BAD_VALUE'
  | 'PLACEHOLDER';

export class KmipXmlError extends Error {
  /** 1-based line (and column) of the element or construct at fault. */
  readonly line: number;
  readonly column: number;
  /** Element name as written, when the error concerns an element. */
  readonly element: string | undefined;
  /** The name that was not found (tag, enumeration or mask name), for UNKNOWN_*. */
  readonly missingName: string | undefined;
  /** For UNKNOWN_ENUM / UNKNOWN_MASK: the tag name whose table was consulted. */
  readonly tableTag: string | undefined;

  constructor(
    readonly code: KmipXmlErrorCode,
    detail: string,
    where: { line: number; column: number; element?: string; missingName?: string; tableTag?: string },
  ) {
    const el = where.element !== undefined ? `, <${where.element}>` : '';
    super(`KMIP XML line ${where.line}:${where.column}${el}: ${detail}`);
    this.name = 'KmipXmlError';
    this.line = where.line;
    this.column = where.column;
    this.element = where.element;
    this.missingName = where.missingName;
    this.tableTag = where.tableTag;
  }
}

/** Value a placeholder callback may return; it must fit the item type. */
export type PlaceholderValue = number | bigint | boolean | string | Buffer;

export interface ParseKmipXmlOptions {
  /**
   * Resolves `$...` placeholders: (placeholder as written, type name, element name).
   * Return undefined to fall back to the built-in stand-in.
   */
  readonly placeholders?: (name: string, type: string, tagName: string) => PlaceholderValue | undefined;
  /** Value of `$NOW` in seconds since the epoch; default PLACEHOLDER_NOW. */
  readonly now?: bigint;
  /** Reject non-blank text content other than `#` annotations. Default false. */
  readonly strictText?: boolean;
  /**
   * Receives dictionary and value errors instead of throwing; the offending
   * element is dropped. XML syntax errors always throw.
   */
  readonly onError?: (err: KmipXmlError) => void;
}

export interface ToKmipXmlOptions {
  /** One level of indentation; default two spaces. */
  readonly indent?: string;
}

// Fixed KMIP 1.x tag numbers the attribute context rule needs.
const TAG_ATTRIBUTE_NAME = 0x42000a;
const TAG_ATTRIBUTE_VALUE = 0x42000b;

type TypeCode = TtlvItem['type'];

const TYPE_BY_NAME: ReadonlyMap<string, TypeCode> = new Map(
  Object.entries(ITEM_TYPE_NAMES).map(([code, name]) => [name, Number(code) as TypeCode]),
);

// ---------------------------------------------------------------------------
// Dictionary access

/** [name, bit] pairs of the mask table of `tag`, single bits only, ascending; undefined if none. */
function maskTable(tag: number): ReadonlyArray<readonly [string, number]> | undefined {
  let cached = maskCache.get(tag);
  if (cached === undefined) {
    const table = MASK_BY_TAG.get(tag);
    cached = null;
    if (table !== undefined) {
      const pairs: Array<readonly [string, number]> = [];
      for (const [name, bit] of Object.entries(table)) {
        const u = bit >>> 0;
        if (u !== 0 && (u & (u - 1)) === 0) pairs.push([name, u]);
      }
      cached = pairs.sort((a, b) => a[1] - b[1]);
    }
    maskCache.set(tag, cached);
  }
  return cached ?? undefined;
}
const maskCache = new Map<number, ReadonlyArray<readonly [string, number]> | null>();

function nameOfTag(tag: number): string | undefined {
  const n = tagName(tag);
  return typeof n === 'string' && /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(n) && n !== 'TTLV' ? n : undefined;
}

function tagOfName(name: string): number | undefined {
  const t = tagFromName(name);
  return typeof t === 'number' ? t : undefined;
}

/**
 * Tag named by an Attribute Name text ("Cryptographic Usage Mask" -> CryptographicUsageMask),
 * using the name normalisation of the XML encoding (KMIP Profiles 5.4.1.1) with a plain
 * "remove every non-alphanumeric" fallback.
 */
function attributeTag(attrName: string): number | undefined {
  const words = attrName
    .replace(/[()]/g, ' ')
    .replace(/(\W)([a-zA-Z][a-z])/g, ' $2')
    .replace(/[^A-Za-z0-9_ ]/g, '_')
    .split(' ');
  const normalized = words
    .map((w, i) => (i === 0 ? w.replace(/^(\d+)(.*)$/, '$2$1') : w))
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return tagOfName(normalized) ?? tagOfName(attrName.replace(/[^A-Za-z0-9]/g, ''));
}

function hexTag(tag: number): string {
  return '0x' + tag.toString(16).toUpperCase().padStart(6, '0');
}

function displayTag(tag: number): string {
  return nameOfTag(tag) ?? hexTag(tag);
}

// ---------------------------------------------------------------------------
// Minimal XML reader

interface XmlNode {
  readonly name: string;
  readonly attrs: Map<string, string>;
  readonly children: XmlNode[];
  readonly line: number;
  readonly column: number;
}

const NAME_RE = /[A-Za-z_:][A-Za-z0-9_.:-]*/y;

class XmlReader {
  private pos = 0;
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly s: string,
    private readonly strictText: boolean,
  ) {
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  loc(pos: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: pos - this.lineStarts[lo]! + 1 };
  }

  private fail(msg: string, pos: number, element?: string): never {
    throw new KmipXmlError('XML_SYNTAX', msg, { ...this.loc(pos), ...(element !== undefined ? { element } : {}) });
  }

  parse(): XmlNode[] {
    const s = this.s;
    const roots: XmlNode[] = [];
    const stack: XmlNode[] = [];
    if (s.charCodeAt(0) === 0xfeff) this.pos = 1;
    while (this.pos < s.length) {
      const lt = s.indexOf('<', this.pos);
      const textEnd = lt < 0 ? s.length : lt;
      if (textEnd > this.pos) this.text(this.pos, textEnd, stack);
      if (lt < 0) break;
      this.pos = lt;
      if (s.startsWith('<!--', lt)) {
        const e = s.indexOf('-->', lt + 4);
        if (e < 0) this.fail('comment is never closed (missing "-->")', lt);
        this.pos = e + 3;
      } else if (s.startsWith('<![CDATA[', lt)) {
        const e = s.indexOf(']]>', lt + 9);
        if (e < 0) this.fail('CDATA section is never closed (missing "]]>")', lt);
        if (this.strictText && s.slice(lt + 9, e).trim() !== '') this.fail('unexpected CDATA text', lt, stack[stack.length - 1]?.name);
        this.pos = e + 3;
      } else if (s.startsWith('<?', lt)) {
        const e = s.indexOf('?>', lt + 2);
        if (e < 0) this.fail('processing instruction is never closed (missing "?>")', lt);
        this.pos = e + 2;
      } else if (s.startsWith('<!', lt)) {
        this.fail('DOCTYPE and other declarations are not supported', lt);
      } else if (s.startsWith('</', lt)) {
        this.pos = lt + 2;
        const name = this.name();
        this.skipWs();
        if (s[this.pos] !== '>') this.fail(`expected ">" to end the closing tag </${name}>`, this.pos, name);
        this.pos++;
        const open = stack.pop();
        if (open === undefined) this.fail(`closing tag </${name}> without a matching opening tag`, lt, name);
        if (open.name !== name) {
          this.fail(`closing tag </${name}> does not match <${open.name}> opened at line ${open.line}`, lt, open.name);
        }
      } else {
        this.pos = lt + 1;
        const { line, column } = this.loc(lt);
        const name = this.name();
        const node: XmlNode = { name, attrs: new Map(), children: [], line, column };
        let selfClosing = false;
        for (;;) {
          const hadWs = this.skipWs();
          const c = s[this.pos];
          if (c === undefined) this.fail(`tag <${name}> is never closed (end of input)`, lt, name);
          if (c === '>') {
            this.pos++;
            break;
          }
          if (c === '/') {
            if (s[this.pos + 1] !== '>') this.fail(`expected "/>" in <${name}>`, this.pos, name);
            this.pos += 2;
            selfClosing = true;
            break;
          }
          if (!hadWs) this.fail(`expected whitespace, ">" or "/>" in <${name}>, found ${JSON.stringify(c)}`, this.pos, name);
          const attrPos = this.pos;
          const attr = this.name();
          this.skipWs();
          if (s[this.pos] !== '=') this.fail(`attribute ${attr} of <${name}> has no "=value"`, this.pos, name);
          this.pos++;
          this.skipWs();
          const q = s[this.pos];
          if (q !== '"' && q !== "'") this.fail(`value of attribute ${attr} of <${name}> is not quoted`, this.pos, name);
          const end = s.indexOf(q, this.pos + 1);
          if (end < 0) this.fail(`value of attribute ${attr} of <${name}> is never closed`, this.pos, name);
          const raw = s.slice(this.pos + 1, end);
          const badLt = raw.indexOf('<');
          if (badLt >= 0) this.fail(`"<" inside the value of attribute ${attr} of <${name}>`, this.pos + 1 + badLt, name);
          if (node.attrs.has(attr)) this.fail(`duplicate attribute ${attr} in <${name}>`, attrPos, name);
          node.attrs.set(attr, this.unescape(raw.replace(/\r\n|[\t\n\r]/g, ' '), this.pos + 1, name));
          this.pos = end + 1;
        }
        const parent = stack[stack.length - 1];
        if (parent !== undefined) parent.children.push(node);
        else roots.push(node);
        if (!selfClosing) stack.push(node);
      }
    }
    const open = stack[stack.length - 1];
    if (open !== undefined) {
      throw new KmipXmlError('XML_SYNTAX', `element <${open.name}> is never closed (end of input)`, {
        line: open.line,
        column: open.column,
        element: open.name,
      });
    }
    return roots;
  }

  /** Character data between markup: ignored, except that strictText rejects stray text. */
  private text(start: number, end: number, stack: XmlNode[]): void {
    if (!this.strictText) return;
    const s = this.s;
    let i = start;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c === 0x23 /* # */) {
        const nl = s.indexOf('\n', i);
        i = nl < 0 || nl > end ? end : nl + 1;
      } else if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
        i++;
      } else {
        this.fail(`unexpected text ${JSON.stringify(s.slice(i, Math.min(end, i + 20)).trim())}`, i, stack[stack.length - 1]?.name);
      }
    }
  }

  private name(): string {
    NAME_RE.lastIndex = this.pos;
    const m = NAME_RE.exec(this.s);
    if (m === null) this.fail(`expected a name, found ${JSON.stringify(this.s.slice(this.pos, this.pos + 10))}`, this.pos);
    this.pos += m[0].length;
    return m[0];
  }

  private skipWs(): boolean {
    const start = this.pos;
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
    return this.pos > start;
  }

  private unescape(v: string, pos: number, element: string): string {
    if (!v.includes('&')) return v;
    return v.replace(/&([^;&\s]*);?/g, (m: string, ent: string, off: number) => {
      if (!m.endsWith(';')) this.fail(`"&" not starting an entity reference in an attribute value`, pos + off, element);
      switch (ent) {
        case 'amp':
          return '&';
        case 'lt':
          return '<';
        case 'gt':
          return '>';
        case 'quot':
          return '"';
        case 'apos':
          return "'";
        default: {
          const num = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(ent);
          if (num !== null) {
            const cp = num[1] !== undefined ? parseInt(num[1], 16) : parseInt(num[2]!, 10);
            if (cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) return String.fromCodePoint(cp);
          }
          return this.fail(`unknown entity &${ent};`, pos + off, element);
        }
      }
    });
  }
}

// ---------------------------------------------------------------------------
// XML tree -> TTLV

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds. */
const ISO_MIN_SECONDS = -62167219200n;
const ISO_MAX_SECONDS = 253402300799n;

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;

class Converter {
  constructor(private readonly opts: ParseKmipXmlOptions) {}

  private err(
    code: KmipXmlErrorCode,
    node: XmlNode,
    detail: string,
    extra?: { missingName?: string; tableTag?: string },
  ): KmipXmlError {
    return new KmipXmlError(code, detail, { line: node.line, column: node.column, element: node.name, ...extra });
  }

  /** Throws, or reports and returns undefined when onError is set. */
  private report(e: KmipXmlError): undefined {
    if (this.opts.onError === undefined) throw e;
    this.opts.onError(e);
    return undefined;
  }

  item(node: XmlNode, attrCtx: number | undefined): TtlvItem | undefined {
    for (const a of node.attrs.keys()) {
      if (a !== 'type' && a !== 'value' && a !== 'tag') {
        return this.report(this.err('XML_SYNTAX', node, `unexpected attribute ${a}`));
      }
    }
    // Tag
    let tag: number | undefined;
    const tagAttr = node.attrs.get('tag');
    if (tagAttr !== undefined) {
      if (!/^0x[0-9A-Fa-f]{6}$/.test(tagAttr)) {
        return this.report(this.err('BAD_VALUE', node, `tag attribute ${JSON.stringify(tagAttr)} is not 0x followed by 6 hex digits`));
      }
      tag = parseInt(tagAttr.slice(2), 16);
    }
    if (node.name !== 'TTLV') {
      const byName = tagOfName(node.name);
      if (byName === undefined) {
        this.report(this.err('UNKNOWN_TAG', node, `unknown tag name ${node.name}`, { missingName: node.name }));
        // Keep going through the children so that every missing name is reported.
        this.children(node);
        return undefined;
      }
      if (tag !== undefined && tag !== byName) {
        return this.report(this.err('BAD_VALUE', node, `tag attribute ${tagAttr} contradicts the element name (${hexTag(byName)})`));
      }
      tag = byName;
    } else if (tag === undefined) {
      return this.report(this.err('XML_SYNTAX', node, 'element TTLV needs a tag="0x......" attribute'));
    }

    // Type
    const typeName = node.attrs.get('type') ?? 'Structure';
    const type = TYPE_BY_NAME.get(typeName);
    if (type === undefined) return this.report(this.err('BAD_TYPE', node, `unknown type ${JSON.stringify(typeName)}`));
    if (type === 0x01) {
      if (node.attrs.has('value')) return this.report(this.err('BAD_VALUE', node, 'a Structure has no value attribute'));
      return { tag, type: 0x01, value: this.children(node) };
    }
    if (node.children.length > 0) {
      return this.report(this.err('BAD_TYPE', node, `a ${typeName} has no child elements (missing type attribute on a Structure?)`));
    }
    const text = node.attrs.get('value');
    if (text === undefined) return this.report(this.err('BAD_VALUE', node, `${typeName} without a value attribute`));
    const ctxTag = tag === TAG_ATTRIBUTE_VALUE && attrCtx !== undefined ? attrCtx : tag;
    try {
      return this.primitive(node, tag, type, typeName, text, ctxTag);
    } catch (e) {
      if (e instanceof KmipXmlError) return this.report(e);
      throw e;
    }
  }

  children(node: XmlNode): TtlvItem[] {
    const out: TtlvItem[] = [];
    let attrCtx: number | undefined;
    for (const c of node.children) {
      const it = this.item(c, attrCtx);
      if (it === undefined) continue;
      out.push(it);
      if (it.tag === TAG_ATTRIBUTE_NAME && it.type === 0x07) attrCtx = attributeTag(it.value);
    }
    return out;
  }

  private primitive(node: XmlNode, tag: number, type: Exclude<TypeCode, 0x01>, typeName: string, text: string, ctxTag: number): TtlvItem {
    if (text.startsWith('$')) {
      const v = this.opts.placeholders?.(text, typeName, node.name);
      if (v !== undefined) return this.fromPlaceholder(node, tag, type, typeName, text, v);
      return this.standIn(node, tag, type, typeName, text);
    }
    const bad = (what: string): KmipXmlError => this.err('BAD_VALUE', node, `${typeName} value ${JSON.stringify(text)}: ${what}`);
    switch (type) {
      case 0x02: {
        const n = parseIntStrict(text, INT32_MIN, UINT32_MAX);
        if (n !== undefined) {
          if (text.startsWith('0x') || text.startsWith('0X')) return { tag, type, value: n | 0 };
          if (n > INT32_MAX) throw bad('out of the 32-bit signed range');
          return { tag, type, value: n };
        }
        return { tag, type, value: this.mask(node, text, ctxTag) };
      }
      case 0x03: {
        const v = parseBigStrict(text, INT64_MIN, INT64_MAX, 64);
        if (v === undefined) throw bad('not a 64-bit decimal or 0x hex integer');
        return { tag, type, value: v };
      }
      case 0x04: {
        const hex = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
        if (hex.length === 0 || !/^[0-9A-Fa-f]+$/.test(hex)) throw bad('not hex');
        const u = BigInt('0x' + hex);
        const bits = BigInt(hex.length * 4);
        return { tag, type, value: u >= 1n << (bits - 1n) ? u - (1n << bits) : u };
      }
      case 0x05: {
        if (/^[A-Za-z_]/.test(text)) {
          const v = enumValue(ctxTag, text);
          if (typeof v !== 'number') {
            throw this.err('UNKNOWN_ENUM', node, `unknown enumeration name ${text} for ${displayTag(ctxTag)}`, {
              missingName: text,
              tableTag: displayTag(ctxTag),
            });
          }
          return { tag, type, value: v >>> 0 };
        }
        const n = parseIntStrict(text, 0, UINT32_MAX);
        if (n === undefined) throw bad('not an enumeration name, 0x hex or decimal');
        return { tag, type, value: n >>> 0 };
      }
      case 0x06:
        if (text === 'true') return { tag, type, value: true };
        if (text === 'false') return { tag, type, value: false };
        if (/^0x0{0,15}[01]$/i.test(text)) return { tag, type, value: text.endsWith('1') };
        throw bad('not true or false');
      case 0x07:
        return { tag, type, value: text };
      case 0x08: {
        const hex = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
        if (hex.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(hex)) throw bad('not an even number of hex digits');
        return { tag, type, value: Buffer.from(hex, 'hex') };
      }
      case 0x09: {
        const v = this.dateTime(text, false, bad);
        return { tag, type, value: v };
      }
      case 0x0a: {
        const n = parseIntStrict(text, 0, UINT32_MAX);
        if (n === undefined) throw bad('not an unsigned 32-bit decimal or 0x hex integer');
        return { tag, type, value: n >>> 0 };
      }
      case 0x0b: {
        const v = this.dateTime(text, true, bad);
        return { tag, type, value: v };
      }
    }
  }

  private mask(node: XmlNode, text: string, ctxTag: number): number {
    const table = maskTable(ctxTag);
    const tokens = text.split(/[\s|]+/).filter((t) => t.length > 0);
    if (tokens.length === 0) throw this.err('BAD_VALUE', node, `empty Integer value`);
    let acc = 0;
    for (const t of tokens) {
      const n = parseIntStrict(t, 0, UINT32_MAX);
      if (n !== undefined) {
        acc = (acc | n) >>> 0;
        continue;
      }
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) {
        throw this.err('BAD_VALUE', node, `Integer value ${JSON.stringify(text)}: ${JSON.stringify(t)} is neither a number nor a mask name`);
      }
      if (table === undefined) {
        throw this.err(
          'UNKNOWN_MASK',
          node,
          `Integer value ${JSON.stringify(text)} is not a number and ${displayTag(ctxTag)} has no mask table`,
          { missingName: t, tableTag: displayTag(ctxTag) },
        );
      }
      const hit = table.find(([name]) => name === t);
      if (hit === undefined) {
        throw this.err('UNKNOWN_MASK', node, `unknown mask name ${t} for ${displayTag(ctxTag)}`, {
          missingName: t,
          tableTag: displayTag(ctxTag),
        });
      }
      acc = (acc | hit[1]) >>> 0;
    }
    return acc | 0;
  }

  private dateTime(text: string, extended: boolean, bad: (what: string) => KmipXmlError): bigint {
    if (/^0x/i.test(text)) {
      const v = parseBigStrict(text, INT64_MIN, INT64_MAX, 64);
      if (v === undefined) throw bad('not 0x followed by up to 16 hex digits');
      return v;
    }
    const m = ISO_RE.exec(text);
    if (m === null) throw bad('not ISO-8601 (YYYY-MM-DDThh:mm:ss[.ffffff][Z|±hh:mm])');
    const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
    const y = Number(ys);
    const mo = Number(mos);
    const d = Number(ds);
    const h = Number(hs);
    const mi = Number(mis);
    const s = Number(ss);
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
      throw bad('date or time field out of range');
    }
    let offsetMin = 0;
    if (zone !== undefined && zone !== 'Z') {
      const oh = Number(zone.slice(1, 3));
      const om = Number(zone.slice(4, 6));
      if (oh > 23 || om > 59) throw bad('zone offset out of range');
      offsetMin = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    const date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d);
    date.setUTCHours(h, mi, s, 0);
    const seconds = BigInt(date.getTime() / 1000) - BigInt(offsetMin * 60);
    const f = frac ?? '';
    if (!extended) {
      if (/[1-9]/.test(f)) throw bad('a DateTime has no sub-second precision');
      return seconds;
    }
    if (/[1-9]/.test(f.slice(6))) throw bad('a DateTimeExtended has microsecond precision');
    return seconds * 1_000_000n + BigInt(f.slice(0, 6).padEnd(6, '0'));
  }

  private standIn(node: XmlNode, tag: number, type: Exclude<TypeCode, 0x01>, typeName: string, text: string): TtlvItem {
    switch (type) {
      case 0x07:
        return { tag, type, value: text };
      case 0x08:
        return { tag, type, value: Buffer.from(text, 'utf8') };
      case 0x09:
      case 0x0b: {
        const m = /^\$NOW(?:([+-])(\d{1,12}))?$/.exec(text);
        if (m !== null) {
          const delta = m[2] === undefined ? 0n : (m[1] === '-' ? -1n : 1n) * BigInt(m[2]);
          const sec = (this.opts.now ?? PLACEHOLDER_NOW) + delta;
          return type === 0x09 ? { tag, type, value: sec } : { tag, type, value: sec * 1_000_000n };
        }
        break;
      }
      default:
        break;
    }
    throw this.err('PLACEHOLDER', node, `no stand-in for placeholder ${text} of type ${typeName}; pass options.placeholders`, {
      missingName: text,
    });
  }

  private fromPlaceholder(
    node: XmlNode,
    tag: number,
    type: Exclude<TypeCode, 0x01>,
    typeName: string,
    text: string,
    v: PlaceholderValue,
  ): TtlvItem {
    const bad = (): KmipXmlError =>
      this.err('PLACEHOLDER', node, `placeholder callback returned ${typeof v} for ${text}, which does not fit a ${typeName}`, {
        missingName: text,
      });
    switch (type) {
      case 0x02:
        if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) throw bad();
        return { tag, type, value: v };
      case 0x05:
      case 0x0a:
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > UINT32_MAX) throw bad();
        return { tag, type, value: v };
      case 0x03:
      case 0x09:
      case 0x0b:
        if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) throw bad();
        return { tag, type, value: v };
      case 0x04:
        if (typeof v !== 'bigint') throw bad();
        return { tag, type, value: v };
      case 0x06:
        if (typeof v !== 'boolean') throw bad();
        return { tag, type, value: v };
      case 0x07:
        if (typeof v !== 'string') throw bad();
        return { tag, type, value: v };
      case 0x08:
        if (!Buffer.isBuffer(v)) throw bad();
        return { tag, type, value: v };
    }
  }
}

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

/** Decimal (optionally negative) or 0x hex (up to 8 digits, taken as unsigned) within [min, max]. */
function parseIntStrict(text: string, min: number, max: number): number | undefined {
  let n: number;
  if (/^0x[0-9A-Fa-f]{1,8}$/i.test(text)) n = parseInt(text.slice(2), 16);
  else if (/^-?[0-9]{1,10}$/.test(text)) n = Number(text);
  else return undefined;
  return n >= min && n <= max ? n : undefined;
}

/** Decimal within [min, max], or 0x hex of up to bits/4 digits read as two's complement. */
function parseBigStrict(text: string, min: bigint, max: bigint, bits: number): bigint | undefined {
  if (/^0x[0-9A-Fa-f]+$/i.test(text)) {
    if (text.length - 2 > bits / 4) return undefined;
    return BigInt.asIntN(bits, BigInt(text));
  }
  if (!/^-?[0-9]{1,20}$/.test(text)) return undefined;
  const v = BigInt(text);
  return v >= min && v <= max ? v : undefined;
}

/**
 * Parses a KMIP XML document and returns its TTLV items: every top-level
 * element (normally RequestMessage / ResponseMessage), the children of a `KMIP`
 * wrapper root counting as top level.
 */
export function parseKmipXml(text: string, options: ParseKmipXmlOptions = {}): TtlvItem[] {
  const roots = new XmlReader(text, options.strictText ?? false).parse();
  const conv = new Converter(options);
  const out: TtlvItem[] = [];
  for (const r of roots) {
    if (r.name === 'KMIP' && r.attrs.size === 0) {
      for (const c of r.children) {
        const it = conv.item(c, undefined);
        if (it !== undefined) out.push(it);
      }
    } else {
      const it = conv.item(r, undefined);
      if (it !== undefined) out.push(it);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// TTLV -> XML

function escapeXml(s: string): string {
  return s.replace(/[&<>"'\u0000-\u001f]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function isoFromSeconds(sec: bigint, micros: number | undefined): string | undefined {
  if (sec < ISO_MIN_SECONDS || sec > ISO_MAX_SECONDS) return undefined;
  const d = new Date(Number(sec) * 1000);
  const frac = micros === undefined ? '' : '.' + pad(micros, 6);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}${frac}+00:00`
  );
}

function hex64(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16).toUpperCase().padStart(16, '0');
}

function bigIntegerHex(v: bigint): string {
  // Same layout as the TTLV encoder: minimal two's complement, multiple of 8 bytes.
  const mag = v < 0n ? -v - 1n : v;
  const bits = mag.toString(2).length + 1;
  const bytes = Math.max(8, Math.ceil(bits / 64) * 8);
  const u = v < 0n ? (1n << BigInt(bytes * 8)) + v : v;
  return u.toString(16).padStart(bytes * 2, '0');
}

function maskText(value: number, ctxTag: number): string {
  const table = maskTable(ctxTag);
  const u = value >>> 0;
  if (table === undefined || u === 0) return String(value);
  const names: string[] = [];
  let rest = u;
  for (const [name, bit] of table) {
    if ((rest & bit) !== 0) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push('0x' + rest.toString(16).toUpperCase().padStart(8, '0'));
  return names.join(' ');
}

function valueText(item: Exclude<TtlvItem, { type: 0x01 }>, ctxTag: number): string {
  switch (item.type) {
    case 0x02:
      return maskText(item.value, ctxTag);
    case 0x03:
      return item.value.toString();
    case 0x04:
      return bigIntegerHex(item.value);
    case 0x05: {
      const n = enumName(ctxTag, item.value);
      return typeof n === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(n)
        ? n
        : '0x' + (item.value >>> 0).toString(16).toUpperCase().padStart(8, '0');
    }
    case 0x06:
      return item.value ? 'true' : 'false';
    case 0x07:
      return escapeXml(item.value);
    case 0x08:
      return Buffer.from(item.value.buffer, item.value.byteOffset, item.value.byteLength).toString('hex');
    case 0x09:
      return isoFromSeconds(item.value, undefined) ?? hex64(item.value);
    case 0x0a:
      return String(item.value);
    case 0x0b: {
      const v = item.value;
      const sec = v >= 0n ? v / 1_000_000n : -((-v + 999_999n) / 1_000_000n);
      return isoFromSeconds(sec, Number(v - sec * 1_000_000n)) ?? hex64(v);
    }
  }
}

function writeItem(item: TtlvItem, depth: number, attrCtx: number | undefined, indent: string, out: string[]): void {
  const pre = indent.repeat(depth);
  const name = nameOfTag(item.tag);
  const open = name !== undefined ? name : `TTLV tag="${hexTag(item.tag)}"`;
  const close = name !== undefined ? name : 'TTLV';
  if (item.type === 0x01) {
    if (item.value.length === 0) {
      out.push(`${pre}<${open}/>`);
      return;
    }
    out.push(`${pre}<${open}>`);
    let ctx: number | undefined;
    for (const c of item.value) {
      writeItem(c, depth + 1, ctx, indent, out);
      if (c.tag === TAG_ATTRIBUTE_NAME && c.type === 0x07) ctx = attributeTag(c.value);
    }
    out.push(`${pre}</${close}>`);
    return;
  }
  const typeName = ITEM_TYPE_NAMES[item.type];
  if (typeName === undefined) throw new Error(`toKmipXml: unknown item type ${String(item.type)}`);
  const ctxTag = item.tag === TAG_ATTRIBUTE_VALUE && attrCtx !== undefined ? attrCtx : item.tag;
  out.push(`${pre}<${open} type="${typeName}" value="${valueText(item, ctxTag)}"/>`);
}

/**
 * Canonical KMIP XML text of one item (normally a message), indented by
 * `options.indent` (two spaces) per level, lines joined by "\n", no trailing
 * newline.
 */
export function toKmipXml(item: TtlvItem, options: ToKmipXmlOptions = {}): string {
  const out: string[] = [];
  writeItem(item, 0, undefined, options.indent ?? '  ', out);
  return out.join('\n');
}
