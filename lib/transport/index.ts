export { KmipTransport, resolveTransportOptions } from './transport';
export type { WireOperation, TransportResponse, SendOptions, ServerInfo, TransportObserver, TransportStats, HostStats, HostHealth } from './transport';
export { SESSION_EXPIRY, type SessionExpiry } from './session-expiry';
export * from './options';
