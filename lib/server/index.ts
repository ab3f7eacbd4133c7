/**
 * KMIP development server (development and tests only, NOT an appliance) and
 * its one-call starter. See server.ts and dev.ts.
 */
export { KmipDevServer, banner, DEV_SERVER_VERSIONS, DEV_SERVER_DEFAULTS } from './server';
export type { KmipDevServerOptions, DevServerStats, PemInput } from './server';
export { DEV_SERVER_VENDOR, SUPPORTED_OPERATIONS } from './engine';
export type { DevServerBehaviour } from './engine';
export { startDevServer } from './dev';
export type { StartDevServerOptions, DevServerHandle, DevHostConfig } from './dev';
export { ensureDevPki, issueDevClientCert, OPENSSL_MISSING } from './certs';
export type { DevPki, DevPkiOptions } from './certs';
export { DataFileError } from './store';
