/**
 * Attributes as the dev server reads them from requests (1.x Template-Attribute
 * / Attribute Name+Value, 2.x Attributes by tag and vendor Attribute
 * structures) and as it writes an object's attributes back in either form.
 *
 * Custom attributes: a 1.x `x-name` (or `y-name`) is the 2.x vendor attribute
 * {Vendor Identification `x`, Attribute Name `name`}, and back; a 2.x vendor
 * attribute of another vendor V reads under 1.x as `x-V:name`.
 */
import { HashingAlgorithm, KeyFormatType, ObjectType, RNGAlgorithm, ResultReason } from '../kmip/enums';
import { attributeTag } from '../kmip/operations';
import { spacedName } from '../kmip/protocol';
import { Tag, tagName } from '../kmip/tags';
import type { StructureItem, TtlvItem } from '../ttlv';
import { KmipFault } from './fault';
import { first, optText, typed } from './read';
import type { KeyObject } from './store';

export type InAttribute =
  | { readonly kind: 'standard'; readonly tag: number; readonly value: TtlvItem }
  | { readonly kind: 'custom'; readonly vendor: string; readonly name: string; readonly value: TtlvItem };

export interface OutAttribute {
  /** Standard attribute tag, or undefined for a custom/vendor one. */
  readonly tag: number | undefined;
  readonly vendor: string | undefined;
  readonly name: string | undefined;
  /** 1.x Attribute Name. */
  readonly name1x: string;
  /** Instance index among attributes of the same name. */
  readonly index: number;
  /** Tagged with `tag` (standard) or Attribute Value (custom). */
  readonly value: TtlvItem;
}

/** 1.x spellings where `spacedName(tagName(tag))` is not the spec's. */
const NAME_OVERRIDES: ReadonlyMap<number, string> = new Map([
  [Tag.X_509CertificateIdentifier, 'X.509 Certificate Identifier'],
  [Tag.X_509CertificateSubject, 'X.509 Certificate Subject'],
  [Tag.X_509CertificateIssuer, 'X.509 Certificate Issuer'],
  [Tag.PKCS_12FriendlyName, 'PKCS#12 Friendly Name'],
]);

export function attributeName1x(tag: number): string {
  return NAME_OVERRIDES.get(tag) ?? spacedName(tagName(tag));
}

export function customName1x(vendor: string, name: string): string {
  return vendor === 'x' || vendor === 'y' ? `${vendor}-${name}` : `x-${vendor}:${name}`;
}

export const retag = (item: TtlvItem, tag: number): TtlvItem => ({ ...item, tag }) as TtlvItem;

const CUSTOM_1X = /^[xy]-./;

/** Reads one 1.x Attribute structure {Attribute Name, [Attribute Index], Attribute Value}. */
export function readAttribute1x(item: TtlvItem, where: string): InAttribute {
  const a = typed(item, 0x01, where);
  const name = optText(a, Tag.AttributeName, where);
  if (name === undefined) throw new KmipFault(ResultReason.InvalidMessage, `an Attribute in ${where} has no Attribute Name`);
  const value = first(a, Tag.AttributeValue);
  if (value === undefined) throw new KmipFault(ResultReason.InvalidMessage, `attribute "${name}" in ${where} has no Attribute Value`);
  if (CUSTOM_1X.test(name)) return { kind: 'custom', vendor: name.slice(0, 1), name: name.slice(2), value };
  const tag = attributeTag(name);
  if (tag === undefined) {
    throw new KmipFault(ResultReason.InvalidField, `unknown attribute "${name}" in ${where} (custom attributes are named x-...)`);
  }
  return { kind: 'standard', tag, value: retag(value, tag) };
}

/** Reads a 2.x Attributes structure: standard attributes by tag, vendor attributes as Attribute structures. */
export function readAttributes2x(s: StructureItem, where: string): InAttribute[] {
  const out: InAttribute[] = [];
  for (const c of s.value) {
    if (c.tag === Tag.Attribute) {
      const a = typed(c, 0x01, where);
      const vendor = optText(a, Tag.VendorIdentification, where);
      const name = optText(a, Tag.AttributeName, where);
      const value = first(a, Tag.AttributeValue);
      if (name === undefined || value === undefined) {
        // A 1.x-shaped attribute sent inside Attributes: accept it.
        out.push(readAttribute1x(c, where));
        continue;
      }
      if (vendor === undefined) {
        if (CUSTOM_1X.test(name)) out.push({ kind: 'custom', vendor: name.slice(0, 1), name: name.slice(2), value });
        else out.push(readAttribute1x(c, where));
        continue;
      }
      out.push({ kind: 'custom', vendor, name, value });
    } else {
      out.push({ kind: 'standard', tag: c.tag, value: c });
    }
  }
  return out;
}

/**
 * Attributes of a request payload, whatever the version: a 2.x Attributes
 * structure, a 1.x Template-Attribute, and/or 1.x Attribute structures
 * directly in the payload (Locate). Template names (1.x) are refused.
 */
export function readRequestAttributes(payload: StructureItem, where: string): InAttribute[] {
  const out: InAttribute[] = [];
  for (const c of payload.value) {
    if (c.tag === Tag.Attributes) out.push(...readAttributes2x(typed(c, 0x01, where), where));
    else if (c.tag === Tag.TemplateAttribute) {
      const t = typed(c, 0x01, where);
      for (const f of t.value) {
        if (f.tag === Tag.Attribute) out.push(readAttribute1x(f, where));
        else if (f.tag === Tag.Name) {
          throw new KmipFault(ResultReason.ItemNotFound, 'templates are not supported by the kmip-kms dev server (Template-Attribute Name given)');
        }
      }
    } else if (c.tag === Tag.Attribute) out.push(readAttribute1x(c, where));
  }
  return out;
}

const date = (tag: number, seconds: number): TtlvItem => ({ tag, type: 0x09, value: BigInt(seconds) });
const en = (tag: number, value: number): TtlvItem => ({ tag, type: 0x05, value });
const int = (tag: number, value: number): TtlvItem => ({ tag, type: 0x02, value });
const txt = (tag: number, value: string): TtlvItem => ({ tag, type: 0x07, value });

/** Lease Time the dev server grants (seconds). */
export const LEASE_TIME_SECONDS = 3600;

/**
 * Every attribute of `o`, standard ones first in a fixed order, then kept ones,
 * then custom ones. `v14`: the attributes KMIP 1.4 added (Sensitive, Always
 * Sensitive, Extractable, Never Extractable, Random Number Generator) too.
 */
export function objectAttributes(o: KeyObject, v14 = true): OutAttribute[] {
  const out: OutAttribute[] = [];
  const counts = new Map<string, number>();
  const push = (tag: number | undefined, vendor: string | undefined, name: string | undefined, value: TtlvItem): void => {
    const name1x = tag !== undefined ? attributeName1x(tag) : customName1x(vendor ?? 'x', name ?? '');
    const index = counts.get(name1x) ?? 0;
    counts.set(name1x, index + 1);
    out.push({ tag, vendor, name, name1x, index, value });
  };
  const std = (value: TtlvItem): void => push(value.tag, undefined, undefined, value);
  std(txt(Tag.UniqueIdentifier, o.uid));
  std(en(Tag.ObjectType, o.objectType));
  if (o.objectType !== ObjectType.SecretData) {
    std(en(Tag.CryptographicAlgorithm, o.algorithm));
    std(int(Tag.CryptographicLength, o.length));
  }
  std(int(Tag.CryptographicUsageMask, o.usageMask));
  for (const n of o.names) {
    std({ tag: Tag.Name, type: 0x01, value: [txt(Tag.NameValue, n.value), en(Tag.NameType, n.type)] });
  }
  std(en(Tag.State, o.state));
  std(date(Tag.InitialDate, o.initialDate));
  if (o.activationDate !== undefined) std(date(Tag.ActivationDate, o.activationDate));
  if (o.deactivationDate !== undefined) std(date(Tag.DeactivationDate, o.deactivationDate));
  if (o.compromiseOccurrenceDate !== undefined) std(date(Tag.CompromiseOccurrenceDate, o.compromiseOccurrenceDate));
  if (o.compromiseDate !== undefined) std(date(Tag.CompromiseDate, o.compromiseDate));
  if (o.destroyDate !== undefined) std(date(Tag.DestroyDate, o.destroyDate));
  if (o.revocation !== undefined) {
    const r: TtlvItem[] = [en(Tag.RevocationReasonCode, o.revocation.code)];
    if (o.revocation.message !== undefined) r.push(txt(Tag.RevocationMessage, o.revocation.message));
    std({ tag: Tag.RevocationReason, type: 0x01, value: r });
  }
  std(date(Tag.LastChangeDate, o.lastChangeDate));
  if (o.digest !== null) {
    std({
      tag: Tag.Digest,
      type: 0x01,
      value: [
        en(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
        { tag: Tag.DigestValue, type: 0x08, value: o.digest },
        en(Tag.KeyFormatType, o.digestFormat ?? (o.objectType === ObjectType.SecretData ? KeyFormatType.Opaque : KeyFormatType.Raw)),
      ],
    });
  }
  std({ tag: Tag.Fresh, type: 0x06, value: o.fresh });
  std({ tag: Tag.LeaseTime, type: 0x0a, value: LEASE_TIME_SECONDS });
  std(date(Tag.OriginalCreationDate, o.originalCreationDate));
  if (v14) {
    std({ tag: Tag.Sensitive, type: 0x06, value: false });
    std({ tag: Tag.AlwaysSensitive, type: 0x06, value: false });
    std({ tag: Tag.Extractable, type: 0x06, value: true });
    std({ tag: Tag.NeverExtractable, type: 0x06, value: false });
    if (o.generated) std({ tag: Tag.RandomNumberGenerator, type: 0x01, value: [en(Tag.RNGAlgorithm, RNGAlgorithm.DRBG)] });
  }
  for (const a of o.other) std(a.value);
  for (const c of o.custom) push(undefined, c.vendor, c.name, c.value);
  return out;
}

/** The 1.x form: Attribute {Attribute Name, [Attribute Index], Attribute Value}. */
export function encodeAttribute1x(a: OutAttribute): TtlvItem {
  const f: TtlvItem[] = [txt(Tag.AttributeName, a.name1x)];
  if (a.index > 0) f.push(int(Tag.AttributeIndex, a.index));
  f.push(retag(a.value, Tag.AttributeValue));
  return { tag: Tag.Attribute, type: 0x01, value: f };
}

/** The 2.x form: the attribute itself, or a vendor Attribute structure. */
export function encodeAttribute2x(a: OutAttribute): TtlvItem {
  if (a.tag !== undefined) return a.value;
  return {
    tag: Tag.Attribute,
    type: 0x01,
    value: [txt(Tag.VendorIdentification, a.vendor ?? 'x'), txt(Tag.AttributeName, a.name ?? ''), retag(a.value, Tag.AttributeValue)],
  };
}
