import type { Logger } from '../logger';
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
