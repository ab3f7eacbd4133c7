/**
 * kmip-kms's own S3KMIP_* variables: one per setting that cloudserver's
 * `lib/Config.js` does not copy into the `config.kmip` it hands the backend
 * (the transport options but `reconnect`, the TLS scalars,
 * healthcheckCacheMs), named mechanically from the setting:
 * `S3KMIP_` + UPPER_SNAKE of its camelCase name (`batchSize` →
 * `S3KMIP_BATCH_SIZE`, `healthcheckCacheMs` → `S3KMIP_HEALTHCHECK_CACHE_MS`).
 * The names are generated from the transport's own option lists
 * (OPTION_NAMES, TLS_SCALARS; OPTION_FLAGS for the flags): a new option gets
 * its variable without a second list to keep.
 *
 * Values stay strings for the one validator (integers as decimal digits);
 * flags are "true"/"false" (any case), `S3KMIP_PROTOCOL_VERSIONS` a comma
 * list ("2.0,1.4"). An empty or blank variable counts as unset. The
 * passphrase is taken as given (not trimmed) and never shown.
 *
 * Where they apply (each form decides the precedence; this module reads and
 * merges): on top of the env and chart forms (`from-env.ts`), as defaults
 * under a config.json's values (`file-over-env.ts`) and under the host's
 * `config.kmip` object (`from-host.ts`).
 */
import {
  OPTION_FLAGS,
  OPTION_NAMES,
  TLS_SCALARS,
  describe,
  fail,
  splitList,
  type OptionName,
  type TlsScalar,
  type TransportPart,
  type Val,
} from './draft';

/** `S3KMIP_` + UPPER_SNAKE of a camelCase setting name. */
export const envNameOf = (setting: string): string => `S3KMIP_${setting.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Options without a variable: objects (`reconnect` is set in config.json or chart values only). */
const FILE_ONLY: readonly OptionName[] = ['reconnect'];
/** The transport options with a variable of their own: every option but the file-only ones. */
export const OWN_OPTIONS: readonly OptionName[] = OPTION_NAMES.filter((n) => !FILE_ONLY.includes(n));
const OWN_FLAGS: readonly string[] = [...OPTION_FLAGS, 'rejectUnauthorized'];

/** Every variable of this module, in the order of the settings. */
export const OWN_ENV_VARIABLES: readonly string[] = [...OWN_OPTIONS, ...TLS_SCALARS, 'healthcheckCacheMs'].map(envNameOf);

/** The values of the own variables that are set, tagged with the variable's name. */
export interface OwnEnv {
  readonly options: Partial<Record<OptionName, Val>>;
  readonly tlsScalars: Partial<Record<TlsScalar, Val>>;
  readonly healthcheckCacheMs: Val | undefined;
}

/** One variable's value as the validator takes it, or undefined when unset or blank. */
function read(env: NodeJS.ProcessEnv, setting: string): Val | undefined {
  const key = envNameOf(setting);
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  if (setting === 'passphrase') return { value: raw, key };
  const v = raw.trim();
  if (OWN_FLAGS.includes(setting)) {
    const lower = v.toLowerCase();
    if (lower !== 'true' && lower !== 'false') fail(key, `must be "true" or "false", got ${describe(v)}`);
    return { value: lower === 'true', key };
  }
  if (setting === 'protocolVersions') {
    const list = splitList(v);
    if (list.length === 0) fail(key, 'lists no version: give a comma list such as "2.0,1.4"');
    return { value: list, key };
  }
  return { value: v, key };
}

export function readOwnEnv(env: NodeJS.ProcessEnv): OwnEnv {
  const options: Partial<Record<OptionName, Val>> = {};
  for (const n of OWN_OPTIONS) {
    const v = read(env, n);
    if (v) options[n] = v;
  }
  const tlsScalars: Partial<Record<TlsScalar, Val>> = {};
  for (const n of TLS_SCALARS) {
    const v = read(env, n);
    if (v) tlsScalars[n] = v;
  }
  return { options, tlsScalars, healthcheckCacheMs: read(env, 'healthcheckCacheMs') };
}

/** Called for a variable that is set but loses to `key` (a setting another form gives); `value` only for what may be shown. */
export type Lost = (variable: string, key: string, setting: string, value: unknown) => void;

/** True for a setting whose value is never shown (passphrase). */
export const isSecretSetting = (setting: string): boolean => setting === 'passphrase';

/**
 * `part` with the own variables' values where it has none (the variables as
 * DEFAULTS); where it has one, it wins and `lost` is told when the values
 * differ.
 */
export function ownAsDefaults(part: TransportPart, own: OwnEnv, lost: Lost): TransportPart {
  const options = { ...part.options };
  for (const n of OWN_OPTIONS) {
    const v = own.options[n];
    if (!v) continue;
    const given = options[n];
    if (given === undefined) options[n] = v;
    else if (!sameValue(given.value, v.value)) lost(v.key, given.key, n, given.value);
  }
  const tlsScalars = { ...part.tlsScalars };
  for (const n of TLS_SCALARS) {
    const v = own.tlsScalars[n];
    if (!v) continue;
    const given = tlsScalars[n];
    if (given === undefined) tlsScalars[n] = v;
    else if (!sameValue(given.value, v.value)) lost(v.key, given.key, n, isSecretSetting(n) ? undefined : given.value);
  }
  return { ...part, options, tlsScalars };
}

/** `part` with the own variables' values replacing its own (the variables OVER another source). */
export function ownOver(part: TransportPart, own: OwnEnv): TransportPart {
  return { ...part, options: { ...part.options, ...own.options }, tlsScalars: { ...part.tlsScalars, ...own.tlsScalars } };
}

/** The top-level healthcheckCacheMs with the variable as its default. */
export function healthcheckAsDefault(given: Val | undefined, own: OwnEnv, lost: Lost): Val | undefined {
  const v = own.healthcheckCacheMs;
  if (!v) return given;
  if (given === undefined) return v;
  if (!sameValue(given.value, v.value)) lost(v.key, given.key, 'healthcheckCacheMs', given.value);
  return given;
}

/** Same setting value, a number and its decimal string counting as equal ("8" and 8). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) return String(a) === String(b);
  return a === b;
}
