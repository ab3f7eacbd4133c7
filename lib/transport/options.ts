/**
 * Transport settings: the options a caller passes, their defaults, and
 * resolveTransportOptions, which checks them where they enter (a bad one is a
 * KmipConfigError) and reads PEM files once.
 */
import * as fs from 'node:fs';
import { KmipConfigError } from '../errors';
import { safeLog, type Logger } from '../logger';
import { KMIP_VERSIONS_2_0_TO_1_2, type ProtocolVersion } from '../kmip/protocol';

export type PemInput = string | Buffer;

export interface TlsOptions {
  /** CA certificates trusted for the server: PEM contents, or file paths. */
  readonly ca?: PemInput | readonly PemInput[];
  /** Client certificate chain (PEM contents or a file path). */
  readonly cert?: PemInput;
  /** Client private key (PEM contents or a file path). */
  readonly key?: PemInput;
  readonly passphrase?: string;
  /** SNI and certificate name to check; default the host name. */
  readonly servername?: string;
  /** Verify the server certificate and host name (default true). Turning it off is logged as a warning. */
  readonly rejectUnauthorized?: boolean;
  /** OpenSSL cipher list. */
  readonly ciphers?: string;
  /** Minimum TLS version (default and floor TLSv1.2). */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface HostAddress {
  readonly host: string;
  readonly port: number;
}

export interface ReconnectOptions {
  /** First delay after a failed connection attempt. Default 100 ms. */
  readonly baseDelayMs?: number;
  /** Cap of the exponential delay. Default 10 000 ms. */
  readonly maxDelayMs?: number;
  /** Random spread, 0..1, applied as ±jitter. Default 0.2. */
  readonly jitter?: number;
}

export interface TransportOptions {
  /** Servers, in order of preference: the first is the default, the others take over while it is down. */
  readonly hosts: readonly HostAddress[];
  readonly tls: TlsOptions;
  /** Request messages in flight per connection. Default 8; 0 means 1 (with a warning). */
  readonly pipelineDepth?: number;
  /** Connections per host. Default 1. */
  readonly poolSize?: number;
  /** Requests allowed to wait for a connection slot. Default 10 000; beyond, requests fail at once. */
  readonly maxQueueLength?: number;
  readonly connectTimeoutMs?: number;
  readonly handshakeTimeoutMs?: number;
  /** How long a request may wait in the queue before it is written. Default 10 000 ms. */
  readonly queueTimeoutMs?: number;
  /** How long a written request may wait for its answer. Default 15 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Close a connection unused for this long. Default 60 000 ms; 0 keeps it forever. */
  readonly idleTimeoutMs?: number;
  readonly reconnect?: ReconnectOptions;
  /** Versions offered in Discover Versions, most preferred first. Default 2.0, 1.4, 1.3, 1.2. */
  readonly protocolVersions?: readonly ProtocolVersion[];
  /** Skip Query after negotiation. Default false. */
  readonly skipQuery?: boolean;
  /** Largest response message accepted. Default 16 MiB. */
  readonly maxMessageBytes?: number;
  /** Granularity of the shared deadline sweep. Default 25 ms. */
  readonly timerResolutionMs?: number;
  /** Connection-level events. */
  readonly logger?: Logger;
  /** Log every message as a redacted TTLV tree at trace (or debug) level. Default false. */
  readonly logMessages?: boolean;
}

export const DEFAULT_PORT = 5696;
export const DEFAULT_VERSIONS: readonly ProtocolVersion[] = KMIP_VERSIONS_2_0_TO_1_2;
export const MINIMUM_VERSION: ProtocolVersion = { major: 1, minor: 2 };

export interface ResolvedTransportOptions {
  readonly hosts: readonly HostAddress[];
  readonly tls: TlsOptions;
  readonly pipelineDepth: number;
  readonly poolSize: number;
  readonly maxQueueLength: number;
  readonly connectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly queueTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly reconnect: Required<ReconnectOptions>;
  readonly protocolVersions: readonly ProtocolVersion[];
  readonly skipQuery: boolean;
  readonly maxMessageBytes: number;
  readonly timerResolutionMs: number;
  readonly logMessages: boolean;
}

export type TimeoutPhaseOption = 'connect' | 'handshake' | 'negotiation';

function readPem(input: PemInput, what: string): string | Buffer {
  if (Buffer.isBuffer(input)) return input;
  if (input.includes('-----BEGIN')) return input;
  try {
    return fs.readFileSync(input);
  } catch (err) {
    throw new KmipConfigError(`cannot read ${what} file ${JSON.stringify(input)}: ${(err as Error).message}`, what);
  }
}

function clampInt(v: number | undefined, dflt: number, min: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < min) throw new KmipConfigError(`${name} must be a number >= ${min}, got ${String(v)}`, name);
  return Math.floor(v);
}

export function resolveTransportOptions(o: TransportOptions, logger: Logger): ResolvedTransportOptions {
  if (!o || !Array.isArray(o.hosts) || o.hosts.length === 0) throw new KmipConfigError('at least one KMIP server host is required', 'hosts');
  for (const h of o.hosts) {
    if (typeof h.host !== 'string' || h.host.length === 0) throw new KmipConfigError('every host needs a non-empty host name', 'hosts');
    if (!Number.isInteger(h.port) || h.port < 1 || h.port > 65535) throw new KmipConfigError(`port must be 1..65535, got ${String(h.port)}`, 'port');
  }
  let depth = o.pipelineDepth ?? 8;
  if (!Number.isInteger(depth) || depth < 0) throw new KmipConfigError(`pipelineDepth must be a non-negative integer, got ${String(depth)}`, 'pipelineDepth');
  if (depth === 0) {
    safeLog(logger, 'warn', 'KMIP pipelineDepth 0 is invalid; using 1', { pipelineDepth: 0 });
    depth = 1;
  }
  const versions = o.protocolVersions ?? DEFAULT_VERSIONS;
  if (versions.length === 0) throw new KmipConfigError('protocolVersions must not be empty', 'protocolVersions');
  const t = o.tls ?? {};
  const tlsOpts = {
    ...t,
    ca: t.ca === undefined ? undefined : (Array.isArray(t.ca) ? t.ca : [t.ca]).map((c: PemInput) => readPem(c, 'ca')),
    cert: t.cert === undefined ? undefined : readPem(t.cert, 'cert'),
    key: t.key === undefined ? undefined : readPem(t.key, 'key'),
  };
  if ((tlsOpts.cert === undefined) !== (tlsOpts.key === undefined)) {
    throw new KmipConfigError('tls.cert and tls.key must be given together', tlsOpts.cert === undefined ? 'cert' : 'key');
  }
  if (t.rejectUnauthorized === false) {
    safeLog(logger, 'warn', 'KMIP TLS server certificate verification is DISABLED (rejectUnauthorized: false); do not use this in production');
  }
  const rc = o.reconnect ?? {};
  return {
    hosts: o.hosts,
    tls: tlsOpts as ResolvedTransportOptions['tls'],
    pipelineDepth: depth,
    poolSize: clampInt(o.poolSize, 1, 1, 'poolSize'),
    maxQueueLength: clampInt(o.maxQueueLength, 10000, 0, 'maxQueueLength'),
    connectTimeoutMs: clampInt(o.connectTimeoutMs, 5000, 1, 'connectTimeoutMs'),
    handshakeTimeoutMs: clampInt(o.handshakeTimeoutMs, 5000, 1, 'handshakeTimeoutMs'),
    queueTimeoutMs: clampInt(o.queueTimeoutMs, 10000, 1, 'queueTimeoutMs'),
    requestTimeoutMs: clampInt(o.requestTimeoutMs, 15000, 1, 'requestTimeoutMs'),
    idleTimeoutMs: clampInt(o.idleTimeoutMs, 60000, 0, 'idleTimeoutMs'),
    reconnect: {
      baseDelayMs: clampInt(rc.baseDelayMs, 100, 0, 'reconnect.baseDelayMs'),
      maxDelayMs: clampInt(rc.maxDelayMs, 10000, 0, 'reconnect.maxDelayMs'),
      jitter: Math.min(1, Math.max(0, rc.jitter ?? 0.2)),
    },
    protocolVersions: versions,
    skipQuery: o.skipQuery ?? false,
    maxMessageBytes: clampInt(o.maxMessageBytes, 16 * 1024 * 1024, 64, 'maxMessageBytes'),
    timerResolutionMs: clampInt(o.timerResolutionMs, 25, 1, 'timerResolutionMs'),
    logMessages: o.logMessages ?? false,
  };
}
