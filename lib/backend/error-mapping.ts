/**
 * What the S3 client sees when the KMS fails: the mapping current host
 * versions (2025) use, with the host's own error objects.
 *
 * | failure | host error | description |
 * |---|---|---|
 * | the appliance answers Operation Failed / Item Not Found | `KMS.NotFoundException` | `KMS (KMIP) error for <Operation> on <key id or bucket>. Item Not Found: <Result Message>` |
 * | any other failure the appliance reports | `AccessDenied` (403) | `KMS (KMIP) error for <Operation> on <key id or bucket>. <Result Reason>: <Result Message>` |
 * | connection refused or lost, TLS failure, timeout, queue full, client closed | `ServiceUnavailable` (503) | `KMS (KMIP) error for <Operation> on <key id or bucket>: <what happened, in fixed words>` (every host of a cluster down: how many, never which) |
 * | protocol error, outcome unknown, unsupported version, invalid request, anything else | `InternalError` (500) | same form |
 *
 * Descriptions never name a host, IP address, port or file path (an S3
 * client must not learn the internal topology): only the appliance's own
 * Result Reason/Message, fixed words, or (for a request we refused) our
 * message about the request itself. The details go to the log
 * ({@link failureLogFields}).
 */
import {
  KmipClosedError,
  KmipConfigError,
  KmipConnectionError,
  KmipError,
  KmipInvalidArgumentError,
  KmipOperationError,
  KmipOutcomeUnknownError,
  KmipProtocolError,
  KmipQueueFullError,
  KmipTimeoutError,
  KmipTlsError,
  KmipVersionError,
} from '../errors';
import { hostHas, type HostError, type HostErrors } from './host-errors';

/** The KMIP operation behind each host call (an appliance failure names its own). */
const HOST_CALL_OPERATION: Readonly<Record<string, string>> = {
  createBucketKey: 'Create',
  destroyBucketKey: 'Destroy',
  cipherDataKey: 'Encrypt',
  decipherDataKey: 'Decrypt',
  healthcheck: 'Query',
};

/** Fixed words for failures that are not the appliance's answer, and whether they mean "unavailable". */
function classify(err: unknown): { what: string; unavailable: boolean } {
  if (err instanceof KmipTlsError) return { what: 'TLS failure with the key management server', unavailable: true };
  if (err instanceof KmipConnectionError && err.hostsDown !== undefined && err.hostsDown > 1) {
    return { what: `all ${err.hostsDown} key management servers cannot be reached (${err.hostsDown} of ${err.hostsDown} down)`, unavailable: true };
  }
  if (err instanceof KmipConnectionError) return { what: 'the key management server cannot be reached', unavailable: true };
  if (err instanceof KmipTimeoutError) return { what: 'the key management server did not answer in time', unavailable: true };
  if (err instanceof KmipQueueFullError) return { what: 'too many requests are waiting for the key management server', unavailable: true };
  if (err instanceof KmipClosedError) return { what: 'the key management client is closed', unavailable: true };
  if (err instanceof KmipOutcomeUnknownError) return { what: 'the connection was lost while the request was on the wire; its outcome is unknown', unavailable: false };
  if (err instanceof KmipVersionError) return { what: 'the key management server speaks no supported KMIP version', unavailable: false };
  if (err instanceof KmipProtocolError) return { what: 'the key management server answered with an unusable message', unavailable: false };
  if (err instanceof KmipConfigError) return { what: 'the key management configuration is unusable', unavailable: false };
  if (err instanceof KmipInvalidArgumentError) return { what: `invalid request: ${err.message}`, unavailable: false };
  return { what: 'internal error', unavailable: false };
}

function pick(errors: HostErrors, name: string, fallback: string): HostError {
  return (hostHas(errors, name) ? errors[name] : errors[fallback]) ?? errors.InternalError;
}

/**
 * The host error for a failed host call. `target` is the key id (or the
 * bucket name for createBucketKey).
 */
export function toHostError(errors: HostErrors, err: unknown, hostCall: string, target: string | undefined): HostError {
  const on = target === undefined || target === '' ? '' : ` on ${target}`;
  if (err instanceof KmipOperationError) {
    const reason = err.resultReason ?? err.resultStatus;
    const description = `KMS (KMIP) error for ${err.operation}${on}. ${reason}${err.resultMessage ? `: ${err.resultMessage}` : ''}`;
    if (err.resultReason === 'Item Not Found' && hostHas(errors, 'KMS.NotFoundException')) {
      return errors['KMS.NotFoundException']!.customizeDescription(description);
    }
    return pick(errors, 'AccessDenied', 'InternalError').customizeDescription(description);
  }
  const { what, unavailable } = classify(err);
  const description = `KMS (KMIP) error for ${HOST_CALL_OPERATION[hostCall] ?? hostCall}${on}: ${what}`;
  return (unavailable ? pick(errors, 'ServiceUnavailable', 'InternalError') : errors.InternalError).customizeDescription(description);
}

/** The details that stay in the log: our full message (host, hints), the error's class and code, the cause chain. */
export function failureLogFields(err: unknown): Record<string, unknown> {
  const fields: Record<string, unknown> = { error: err instanceof Error ? err.message : String(err) };
  if (err instanceof KmipError) {
    fields['errorCode'] = err.code;
    fields['errorName'] = err.name;
  }
  if (err instanceof KmipConnectionError && err.host !== undefined) fields['kmipHost'] = err.host;
  const causes: string[] = [];
  let c: unknown = err instanceof Error ? err.cause : undefined;
  while (c !== undefined && c !== null && causes.length < 5) {
    causes.push(c instanceof Error ? `${c.name}: ${c.message}` : String(c));
    c = c instanceof Error ? c.cause : undefined;
  }
  if (causes.length) fields['causes'] = causes;
  return fields;
}
