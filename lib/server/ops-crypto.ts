/**
 * Dev server cryptographic operations: Encrypt / Decrypt with AES (CBC, ECB,
 * GCM) and 3DES (CBC, ECB), RNG Retrieve and RNG Seed.
 *
 * Parameters: the request's Cryptographic Parameters, field by field over the
 * key's own Cryptographic Parameters attribute. CBC: the client's IV, or a
 * random one made by the server (returned in IV/Counter/Nonce); Decrypt
 * without IV: Invalid Message (1.x, as CS-BC-M-13) / Missing Initialization
 * Vector (2.x). GCM: 12-byte nonce given or made, Authenticated Encryption
 * Additional Data, Tag Length (bytes, default 16); Decrypt needs the tag, a
 * wrong one is a Cryptographic Failure.
 *
 * Checks, in order: the key is Active (Decrypt of Deactivated/Compromised keys
 * with behaviour `decryptWhenDeactivated`), has the usage bit, Encrypt before
 * its Protect Stop Date and Decrypt after its Process Start Date (CS-BC-M-14),
 * and its Usage Limits (Byte or Object units) allow the use, which is then
 * counted down (CS-BC-M-7). Denials are Permission Denied.
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { BlockCipherMode, CryptographicAlgorithm, CryptographicUsageMask, ObjectType, PaddingMethod, ResultReason, State, UsageLimitsUnit } from '../kmip/enums';
import { Tag } from '../kmip/tags';
import type { StructureItem, TtlvItem } from '../ttlv';
import { bytes, enumLabel, fault, int, long, owned, s, stateLabel, txt, uidOf, type Ctx, type Env } from './context';
import { all, dateSeconds, first, optBool, optBytes, optEnum, optInt, optStruct, typed } from './read';
import type { KeyObject } from './store';

/** Largest RNG Retrieve answered (bytes). */
export const MAX_RNG_BYTES = 1 << 20;

function storedParameters(o: KeyObject): StructureItem | undefined {
  const a = o.other.find((x) => x.tag === Tag.CryptographicParameters);
  return a !== undefined && a.value.type === 0x01 ? a.value : undefined;
}

function otherDate(o: KeyObject, tag: number): number | undefined {
  const a = o.other.find((x) => x.tag === tag);
  return a === undefined ? undefined : dateSeconds(a.value, 'the object');
}

/** Counts one use against the object's Usage Limits; Permission Denied when exhausted. */
function consumeUsage(o: KeyObject, amount: number, ctx: Ctx, where: string): void {
  const i = o.other.findIndex((x) => x.tag === Tag.UsageLimits);
  if (i < 0) return;
  const ul = typed(o.other[i]!.value, 0x01, 'Usage Limits');
  const unit = optEnum(ul, Tag.UsageLimitsUnit, 'Usage Limits') ?? UsageLimitsUnit.Object;
  const totalItem = first(ul, Tag.UsageLimitsTotal);
  const countItem = first(ul, Tag.UsageLimitsCount);
  const asNumber = (it: TtlvItem | undefined): number | undefined =>
    it === undefined ? undefined : it.type === 0x03 ? Number(it.value) : it.type === 0x02 ? it.value : undefined;
  const total = asNumber(totalItem) ?? 0;
  const left = asNumber(countItem) ?? total;
  const use = unit === UsageLimitsUnit.Byte ? amount : 1;
  if (use > left) throw fault(ResultReason.PermissionDenied, `${where}: the key's Usage Limits are exhausted (${left} ${unit === UsageLimitsUnit.Byte ? 'bytes' : 'uses'} left)`);
  const count = long(Tag.UsageLimitsCount, BigInt(left - use));
  const fields = ul.value.filter((c) => c.tag !== Tag.UsageLimitsCount);
  const at = fields.findIndex((c) => c.tag === Tag.UsageLimitsTotal) + 1;
  fields.splice(at, 0, count);
  o.other[i] = { tag: Tag.UsageLimits, value: s(Tag.UsageLimits, fields) };
  ctx.mutated = true;
}

interface Params {
  readonly mode: number | undefined;
  readonly padding: number;
  readonly algorithm: number | undefined;
  readonly randomIv: boolean | undefined;
  readonly tagLength: number | undefined;
}

function readParams(req: StructureItem | undefined, stored: StructureItem | undefined, where: string): Params {
  // Field by field: the request's, else the key's own.
  const en = (tag: number): number | undefined => (req !== undefined ? optEnum(req, tag, where) : undefined) ?? (stored !== undefined ? optEnum(stored, tag, where) : undefined);
  const randomIv = (req !== undefined ? optBool(req, Tag.RandomIV, where) : undefined) ?? (stored !== undefined ? optBool(stored, Tag.RandomIV, where) : undefined);
  const tagLength = (req !== undefined ? optInt(req, Tag.TagLength, where) : undefined) ?? (stored !== undefined ? optInt(stored, Tag.TagLength, where) : undefined);
  return { mode: en(Tag.BlockCipherMode), padding: en(Tag.PaddingMethod) ?? PaddingMethod.None, algorithm: en(Tag.CryptographicAlgorithm), randomIv, tagLength };
}

function cipherName(o: KeyObject, mode: number): string | undefined {
  if (o.algorithm === CryptographicAlgorithm.AES) {
    const m = mode === BlockCipherMode.CBC ? 'cbc' : mode === BlockCipherMode.ECB ? 'ecb' : mode === BlockCipherMode.GCM ? 'gcm' : undefined;
    return m === undefined ? undefined : `aes-${o.length}-${m}`;
  }
  if (o.algorithm === CryptographicAlgorithm.DES3) {
    const base = o.material !== null && o.material.length === 16 ? 'des-ede' : 'des-ede3';
    return mode === BlockCipherMode.CBC ? `${base}-cbc` : mode === BlockCipherMode.ECB ? (base === 'des-ede' ? 'des-ede-ecb' : 'des-ede3') : undefined;
  }
  return undefined;
}

export function cipher(env: Env, p: StructureItem, ctx: Ctx, decrypt: boolean): TtlvItem[] {
  const where = decrypt ? 'Decrypt' : 'Encrypt';
  const uid = uidOf(p, ctx, where);
  const o = owned(env, uid, ctx);
  const usable =
    o.state === State.Active ||
    (decrypt && env.behaviour.decryptWhenDeactivated === true && (o.state === State.Deactivated || o.state === State.Compromised));
  if (!usable || o.material === null) {
    throw fault(ResultReason.PermissionDenied, `key ${uid} is ${stateLabel(o.state)}: it must be Active to be used for ${decrypt ? 'decryption' : 'encryption'}`);
  }
  if (o.objectType !== ObjectType.SymmetricKey) {
    throw fault(ResultReason.IllegalOperation, `object ${uid} is ${enumLabel(Tag.ObjectType, o.objectType)}, not a Symmetric Key: it cannot ${decrypt ? 'decrypt' : 'encrypt'}`);
  }
  const bit = decrypt ? CryptographicUsageMask.Decrypt : CryptographicUsageMask.Encrypt;
  if ((o.usageMask & bit) === 0) {
    throw fault(
      ctx.v2 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied,
      `key ${uid} does not have the ${decrypt ? 'Decrypt' : 'Encrypt'} bit in its Cryptographic Usage Mask`,
    );
  }
  if (!decrypt) {
    const stop = otherDate(o, Tag.ProtectStopDate);
    if (stop !== undefined && ctx.now >= stop) throw fault(ResultReason.PermissionDenied, `key ${uid} is past its Protect Stop Date: it can no longer encrypt`);
  } else {
    const start = otherDate(o, Tag.ProcessStartDate);
    if (start !== undefined && ctx.now < start) throw fault(ResultReason.PermissionDenied, `key ${uid} is before its Process Start Date: it cannot decrypt yet`);
  }
  if (first(p, Tag.CorrelationValue) !== undefined || optBool(p, Tag.InitIndicator, where) === true || optBool(p, Tag.FinalIndicator, where) === false) {
    throw fault(ResultReason.FeatureNotSupported, `streaming ${where} (Correlation Value, Init/Final Indicator) is not supported by the kmip-kms dev server`);
  }
  const req = optStruct(p, Tag.CryptographicParameters, where);
  const stored = storedParameters(o);
  if (req === undefined && stored === undefined) {
    throw fault(ResultReason.InvalidField, `${where} needs Cryptographic Parameters (Block Cipher Mode CBC, ECB or GCM): the key has none`);
  }
  const cp = readParams(req, stored, where);
  if (cp.algorithm !== undefined && cp.algorithm !== o.algorithm) {
    throw fault(ResultReason.InvalidField, `Cryptographic Algorithm ${enumLabel(Tag.CryptographicAlgorithm, cp.algorithm)} does not match the key's (${enumLabel(Tag.CryptographicAlgorithm, o.algorithm)})`);
  }
  if (cp.mode === undefined) throw fault(ResultReason.InvalidField, `${where} needs a Block Cipher Mode (CBC, ECB or GCM) in its Cryptographic Parameters`);
  const algorithm = cipherName(o, cp.mode);
  if (algorithm === undefined) {
    throw fault(ResultReason.InvalidField, `Block Cipher Mode ${enumLabel(Tag.BlockCipherMode, cp.mode)} is not supported by the kmip-kms dev server for ${enumLabel(Tag.CryptographicAlgorithm, o.algorithm)} (AES: CBC, ECB, GCM; 3DES: CBC, ECB)`);
  }
  const gcm = cp.mode === BlockCipherMode.GCM;
  if (!gcm && cp.padding !== PaddingMethod.None && cp.padding !== PaddingMethod.PKCS5) {
    throw fault(ResultReason.InvalidField, `Padding Method ${enumLabel(Tag.PaddingMethod, cp.padding)} is not supported by the kmip-kms dev server (PKCS5, None)`);
  }
  const data = optBytes(p, Tag.Data, where);
  if (data === undefined) throw fault(ResultReason.MissingData, `${where} has no Data`);
  const block = o.algorithm === CryptographicAlgorithm.AES ? 16 : 8;
  const ivLength = gcm ? 12 : block;
  let iv: Buffer | null = null;
  let madeIv = false;
  if (cp.mode !== BlockCipherMode.ECB) {
    const given = optBytes(p, Tag.IVCounterNonce, where);
    if (given !== undefined) {
      if (!decrypt && cp.randomIv === true && req !== undefined && optBool(req, Tag.RandomIV, where) === true) {
        throw fault(ResultReason.InvalidField, 'Random IV is True but an IV/Counter/Nonce was given');
      }
      if (gcm ? given.length < 1 : given.length !== block) {
        throw fault(ResultReason.InvalidField, `the IV/Counter/Nonce is ${given.length} bytes; ${algorithm} needs ${gcm ? 'at least 1 (12 recommended)' : block}`);
      }
      iv = given;
    } else if (decrypt) {
      throw fault(ctx.v2 ? ResultReason.MissingInitializationVector : ResultReason.InvalidMessage, `Decrypt in ${gcm ? 'GCM' : 'CBC'} mode needs the IV/Counter/Nonce`);
    } else {
      iv = randomBytes(ivLength);
      madeIv = true;
    }
  }
  if (!gcm && cp.padding === PaddingMethod.None && data.length % block !== 0) {
    throw fault(decrypt ? ResultReason.CryptographicFailure : ResultReason.InvalidField, `without padding the data must be a multiple of ${block} bytes (got ${data.length})`);
  }
  const tagLength = cp.tagLength ?? 16;
  if (gcm && (tagLength < 4 || tagLength > 16)) throw fault(ResultReason.InvalidField, `Tag Length ${tagLength} is not a GCM tag length (4..16 bytes)`);
  const aad = optBytes(p, Tag.AuthenticatedEncryptionAdditionalData, where);
  const tagIn = optBytes(p, Tag.AuthenticatedEncryptionTag, where);
  if (gcm && decrypt && tagIn === undefined) throw fault(ResultReason.MissingData, 'Decrypt in GCM mode needs the Authenticated Encryption Tag');
  consumeUsage(o, data.length, ctx, where);
  let out: Buffer;
  let tagOut: Buffer | undefined;
  try {
    if (gcm) {
      if (decrypt) {
        const d = createDecipheriv(algorithm as 'aes-256-gcm', o.material, iv!, { authTagLength: tagIn!.length }) as DecipherGCM;
        if (aad !== undefined) d.setAAD(aad);
        d.setAuthTag(tagIn!);
        out = Buffer.concat([d.update(data), d.final()]);
      } else {
        const c = createCipheriv(algorithm as 'aes-256-gcm', o.material, iv!, { authTagLength: tagLength }) as CipherGCM;
        if (aad !== undefined) c.setAAD(aad);
        out = Buffer.concat([c.update(data), c.final()]);
        tagOut = c.getAuthTag();
      }
    } else {
      const c = decrypt ? createDecipheriv(algorithm, o.material, iv) : createCipheriv(algorithm, o.material, iv);
      c.setAutoPadding(cp.padding === PaddingMethod.PKCS5);
      out = Buffer.concat([c.update(data), c.final()]);
    }
  } catch (err) {
    throw fault(ResultReason.CryptographicFailure, `${where} failed: ${decrypt ? (gcm ? 'the authentication tag does not match' : 'bad padding or data length') : (err as Error).message}`);
  }
  const res: TtlvItem[] = [txt(Tag.UniqueIdentifier, uid), bytes(Tag.Data, out)];
  if (madeIv && iv !== null) res.push(bytes(Tag.IVCounterNonce, iv));
  if (tagOut !== undefined) res.push(bytes(Tag.AuthenticatedEncryptionTag, tagOut));
  return res;
}

export function rngRetrieve(_env: Env, p: StructureItem, _ctx: Ctx): TtlvItem[] {
  const n = optInt(p, Tag.DataLength, 'RNG Retrieve');
  if (n === undefined) throw fault(ResultReason.MissingData, 'RNG Retrieve needs a Data Length');
  if (n < 1 || n > MAX_RNG_BYTES) throw fault(ResultReason.InvalidField, `Data Length ${n} is out of range (1..${MAX_RNG_BYTES})`);
  return [bytes(Tag.Data, randomBytes(n))];
}

/** Seed data is accepted but not used: the generator is Node's CSPRNG, seeded by the operating system (Data Length 0). */
export function rngSeed(_env: Env, p: StructureItem, _ctx: Ctx): TtlvItem[] {
  if (all(p, Tag.Data).length === 0) throw fault(ResultReason.MissingData, 'RNG Seed needs Data');
  return [int(Tag.DataLength, 0)];
}
