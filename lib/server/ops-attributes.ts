/**
 * Dev server operations on attributes: Get Attributes, Get Attribute List,
 * Add / Modify / Delete Attribute (1.x forms, and the 2.x forms with New /
 * Current Attribute and Attribute Reference; 2.x Set Attribute), and Locate.
 *
 * Rules: attributes the server sets (State, dates, Digest, Fresh...) and the
 * object's identity (Object Type, Cryptographic Algorithm / Length / Usage
 * Mask) are read-only: Permission Denied under 1.x, Attribute Read Only under
 * 2.x. Activation Date can be given or changed only while the object is
 * Pre-Active (SKLC-M-3: Permission Denied once Active); Deactivation Date
 * while it is not yet Deactivated. Name, custom / vendor attributes and the
 * attributes the server keeps without interpreting them (Contact Information,
 * Object Group, Usage Limits, Process Start Date...) can be added, changed and
 * deleted; Add of a single-instance attribute already present is refused.
 */
import { Operation, ResultReason, State } from '../kmip/enums';
import { attributeTag } from '../kmip/operations';
import { compareVersions } from '../kmip/protocol';
import { Tag } from '../kmip/tags';
import { encode, type StructureItem, type TtlvItem } from '../ttlv';
import {
  attributeName1x,
  encodeAttribute1x,
  encodeAttribute2x,
  objectAttributes,
  readAttribute1x,
  readAttributes2x,
  readRequestAttributes,
  retag,
  type InAttribute,
  type OutAttribute,
} from './attributes';
import { en, fault, int, owned, produced, refreshState, s, stateLabel, txt, uidOf, type Ctx, type Env } from './context';
import { readName, SERVER_SET, withUsageCount } from './ops-lifecycle';
import { dateSeconds, first, optEnum, optInt, optText, typed } from './read';
import type { KeyObject } from './store';

const DATE_TAGS: ReadonlySet<number> = new Set([
  Tag.ActivationDate,
  Tag.DeactivationDate,
  Tag.InitialDate,
  Tag.LastChangeDate,
  Tag.DestroyDate,
  Tag.CompromiseDate,
  Tag.CompromiseOccurrenceDate,
  Tag.ProcessStartDate,
  Tag.ProtectStopDate,
  Tag.ArchiveDate,
  Tag.OriginalCreationDate,
]);

/** Read-only for clients, besides SERVER_SET. */
const IDENTITY: ReadonlySet<number> = new Set([Tag.ObjectType, Tag.CryptographicAlgorithm, Tag.CryptographicLength, Tag.CryptographicUsageMask]);

/** Attributes that may have several instances. */
const MULTI: ReadonlySet<number> = new Set([Tag.Name, Tag.ObjectGroup, Tag.ApplicationSpecificInformation, Tag.Link, Tag.AlternativeName, Tag.KeyValueLocation]);

export function getAttributes(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Get Attributes';
  const uid = uidOf(p, ctx, where);
  const o = owned(env, uid, ctx);
  const selectors: Array<(a: OutAttribute) => boolean> = [];
  for (const c of p.value) {
    if (c.tag === Tag.AttributeName) {
      const name = typed(c, 0x07, where).value;
      const tag = /^[xy]-/.test(name) ? undefined : attributeTag(name);
      selectors.push((a) => a.name1x === name || (tag !== undefined && a.tag === tag));
    } else if (c.tag === Tag.AttributeReference) {
      if (c.type === 0x05) {
        const tag = c.value;
        selectors.push((a) => a.tag === tag);
      } else {
        const ref = typed(c, 0x01, where);
        const vendor = optText(ref, Tag.VendorIdentification, where);
        const name = optText(ref, Tag.AttributeName, where);
        selectors.push((a) => a.tag === undefined && a.name === name && (vendor === undefined || a.vendor === vendor));
      }
    }
  }
  const attrs = objectAttributes(o, ctx.v14).filter((a) => selectors.length === 0 || selectors.some((sel) => sel(a)));
  if (ctx.v2) return [txt(Tag.UniqueIdentifier, uid), s(Tag.Attributes, attrs.map(encodeAttribute2x))];
  return [txt(Tag.UniqueIdentifier, uid), ...attrs.map(encodeAttribute1x)];
}

export function getAttributeList(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const uid = uidOf(p, ctx, 'Get Attribute List');
  const o = owned(env, uid, ctx);
  const out: TtlvItem[] = [txt(Tag.UniqueIdentifier, uid)];
  const seen = new Set<string>();
  for (const a of objectAttributes(o, ctx.v14)) {
    if (seen.has(a.name1x)) continue;
    seen.add(a.name1x);
    if (!ctx.v2) out.push(txt(Tag.AttributeName, a.name1x));
    else if (a.tag !== undefined) out.push(en(Tag.AttributeReference, a.tag));
    else out.push(s(Tag.AttributeReference, [txt(Tag.VendorIdentification, a.vendor ?? 'x'), txt(Tag.AttributeName, a.name ?? '')]));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Add / Modify / Delete / Set Attribute

function readOnly(ctx: Ctx, what: string): Error {
  return fault(ctx.v2 ? ResultReason.AttributeReadOnly : ResultReason.PermissionDenied, `${what} is read-only: it is set by the server or fixed at creation`);
}

/** The one attribute of a 2.x New Attribute / Current Attribute structure. */
function oneAttribute2x(p: StructureItem, tag: number, where: string): InAttribute | undefined {
  const holder = first(p, tag);
  if (holder === undefined) return undefined;
  const list = readAttributes2x(typed(holder, 0x01, where), where);
  if (list.length !== 1) throw fault(ResultReason.InvalidMessage, `${where}: ${tag === Tag.NewAttribute ? 'New' : 'Current'} Attribute must hold exactly one attribute`);
  return list[0];
}

/** The 1.x Attribute of the payload, with its Attribute Index. */
function oneAttribute1x(p: StructureItem, where: string): { a: InAttribute; index: number } {
  const item = first(p, Tag.Attribute);
  if (item === undefined) throw fault(ResultReason.MissingData, `${where} has no Attribute`);
  return { a: readAttribute1x(item, where), index: optInt(typed(item, 0x01, where), Tag.AttributeIndex, where) ?? 0 };
}

const label = (a: InAttribute): string => (a.kind === 'custom' ? `custom attribute ${a.vendor}-${a.name}` : attributeName1x(a.tag));

function checkWritable(a: InAttribute, ctx: Ctx): void {
  if (a.kind === 'standard' && (SERVER_SET.has(a.tag) || IDENTITY.has(a.tag))) throw readOnly(ctx, attributeName1x(a.tag));
}

const sameItem = (x: TtlvItem, y: TtlvItem): boolean => encode(retag(x, Tag.AttributeValue)).equals(encode(retag(y, Tag.AttributeValue)));

/** Instances of `a`'s attribute on `o`, as [get, set, remove] handles. */
interface Slot {
  readonly value: TtlvItem;
  set(v: TtlvItem): void;
  remove(): void;
}

function slots(o: KeyObject, a: InAttribute): Slot[] {
  if (a.kind === 'custom') {
    return o.custom
      .filter((c) => c.vendor === a.vendor && c.name === a.name)
      .map((c) => ({
        value: c.value,
        set: (v) => (o.custom[o.custom.indexOf(c)] = { vendor: c.vendor, name: c.name, value: retag(v, Tag.AttributeValue) }),
        remove: () => o.custom.splice(o.custom.indexOf(c), 1),
      }));
  }
  if (a.tag === Tag.Name) {
    return o.names.map((n) => ({
      value: s(Tag.Name, [txt(Tag.NameValue, n.value), en(Tag.NameType, n.type)]),
      set: (v) => (o.names[o.names.indexOf(n)] = readName(v, 'the Name')),
      remove: () => o.names.splice(o.names.indexOf(n), 1),
    }));
  }
  if (a.tag === Tag.ActivationDate || a.tag === Tag.DeactivationDate) {
    const key = a.tag === Tag.ActivationDate ? 'activationDate' : 'deactivationDate';
    const cur = o[key];
    return cur === undefined ? [] : [{ value: { tag: a.tag, type: 0x09, value: BigInt(cur) }, set: (v) => (o[key] = dateSeconds(v, 'the date')), remove: () => delete o[key] }];
  }
  return o.other
    .filter((x) => x.tag === a.tag)
    .map((x) => ({
      value: x.value,
      set: (v) => (o.other[o.other.indexOf(x)] = { tag: x.tag, value: retag(v, x.tag) }),
      remove: () => o.other.splice(o.other.indexOf(x), 1),
    }));
}

function checkDate(o: KeyObject, a: InAttribute): void {
  if (a.kind !== 'standard') return;
  if (a.tag === Tag.ActivationDate && o.state !== State.PreActive) {
    throw fault(ResultReason.PermissionDenied, `the Activation Date of a ${stateLabel(o.state)} object cannot be set or changed`);
  }
  if (a.tag === Tag.DeactivationDate && o.state !== State.PreActive && o.state !== State.Active) {
    throw fault(ResultReason.PermissionDenied, `the Deactivation Date of a ${stateLabel(o.state)} object cannot be set or changed`);
  }
}

/** Adds `a`; answers its index and the value as kept (Usage Limits get their Count). */
function addTo(o: KeyObject, a: InAttribute, ctx: Ctx): { index: number; value: TtlvItem } {
  checkWritable(a, ctx);
  checkDate(o, a);
  const existing = slots(o, a);
  const multi = a.kind === 'custom' || MULTI.has(a.tag);
  if (!multi && existing.length > 0) throw fault(ResultReason.IllegalOperation, `the object already has a ${label(a)}; use Modify Attribute`);
  if (a.kind === 'custom') o.custom.push({ vendor: a.vendor, name: a.name, value: retag(a.value, Tag.AttributeValue) });
  else if (a.tag === Tag.Name) o.names.push(readName(a.value, 'Add Attribute'));
  else if (a.tag === Tag.ActivationDate) o.activationDate = dateSeconds(a.value, 'Add Attribute');
  else if (a.tag === Tag.DeactivationDate) o.deactivationDate = dateSeconds(a.value, 'Add Attribute');
  else {
    const kept = withUsageCount({ tag: a.tag, value: a.value });
    o.other.push(kept);
    return { index: existing.length, value: kept.value };
  }
  return { index: existing.length, value: a.value };
}

function touched(o: KeyObject, ctx: Ctx): void {
  o.lastChangeDate = ctx.now;
  refreshState(o, ctx.now);
  ctx.mutated = true;
}

function answer(ctx: Ctx, uid: string, a: InAttribute, value: TtlvItem, index: number): TtlvItem[] {
  if (ctx.v2) return [txt(Tag.UniqueIdentifier, uid)];
  const name1x = a.kind === 'custom' ? `${a.vendor}-${a.name}` : attributeName1x(a.tag);
  return [txt(Tag.UniqueIdentifier, uid), encodeAttribute1x({ tag: undefined, vendor: undefined, name: undefined, name1x, index, value })];
}

export function addAttribute(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Add Attribute';
  const uid = uidOf(p, ctx, where);
  const o = owned(env, uid, ctx);
  const a = oneAttribute2x(p, Tag.NewAttribute, where) ?? oneAttribute1x(p, where).a;
  const { index, value } = addTo(o, a, ctx);
  touched(o, ctx);
  return answer(ctx, uid, a, value, index);
}

export function modifyAttribute(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Modify Attribute';
  const uid = uidOf(p, ctx, where);
  const o = owned(env, uid, ctx);
  let a: InAttribute;
  let index = 0;
  let current: InAttribute | undefined;
  const na = oneAttribute2x(p, Tag.NewAttribute, where);
  if (na !== undefined) {
    a = na;
    current = oneAttribute2x(p, Tag.CurrentAttribute, where);
  } else ({ a, index } = oneAttribute1x(p, where));
  checkWritable(a, ctx);
  checkDate(o, a);
  const list = slots(o, a);
  const slot = current !== undefined ? list.find((x) => sameItem(x.value, current!.value)) : list[index];
  if (slot === undefined) throw fault(ResultReason.ItemNotFound, `the object has no ${label(a)}${index > 0 ? ` with index ${index}` : ''} to modify`);
  slot.set(a.value);
  touched(o, ctx);
  return answer(ctx, uid, a, a.value, index);
}

/** 2.x Set Attribute: sets a single-instance attribute, whether present or not. */
export function setAttribute(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Set Attribute';
  const uid = uidOf(p, ctx, where);
  const o = owned(env, uid, ctx);
  const a = oneAttribute2x(p, Tag.NewAttribute, where);
  if (a === undefined) throw fault(ResultReason.MissingData, 'Set Attribute has no New Attribute');
  checkWritable(a, ctx);
  checkDate(o, a);
  if (a.kind === 'standard' && MULTI.has(a.tag)) throw fault(ResultReason.MultiValuedAttribute, `${label(a)} may have several values: use Add Attribute`);
  const list = slots(o, a);
  if (list[0] !== undefined) list[0].set(a.value);
  else addTo(o, a, ctx);
  touched(o, ctx);
  return [txt(Tag.UniqueIdentifier, uid)];
}

export function deleteAttribute(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Delete Attribute';
  const uid = uidOf(p, ctx, where);
  const o = owned(env, uid, ctx);
  let a: InAttribute;
  let index = optInt(p, Tag.AttributeIndex, where) ?? 0;
  const name = optText(p, Tag.AttributeName, where);
  const ref = first(p, Tag.AttributeReference);
  const current = oneAttribute2x(p, Tag.CurrentAttribute, where);
  if (current !== undefined) a = current;
  else if (name !== undefined) {
    const tag = /^[xy]-./.test(name) ? undefined : attributeTag(name);
    if (tag === undefined && !/^[xy]-./.test(name)) throw fault(ResultReason.InvalidField, `unknown attribute "${name}"`);
    const placeholder: TtlvItem = { tag: Tag.AttributeValue, type: 0x07, value: '' };
    a = tag === undefined ? { kind: 'custom', vendor: name.slice(0, 1), name: name.slice(2), value: placeholder } : { kind: 'standard', tag, value: placeholder };
  } else if (ref !== undefined) {
    const placeholder: TtlvItem = { tag: Tag.AttributeValue, type: 0x07, value: '' };
    if (ref.type === 0x05) a = { kind: 'standard', tag: ref.value, value: placeholder };
    else {
      const r = typed(ref, 0x01, where);
      a = { kind: 'custom', vendor: optText(r, Tag.VendorIdentification, where) ?? 'x', name: optText(r, Tag.AttributeName, where) ?? '', value: placeholder };
    }
  } else throw fault(ResultReason.MissingData, 'Delete Attribute names no attribute');
  checkWritable(a, ctx);
  if (a.kind === 'standard' && (a.tag === Tag.ActivationDate || a.tag === Tag.DeactivationDate)) {
    throw fault(ResultReason.PermissionDenied, `the ${attributeName1x(a.tag)} cannot be deleted`);
  }
  const list = slots(o, a);
  let slot: Slot | undefined;
  if (current !== undefined) {
    slot = list.find((x) => sameItem(x.value, current!.value));
    index = slot === undefined ? 0 : list.indexOf(slot);
  } else slot = list[index];
  if (slot === undefined) throw fault(ResultReason.ItemNotFound, `the object has no ${label(a)}${index > 0 ? ` with index ${index}` : ''}`);
  const old = slot.value;
  slot.remove();
  touched(o, ctx);
  return answer(ctx, uid, a, old, index);
}

// ---------------------------------------------------------------------------
// Locate

export function locate(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Locate';
  const maxItems = optInt(p, Tag.MaximumItems, where);
  const offset = optInt(p, Tag.OffsetItems, where) ?? 0;
  const storage = optInt(p, Tag.StorageStatusMask, where) ?? 1;
  const filters = readRequestAttributes(p, where);
  const found: string[] = [];
  for (const o of env.store.objects.values()) {
    if (o.owner !== ctx.owner) continue;
    refreshState(o, ctx.now);
    const bit = o.material === null ? 4 : 1;
    if ((storage & bit) === 0) continue;
    if (matches(o, filters, ctx)) found.push(o.uid);
  }
  const page = found.slice(Math.max(0, offset), maxItems === undefined ? undefined : Math.max(0, offset) + Math.max(0, maxItems));
  if (page.length === 1) produced(ctx, Operation.Locate, page[0]!);
  else if (page.length > 1) ctx.placeholder = undefined;
  const out: TtlvItem[] = [];
  // Located Items (1.3+) is optional; answered when the client pages (Maximum / Offset Items).
  const paging = maxItems !== undefined || first(p, Tag.OffsetItems) !== undefined;
  if (paging && compareVersions(ctx.version, { major: 1, minor: 3 }) >= 0) out.push(int(Tag.LocatedItems, found.length));
  for (const uid of page) out.push(txt(Tag.UniqueIdentifier, uid));
  return out;
}

/** Locate matching: every filter must match; a date attribute given twice is a range. */
function matches(o: KeyObject, filters: readonly InAttribute[], ctx: Ctx): boolean {
  if (filters.length === 0) return true;
  const attrs = objectAttributes(o, ctx.v14);
  const ranges = new Map<number, number[]>();
  for (const f of filters) {
    if (f.kind === 'standard' && DATE_TAGS.has(f.tag) && (f.value.type === 0x09 || f.value.type === 0x0b)) {
      const list = ranges.get(f.tag) ?? [];
      list.push(dateSeconds(f.value, 'Locate'));
      ranges.set(f.tag, list);
    }
  }
  for (const f of filters) {
    if (f.kind === 'custom') {
      if (!o.custom.some((c) => c.vendor === f.vendor && c.name === f.name && sameItem(c.value, f.value))) return false;
      continue;
    }
    if (f.tag === Tag.Name && f.value.type === 0x01) {
      const nv = optText(f.value, Tag.NameValue, 'Locate');
      const nt = optEnum(f.value, Tag.NameType, 'Locate');
      if (!o.names.some((n) => n.value === nv && (nt === undefined || n.type === nt))) return false;
      continue;
    }
    const mine = attrs.filter((a) => a.tag === f.tag);
    const range = ranges.get(f.tag);
    if (range !== undefined && range.length >= 2) {
      const lo = Math.min(...range);
      const hi = Math.max(...range);
      if (!mine.some((a) => a.value.type === 0x09 && Number(a.value.value) >= lo && Number(a.value.value) <= hi)) return false;
      continue;
    }
    if (!mine.some((a) => sameItem(a.value, f.value))) return false;
  }
  return true;
}
