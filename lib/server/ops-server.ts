/**
 * Dev server operations about the server itself: Discover Versions and Query
 * (Operations, Objects, Server Information, Application Namespaces — none —,
 * and from 1.3/1.4 on RNGs, Profiles and Capabilities).
 */
import { ObjectType, Operation, ProfileName, QueryFunction, RNGAlgorithm } from '../kmip/enums';
import { compareVersions, type ProtocolVersion } from '../kmip/protocol';
import { Tag } from '../kmip/tags';
import type { StructureItem, TtlvItem } from '../ttlv';
import { bool, DEV_SERVER_VENDOR, en, s, txt, versionItem, type Ctx, type Env } from './context';
import { all, optInt, typed } from './read';

export const SUPPORTED_OPERATIONS: readonly number[] = [
  Operation.Create,
  Operation.Register,
  Operation.Locate,
  Operation.Check,
  Operation.Get,
  Operation.GetAttributes,
  Operation.GetAttributeList,
  Operation.AddAttribute,
  Operation.ModifyAttribute,
  Operation.DeleteAttribute,
  Operation.Activate,
  Operation.Revoke,
  Operation.Destroy,
  Operation.Query,
  Operation.DiscoverVersions,
  Operation.Encrypt,
  Operation.Decrypt,
  Operation.RNGRetrieve,
  Operation.RNGSeed,
];

/** 2.x only. */
export const SUPPORTED_OPERATIONS_2X: readonly number[] = [Operation.SetAttribute];

function readVersion(item: TtlvItem): ProtocolVersion {
  const pv = typed(item, 0x01, 'Discover Versions');
  return { major: optInt(pv, Tag.ProtocolVersionMajor, 'Discover Versions') ?? 0, minor: optInt(pv, Tag.ProtocolVersionMinor, 'Discover Versions') ?? 0 };
}

export function discoverVersions(env: Env, p: StructureItem, _ctx: Ctx): TtlvItem[] {
  const offered = all(p, Tag.ProtocolVersion).map(readVersion);
  const answer = offered.length === 0 ? env.versions : env.versions.filter((v) => offered.some((o) => compareVersions(o, v) === 0));
  return answer.map(versionItem);
}

/** The server profiles claimed, by the version of the request. */
function profiles(ctx: Ctx): number[] {
  if (ctx.v2) return [ProfileName.BaselineServer, ProfileName.SymmetricKeyLifecycleServer, ProfileName.BasicCryptographicServer];
  if (ctx.version.minor >= 4) return [ProfileName.BaselineServerBasicKMIPV1_4, ProfileName.SymmetricKeyLifecycleServerKMIPV1_4, ProfileName.BasicCryptographicServerKMIPV1_4];
  if (ctx.version.minor === 3) return [ProfileName.BaselineServerBasicKMIPV1_3, ProfileName.SymmetricKeyLifecycleServerKMIPV1_3, ProfileName.BasicCryptographicServerKMIPV1_3];
  return [ProfileName.BaselineServerBasicKMIPV1_2, ProfileName.SymmetricKeyLifecycleServerKMIPV1_2, ProfileName.BasicCryptographicServerKMIPV1_2];
}

export function query(env: Env, p: StructureItem, ctx: Ctx): TtlvItem[] {
  const fns = new Set(all(p, Tag.QueryFunction).map((f) => typed(f, 0x05, 'Query').value));
  const out: TtlvItem[] = [];
  const atLeast = (minor: number): boolean => ctx.v2 || ctx.version.minor >= minor;
  if (fns.has(QueryFunction.QueryOperations)) {
    for (const op of SUPPORTED_OPERATIONS) out.push(en(Tag.Operation, op));
    if (ctx.v2) for (const op of SUPPORTED_OPERATIONS_2X) out.push(en(Tag.Operation, op));
  }
  if (fns.has(QueryFunction.QueryObjects)) out.push(en(Tag.ObjectType, ObjectType.SymmetricKey), en(Tag.ObjectType, ObjectType.SecretData));
  if (fns.has(QueryFunction.QueryServerInformation)) {
    out.push(txt(Tag.VendorIdentification, env.behaviour.vendorIdentification ?? DEV_SERVER_VENDOR));
    out.push(
      s(Tag.ServerInformation, [
        txt(Tag.ServerName, 'kmip-kms development server'),
        txt(Tag.ProductName, 'kmip-kms dev server (development and tests only, NOT an appliance)'),
        txt(Tag.ServerVersion, env.versions.map((v) => `${v.major}.${v.minor}`).join(' ')),
      ]),
    );
  }
  // Query Application Namespaces: none supported, nothing to list.
  if (fns.has(QueryFunction.QueryRNGs) && atLeast(3)) out.push(s(Tag.RNGParameters, [en(Tag.RNGAlgorithm, RNGAlgorithm.DRBG)]));
  if (fns.has(QueryFunction.QueryProfiles) && atLeast(3)) {
    for (const name of profiles(ctx)) out.push(s(Tag.ProfileInformation, [en(Tag.ProfileName, name)]));
  }
  if (fns.has(QueryFunction.QueryCapabilities) && atLeast(4)) {
    out.push(
      s(Tag.CapabilityInformation, [bool(Tag.StreamingCapability, false), bool(Tag.AsynchronousCapability, false), bool(Tag.AttestationCapability, false)]),
    );
  }
  return out;
}
