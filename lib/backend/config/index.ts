/**
 * Configuration loading: every form operators use, read into one validated
 * {@link KmipSettings}. Each source is its own module producing the same
 * intermediate form (a Draft, `draft.ts`); `validate.ts` checks and resolves
 * it.
 *
 * Sources
 * -------
 * - `from-host.ts`: the host's already-parsed `config.kmip` (what cloudserver
 *   passes to `new Client({ kmip })`), exactly as the host builds it: numbers
 *   from S3KMIP_* variables as strings, `S3KMIP_HOSTS` unsplit in `tls.host`,
 *   PEM values as Buffers. The S3KMIP_* variables the host knows are NOT
 *   applied again: the host has already applied them. kmip-kms's own
 *   variables (`own-env.ts`, for the settings a stock host does not copy
 *   into config.kmip) are applied from `opts.env` (default `process.env`)
 *   where the object carries no value. A string PEM value without
 *   `-----BEGIN` is a file path (relative to `opts.baseDir`, default the
 *   current directory).
 * - `own-env.ts`: kmip-kms's own S3KMIP_* variables, one per setting the
 *   host does not copy (`S3KMIP_` + UPPER_SNAKE of the setting's name),
 *   read in every form that reads variables.
 * - `from-config-file.ts` + `file-over-env.ts`: a raw cloudserver config.json
 *   (file paths, relative ones resolved against the file's folder) combined
 *   with the S3KMIP_* variables the way the host combines them.
 * - `from-env.ts`: the S3KMIP_* variables.
 * - `from-chart.ts`: the chart's values (YAML or JSON, the whole values file
 *   or its `kmip` section) and the `kmip-<word>.pem` files beside it; S3KMIP_*
 *   on top.
 *
 * Precedence, per form (in every form an empty or blank S3KMIP_* variable
 * counts as unset, and `S3KMIP_HOST` is the host's older single-host name):
 * - config.json (`configFile`): as in the host, the S3KMIP_* variables are
 *   only defaults, and the file's `kmip` section wins wherever it sets a
 *   truthy value: providerName, the client flags, and per transport entry
 *   pipelineDepth, tls.port, tls.host, tls.key + tls.cert (a `false`, `0` or
 *   `""` there leaves the variable's value); `tls.ca` is the file's whenever
 *   the entry has a `tls` object (so S3KMIP_CA is dropped when that object
 *   has no `ca`), S3KMIP_CA only when it has none. S3KMIP_HOSTS entries
 *   without their own `:port` take the entry's port (the file's when it sets
 *   one). A variable that loses to the file, or wins over a falsy value of
 *   the file, is named in a warning with the key that wins. Then the
 *   defaults.
 * - chart values (`chartValues`): S3KMIP_* variables first (`S3KMIP_HOSTS`
 *   replaces the host list, entries may carry `:port`; `S3KMIP_PORT`
 *   replaces the port of every other host), then the values, then the
 *   defaults. The chart's
 *   own templates turn the values into these very variables, and an `env:`
 *   entry of the same name, listed after them, overrides them there too.
 * - the environment alone: the variables, then the defaults.
 * - the host's object (`settingsFromHostConfig`): as given, then
 *   kmip-kms's own variables for the settings it does not carry, then the
 *   defaults.
 * - kmip-kms's own variables (S3KMIP_BATCH_SIZE, ...) follow each form's
 *   rule: over chart values and alone, defaults under config.json's values
 *   (the file wins wherever it gives one) and under the host's object.
 *
 * Every error is a `KmipConfigError` whose `key` names the
 * setting in the form it came from (`kmip.transport[1].tls.port`,
 * `S3KMIP_PORT`, `kmip.hosts[0]`, `kmip-cert.pem`, ...). Unknown keys and
 * S3KMIP_* variables are warnings. No message or log line carries key
 * material, a passphrase or text that failed to parse as PEM. The README's
 * configuration table lists every setting.
 */
import * as path from 'path';
import { stderrLogger, type Logger } from '../../logger';
import type { KmipSettings } from '../settings';
import { fail, makeWarn } from './draft';
import { readChart, readValuesFile } from './from-chart';
import { readConfigFile } from './from-config-file';
import { applyEnv, emptyEnvDraft } from './from-env';
import { readHostObject } from './from-host';
import { finalize } from './validate';

export { BASE_ENV_VARIABLES, ENV_VARIABLES } from './from-env';
export { OWN_ENV_VARIABLES, envNameOf } from './own-env';
export { SETTINGS_DEFAULTS } from './validate';
export { KNOWN_VERSIONS, OPTION_BOUNDS } from '../../transport/settings/validate';

export interface ConfigLoadOptions {
  /** Receives warnings (unknown keys, pipelineDepth 0, ...). Default: stderr. */
  readonly logger?: Logger;
}

export interface HostConfigOptions extends ConfigLoadOptions {
  /** Folder against which PEM values given as relative paths are resolved. Default: the current directory. */
  readonly baseDir?: string;
  /**
   * kmip-kms's own S3KMIP_* variables (S3KMIP_BATCH_SIZE, ...), applied for
   * the settings the object does not carry. Default `process.env`; `{}` to
   * ignore the environment.
   */
  readonly env?: NodeJS.ProcessEnv;
}

export interface EnvConfigOptions extends ConfigLoadOptions {
  /** Folder against which relative S3KMIP_* paths are resolved. Default: the current directory. */
  readonly baseDir?: string;
}

export interface FileConfigOptions extends ConfigLoadOptions {
  /**
   * The S3KMIP_* variables: defaults under a config.json's values (as in the
   * host), overrides on top of chart values. Default `process.env`; `{}` to
   * ignore the environment.
   */
  readonly env?: NodeJS.ProcessEnv;
}

export interface SettingsSource {
  /** Path of a cloudserver config.json. */
  readonly configFile?: string;
  /** Chart values: a values object, or the path of a YAML (or JSON) values file. */
  readonly chartValues?: string | object;
  /** Folder of the chart's `kmip-*.pem` files. Default: the values file's folder (required when chartValues is an object). */
  readonly pemDir?: string;
  /** The S3KMIP_* variables (precedence per form: see above). Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The host's parsed `config.kmip` (PEM values are contents, already read). */
export function settingsFromHostConfig(kmip: unknown, opts: HostConfigOptions = {}): KmipSettings {
  const logger = opts.logger ?? stderrLogger;
  return finalize(readHostObject(kmip, opts.baseDir ?? process.cwd(), opts.env ?? process.env, makeWarn(logger)), logger);
}

/** A raw cloudserver config.json (file paths) with the S3KMIP_* variables as its defaults, as the host reads them. */
export function settingsFromConfigFile(file: string, opts: FileConfigOptions = {}): KmipSettings {
  const logger = opts.logger ?? stderrLogger;
  return finalize(readConfigFile(file, opts.env ?? process.env, makeWarn(logger)), logger);
}

/** S3KMIP_* variables only. */
export function settingsFromEnv(env: NodeJS.ProcessEnv, opts: EnvConfigOptions = {}): KmipSettings {
  const logger = opts.logger ?? stderrLogger;
  return finalize(applyEnv(emptyEnvDraft(), env, opts.baseDir ?? process.cwd(), makeWarn(logger)), logger);
}

/** The chart's values (the `kmip` section, or the whole values object holding a `kmip` key) and its folder of `kmip-*.pem` files. */
export function settingsFromChart(values: unknown, pemDir: string, opts: FileConfigOptions = {}): KmipSettings {
  const logger = opts.logger ?? stderrLogger;
  const warn = makeWarn(logger);
  return finalize(applyEnv(readChart(values, pemDir, warn), opts.env ?? process.env, process.cwd(), warn), logger);
}

/** True for a file name the chart form uses (values.yaml, my-values.yml). */
export const isValuesFileName = (file: string): boolean => /\.ya?ml$/i.test(file);

/**
 * Picks the form: `configFile`, else `chartValues` (+ `pemDir`, default the
 * values file's folder), else the environment alone. The S3KMIP_* variables
 * (`env`, default `process.env`) are read in every case, with the form's
 * precedence (above): under a config.json's values, over chart values.
 * Giving both `configFile` and `chartValues` is an error.
 */
export function loadSettings(source: SettingsSource = {}, opts: ConfigLoadOptions = {}): KmipSettings {
  const env = source.env ?? process.env;
  const withEnv: FileConfigOptions = { env, ...(opts.logger ? { logger: opts.logger } : {}) };
  if (source.configFile !== undefined && source.chartValues !== undefined) {
    fail('configFile', 'and chartValues are both given: use one configuration source');
  }
  if (source.configFile !== undefined) {
    if (typeof source.configFile !== 'string' || source.configFile === '') fail('configFile', 'must be a file path');
    return settingsFromConfigFile(source.configFile, withEnv);
  }
  if (source.chartValues !== undefined) {
    const file = typeof source.chartValues === 'string' ? source.chartValues : undefined;
    const pemDir = source.pemDir ?? (file === undefined ? undefined : path.dirname(path.resolve(file)));
    if (typeof pemDir !== 'string' || pemDir === '') {
      fail('pemDir', 'is required with chart values given as an object: the folder holding kmip-key.pem, kmip-cert.pem and kmip-ca.pem');
    }
    const values = file === undefined ? source.chartValues : readValuesFile(file, 'chartValues');
    return settingsFromChart(values, pemDir, withEnv);
  }
  return settingsFromEnv(env, opts);
}
