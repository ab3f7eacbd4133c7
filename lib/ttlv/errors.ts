/**
 * The one error class the codec and framer ever throw. `offset` is the byte
 * offset in the message where the problem was found; `path` the tags from the
 * outermost item down to the offending one.
 */
export type TtlvErrorCode =
  | 'TTLV_TRUNCATED'
  | 'TTLV_BAD_LENGTH'
  | 'TTLV_BAD_TYPE'
  | 'TTLV_BAD_PADDING'
  | 'TTLV_BAD_BOOLEAN'
  | 'TTLV_BAD_UTF8'
  | 'TTLV_TOO_DEEP'
  | 'TTLV_TOO_LARGE'
  | 'TTLV_TRAILING_BYTES'
  | 'TTLV_NOT_STRUCTURE'
  | 'TTLV_BAD_VALUE';

export class TtlvError extends Error {
  override readonly name = 'TtlvError';
  readonly code: TtlvErrorCode;
  readonly offset: number;
  readonly path: readonly number[];

  constructor(code: TtlvErrorCode, message: string, offset: number, path: readonly number[] = []) {
    const where = path.length > 0 ? ` at ${path.map((t) => '0x' + t.toString(16).toUpperCase().padStart(6, '0')).join('/')}` : '';
    super(`${message} (offset ${offset}${where})`);
    this.code = code;
    this.offset = offset;
    this.path = path;
  }
}
