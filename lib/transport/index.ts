export { KmipTransport, resolveTransportOptions } from './transport';
export type { WireOperation, TransportResponse, SendOptions, ServerInfo } from './transport';
export * from './options';
