/**
 * A strict KMIP 1.x server, as some independent implementations are (a Go
 * KMIP library restricted to 1.2 or 1.3 was seen doing this): it reads the
 * request header first and refuses a protocol version above its own before
 * looking at the payload, answering Invalid Message "Unsupported protocol
 * version" in a batch item with neither Operation nor Unique Batch Item ID.
 * With `refuseUnknownOffered` it also refuses (the same way) a Discover
 * Versions that offers a version it does not know.
 *
 * Built on the fault server (so on our codec): `strictVersionServer(h, ...)`
 * returns a FaultServer whose script does the refusing; what it accepts is
 * answered by the fault server's normal answers.
 */
import type { ProtocolVersion } from '../../lib/kmip/protocol';
import { encodeResponse, OP, REASON, STATUS, type FaultServer, type ReceivedRequest } from './fault-server';
import { Tag } from '../../lib/kmip/tags';

export interface StrictVersionOptions {
  /** Highest header version accepted, and the versions spoken (this one down to 1.0's floor, 1.2). Default 1.2. */
  readonly max?: ProtocolVersion;
  /** Refuse a Discover Versions offering any version it does not speak. Default false. */
  readonly refuseUnknownOffered?: boolean;
}

const cmp = (a: ProtocolVersion, b: ProtocolVersion): number => a.major - b.major || a.minor - b.minor;

export const UNSUPPORTED_VERSION_MESSAGE = 'Unsupported protocol version';

/** The versions a strict server up to `max` speaks: max down to 1.2. */
export function spokenUpTo(max: ProtocolVersion): ProtocolVersion[] {
  const out: ProtocolVersion[] = [];
  for (let m = max.minor; m >= 2; m--) out.push({ major: 1, minor: m });
  return out;
}

function offered(req: ReceivedRequest): ProtocolVersion[] {
  const out: ProtocolVersion[] = [];
  for (const p of req.items[0]!.payload) {
    if (p.tag !== Tag.ProtocolVersion || p.type !== 0x01) continue;
    let major = -1;
    let minor = -1;
    for (const f of p.value) {
      if (f.tag === Tag.ProtocolVersionMajor && f.type === 0x02) major = f.value;
      if (f.tag === Tag.ProtocolVersionMinor && f.type === 0x02) minor = f.value;
    }
    out.push({ major, minor });
  }
  return out;
}

/** Installs the strict behaviour on `srv` (its `versions` become what it speaks). */
export function makeStrict(srv: FaultServer, opts: StrictVersionOptions = {}): FaultServer {
  const max = opts.max ?? { major: 1, minor: 2 };
  const spoken = spokenUpTo(max);
  srv.versions = spoken;
  const refuse = { raw: encodeResponse(max, [{ id: null, status: STATUS.OperationFailed, reason: REASON.InvalidMessage, message: UNSUPPORTED_VERSION_MESSAGE }]) };
  srv.script = {
    onRequest: (req) => {
      if (cmp(req.version, max) > 0) return refuse;
      if (opts.refuseUnknownOffered && req.operation === OP.DiscoverVersions) {
        if (offered(req).some((o) => !spoken.some((s) => cmp(s, o) === 0))) return refuse;
      }
      return 'answer';
    },
  };
  return srv;
}
