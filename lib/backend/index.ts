export { KmipBackend, ARN_PREFIX } from './backend';
export type { BackendDescriptor, CreatedKey } from './backend';
export { createKmsBackend, kmipConfigured, naeConfigured } from './selection';
export type { HostConfigForSelection, SelectionOptions } from './selection';
export { installInto } from './register';
export { KmsHostError, ownErrors, pickHostErrors } from './host-errors';
export type { HostError, HostErrors } from './host-errors';
export * from './config';
export type { KmipSettings, BackendOptions } from './settings';
