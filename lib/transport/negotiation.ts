/**
 * What a new connection asks its server before it takes requests: Discover
 * Versions with the lowest offered 1.x version in its header (pick the first
 * version the server answers that we offered and is at least KMIP 1.2; after
 * Invalid Message, the versions one at a time), then Query (operations,
 * object types, vendor and server information) unless skipQuery. The connection sends; this checks the answers
 * and turns a refusal into a typed error.
 */
import { KmipOperationError, KmipVersionError } from '../errors';
import { discoverVersions, query, QueryFunction } from '../kmip/operations';
import { compareVersions, resultReasonName, resultStatusName, versionString, type ProtocolVersion, type ResponseBatchItem } from '../kmip/protocol';
import { MINIMUM_VERSION } from './options';
import type { TransportResponse, WireOperation } from './request';

export const AUTHENTICATION_NOT_SUCCESSFUL = 0x03;
const INVALID_MESSAGE = 0x04;

/** Sends one internal request message on the connection being set up. */
export type SetupSend = (op: WireOperation, version: ProtocolVersion) => Promise<TransportResponse>;

export interface QueriedInfo {
  vendor?: string;
  operations?: number[];
  objectTypes?: number[];
  serverInformation?: unknown;
}

/**
 * The Discover Versions request header: the lowest 1.x version offered (1.2
 * when none is). KMIP 1.x only promises backward compatibility (§6.1), and
 * strict servers refuse a header above their own version before reading the
 * payload.
 */
export function discoverHeader(offer: readonly ProtocolVersion[]): ProtocolVersion {
  let header: ProtocolVersion | undefined;
  for (const v of offer) if (v.major === 1 && (header === undefined || compareVersions(v, header) < 0)) header = v;
  return header ?? MINIMUM_VERSION;
}

/** The server's most preferred answered version that we offered, 1.2 or later. */
function pick(offer: readonly ProtocolVersion[], answered: readonly ProtocolVersion[]): ProtocolVersion | undefined {
  return answered.find((v) => offer.some((o) => compareVersions(o, v) === 0) && compareVersions(v, MINIMUM_VERSION) >= 0);
}

const said = (it: ResponseBatchItem): string => `${resultReasonName(it.reason) ?? 'no reason'}${it.message ? `: ${it.message}` : ''}`;

/**
 * Discover Versions with `offer`, most preferred first: the version to speak
 * on this connection. When the server answers Invalid Message (some refuse an
 * offer listing a version they do not know), once more offering the versions
 * one at a time, with the same header, before giving up.
 */
export async function discoverVersion(label: string, offer: readonly ProtocolVersion[], send: SetupSend): Promise<ProtocolVersion> {
  const header = discoverHeader(offer);
  const ask = async (versions: readonly ProtocolVersion[]): Promise<{ item: ResponseBatchItem; answered: ProtocolVersion[] }> => {
    const dv = discoverVersions(versions);
    const item = (await send(dv, header)).items[0]!;
    return { item, answered: item.status === 0 ? dv.read(item.payload, header) : [] };
  };
  let { item, answered } = await ask(offer);
  let chosen = pick(offer, answered);
  if (item.status !== 0 && item.reason === INVALID_MESSAGE) {
    const first = said(item);
    for (const v of offer) {
      ({ item, answered } = await ask([v]));
      chosen = pick(offer, answered);
      if (chosen || (item.status !== 0 && item.reason !== INVALID_MESSAGE)) break;
    }
    if (!chosen && item.status !== 0 && item.reason === INVALID_MESSAGE) {
      throw new KmipVersionError(
        `KMIP server ${label} refused Discover Versions with a ${versionString(header)} request header, offering ` +
          `${offer.map(versionString).join(', ')} at once then one at a time; the server said: ${first}` +
          (said(item) !== first ? ` (then: ${said(item)})` : '') +
          '; KMIP 1.2 or later is required',
      );
    }
  }
  if (item.status !== 0 && item.reason === AUTHENTICATION_NOT_SUCCESSFUL) {
    throw new KmipOperationError(
      'Discover Versions',
      resultStatusName(item.status),
      resultReasonName(item.reason),
      item.message,
      `KMIP server ${label} did not accept our client certificate: it must be signed by a CA the server trusts, ` +
        'carry extendedKeyUsage clientAuth, and name a user the server knows',
    );
  }
  if (item.status !== 0) {
    throw new KmipVersionError(
      `KMIP server ${label} refused Discover Versions (${said(item)}) offering ${offer.map(versionString).join(', ')}; KMIP 1.2 or later is required`,
    );
  }
  if (!chosen) {
    const offered = offer.map(versionString).join(', ');
    throw new KmipVersionError(
      answered.length === 0
        ? `KMIP server ${label} supports none of the offered protocol versions (${offered}); KMIP 1.2 or later is required`
        : `KMIP server ${label} offers only KMIP ${answered.map(versionString).join(', ')}; KMIP 1.2 or later is required (offered ${offered})`,
    );
  }
  return chosen;
}

/** Query in `version`: the server's information, or the refusing batch item (the connection goes on without it). */
export async function queryServer(version: ProtocolVersion, send: SetupSend): Promise<{ info: QueriedInfo; refused: ResponseBatchItem | undefined }> {
  const q = query([QueryFunction.QueryOperations, QueryFunction.QueryObjects, QueryFunction.QueryServerInformation]);
  const qr = await send(q, version);
  const qi = qr.items[0]!;
  if (qi.status !== 0) return { info: {}, refused: qi };
  const res = q.read(qi.payload, version);
  const info: QueriedInfo = { operations: res.operations, objectTypes: res.objectTypes, serverInformation: res.serverInformation };
  if (res.vendorIdentification !== undefined) info.vendor = res.vendorIdentification;
  return { info, refused: undefined };
}
