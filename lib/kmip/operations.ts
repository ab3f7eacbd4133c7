/**
 * Request payload builders and response payload readers for the operations the
 * product uses, encoded for the negotiated protocol version: Template-Attribute
 * with Attribute Name/Value triples under 1.x, Attributes by tag under 2.x.
 */
import { KmipInvalidArgumentError, KmipProtocolError } from '../errors';
import { encode, type StructureItem, type TtlvItem, type TtlvWriter } from '../ttlv';
import { enumName, Operation, QueryFunction, RevocationReasonCode } from './enums';

export { QueryFunction, RevocationReasonCode };
import { isV2, operationName, spacedName, type ProtocolVersion } from './protocol';

export { spacedName };
import { Tag, normalizeName, tagFromName, tagName } from './tags';

/** Operation codes (the Operation enumeration). */
export const Op = Operation;

/** Operations the S3 server's key workload uses: missing ones are warned about. */
export const PRODUCT_OPERATIONS: readonly number[] = [Op.Create, Op.Activate, Op.Revoke, Op.Destroy, Op.Encrypt, Op.Decrypt];


/** "Cryptographic Algorithm" -> tag number, for standard attributes. */
export function attributeTag(name: string): number | undefined {
  return tagFromName(normalizeName(name));
}

const s = (tag: number, value: TtlvItem[]): StructureItem => ({ tag, type: 0x01, value });
const txt = (tag: number, value: string): TtlvItem => ({ tag, type: 0x07, value });
const en = (tag: number, value: number): TtlvItem => ({ tag, type: 0x05, value });
const int = (tag: number, value: number): TtlvItem => ({ tag, type: 0x02, value });
const bytes = (tag: number, value: Buffer): TtlvItem => ({ tag, type: 0x08, value });

// ---------------------------------------------------------------------------
// Attributes

/** One attribute as the caller gives it: a standard one by tag, or a custom text one. */
export type AttributeSpec =
  | { readonly kind: 'standard'; readonly item: TtlvItem }
  | { readonly kind: 'custom'; readonly name: string; readonly value: string; readonly vendor?: string };

/** Encodes attributes for a Template-Attribute (1.x) or an Attributes structure (2.x). */
export function encodeAttributes(version: ProtocolVersion, attrs: readonly AttributeSpec[]): StructureItem {
  if (isV2(version)) {
    const out: TtlvItem[] = [];
    for (const a of attrs) {
      if (a.kind === 'standard') out.push(a.item);
      else {
        out.push(
          s(Tag.Attribute, [
            txt(Tag.VendorIdentification, a.vendor ?? 'x'),
            txt(Tag.AttributeName, a.vendor === undefined ? stripX(a.name) : a.name),
            txt(Tag.AttributeValue, a.value),
          ]),
        );
      }
    }
    return s(Tag.Attributes, out);
  }
  const out: TtlvItem[] = [];
  for (const a of attrs) {
    if (a.kind === 'standard') {
      const name = spacedName(tagName(a.item.tag));
      out.push(s(Tag.Attribute, [txt(Tag.AttributeName, name), { ...a.item, tag: Tag.AttributeValue } as TtlvItem]));
    } else {
      out.push(s(Tag.Attribute, [txt(Tag.AttributeName, a.name), txt(Tag.AttributeValue, a.value)]));
    }
  }
  return s(Tag.TemplateAttribute, out);
}

function stripX(name: string): string {
  return name.startsWith('x-') || name.startsWith('y-') ? name.slice(2) : name;
}

/** A decoded attribute value, friendly: enumerations by name, structures as objects. */
export type AttributeValue = string | number | bigint | boolean | Buffer | { readonly [field: string]: AttributeValue | AttributeValue[] };

export interface Attribute {
  readonly name: string;
  readonly index?: number;
  readonly value: AttributeValue;
}

function friendly(item: TtlvItem, tagForEnums: number): AttributeValue {
  switch (item.type) {
    case 0x01: {
      const o: Record<string, AttributeValue | AttributeValue[]> = {};
      for (const c of item.value) {
        const k = tagName(c.tag);
        const v = friendly(c, c.tag);
        const prev = o[k];
        if (prev === undefined) o[k] = v;
        else if (Array.isArray(prev)) prev.push(v);
        else o[k] = [prev, v];
      }
      return o;
    }
    case 0x05:
      return enumName(tagForEnums, item.value) ?? item.value;
    default:
      return item.value;
  }
}

/** Reads attributes from a 1.x list of Attribute structures or a 2.x Attributes structure. */
export function readAttributes(payload: StructureItem): Attribute[] {
  const out: Attribute[] = [];
  for (const c of payload.value) {
    if (c.tag === Tag.Attribute && c.type === 0x01) {
      let name: string | undefined;
      let index: number | undefined;
      let value: TtlvItem | undefined;
      for (const f of c.value) {
        if (f.tag === Tag.AttributeName && f.type === 0x07) name = f.value;
        else if (f.tag === Tag.AttributeIndex && f.type === 0x02) index = f.value;
        else if (f.tag === Tag.AttributeValue) value = f;
      }
      if (name === undefined || value === undefined) throw new KmipProtocolError('attribute without name or value in response');
      const t = attributeTag(name);
      out.push(index === undefined ? { name, value: friendly(value, t ?? 0) } : { name, index, value: friendly(value, t ?? 0) });
    } else if (c.tag === Tag.Attributes && c.type === 0x01) {
      for (const a of c.value) {
        if (a.tag === Tag.Attribute && a.type === 0x01) {
          let vendor = '';
          let name = '';
          let value: TtlvItem | undefined;
          for (const f of a.value) {
            if (f.tag === Tag.VendorIdentification && f.type === 0x07) vendor = f.value;
            else if (f.tag === Tag.AttributeName && f.type === 0x07) name = f.value;
            else if (f.tag === Tag.AttributeValue) value = f;
          }
          if (value === undefined) throw new KmipProtocolError('vendor attribute without value in response');
          out.push({ name: vendor === 'x' || vendor === 'y' ? `${vendor}-${name}` : `${vendor}:${name}`, value: friendly(value, 0) });
        } else {
          out.push({ name: spacedName(tagName(a.tag)), value: friendly(a, a.tag) });
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Payload helpers

function text(payload: StructureItem | undefined, tag: number, what: string): string {
  const it = payload?.value.find((c) => c.tag === tag);
  if (!it || it.type !== 0x07) throw new KmipProtocolError(`response payload has no ${what}`);
  return it.value;
}

const uidItem = (uid: string | undefined): TtlvItem[] => (uid === undefined ? [] : [txt(Tag.UniqueIdentifier, uid)]);

/**
 * The answer's Unique Identifier must be the key asked for (an answer about
 * another key is never trusted). `asked` undefined: an ID placeholder, no check.
 */
function sameKey(operation: number, asked: string | undefined, got: string): string {
  if (asked !== undefined && got !== asked) {
    throw new KmipProtocolError(
      `KMIP ${operationName(operation)} answer is about key ${JSON.stringify(got)}, not the key asked for (${JSON.stringify(asked)})`,
    );
  }
  return got;
}

// ---------------------------------------------------------------------------
// Operations

/** A request batch item before the protocol version is known. */
export interface OperationRequest<R> {
  readonly operation: number;
  readonly idempotent: boolean;
  /** The Unique Identifier of the object it acts on, when it names one (host selection uses it for key affinity). */
  readonly key?: string | undefined;
  payload(version: ProtocolVersion): TtlvItem[];
  read(payload: StructureItem | undefined, version: ProtocolVersion): R;
}

export function discoverVersions(offer: readonly ProtocolVersion[]): OperationRequest<ProtocolVersion[]> {
  return {
    operation: Op.DiscoverVersions,
    idempotent: true,
    key: undefined,
    payload: () =>
      offer.map((v) => s(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, v.major), int(Tag.ProtocolVersionMinor, v.minor)])),
    read: (payload) => {
      const out: ProtocolVersion[] = [];
      for (const c of payload?.value ?? []) {
        if (c.tag !== Tag.ProtocolVersion || c.type !== 0x01) continue;
        let major: number | undefined;
        let minor: number | undefined;
        for (const f of c.value) {
          if (f.tag === Tag.ProtocolVersionMajor && f.type === 0x02) major = f.value;
          if (f.tag === Tag.ProtocolVersionMinor && f.type === 0x02) minor = f.value;
        }
        if (major === undefined || minor === undefined) throw new KmipProtocolError('Discover Versions answer has an incomplete Protocol Version');
        out.push({ major, minor });
      }
      return out;
    },
  };
}


export interface QueryResult {
  readonly operations: number[];
  readonly objectTypes: number[];
  readonly vendorIdentification: string | undefined;
  /** Server Information, as text where the server gives text fields. */
  readonly serverInformation: AttributeValue | undefined;
}

export function query(functions: readonly number[]): OperationRequest<QueryResult> {
  return {
    operation: Op.Query,
    idempotent: true,
    key: undefined,
    payload: () => functions.map((f) => en(Tag.QueryFunction, f)),
    read: (payload) => {
      const operations: number[] = [];
      const objectTypes: number[] = [];
      let vendorIdentification: string | undefined;
      let serverInformation: AttributeValue | undefined;
      for (const c of payload?.value ?? []) {
        if (c.tag === Tag.Operation && c.type === 0x05) operations.push(c.value);
        else if (c.tag === Tag.ObjectType && c.type === 0x05) objectTypes.push(c.value);
        else if (c.tag === Tag.VendorIdentification && c.type === 0x07) vendorIdentification = c.value;
        else if (c.tag === Tag.ServerInformation) serverInformation = friendly(c, c.tag);
      }
      return { operations, objectTypes, vendorIdentification, serverInformation };
    },
  };
}

export interface CreateSymmetricKeyOptions {
  /** Cryptographic Algorithm enumeration value (default AES = 3). */
  readonly algorithm?: number;
  /** Bits (default 256). */
  readonly length?: number;
  /** Cryptographic Usage Mask (default Encrypt|Decrypt = 0x0C). */
  readonly usageMask?: number;
  /** Name attribute (Uninterpreted Text String). */
  readonly name?: string;
  /** Activation Date: the key is created Active when it is not in the future. */
  readonly activationDate?: Date;
  /** A custom text attribute: `x-` Custom Attribute under 1.x, Vendor Attribute under 2.x. */
  readonly customAttribute?: { readonly name: string; readonly value: string };
}

export interface CreateResult {
  readonly uniqueIdentifier: string;
  readonly objectType: number | undefined;
}

function dateSeconds(d: Date, what: string): bigint {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) throw new KmipInvalidArgumentError(`${what} is not a valid date`);
  return BigInt(Math.floor(ms / 1000));
}

export function create(opts: CreateSymmetricKeyOptions = {}): OperationRequest<CreateResult> {
  const activation = opts.activationDate === undefined ? undefined : dateSeconds(opts.activationDate, 'activationDate');
  const usage = opts.usageMask ?? 0x0c;
  return {
    operation: Op.Create,
    idempotent: false,
    key: undefined,
    payload: (version) => {
      const attrs: AttributeSpec[] = [
        { kind: 'standard', item: en(Tag.CryptographicAlgorithm, opts.algorithm ?? 3) },
        { kind: 'standard', item: int(Tag.CryptographicLength, opts.length ?? 256) },
        { kind: 'standard', item: int(Tag.CryptographicUsageMask, usage) },
      ];
      if (opts.name !== undefined) {
        attrs.push({ kind: 'standard', item: s(Tag.Name, [txt(Tag.NameValue, opts.name), en(Tag.NameType, 1)]) });
      }
      if (activation !== undefined) attrs.push({ kind: 'standard', item: { tag: Tag.ActivationDate, type: 0x09, value: activation } });
      if (opts.customAttribute) {
        const n = opts.customAttribute.name;
        attrs.push({ kind: 'custom', name: isV2(version) || n.startsWith('x-') ? n : `x-${n}`, value: opts.customAttribute.value });
      }
      return [en(Tag.ObjectType, 2), encodeAttributes(version, attrs)];
    },
    read: (payload) => {
      const ot = payload?.value.find((c) => c.tag === Tag.ObjectType);
      const id = text(payload, Tag.UniqueIdentifier, 'Unique Identifier');
      if (id.length === 0) throw new KmipProtocolError('KMIP Create answer has an empty Unique Identifier');
      return { uniqueIdentifier: id, objectType: ot && ot.type === 0x05 ? ot.value : undefined };
    },
  };
}

/** Activate; `uid` undefined uses the ID placeholder (in a batch). */
export function activate(uid: string | undefined): OperationRequest<string> {
  return {
    operation: Op.Activate,
    idempotent: false,
    key: uid,
    payload: () => uidItem(uid),
    read: (p) => sameKey(Op.Activate, uid, text(p, Tag.UniqueIdentifier, 'Unique Identifier')),
  };
}


export function revoke(uid: string | undefined, reasonCode: number = RevocationReasonCode.CessationOfOperation, message?: string): OperationRequest<string> {
  return {
    operation: Op.Revoke,
    idempotent: false,
    key: uid,
    payload: () => {
      const reason: TtlvItem[] = [en(Tag.RevocationReasonCode, reasonCode)];
      if (message !== undefined) reason.push(txt(Tag.RevocationMessage, message));
      return [...uidItem(uid), s(Tag.RevocationReason, reason)];
    },
    read: (p) => sameKey(Op.Revoke, uid, text(p, Tag.UniqueIdentifier, 'Unique Identifier')),
  };
}

export function destroy(uid: string | undefined): OperationRequest<string> {
  return {
    operation: Op.Destroy,
    idempotent: false,
    key: uid,
    payload: () => uidItem(uid),
    read: (p) => sameKey(Op.Destroy, uid, text(p, Tag.UniqueIdentifier, 'Unique Identifier')),
  };
}

export interface GetResult {
  readonly uniqueIdentifier: string;
  readonly objectType: number | undefined;
  /** Raw key material when the object is a key in Raw or Transparent Symmetric format. */
  readonly keyMaterial: Buffer | undefined;
  readonly cryptographicAlgorithm: number | undefined;
  readonly cryptographicLength: number | undefined;
}

export function get(uid: string | undefined, keyFormatType?: number): OperationRequest<GetResult> {
  return {
    operation: Op.Get,
    idempotent: true,
    key: uid,
    payload: () => {
      const p = uidItem(uid);
      if (keyFormatType !== undefined) p.push(en(Tag.KeyFormatType, keyFormatType));
      return p;
    },
    read: (payload) => {
      const ot = payload?.value.find((c) => c.tag === Tag.ObjectType);
      let keyMaterial: Buffer | undefined;
      let alg: number | undefined;
      let len: number | undefined;
      const walk = (it: TtlvItem): void => {
        if (it.type === 0x01) for (const c of it.value) walk(c);
        else if (it.tag === Tag.KeyMaterial && it.type === 0x08) keyMaterial = it.value;
        else if (it.tag === Tag.Key && it.type === 0x08) keyMaterial ??= it.value;
        else if (it.tag === Tag.CryptographicAlgorithm && it.type === 0x05) alg = it.value;
        else if (it.tag === Tag.CryptographicLength && it.type === 0x02) len = it.value;
      };
      for (const c of payload?.value ?? []) if (c.tag !== Tag.UniqueIdentifier && c.tag !== Tag.ObjectType) walk(c);
      return {
        uniqueIdentifier: text(payload, Tag.UniqueIdentifier, 'Unique Identifier'),
        objectType: ot && ot.type === 0x05 ? ot.value : undefined,
        keyMaterial,
        cryptographicAlgorithm: alg,
        cryptographicLength: len,
      };
    },
  };
}

export interface GetAttributesResult {
  readonly uniqueIdentifier: string;
  readonly attributes: Attribute[];
}

/** Names are 1.x attribute names ("State", "Cryptographic Length", "x-foo"); empty = all. */
export function getAttributes(uid: string | undefined, names: readonly string[] = []): OperationRequest<GetAttributesResult> {
  return {
    operation: Op.GetAttributes,
    idempotent: true,
    key: uid,
    payload: (version) => {
      const p = uidItem(uid);
      for (const n of names) {
        if (!isV2(version)) p.push(txt(Tag.AttributeName, n));
        else {
          const t = attributeTag(n);
          if (t !== undefined && !n.includes('-')) p.push(en(Tag.AttributeReference, t));
          else p.push(s(Tag.AttributeReference, [txt(Tag.VendorIdentification, n.slice(0, 1)), txt(Tag.AttributeName, stripX(n))]));
        }
      }
      return p;
    },
    read: (payload) => ({
      uniqueIdentifier: text(payload, Tag.UniqueIdentifier, 'Unique Identifier'),
      attributes: payload ? readAttributes(payload) : [],
    }),
  };
}

export interface LocateOptions {
  readonly name?: string;
  readonly maximumItems?: number;
  readonly objectType?: number;
}

export function locate(opts: LocateOptions): OperationRequest<string[]> {
  return {
    operation: Op.Locate,
    idempotent: true,
    key: undefined,
    payload: (version) => {
      const p: TtlvItem[] = [];
      if (opts.maximumItems !== undefined) p.push(int(Tag.MaximumItems, opts.maximumItems));
      const attrs: AttributeSpec[] = [];
      if (opts.objectType !== undefined) attrs.push({ kind: 'standard', item: en(Tag.ObjectType, opts.objectType) });
      if (opts.name !== undefined) {
        attrs.push({ kind: 'standard', item: s(Tag.Name, [txt(Tag.NameValue, opts.name), en(Tag.NameType, 1)]) });
      }
      if (isV2(version)) p.push(encodeAttributes(version, attrs));
      else p.push(...encodeAttributes(version, attrs).value);
      return p;
    },
    read: (payload) => {
      const out: string[] = [];
      for (const c of payload?.value ?? []) if (c.tag === Tag.UniqueIdentifier && c.type === 0x07) out.push(c.value);
      return out;
    },
  };
}

export interface CryptographicParameters {
  /** Block Cipher Mode enumeration (CBC = 1, ECB = 2, GCM = 9...). */
  readonly blockCipherMode?: number;
  /** Padding Method enumeration (None = 1, PKCS5 = 3...). */
  readonly paddingMethod?: number;
  /** Cryptographic Algorithm enumeration (AES = 3). */
  readonly cryptographicAlgorithm?: number;
  readonly randomIv?: boolean;
}

export interface CipherRequestOptions {
  readonly uniqueIdentifier?: string;
  readonly cryptographicParameters?: CryptographicParameters;
  readonly data: Buffer;
  readonly ivCounterNonce?: Buffer;
}

export interface CipherResult {
  readonly uniqueIdentifier: string | undefined;
  readonly data: Buffer;
  /** The IV the server made, when it made one. */
  readonly ivCounterNonce: Buffer | undefined;
}

function cryptoParams(cp: CryptographicParameters): TtlvItem {
  const f: TtlvItem[] = [];
  if (cp.blockCipherMode !== undefined) f.push(en(Tag.BlockCipherMode, cp.blockCipherMode));
  if (cp.paddingMethod !== undefined) f.push(en(Tag.PaddingMethod, cp.paddingMethod));
  if (cp.cryptographicAlgorithm !== undefined) f.push(en(Tag.CryptographicAlgorithm, cp.cryptographicAlgorithm));
  if (cp.randomIv !== undefined) f.push({ tag: Tag.RandomIV, type: 0x06, value: cp.randomIv });
  return s(Tag.CryptographicParameters, f);
}

/** Encoded Cryptographic Parameters of the last parameter set seen (callers reuse one). */
let lastParams: { readonly cp: CryptographicParameters; readonly b: number | undefined; readonly p: number | undefined; readonly a: number | undefined; readonly r: boolean | undefined; readonly bytes: Buffer } | undefined;

function cryptoParamsBytes(cp: CryptographicParameters): Buffer {
  const l = lastParams;
  if (l && l.cp === cp && l.b === cp.blockCipherMode && l.p === cp.paddingMethod && l.a === cp.cryptographicAlgorithm && l.r === cp.randomIv) return l.bytes;
  const bytes = encode(cryptoParams(cp));
  lastParams = { cp, b: cp.blockCipherMode, p: cp.paddingMethod, a: cp.cryptographicAlgorithm, r: cp.randomIv, bytes };
  return bytes;
}

/**
 * Encrypt or Decrypt: the hot path of the product, so a class (no closures
 * per request) that writes its payload straight into the message buffer.
 */
class CipherRequest implements OperationRequest<CipherResult> {
  readonly operation: number;
  readonly idempotent = true;
  readonly key: string | undefined;
  readonly #o: CipherRequestOptions;

  constructor(operation: number, o: CipherRequestOptions) {
    if (!Buffer.isBuffer(o.data)) throw new KmipInvalidArgumentError('data must be a Buffer');
    this.operation = operation;
    this.key = o.uniqueIdentifier;
    this.#o = o;
  }

  payload(): TtlvItem[] {
    const o = this.#o;
    const p = uidItem(o.uniqueIdentifier);
    if (o.cryptographicParameters) p.push(cryptoParams(o.cryptographicParameters));
    p.push(bytes(Tag.Data, o.data));
    if (o.ivCounterNonce !== undefined) p.push(bytes(Tag.IVCounterNonce, o.ivCounterNonce));
    return p;
  }

  writePayload(w: TtlvWriter): void {
    const o = this.#o;
    if (o.uniqueIdentifier !== undefined) w.writeText(Tag.UniqueIdentifier, o.uniqueIdentifier);
    if (o.cryptographicParameters) w.writeEncoded(cryptoParamsBytes(o.cryptographicParameters));
    w.writeBytes(Tag.Data, o.data);
    if (o.ivCounterNonce !== undefined) w.writeBytes(Tag.IVCounterNonce, o.ivCounterNonce);
  }

  read(payload: StructureItem | undefined): CipherResult {
    // The first item of each tag counts, as optBytes/find would: one loop, no closures.
    let uid: TtlvItem | undefined;
    let data: TtlvItem | undefined;
    let iv: TtlvItem | undefined;
    const cs = payload === undefined ? [] : payload.value;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      if (c.tag === Tag.UniqueIdentifier) uid ??= c;
      else if (c.tag === Tag.Data) data ??= c;
      else if (c.tag === Tag.IVCounterNonce) iv ??= c;
    }
    if (data === undefined || data.type !== 0x08) throw new KmipProtocolError('response payload has no Data');
    return {
      uniqueIdentifier: uid !== undefined && uid.type === 0x07 ? sameKey(this.operation, this.#o.uniqueIdentifier, uid.value) : undefined,
      data: data.value,
      ivCounterNonce: iv !== undefined && iv.type === 0x08 ? iv.value : undefined,
    };
  }
}

export const encrypt = (o: CipherRequestOptions): OperationRequest<CipherResult> => new CipherRequest(Op.Encrypt, o);
export const decrypt = (o: CipherRequestOptions): OperationRequest<CipherResult> => new CipherRequest(Op.Decrypt, o);
