/**
 * Errors of the host's shape. The host's S3 error writer reads `code` (HTTP
 * status), `message` (S3 error name), `description`, `metadata` (a Map) and
 * `is.<Name>`; a plain Error reaching it crashes the host. We use, in order:
 * the host's own arsenal `errors` injected in the options, the host's arsenal
 * resolved from the host process, or our own class with exactly that shape.
 */
import * as path from 'node:path';

/** What we need of one host error. */
export interface HostError extends Error {
  readonly code: number;
  readonly description: string;
  readonly metadata: Map<string, unknown>;
  readonly is: Readonly<Record<string, boolean>>;
  customizeDescription(description: string): HostError;
}

/** What we need of the host's `errors` object. */
export interface HostErrors {
  readonly InternalError: HostError;
  readonly 'KMS.NotFoundException'?: HostError;
  readonly [name: string]: HostError | undefined;
}

const DESCRIPTIONS: Readonly<Record<string, readonly [number, string]>> = {
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  'KMS.NotFoundException': [400, 'The request was rejected because the specified entity or resource could not be found.'],
  InvalidArgument: [400, 'Invalid Argument'],
  AccessDenied: [403, 'Access Denied'],
  ServiceUnavailable: [503, 'The request has failed due to a temporary failure of the server.'],
};

const isProxyHandler: ProxyHandler<Record<string, boolean>> = {
  get: (target, prop) => (typeof prop === 'string' ? target[prop] === true : false),
};

/** Our stand-in, shaped like arsenal's ArsenalError. */
export class KmsHostError extends Error implements HostError {
  readonly #type: string;
  readonly #code: number;
  readonly #description: string;
  readonly #metadata: Map<string, unknown>;
  readonly #is: Readonly<Record<string, boolean>>;

  constructor(type: string, code: number, description: string, metadata?: Map<string, unknown>) {
    super(type);
    this.#type = type;
    this.#code = code;
    this.#description = description;
    this.#metadata = metadata ?? new Map<string, unknown>();
    this.#is = new Proxy<Record<string, boolean>>(Object.freeze({ [type]: true }), isProxyHandler);
    // Legacy flag some host code still reads: err.InternalError === true.
    Object.defineProperty(this, type, { value: true, enumerable: false });
  }

  get type(): string {
    return this.#type;
  }
  get code(): number {
    return this.#code;
  }
  get description(): string {
    return this.#description;
  }
  get metadata(): Map<string, unknown> {
    return this.#metadata;
  }
  get is(): Readonly<Record<string, boolean>> {
    return this.#is;
  }

  customizeDescription(description: string): KmsHostError {
    const e = new KmsHostError(this.#type, this.#code, description, new Map(this.#metadata));
    return e;
  }

  addMetadataEntry(key: string, value: unknown): KmsHostError {
    const m = new Map(this.#metadata);
    m.set(key, value);
    return new KmsHostError(this.#type, this.#code, this.#description, m);
  }

  override toString(): string {
    return JSON.stringify({ errorType: this.message, errorMessage: this.#description });
  }

  flatten(): { is_arsenal_error: true; code: number; description: string; type: string } {
    return { is_arsenal_error: true, code: this.#code, description: this.#description, type: this.#type };
  }
}

/** Our own errors object: a fresh instance per access, like arsenal's. */
export const ownErrors: HostErrors = new Proxy({} as HostErrors, {
  get: (_t, prop) => {
    if (typeof prop !== 'string') return undefined;
    const d = DESCRIPTIONS[prop];
    return d ? new KmsHostError(prop, d[0], d[1]) : undefined;
  },
  has: (_t, prop) => typeof prop === 'string' && prop in DESCRIPTIONS,
});

function looksLikeHostErrors(v: unknown): v is HostErrors {
  if (typeof v !== 'object' || v === null) return false;
  const ie = (v as Record<string, unknown>)['InternalError'];
  return typeof ie === 'object' && ie !== null && typeof (ie as { customizeDescription?: unknown }).customizeDescription === 'function';
}

/** The host's arsenal `errors`, resolved from the host process (its main module and working folder). */
export function resolveHostArsenalErrors(searchFrom: readonly string[] = defaultSearchPaths()): HostErrors | undefined {
  for (const from of searchFrom) {
    try {
      const p = require.resolve('arsenal', { paths: [from] });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod: unknown = require(p);
      const errors = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>)['errors'] : undefined;
      if (looksLikeHostErrors(errors)) return errors;
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

/** Where the host's own modules are looked up: its main module's folder, then the working folder. */
export function defaultSearchPaths(): string[] {
  const out: string[] = [];
  const main = require.main?.filename;
  if (main) out.push(path.dirname(main));
  out.push(process.cwd());
  return out;
}

/** Picks the host's errors: injected, else resolved from the host, else ours. */
export function pickHostErrors(injected: unknown): { errors: HostErrors; source: 'injected' | 'host-arsenal' | 'own' } {
  if (looksLikeHostErrors(injected)) return { errors: injected, source: 'injected' };
  const resolved = resolveHostArsenalErrors();
  if (resolved) return { errors: resolved, source: 'host-arsenal' };
  return { errors: ownErrors, source: 'own' };
}

/** True when the host's errors object knows the name (arsenal's are getters, so read it). */
export function hostHas(errors: HostErrors, name: string): boolean {
  try {
    return looksLikeHostErrors({ InternalError: errors[name] });
  } catch {
    return false;
  }
}
