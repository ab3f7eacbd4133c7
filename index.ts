/**
 * kmip-kms public surface. Everything else under lib/ is internal.
 */
export { KmipClient, operationError } from './lib/client';
export type { KmipClientOptions, CallOptions, BatchOutcome, EncryptOptions } from './lib/client';
export * as operations from './lib/kmip/operations';
export type { ProtocolVersion, ResponseBatchItem } from './lib/kmip/protocol';
export { Tag, tagName, tagFromName } from './lib/kmip/tags';
export * as enums from './lib/kmip/enums';
export { printTtlv } from './lib/kmip/printer';
export type { PrintOptions } from './lib/kmip/printer';
export { parseKmipXml, toKmipXml } from './lib/kmip/xml';
export { encode, decode, TtlvFramer, TtlvWriter, TtlvError, ItemType, ttlv } from './lib/ttlv';
export type { TtlvItem, DecodeOptions, FramerOptions, TtlvErrorCode } from './lib/ttlv';
export { KmipTransport } from './lib/transport';
export { SESSION_EXPIRY } from './lib/transport';
export type {
  TransportOptions,
  TlsOptions,
  HostAddress,
  ReconnectOptions,
  ServerInfo,
  HostSelection,
  TransportStats,
  HostStats,
  HostHealth,
  SessionExpiry,
} from './lib/transport';
export * from './lib/errors';
export type { Logger, LogFields } from './lib/logger';
export {
  KmipBackend,
  ARN_PREFIX,
  createKmsBackend,
  KmsHostError,
  loadSettings,
  settingsFromHostConfig,
  settingsFromConfigFile,
  settingsFromEnv,
  settingsFromChart,
  installMetrics,
} from './lib/backend';
export type { BackendDescriptor, CreatedKey, KmipSettings, BackendOptions, HostError, HostErrors, MetricsOptions } from './lib/backend';
