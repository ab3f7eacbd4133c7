/**
 * Transport settings: the options a caller passes, their defaults, and
 * resolveTransportOptions, which checks them where they enter with the one
 * validator (`settings/validate.ts`, shared with the backend's configuration:
 * a bad one is a KmipConfigError), reads PEM files once and builds the TLS
 * secure context once.
 */
import type { SecureContext } from 'node:tls';
import { KmipConfigError } from '../errors';
import { safeLog, type Logger } from '../logger';
import { KMIP_VERSIONS_2_0_TO_1_2, type ProtocolVersion } from '../kmip/protocol';
import { draftFromOptions } from './settings/from-options';
import { secureContextOf, validateTransport } from './settings/validate';
import type { Warn } from './settings/values';

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
  /** Cap of the exponential delay. Default 500 ms (a restarted server is used within about a second). */
  readonly maxDelayMs?: number;
  /** Random spread, 0..1, applied as ±jitter. Default 0.2. */
  readonly jitter?: number;
}

/** `spread`: least outstanding requests among usable hosts, ties round robin. `failover`: the first usable host, in order. */
export type HostSelection = 'spread' | 'failover';

export interface TransportOptions {
  /** Servers (an appliance cluster when several); with `failover`, in order of preference. */
  readonly hosts: readonly HostAddress[];
  /** How hosts share the requests. Default `spread`. */
  readonly hostSelection?: HostSelection;
  /** A host whose connection has requests outstanding and received nothing for this long is suspect. Default 2000 ms; 0 = never. */
  readonly suspectAfterMs?: number;
  /** With every host down, how long requests wait for one to come back before failing fast. Default 1000 ms. */
  readonly allDownGraceMs?: number;
  /** With `spread`, how long requests on a key created by this process prefer the node that created it. Default 30 000 ms; 0 = off. */
  readonly affinityTtlMs?: number;
  readonly tls: TlsOptions;
  /** Request messages in flight per connection. Default 8; 0 means 1 (with a warning). */
  readonly pipelineDepth?: number;
  /** Connections per host. Default 1. */
  readonly poolSize?: number;
  /**
   * KMIP batching: when more requests wait than the connection has free
   * pipeline slots, up to this many single-operation idempotent requests
   * (Encrypt, Decrypt, Get, ...) share one request message (each batch item
   * with its own Unique Batch Item ID, Batch Error Continuation Option
   * Continue; each caller gets its own item's answer). Default 1: off.
   * `kmip-kms probe` checks that the server answers batches correctly.
   */
  readonly batchSize?: number;
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
  readonly hostSelection: HostSelection;
  readonly suspectAfterMs: number;
  readonly allDownGraceMs: number;
  readonly affinityTtlMs: number;
  readonly tls: TlsOptions;
  readonly pipelineDepth: number;
  readonly poolSize: number;
  readonly batchSize: number;
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
  /** Built once from `tls` at construction (key, cert, passphrase, ca, ciphers, versions); every connection uses it. */
  readonly secureContext: SecureContext;
}

export type TimeoutPhaseOption = 'connect' | 'handshake' | 'negotiation';

function clampInt(v: number | undefined, dflt: number, min: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < min) throw new KmipConfigError(`${name} must be a number >= ${min}, got ${String(v)}`, name);
  return Math.floor(v);
}

/**
 * Checks the options where they enter, with the same validator as the
 * backend's configuration (a bad one is a KmipConfigError naming it, before
 * anything connects), reads PEM files once, builds the TLS secure context
 * once, and applies the defaults.
 */
export function resolveTransportOptions(o: TransportOptions, logger: Logger): ResolvedTransportOptions {
  const warn: Warn = (message, key) => safeLog(logger, 'warn', `KMIP configuration: ${message}`, { key });
  const v = validateTransport(draftFromOptions(o, warn), warn);
  const secureContext = secureContextOf(v.tls);
  if (!secureContext) throw new KmipConfigError('KMIP configuration: tls could not be prepared', 'tls');
  if (v.tls.rejectUnauthorized === false) {
    safeLog(logger, 'warn', 'KMIP TLS server certificate verification is DISABLED (rejectUnauthorized: false); do not use this in production');
  }
  const rc = v.reconnect ?? {};
  return {
    hosts: v.hosts,
    hostSelection: v.hostSelection ?? 'spread',
    suspectAfterMs: v.suspectAfterMs ?? 2000,
    allDownGraceMs: v.allDownGraceMs ?? 1000,
    affinityTtlMs: v.affinityTtlMs ?? 30000,
    tls: v.tls,
    secureContext,
    pipelineDepth: v.pipelineDepth ?? 8,
    poolSize: v.poolSize ?? 1,
    batchSize: v.batchSize ?? 1,
    maxQueueLength: v.maxQueueLength ?? 10000,
    connectTimeoutMs: v.connectTimeoutMs ?? 5000,
    handshakeTimeoutMs: v.handshakeTimeoutMs ?? 5000,
    queueTimeoutMs: v.queueTimeoutMs ?? 10000,
    requestTimeoutMs: v.requestTimeoutMs ?? 15000,
    idleTimeoutMs: v.idleTimeoutMs ?? 60000,
    reconnect: {
      baseDelayMs: rc.baseDelayMs ?? 100,
      maxDelayMs: rc.maxDelayMs ?? 500,
      jitter: rc.jitter ?? 0.2,
    },
    protocolVersions: v.protocolVersions ?? DEFAULT_VERSIONS,
    skipQuery: v.skipQuery ?? false,
    maxMessageBytes: v.maxMessageBytes ?? 16 * 1024 * 1024,
    timerResolutionMs: clampInt(o.timerResolutionMs, 25, 1, 'timerResolutionMs'),
    logMessages: v.logMessages ?? false,
  };
}
