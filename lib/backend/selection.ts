/**
 * Backend selection the way the host does it: `backends.kms` (or `S3KMS`)
 * names the backend. `kmip` is ours; `scality` is the separate Safenet NAE
 * module (`scality-kms`), a different proprietary protocol. The two are
 * mutually exclusive and there is no migration path between them.
 */
import { KmipConfigError } from '../errors';
import type { Logger } from '../logger';
import { KmipBackend } from './backend';

export interface HostConfigForSelection {
  readonly backends?: { readonly kms?: string };
  /** The host's parsed `config.kmip` (always present in cloudserver, filled from S3KMIP_* defaults). */
  readonly kmip?: unknown;
  /** The host's `kms` section: Safenet NAE settings (`userName`, `password`, ...). */
  readonly kms?: unknown;
}

export interface SelectionOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly errors?: unknown;
  readonly logger?: Logger;
  /** How to load the NAE module (default: `require`). */
  readonly requireModule?: (name: string) => unknown;
}

/** "KMIP is configured" means a server host is set, not that the section exists. */
export function kmipConfigured(kmip: unknown): boolean {
  if (typeof kmip !== 'object' || kmip === null) return false;
  const t = (kmip as { transport?: unknown }).transport;
  const list = Array.isArray(t) ? t : [t];
  return list.some((x) => {
    const tlsOpts = typeof x === 'object' && x !== null ? (x as { tls?: unknown }).tls : undefined;
    const host = typeof tlsOpts === 'object' && tlsOpts !== null ? (tlsOpts as { host?: unknown }).host : undefined;
    return typeof host === 'string' && host.length > 0;
  });
}

/** Safenet NAE is configured when its credentials are. */
export function naeConfigured(kms: unknown): boolean {
  if (typeof kms !== 'object' || kms === null) return false;
  const k = kms as { userName?: unknown; password?: unknown };
  return typeof k.userName === 'string' && k.userName.length > 0;
}

const EXCLUSIVE =
  'KMIP and Safenet NAE (scality-kms) are mutually exclusive KMS backends and there is no migration path between them: ' +
  'configure only one (remove the kms.userName/password of NAE, or the kmip host)';

/** Builds the backend the host configuration selects, or throws a KmipConfigError saying why it cannot. */
export function createKmsBackend(hostConfig: HostConfigForSelection, options: SelectionOptions = {}): unknown {
  const env = options.env ?? process.env;
  const cfg: HostConfigForSelection = hostConfig ?? {};
  // Like the host: an empty S3KMS counts as unset.
  const fromEnv = env['S3KMS']?.trim();
  const kind = fromEnv ? fromEnv : cfg.backends?.kms;
  if (kind === 'kmip') {
    if (naeConfigured(cfg.kms)) throw new KmipConfigError(EXCLUSIVE, 'kms');
    return new KmipBackend({
      kmip: cfg.kmip,
      ...(options.errors !== undefined ? { errors: options.errors } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }
  if (kind === 'scality') {
    if (kmipConfigured(cfg.kmip)) throw new KmipConfigError(EXCLUSIVE, 'kmip');
    const load = options.requireModule ?? ((name: string): unknown => require(name));
    let Mod: unknown;
    try {
      Mod = load('scality-kms');
    } catch (err) {
      throw new KmipConfigError(
        `KMS backend "scality" (Safenet NAE) is selected but its module scality-kms cannot be loaded (${(err as Error).message}); ` +
          'kmip-kms speaks KMIP only and does not implement NAE',
        'backends.kms',
      );
    }
    if (typeof Mod !== 'function') throw new KmipConfigError('the scality-kms module does not export a class', 'backends.kms');
    return new (Mod as new (c: unknown) => unknown)(cfg.kms);
  }
  throw new KmipConfigError(
    kind === undefined
      ? 'no KMS backend selected: set backends.kms (or S3KMS) to "kmip"'
      : `KMS backend ${JSON.stringify(kind)} is not provided by kmip-kms (it provides "kmip", and loads "scality" = Safenet NAE when installed)`,
    'backends.kms',
  );
}
