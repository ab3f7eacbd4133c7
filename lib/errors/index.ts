/**
 * The module's error classes. One base class with a stable `code`; subclasses
 * by what a caller does about them. Messages never contain key material.
 */

export type KmipErrorCode =
  | 'KMIP_PROTOCOL'
  | 'KMIP_CONNECTION'
  | 'KMIP_TLS'
  | 'KMIP_TIMEOUT'
  | 'KMIP_CLOSED'
  | 'KMIP_QUEUE_FULL'
  | 'KMIP_INVALID_ARGUMENT'
  | 'KMIP_CONFIG'
  | 'KMIP_OPERATION_FAILED'
  | 'KMIP_OUTCOME_UNKNOWN'
  | 'KMIP_VERSION_UNSUPPORTED';

export class KmipError extends Error {
  override name = 'KmipError';
  readonly code: KmipErrorCode;

  constructor(code: KmipErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = code;
  }
}

/** The peer sent bytes or a message that break the protocol; the connection was closed. */
export class KmipProtocolError extends KmipError {
  override name = 'KmipProtocolError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('KMIP_PROTOCOL', message, options);
  }
}

/** The connection could not be made or was lost. */
export class KmipConnectionError extends KmipError {
  override name = 'KmipConnectionError';
  readonly host: string | undefined;
  /** When every configured host is down: how many hosts that is (a cluster). */
  readonly hostsDown: number | undefined;
  constructor(message: string, options?: { cause?: unknown; host?: string; code?: 'KMIP_CONNECTION' | 'KMIP_TLS'; hostsDown?: number }) {
    super(options?.code ?? 'KMIP_CONNECTION', message, options);
    this.host = options?.host;
    this.hostsDown = options?.hostsDown;
  }
}

/** TLS handshake or certificate problem (ours or the server's). */
export class KmipTlsError extends KmipConnectionError {
  override name = 'KmipTlsError';
  constructor(message: string, options?: { cause?: unknown; host?: string }) {
    super(message, { ...options, code: 'KMIP_TLS' });
  }
}

export type TimeoutPhase = 'connect' | 'handshake' | 'negotiation' | 'queue' | 'request';

/** A deadline passed. `phase` says which one. */
export class KmipTimeoutError extends KmipError {
  override name = 'KmipTimeoutError';
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;
  constructor(phase: TimeoutPhase, timeoutMs: number, message: string, options?: { cause?: unknown }) {
    super('KMIP_TIMEOUT', message, options);
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** The client was closed. */
export class KmipClosedError extends KmipError {
  override name = 'KmipClosedError';
  constructor(message = 'KMIP client is closed') {
    super('KMIP_CLOSED', message);
  }
}

/** Too many requests waiting; back off. */
export class KmipQueueFullError extends KmipError {
  override name = 'KmipQueueFullError';
  constructor(limit: number) {
    super('KMIP_QUEUE_FULL', `KMIP request queue is full (${limit} waiting)`);
  }
}

/** A caller passed something unusable; nothing was sent. */
export class KmipInvalidArgumentError extends KmipError {
  override name = 'KmipInvalidArgumentError';
  constructor(message: string) {
    super('KMIP_INVALID_ARGUMENT', message);
  }
}

/** The configuration is unusable. `key` names the setting. */
export class KmipConfigError extends KmipError {
  override name = 'KmipConfigError';
  readonly key: string | undefined;
  constructor(message: string, key?: string) {
    super('KMIP_CONFIG', message);
    this.key = key;
  }
}

/** The server answered with a failure. Result Message is verbatim. */
export class KmipOperationError extends KmipError {
  override name = 'KmipOperationError';
  readonly operation: string;
  readonly resultStatus: string;
  readonly resultReason: string | undefined;
  readonly resultMessage: string | undefined;
  /** `hint`: what the caller can do about it, appended to the message. */
  constructor(operation: string, resultStatus: string, resultReason: string | undefined, resultMessage: string | undefined, hint?: string) {
    super(
      'KMIP_OPERATION_FAILED',
      `KMIP ${operation} failed: ${resultStatus}${resultReason ? ` / ${resultReason}` : ''}${resultMessage ? `: ${resultMessage}` : ''}` +
        (hint ? ` (${hint})` : ''),
    );
    this.operation = operation;
    this.resultStatus = resultStatus;
    this.resultReason = resultReason;
    this.resultMessage = resultMessage;
  }
}

/** A non-idempotent request was on the wire when its connection was lost: it may or may not have been done. */
export class KmipOutcomeUnknownError extends KmipError {
  override name = 'KmipOutcomeUnknownError';
  readonly operations: readonly string[];
  constructor(operations: readonly string[], options?: { cause?: unknown }) {
    super(
      'KMIP_OUTCOME_UNKNOWN',
      `outcome of ${operations.join('+')} is unknown: the connection was lost while the request was on the wire` +
        (options?.cause instanceof Error ? ` (${options.cause.message})` : ''),
      options,
    );
    this.operations = operations;
  }
}

/** The server offers no KMIP version we accept (1.2 or later). */
export class KmipVersionError extends KmipError {
  override name = 'KmipVersionError';
  constructor(message: string) {
    super('KMIP_VERSION_UNSUPPORTED', message);
  }
}
