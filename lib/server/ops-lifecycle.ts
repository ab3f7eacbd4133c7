/**
 * Dev server operations that make objects and move them through their
 * lifecycle: Create, Register (symmetric keys), Activate, Revoke, Destroy.
 *
 * State model: Create/Register -> Pre-Active, or Active when the Activation
 * Date is not in the future (a future date activates when reached); Activate
 * Pre-Active -> Active (else Permission Denied); Revoke with Key/CA Compromise
 * -> Compromised (Destroyed -> Destroyed Compromised), other reasons Active or
 * Pre-Active -> Deactivated (else Illegal Operation); Destroy of an Active
 * object -> Permission Denied, else Destroyed (Compromised -> Destroyed
 * Compromised), key material erased, attributes kept.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CryptographicAlgorithm, KeyFormatType, NameType, ObjectType, Operation, ResultReason, RevocationReasonCode, State } from '../kmip/enums';
import { Tag } from '../kmip/tags';
import { safeLog } from '../logger';
import { encode, type StructureItem, type TtlvItem } from '../ttlv';
import { attributeName1x, readRequestAttributes, retag } from './attributes';
import { destroyedFault, en, enumLabel, fault, owned, produced, refreshState, stateLabel, txt, uidOf, type Ctx, type Env } from './context';
import { dateSeconds, first, optDate, optEnum, optInt, optStruct, optText, required, typed } from './read';
import { sha256, type CustomAttribute, type KeyObject, type NameValue, type StoredAttribute } from './store';

/** Attributes only the server sets; a client giving one gets Invalid Field (Create, Register) or Permission Denied (Add/Modify). */
export const SERVER_SET: ReadonlySet<number> = new Set([
  Tag.UniqueIdentifier,
  Tag.State,
  Tag.InitialDate,
  Tag.LastChangeDate,
  Tag.DestroyDate,
  Tag.CompromiseDate,
  Tag.CompromiseOccurrenceDate,
  Tag.RevocationReason,
  Tag.Digest,
  Tag.KeyValuePresent,
  Tag.OriginalCreationDate,
  Tag.Fresh,
  Tag.AlwaysSensitive,
  Tag.NeverExtractable,
  Tag.LeaseTime,
  Tag.RandomNumberGenerator,
]);

/** Key lengths (bits) per algorithm, and the key material length in bytes. */
const KEY_BYTES: ReadonlyMap<number, ReadonlyMap<number, number>> = new Map([
  [CryptographicAlgorithm.AES, new Map([[128, 16], [192, 24], [256, 32]])],
  [CryptographicAlgorithm.DES3, new Map([[112, 16], [168, 24], [192, 24]])],
]);

interface Template {
  algorithm: number | undefined;
  length: number | undefined;
  usageMask: number | undefined;
  activationDate: number | undefined;
  deactivationDate: number | undefined;
  readonly names: NameValue[];
  readonly custom: CustomAttribute[];
  readonly other: StoredAttribute[];
}

function readTemplate(p: StructureItem, where: string, objectType: number): Template {
  const t: Template = { algorithm: undefined, length: undefined, usageMask: undefined, activationDate: undefined, deactivationDate: undefined, names: [], custom: [], other: [] };
  for (const a of readRequestAttributes(p, where)) {
    if (a.kind === 'custom') {
      t.custom.push({ vendor: a.vendor, name: a.name, value: retag(a.value, Tag.AttributeValue) });
      continue;
    }
    switch (a.tag) {
      case Tag.CryptographicAlgorithm:
        t.algorithm = typed(a.value, 0x05, where).value;
        break;
      case Tag.CryptographicLength:
        t.length = typed(a.value, 0x02, where).value;
        break;
      case Tag.CryptographicUsageMask:
        t.usageMask = typed(a.value, 0x02, where).value;
        break;
      case Tag.Name:
        t.names.push(readName(a.value, where));
        break;
      case Tag.ActivationDate:
        t.activationDate = dateSeconds(a.value, where);
        break;
      case Tag.DeactivationDate:
        t.deactivationDate = dateSeconds(a.value, where);
        break;
      case Tag.ObjectType:
        if (typed(a.value, 0x05, where).value !== objectType) throw fault(ResultReason.InvalidField, 'the Object Type attribute contradicts the Object Type of the request');
        break;
      default:
        if (SERVER_SET.has(a.tag)) throw fault(ResultReason.InvalidField, `${attributeName1x(a.tag)} is set by the server; a client cannot give it`);
        t.other.push({ tag: a.tag, value: a.value });
    }
  }
  return t;
}

export function readName(v: TtlvItem, where: string): NameValue {
  const n = typed(v, 0x01, where);
  const value = optText(n, Tag.NameValue, where);
  if (value === undefined) throw fault(ResultReason.InvalidField, 'a Name attribute has no Name Value');
  return { value, type: optEnum(n, Tag.NameType, where) ?? NameType.UninterpretedTextString };
}

function checkKey(algorithm: number | undefined, length: number | undefined, what: string): number {
  if (algorithm === undefined) throw fault(ResultReason.MissingData, `${what} needs a Cryptographic Algorithm`);
  const lengths = KEY_BYTES.get(algorithm);
  if (lengths === undefined) {
    throw fault(ResultReason.InvalidField, `Cryptographic Algorithm ${enumLabel(Tag.CryptographicAlgorithm, algorithm)} is not supported: AES and 3DES only`);
  }
  if (length === undefined) throw fault(ResultReason.MissingData, `${what} needs a Cryptographic Length`);
  const n = lengths.get(length);
  if (n === undefined) {
    throw fault(ResultReason.InvalidField, `Cryptographic Length ${length} is not a ${enumLabel(Tag.CryptographicAlgorithm, algorithm)} key length (${[...lengths.keys()].join(', ').replace(/, (\d+)$/, ' or $1')})`);
  }
  return n;
}

function newObject(
  env: Env,
  ctx: Ctx,
  objectType: number,
  t: Template,
  material: Buffer,
  generated: boolean,
  algorithm: number,
  length: number,
  secretDataType?: number,
  digest?: { readonly digest: Buffer; readonly digestFormat: number },
): KeyObject {
  if (t.usageMask === undefined) throw fault(ResultReason.MissingData, 'a Cryptographic Usage Mask attribute is required');
  if (t.usageMask < 0) throw fault(ResultReason.InvalidField, 'the Cryptographic Usage Mask is negative');
  const now = ctx.now;
  const obj: KeyObject = {
    uid: randomUUID(),
    owner: ctx.owner,
    objectType,
    algorithm,
    length,
    usageMask: t.usageMask,
    state: State.PreActive,
    names: t.names,
    initialDate: now,
    lastChangeDate: now,
    material,
    digest: digest?.digest ?? sha256(material),
    ...(digest !== undefined ? { digestFormat: digest.digestFormat } : {}),
    fresh: true,
    originalCreationDate: now,
    generated,
    custom: t.custom,
    other: t.other.map(withUsageCount),
    ...(secretDataType !== undefined ? { secretDataType } : {}),
  };
  if (t.activationDate !== undefined) obj.activationDate = t.activationDate;
  if (t.deactivationDate !== undefined) obj.deactivationDate = t.deactivationDate;
  refreshState(obj, now);
  env.store.add(obj);
  ctx.mutated = true;
  return obj;
}

/** Usage Limits as the server keeps them: Total, Count (the uses left; Total when not given), Unit. */
export function withUsageCount(a: StoredAttribute): StoredAttribute {
  if (a.tag !== Tag.UsageLimits || a.value.type !== 0x01 || first(a.value, Tag.UsageLimitsCount) !== undefined) return a;
  const total = first(a.value, Tag.UsageLimitsTotal);
  if (total === undefined) return a;
  const rest = a.value.value.filter((c) => c.tag !== Tag.UsageLimitsTotal);
  const count: TtlvItem = { ...total, tag: Tag.UsageLimitsCount } as TtlvItem;
  return { tag: a.tag, value: { tag: Tag.UsageLimits, type: 0x01, value: [total, count, ...rest] } };
}

export function create(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Create';
  const objectType = required(optEnum(p, Tag.ObjectType, where), Tag.ObjectType, where);
  if (objectType !== ObjectType.SymmetricKey) {
    throw fault(ResultReason.InvalidField, `Create of a ${enumLabel(Tag.ObjectType, objectType)} is not supported: the kmip-kms dev server creates Symmetric Keys only`);
  }
  const t = readTemplate(p, where, objectType);
  const n = checkKey(t.algorithm, t.length, where);
  if (t.usageMask === undefined) throw fault(ResultReason.MissingData, 'Create needs a Cryptographic Usage Mask attribute');
  const obj = newObject(env, ctx, objectType, t, randomBytes(n), true, t.algorithm!, t.length!);
  produced(ctx, Operation.Create, obj.uid);
  safeLog(env.logger, 'info', 'kmip dev server: created a key', { uid: obj.uid, owner: ctx.owner, state: stateLabel(obj.state) });
  return [en(Tag.ObjectType, objectType), txt(Tag.UniqueIdentifier, obj.uid)];
}

export function register(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Register';
  const objectType = required(optEnum(p, Tag.ObjectType, where), Tag.ObjectType, where);
  if (objectType === ObjectType.SecretData) return registerSecretData(env, p, ctx);
  if (objectType !== ObjectType.SymmetricKey) {
    throw fault(ResultReason.InvalidField, `Register of a ${enumLabel(Tag.ObjectType, objectType)} is not supported: the kmip-kms dev server registers Symmetric Keys and Secret Data only`);
  }
  const key = optStruct(p, Tag.SymmetricKey, where);
  if (key === undefined) throw fault(ResultReason.InvalidField, 'Register of a Symmetric Key needs a Symmetric Key object');
  const block = optStruct(key, Tag.KeyBlock, where);
  if (block === undefined) throw fault(ResultReason.InvalidField, 'the Symmetric Key has no Key Block');
  if (first(block, Tag.KeyWrappingData) !== undefined) throw fault(ResultReason.FeatureNotSupported, 'wrapped keys (Key Wrapping Data) are not supported by the kmip-kms dev server');
  const format = required(optEnum(block, Tag.KeyFormatType, where), Tag.KeyFormatType, 'the Key Block');
  const value = optStruct(block, Tag.KeyValue, where);
  const km = value === undefined ? undefined : first(value, Tag.KeyMaterial);
  let material: Buffer | undefined;
  if (format === KeyFormatType.Raw && km !== undefined) material = typed(km, 0x08, where).value;
  else if (format === KeyFormatType.TransparentSymmetricKey && km !== undefined) {
    const k = first(typed(km, 0x01, where), Tag.Key);
    material = k === undefined ? undefined : typed(k, 0x08, where).value;
  } else if (format !== KeyFormatType.Raw && format !== KeyFormatType.TransparentSymmetricKey) {
    throw fault(ResultReason.KeyFormatTypeNotSupported, `Key Format Type ${enumLabel(Tag.KeyFormatType, format)} is not supported for a symmetric key (Raw, Transparent Symmetric Key)`);
  }
  if (material === undefined) throw fault(ResultReason.InvalidField, 'the Key Block has no Key Material');
  const t = readTemplate(p, where, objectType);
  const algorithm = optEnum(block, Tag.CryptographicAlgorithm, where) ?? t.algorithm;
  const length = optInt(block, Tag.CryptographicLength, where) ?? t.length ?? material.length * 8;
  const n = checkKey(algorithm, length, where);
  if (material.length !== n) throw fault(ResultReason.InvalidField, `the key material is ${material.length} bytes; a ${length}-bit key has ${n}`);
  // The Digest is of the key material in the format it was registered in: Raw bytes, or the TTLV of a Transparent Symmetric Key's Key Material.
  const digest = format === KeyFormatType.TransparentSymmetricKey ? { digest: sha256(encode(km!)), digestFormat: format } : undefined;
  const obj = newObject(env, ctx, objectType, t, Buffer.from(material), false, algorithm!, length, undefined, digest);
  produced(ctx, Operation.Register, obj.uid);
  safeLog(env.logger, 'info', 'kmip dev server: registered a key', { uid: obj.uid, owner: ctx.owner, state: stateLabel(obj.state) });
  return [txt(Tag.UniqueIdentifier, obj.uid)];
}

/** Register of Secret Data {Secret Data Type, Key Block {Opaque, Key Value {Key Material}}}. */
function registerSecretData(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Register';
  const sd = optStruct(p, Tag.SecretData, where);
  if (sd === undefined) throw fault(ResultReason.InvalidField, 'Register of Secret Data needs a Secret Data object');
  const secretDataType = required(optEnum(sd, Tag.SecretDataType, where), Tag.SecretDataType, 'the Secret Data');
  const block = optStruct(sd, Tag.KeyBlock, where);
  if (block === undefined) throw fault(ResultReason.InvalidField, 'the Secret Data has no Key Block');
  if (first(block, Tag.KeyWrappingData) !== undefined) throw fault(ResultReason.FeatureNotSupported, 'wrapped objects (Key Wrapping Data) are not supported by the kmip-kms dev server');
  const format = required(optEnum(block, Tag.KeyFormatType, where), Tag.KeyFormatType, 'the Key Block');
  if (format !== KeyFormatType.Opaque) throw fault(ResultReason.KeyFormatTypeNotSupported, `Key Format Type ${enumLabel(Tag.KeyFormatType, format)} is not supported for Secret Data (Opaque)`);
  const value = optStruct(block, Tag.KeyValue, where);
  const km = value === undefined ? undefined : first(value, Tag.KeyMaterial);
  if (km === undefined) throw fault(ResultReason.InvalidField, 'the Key Block has no Key Material');
  const material = Buffer.from(typed(km, 0x08, where).value);
  const t = readTemplate(p, where, ObjectType.SecretData);
  const obj = newObject(env, ctx, ObjectType.SecretData, t, material, false, 0, material.length * 8, secretDataType);
  produced(ctx, Operation.Register, obj.uid);
  safeLog(env.logger, 'info', 'kmip dev server: registered secret data', { uid: obj.uid, owner: ctx.owner, state: stateLabel(obj.state) });
  return [txt(Tag.UniqueIdentifier, obj.uid)];
}

export function activate(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const uid = uidOf(p, ctx, 'Activate');
  const o = owned(env, uid, ctx);
  if (o.state !== State.PreActive) {
    throw fault(ResultReason.PermissionDenied, `object ${uid} is ${stateLabel(o.state)}, not Pre-Active: it cannot be activated`);
  }
  o.state = State.Active;
  o.activationDate = ctx.now;
  o.lastChangeDate = ctx.now;
  ctx.mutated = true;
  return [txt(Tag.UniqueIdentifier, uid)];
}

export function revoke(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Revoke';
  const rr = optStruct(p, Tag.RevocationReason, where);
  if (rr === undefined) throw fault(ResultReason.MissingData, 'Revoke needs a Revocation Reason');
  const code = required(optEnum(rr, Tag.RevocationReasonCode, where), Tag.RevocationReasonCode, 'the Revocation Reason');
  const message = optText(rr, Tag.RevocationMessage, where);
  const occurrence = optDate(p, Tag.CompromiseOccurrenceDate, where);
  const uid = uidOf(p, ctx, where);
  const o = owned(env, uid, ctx);
  const now = ctx.now;
  if (code === RevocationReasonCode.KeyCompromise || code === RevocationReasonCode.CACompromise) {
    if (o.state === State.Destroyed) o.state = State.DestroyedCompromised;
    else if (o.state !== State.DestroyedCompromised) o.state = State.Compromised;
    o.compromiseDate ??= now;
    o.compromiseOccurrenceDate ??= occurrence ?? o.initialDate;
  } else if (o.state === State.Active || o.state === State.PreActive) {
    o.state = State.Deactivated;
    o.deactivationDate = now;
  } else {
    throw fault(
      ResultReason.IllegalOperation,
      `object ${uid} is ${stateLabel(o.state)}: only an Active or Pre-Active object can be revoked for reason ${enumLabel(Tag.RevocationReasonCode, code)}`,
    );
  }
  o.revocation = message === undefined ? { code } : { code, message };
  o.lastChangeDate = now;
  ctx.mutated = true;
  return [txt(Tag.UniqueIdentifier, uid)];
}

export function destroy(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const uid = uidOf(p, ctx, 'Destroy');
  const o = owned(env, uid, ctx);
  switch (o.state) {
    case State.Active:
      throw fault(ResultReason.PermissionDenied, 'Object is active and cannot be destroyed');
    case State.Destroyed:
    case State.DestroyedCompromised:
      throw destroyedFault(uid, ctx);
    case State.Compromised:
      o.state = State.DestroyedCompromised;
      break;
    default:
      o.state = State.Destroyed;
  }
  o.material?.fill(0);
  o.material = null;
  o.destroyDate = ctx.now;
  o.lastChangeDate = ctx.now;
  ctx.mutated = true;
  return [txt(Tag.UniqueIdentifier, uid)];
}
