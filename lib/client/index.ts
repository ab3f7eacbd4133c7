export { KmipClient, operationError } from './client';
export type { KmipClientOptions, CallOptions, BatchOutcome, EncryptOptions } from './client';
