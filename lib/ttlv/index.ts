export * from './types';
export { TtlvError } from './errors';
export type { TtlvErrorCode } from './errors';
export { decode, DEFAULT_MAX_DEPTH, DEFAULT_MAX_MESSAGE_BYTES } from './decoder';
export type { DecodeOptions } from './decoder';
export { encode, TtlvWriter } from './encoder';
export { TtlvFramer } from './framer';
export type { FramerOptions } from './framer';
