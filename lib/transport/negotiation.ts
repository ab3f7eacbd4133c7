/**
 * What a new connection asks its server before it takes requests: Discover
 * Versions (pick the first version the server answers that we offered and is
 * at least KMIP 1.2), then Query (operations, object types, vendor and server
 * information) unless skipQuery. The connection sends; this checks the answers
 * and turns a refusal into a typed error.
 */
import { KmipOperationError, KmipVersionError } from '../errors';
import { discoverVersions, query, QueryFunction } from '../kmip/operations';
import { compareVersions, resultReasonName, resultStatusName, versionString, type ProtocolVersion, type ResponseBatchItem } from '../kmip/protocol';
import { MINIMUM_VERSION } from './options';
import type { TransportResponse, WireOperation } from './request';

export const AUTHENTICATION_NOT_SUCCESSFUL = 0x03;

/** Sends one internal request message on the connection being set up. */
export type SetupSend = (op: WireOperation, version: ProtocolVersion) => Promise<TransportResponse>;

export interface QueriedInfo {
  vendor?: string;
  operations?: number[];
  objectTypes?: number[];
  serverInformation?: unknown;
}

/** Discover Versions with `offer`, most preferred first: the version to speak on this connection. */
export async function discoverVersion(label: string, offer: readonly ProtocolVersion[], send: SetupSend): Promise<ProtocolVersion> {
  const header1x = offer.find((v) => v.major === 1) ?? { major: 1, minor: 4 };
  const dv = discoverVersions(offer);
  const r = await send(dv, header1x);
  const item = r.items[0]!;
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
      `KMIP server ${label} refused Discover Versions (${resultReasonName(item.reason) ?? 'no reason'}${item.message ? `: ${item.message}` : ''}); KMIP 1.2 or later is required`,
    );
  }
  const answered = dv.read(item.payload, header1x);
  const chosen = answered.find((v) => offer.some((o) => compareVersions(o, v) === 0) && compareVersions(v, MINIMUM_VERSION) >= 0);
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
