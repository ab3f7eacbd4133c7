/**
 * What every dev server operation shares: the per-message context (version,
 * owner, clock, ID Placeholder), the engine's environment (store, behaviour,
 * logger), item builders, and object look-up by Unique Identifier (with the
 * ID Placeholder and 2.x Unique Identifier enumerations) restricted to the
 * caller's own objects.
 */
import { Operation, ResultReason, State, UniqueIdentifier, enumName } from '../kmip/enums';
import { spacedName, type ProtocolVersion } from '../kmip/protocol';
import { Tag } from '../kmip/tags';
import type { Logger } from '../logger';
import type { StructureItem, TtlvItem } from '../ttlv';
import { KmipFault } from './fault';
import { first, typed } from './read';
import type { KeyObject, KeyStore } from './store';

/** Knobs for behaviours where servers differ. */
export interface DevServerBehaviour {
  /**
   * Batch Error Continuation Option Stop: 'omit' (default, as the spec and
   * PyKMIP) leaves the items after the failed one out of the response; 'fail'
   * answers each of them Operation Failed / Operation Canceled By Requester.
   */
  readonly stoppedItems?: 'omit' | 'fail';
  /** Allow Decrypt with Deactivated and Compromised keys (the spec allows it; PyKMIP does not). Default false. */
  readonly decryptWhenDeactivated?: boolean;
  /** Vendor Identification answered to Query. Default 'kmip-kms dev server'. */
  readonly vendorIdentification?: string;
}

export const DEV_SERVER_VENDOR = 'kmip-kms dev server';

/** The engine's environment, shared by the operations. */
export interface Env {
  readonly store: KeyStore;
  readonly versions: readonly ProtocolVersion[];
  readonly behaviour: DevServerBehaviour;
  readonly logger: Logger;
}

/** One request message being processed. */
export interface Ctx {
  readonly version: ProtocolVersion;
  readonly v2: boolean;
  /** KMIP 1.4 or later (attributes Sensitive, Extractable, ... exist). */
  readonly v14: boolean;
  readonly owner: string;
  /** Seconds. */
  readonly now: number;
  placeholder: string | undefined;
  /** Last id produced per operation in this message (2.x Unique Identifier enumerations). */
  readonly byOp: Map<number, string>;
  mutated: boolean;
}

/** One operation: its request payload in, its response payload out (or a KmipFault thrown). */
export type OperationHandler = (env: Env, p: StructureItem, ctx: Ctx) => TtlvItem[];

export const s = (tag: number, value: TtlvItem[]): StructureItem => ({ tag, type: 0x01, value });
export const txt = (tag: number, value: string): TtlvItem => ({ tag, type: 0x07, value });
export const en = (tag: number, value: number): TtlvItem => ({ tag, type: 0x05, value });
export const int = (tag: number, value: number): TtlvItem => ({ tag, type: 0x02, value });
export const long = (tag: number, value: bigint): TtlvItem => ({ tag, type: 0x03, value });
export const bool = (tag: number, value: boolean): TtlvItem => ({ tag, type: 0x06, value });
export const bytes = (tag: number, value: Buffer): TtlvItem => ({ tag, type: 0x08, value });
export const date = (tag: number, seconds: number): TtlvItem => ({ tag, type: 0x09, value: BigInt(seconds) });
export const interval = (tag: number, seconds: number): TtlvItem => ({ tag, type: 0x0a, value: seconds });
export const versionItem = (v: ProtocolVersion): StructureItem =>
  s(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, v.major), int(Tag.ProtocolVersionMinor, v.minor)]);

export const fault = (reason: number, message: string): KmipFault => new KmipFault(reason, message);

export function enumLabel(tag: number, v: number): string {
  const n = enumName(tag, v);
  return n ? spacedName(n) : `0x${v.toString(16)}`;
}

export const stateLabel = (st: number): string => (st === State.PreActive ? 'Pre-Active' : enumLabel(Tag.State, st));

/** Applies date-driven transitions (Activation Date / Deactivation Date reached). */
export function refreshState(o: KeyObject, now: number): void {
  if (o.state === State.PreActive && o.activationDate !== undefined && o.activationDate <= now) o.state = State.Active;
  if ((o.state === State.PreActive || o.state === State.Active) && o.deactivationDate !== undefined && o.deactivationDate <= now) {
    o.state = State.Deactivated;
  }
}

/** The Unique Identifier of a request payload, or the ID Placeholder. */
export function uidOf(p: StructureItem, ctx: Ctx, where: string): string {
  const it = first(p, Tag.UniqueIdentifier);
  if (it === undefined) {
    if (ctx.placeholder === undefined) {
      throw fault(ResultReason.MissingData, `${where}: no Unique Identifier given and no ID Placeholder set by an earlier item of this request message`);
    }
    return ctx.placeholder;
  }
  if (it.type === 0x07) return it.value;
  if (it.type === 0x05) {
    let id: string | undefined;
    if (it.value === UniqueIdentifier.IDPlaceholder) id = ctx.placeholder;
    else if (it.value === UniqueIdentifier.Create) id = ctx.byOp.get(Operation.Create);
    else if (it.value === UniqueIdentifier.Locate) id = ctx.byOp.get(Operation.Locate);
    else if (it.value === UniqueIdentifier.Register) id = ctx.byOp.get(Operation.Register);
    else throw fault(ResultReason.InvalidField, `${where}: Unique Identifier ${enumLabel(Tag.UniqueIdentifier, it.value)} is not supported`);
    if (id === undefined) {
      throw fault(ResultReason.MissingData, `${where}: Unique Identifier ${enumLabel(Tag.UniqueIdentifier, it.value)} refers to nothing in this request message`);
    }
    return id;
  }
  return typed(it, 0x07, where).value;
}

/** The object `uid` if `ctx.owner` owns it; Item Not Found otherwise (as for an unknown id). */
export function owned(env: Env, uid: string, ctx: Ctx): KeyObject {
  const o = env.store.get(uid);
  if (o === undefined || o.owner !== ctx.owner) throw fault(ResultReason.ItemNotFound, `object ${uid} not found`);
  refreshState(o, ctx.now);
  return o;
}

export function destroyedFault(uid: string, ctx: Ctx): KmipFault {
  return fault(ctx.v2 ? ResultReason.ObjectDestroyed : ResultReason.ItemNotFound, `object ${uid} has been destroyed: its key material is gone`);
}

/** Records `uid` as the ID Placeholder and as the result of `op` in this message. */
export function produced(ctx: Ctx, op: number, uid: string): void {
  ctx.placeholder = uid;
  ctx.byOp.set(op, uid);
}
