/**
 * Dev server operations that serve or check one object: Get (Raw and
 * Transparent Symmetric Key formats; Secret Data: Opaque; the first Get
 * clears Fresh) and Check
 * (Cryptographic Usage Mask, Usage Limits Count, Lease Time).
 */
import { KeyFormatType, ObjectType, ResultReason, State, UsageLimitsUnit } from '../kmip/enums';
import { Tag } from '../kmip/tags';
import type { StructureItem, TtlvItem } from '../ttlv';
import { LEASE_TIME_SECONDS } from './attributes';
import { bytes, destroyedFault, en, enumLabel, fault, int, owned, s, stateLabel, txt, uidOf, type Ctx, type Env } from './context';
import { first, optEnum, optInt, typed } from './read';
import type { KeyObject } from './store';

export function get(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Get';
  const uid = uidOf(p, ctx, where);
  const format = optEnum(p, Tag.KeyFormatType, where);
  if (optEnum(p, Tag.KeyCompressionType, where) !== undefined) {
    throw fault(ResultReason.KeyCompressionTypeNotSupported, 'key compression is not supported by the kmip-kms dev server');
  }
  if (first(p, Tag.KeyWrappingSpecification) !== undefined) {
    throw fault(ResultReason.FeatureNotSupported, 'key wrapping (Key Wrapping Specification) is not supported by the kmip-kms dev server');
  }
  const o = owned(env, uid, ctx);
  if (o.material === null) throw destroyedFault(uid, ctx);
  if (o.objectType === ObjectType.SecretData) {
    if (format !== undefined && format !== KeyFormatType.Opaque) {
      throw fault(ResultReason.KeyFormatTypeNotSupported, `Key Format Type ${enumLabel(Tag.KeyFormatType, format)} is not supported for Secret Data (Opaque)`);
    }
    served(o, ctx);
    const block = s(Tag.KeyBlock, [en(Tag.KeyFormatType, KeyFormatType.Opaque), s(Tag.KeyValue, [bytes(Tag.KeyMaterial, o.material)])]);
    return [en(Tag.ObjectType, o.objectType), txt(Tag.UniqueIdentifier, uid), s(Tag.SecretData, [en(Tag.SecretDataType, o.secretDataType ?? 1), block])];
  }
  if (format !== undefined && format !== KeyFormatType.Raw && format !== KeyFormatType.TransparentSymmetricKey) {
    throw fault(ResultReason.KeyFormatTypeNotSupported, `Key Format Type ${enumLabel(Tag.KeyFormatType, format)} is not supported for a symmetric key (Raw, Transparent Symmetric Key)`);
  }
  const material =
    format === KeyFormatType.TransparentSymmetricKey ? s(Tag.KeyMaterial, [bytes(Tag.Key, o.material)]) : bytes(Tag.KeyMaterial, o.material);
  const keyBlock = s(Tag.KeyBlock, [
    en(Tag.KeyFormatType, format ?? KeyFormatType.Raw),
    s(Tag.KeyValue, [material]),
    en(Tag.CryptographicAlgorithm, o.algorithm),
    int(Tag.CryptographicLength, o.length),
  ]);
  served(o, ctx);
  return [en(Tag.ObjectType, o.objectType), txt(Tag.UniqueIdentifier, uid), s(Tag.SymmetricKey, [keyBlock])];
}

/** The object's material was served: it is no longer Fresh. */
function served(o: KeyObject, ctx: Ctx): void {
  if (!o.fresh) return;
  o.fresh = false;
  ctx.mutated = true;
}

/** Check: the object may be used as asked; else Permission Denied (1.x) or the 2.x reason, naming what failed. */
export function check(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const where = 'Check';
  const uid = uidOf(p, ctx, where);
  const o = owned(env, uid, ctx);
  if (o.material === null) throw destroyedFault(uid, ctx);
  const mask = optInt(p, Tag.CryptographicUsageMask, where);
  if (mask !== undefined && (o.usageMask & mask) !== mask) {
    throw fault(ctx.v2 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied, `object ${uid}'s Cryptographic Usage Mask does not allow every use asked`);
  }
  const wanted = first(p, Tag.UsageLimitsCount);
  if (wanted !== undefined) {
    const n = wanted.type === 0x03 ? Number(wanted.value) : typed(wanted, 0x02, where).value;
    const ul = o.other.find((x) => x.tag === Tag.UsageLimits);
    if (ul !== undefined && ul.value.type === 0x01) {
      const count = first(ul.value, Tag.UsageLimitsCount) ?? first(ul.value, Tag.UsageLimitsTotal);
      const left = count === undefined ? 0 : count.type === 0x03 ? Number(count.value) : count.type === 0x02 ? count.value : 0;
      const unit = optEnum(ul.value, Tag.UsageLimitsUnit, where) ?? UsageLimitsUnit.Object;
      if (n > left) throw fault(ctx.v2 ? ResultReason.UsageLimitExceeded : ResultReason.PermissionDenied, `object ${uid} has ${left} ${unit === UsageLimitsUnit.Byte ? 'bytes' : 'uses'} left`);
    }
  }
  const lease = optInt(p, Tag.LeaseTime, where) ?? (first(p, Tag.LeaseTime)?.type === 0x0a ? (first(p, Tag.LeaseTime)!.value as number) : undefined);
  if (lease !== undefined && lease > LEASE_TIME_SECONDS) throw fault(ResultReason.PermissionDenied, `a lease longer than ${LEASE_TIME_SECONDS} s is not granted`);
  if ((mask !== undefined || wanted !== undefined) && o.state !== State.Active) {
    throw fault(ResultReason.PermissionDenied, `object ${uid} is ${stateLabel(o.state)}: it cannot be used`);
  }
  return [txt(Tag.UniqueIdentifier, uid)];
}
