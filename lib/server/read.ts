/**
 * Typed readers for request trees: each returns a field of the wanted TTLV
 * type or throws a KmipFault (Invalid Message for a wrong type, Missing Data
 * for an absent required field). No `any`: items are narrowed by their type.
 */
import { ResultReason } from '../kmip/enums';
import { tagName } from '../kmip/tags';
import { childByTag as first, ITEM_TYPE_NAMES, type StructureItem, type TtlvItem } from '../ttlv';
import { KmipFault } from './fault';

export type ItemOf<T extends TtlvItem['type']> = Extract<TtlvItem, { type: T }>;

const typeName = (t: number): string => ITEM_TYPE_NAMES[t] ?? `0x${t.toString(16)}`;

/** Spec spelling-ish name of a tag, for messages. */
export function fieldName(tag: number): string {
  return tagName(tag).replace(/([a-z0-9])([A-Z])/g, '$1 $2');
}

export function typed<T extends TtlvItem['type']>(item: TtlvItem, type: T, where: string): ItemOf<T> {
  if (item.type !== type) {
    throw new KmipFault(
      ResultReason.InvalidMessage,
      `${fieldName(item.tag)} in ${where} is a ${typeName(item.type)}, expected a ${typeName(type)}`,
    );
  }
  return item as ItemOf<T>;
}

/** The first child with `tag` / all of them (the codec's own helpers). */
export { first };
export { childrenByTag as all } from '../ttlv';

function opt<T extends TtlvItem['type']>(s: StructureItem, tag: number, type: T, where: string): ItemOf<T> | undefined {
  const it = first(s, tag);
  return it === undefined ? undefined : typed(it, type, where);
}

export const optStruct = (s: StructureItem, tag: number, where: string): StructureItem | undefined => opt(s, tag, 0x01, where);
export const optText = (s: StructureItem, tag: number, where: string): string | undefined => opt(s, tag, 0x07, where)?.value;
export const optInt = (s: StructureItem, tag: number, where: string): number | undefined => opt(s, tag, 0x02, where)?.value;
export const optEnum = (s: StructureItem, tag: number, where: string): number | undefined => opt(s, tag, 0x05, where)?.value;
export const optBool = (s: StructureItem, tag: number, where: string): boolean | undefined => opt(s, tag, 0x06, where)?.value;
export const optBytes = (s: StructureItem, tag: number, where: string): Buffer | undefined => opt(s, tag, 0x08, where)?.value;

/** A Date-Time (seconds) or, from 2.x clients, a Date-Time Extended (microseconds), as seconds. */
export function dateSeconds(item: TtlvItem, where: string): number {
  if (item.type === 0x09) return Number(item.value);
  if (item.type === 0x0b) return Number(item.value / 1_000_000n);
  throw new KmipFault(ResultReason.InvalidMessage, `${fieldName(item.tag)} in ${where} is a ${typeName(item.type)}, expected a DateTime`);
}

export function optDate(s: StructureItem, tag: number, where: string): number | undefined {
  const it = first(s, tag);
  return it === undefined ? undefined : dateSeconds(it, where);
}

export function required<T>(v: T | undefined, tag: number, where: string): T {
  if (v === undefined) throw new KmipFault(ResultReason.MissingData, `${where} has no ${fieldName(tag)}`);
  return v;
}
