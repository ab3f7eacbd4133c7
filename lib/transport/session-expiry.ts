/**
 * Answers that mean "this connection's session is dead", not "this request
 * failed": the connection is closed, a new one made, and the same request
 * sent once more on it. Only on a connection that has already carried a
 * successful request (a long-lived one whose server-side session expired), and
 * only once per request.
 *
 * | vendor | Result Reason | Result Message | requests re-sent |
 * |---|---|---|---|
 * | Thales CipherTrust / KeySecure | General Failure | `[NCERRUnauthorizedAccess]: Token has been revoked` | all (the server refused it before doing anything) |
 * | any (appliances that drop idle sessions) | Authentication Not Successful | any | idempotent only |
 */
import { ResultReason } from '../kmip/enums';
import type { ResponseBatchItem } from '../kmip/protocol';

export interface SessionExpiry {
  /** Who answers this way (for the documentation and the log line). */
  readonly vendor: string;
  readonly reason: number;
  /** Pattern the Result Message must match; null = any message. */
  readonly message: RegExp | null;
  /** True when the request was certainly not executed, so even a non-idempotent one may be sent again. */
  readonly anyOperation: boolean;
}

export const SESSION_EXPIRY: readonly SessionExpiry[] = [
  {
    vendor: 'Thales CipherTrust / KeySecure',
    reason: ResultReason.GeneralFailure,
    message: /\[NCERRUnauthorizedAccess\]: Token has been revoked/,
    anyOperation: true,
  },
  {
    vendor: 'any appliance that drops idle sessions',
    reason: ResultReason.AuthenticationNotSuccessful,
    message: null,
    anyOperation: false,
  },
];

/** The table entry a failed answer matches, if any (first failed item decides). */
export function sessionExpiry(items: readonly ResponseBatchItem[]): SessionExpiry | undefined {
  for (const it of items) {
    if (it.status === 0) continue;
    for (const e of SESSION_EXPIRY) {
      if (it.reason === e.reason && (e.message === null || e.message.test(it.message ?? ''))) return e;
    }
    return undefined;
  }
  return undefined;
}
