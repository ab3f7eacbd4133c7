/**
 * TTLV item model. Tags are plain numbers (0x42xxxx standard, 0x54xxxx vendor);
 * names live in lib/kmip. Every value type maps to one JS type, chosen so that
 * any valid encoding decodes and re-encodes byte for byte.
 */

export const ItemType = {
  Structure: 0x01,
  Integer: 0x02,
  LongInteger: 0x03,
  BigInteger: 0x04,
  Enumeration: 0x05,
  Boolean: 0x06,
  TextString: 0x07,
  ByteString: 0x08,
  DateTime: 0x09,
  Interval: 0x0a,
  DateTimeExtended: 0x0b,
} as const;

export type ItemTypeCode = (typeof ItemType)[keyof typeof ItemType];

export const ITEM_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x01: 'Structure',
  0x02: 'Integer',
  0x03: 'LongInteger',
  0x04: 'BigInteger',
  0x05: 'Enumeration',
  0x06: 'Boolean',
  0x07: 'TextString',
  0x08: 'ByteString',
  0x09: 'DateTime',
  0x0a: 'Interval',
  0x0b: 'DateTimeExtended',
};

export interface StructureItem { readonly tag: number; readonly type: 0x01; readonly value: TtlvItem[] }
/** Signed 32-bit. */
export interface IntegerItem { readonly tag: number; readonly type: 0x02; readonly value: number }
/** Signed 64-bit. */
export interface LongIntegerItem { readonly tag: number; readonly type: 0x03; readonly value: bigint }
/** Arbitrary precision, two's complement on the wire. */
export interface BigIntegerItem { readonly tag: number; readonly type: 0x04; readonly value: bigint }
/** Unsigned 32-bit. */
export interface EnumerationItem { readonly tag: number; readonly type: 0x05; readonly value: number }
export interface BooleanItem { readonly tag: number; readonly type: 0x06; readonly value: boolean }
export interface TextStringItem { readonly tag: number; readonly type: 0x07; readonly value: string }
export interface ByteStringItem { readonly tag: number; readonly type: 0x08; readonly value: Buffer }
/** Signed 64-bit seconds since the Unix epoch. */
export interface DateTimeItem { readonly tag: number; readonly type: 0x09; readonly value: bigint }
/** Unsigned 32-bit seconds. */
export interface IntervalItem { readonly tag: number; readonly type: 0x0a; readonly value: number }
/** Signed 64-bit microseconds since the Unix epoch (KMIP 2.0). */
export interface DateTimeExtendedItem { readonly tag: number; readonly type: 0x0b; readonly value: bigint }

export type TtlvItem =
  | StructureItem
  | IntegerItem
  | LongIntegerItem
  | BigIntegerItem
  | EnumerationItem
  | BooleanItem
  | TextStringItem
  | ByteStringItem
  | DateTimeItem
  | IntervalItem
  | DateTimeExtendedItem;

/** Small constructors, handy for builders and tests. */
export const ttlv = {
  structure: (tag: number, value: TtlvItem[]): StructureItem => ({ tag, type: 0x01, value }),
  integer: (tag: number, value: number): IntegerItem => ({ tag, type: 0x02, value }),
  longInteger: (tag: number, value: bigint): LongIntegerItem => ({ tag, type: 0x03, value }),
  bigInteger: (tag: number, value: bigint): BigIntegerItem => ({ tag, type: 0x04, value }),
  enumeration: (tag: number, value: number): EnumerationItem => ({ tag, type: 0x05, value }),
  boolean: (tag: number, value: boolean): BooleanItem => ({ tag, type: 0x06, value }),
  textString: (tag: number, value: string): TextStringItem => ({ tag, type: 0x07, value }),
  byteString: (tag: number, value: Buffer): ByteStringItem => ({ tag, type: 0x08, value }),
  dateTime: (tag: number, value: bigint): DateTimeItem => ({ tag, type: 0x09, value }),
  interval: (tag: number, value: number): IntervalItem => ({ tag, type: 0x0a, value }),
  dateTimeExtended: (tag: number, value: bigint): DateTimeExtendedItem => ({ tag, type: 0x0b, value }),
} as const;

/** Children of a Structure with the given tag. */
export function childrenByTag(item: StructureItem, tag: number): TtlvItem[] {
  const out: TtlvItem[] = [];
  for (const c of item.value) if (c.tag === tag) out.push(c);
  return out;
}

/** First child of a Structure with the given tag, or undefined. */
export function childByTag(item: StructureItem, tag: number): TtlvItem | undefined {
  for (const c of item.value) if (c.tag === tag) return c;
  return undefined;
}
