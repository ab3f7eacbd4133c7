/**
 * A cloudserver config.json's `kmip` section read the way the host reads it
 * (cloudserver 8.8 `lib/Config.js`, `_parseKmsKmip` / `_parseKmipTransport`):
 * the S3KMIP_* variables are only the DEFAULTS, and config.json replaces
 * them wherever it sets a truthy value.
 *
 * - providerName, client.compoundCreateActivate, client.bucketNameAttributeName:
 *   the file's when truthy (so `false` or `""` in the file leaves the
 *   variable's value), else the variable's, else ours.
 * - per transport entry (each entry of a transport array gets the variables as
 *   its defaults): pipelineDepth, tls.port, tls.host, tls.key and tls.cert the
 *   file's when truthy, else the variable's; `tls.host` from S3KMIP_HOSTS is
 *   the unsplit list (entries without their own `:port` take the entry's
 *   port, which may be the file's); key and cert set in the file go together
 *   (the host refuses one without the other).
 * - `tls.ca`: the file's whenever the entry has a `tls` object, even when it
 *   gives no `ca` (then S3KMIP_CA is dropped and Node's trust store is used);
 *   S3KMIP_CA only when the entry has no `tls` object.
 * - the settings the host has no variable for (the other TLS settings, the
 *   transport options, healthcheckCacheMs) have kmip-kms's own variables
 *   (`own-env.ts`, S3KMIP_BATCH_SIZE...), by the same rule: the variables are
 *   the defaults and the file wins, here wherever it gives a value at all
 *   (`false` and `0` included: that truthiness rule is the host's, for the
 *   keys it copies). The host's lib/Config.js does not copy these settings
 *   into the config.kmip it hands its backend, so under a stock cloudserver
 *   the variable is what applies (from-host.ts): a variable that loses to
 *   the file here is named in a warning that says so.
 *
 * Whenever a variable is set and loses to the file (or wins over a value the
 * file gives but the host ignores: `false`, `0`, `""`), a warning names the
 * variable and the key that wins; it shows ports, depths, flags and host
 * names, never a key, certificate or CA path or content.
 */
import { isDeepStrictEqual } from 'util';
import { describe, echoable, fail, hostEntries, type Draft, type HostEntry, type Pem, type TransportPart, type Val, type Warn } from './draft';
import { HOST_NAMES, readHostForm, type ReadTransport } from './from-host';
import { OWN_OPTIONS, envNameOf, healthcheckAsDefault, ownAsDefaults, type OwnEnv } from './own-env';
import { TLS_SCALARS } from '../../transport/settings/values';
import { SETTINGS_DEFAULTS } from './validate';

/** What cloudserver means by "config.json sets it": a truthy value (`false`, `0`, `""` do not count). */
const truthy = (v: Val | undefined): Val | undefined => (v !== undefined && Boolean(v.value) ? v : undefined);

/** A value that may be quoted in a warning (not a path or PEM: callers only pass ports, depths, flags, names). */
function shown(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && /^[0-9]{1,10}$/.test(v))) return String(v);
  if (typeof v === 'string') return echoable(v) && !v.includes('-----BEGIN') ? JSON.stringify(v) : 'its value';
  return 'its value';
}

function shownHosts(hosts: readonly HostEntry[]): string {
  return hosts
    .map((h) => {
      const host = typeof h.host.value === 'string' && echoable(h.host.value) ? h.host.value : '?';
      const name = host.includes(':') ? `[${host}]` : host;
      return h.port === undefined ? name : `${name}:${shown(h.port.value).replace(/"/g, '')}`;
    })
    .join(', ');
}

const samePem = (a: Pem | undefined, b: Pem | undefined): boolean => isDeepStrictEqual(a?.data, b?.data);
const samePems = (a: readonly Pem[] | undefined, b: readonly Pem[] | undefined): boolean =>
  isDeepStrictEqual(
    a?.map((p) => p.data),
    b?.map((p) => p.data),
  );

/** The warnings of one reading, one per variable (a transport array may have several winning keys). */
class Overrides {
  readonly #lost = new Map<string, { keys: string[]; label: string | undefined; values: string[] }>();
  readonly #other: { message: string; key: string }[] = [];
  readonly #caDropped: string[] = [];
  readonly #ownLost = new Map<string, { keys: string[]; label: string; values: string[] }>();
  readonly #dropped = new Map<string, string[]>();

  /**
   * `variable` is set but the file's `fileKey` wins; `label` and `value`
   * (optional) show what is used instead (a port, a depth, host names: never
   * a path).
   */
  fileWins(variable: string, fileKey: string, label?: string, value?: string): void {
    const entry = this.#lost.get(variable) ?? { keys: [], label, values: [] };
    if (!entry.keys.includes(fileKey)) entry.keys.push(fileKey);
    if (value !== undefined && !entry.values.includes(value)) entry.values.push(value);
    this.#lost.set(variable, entry);
  }

  /** The file gives `fileKey` a falsy value, which the host ignores: `variable` wins. */
  variableWins(fileKey: string, fileValue: unknown, variable: string, used: unknown): void {
    this.#other.push({
      key: fileKey,
      message:
        `${fileKey} is ${shown(fileValue)} in the config file but ${variable} (${shown(used)}) wins: ` +
        'cloudserver ignores a false, 0 or empty value there and keeps the variable\'s',
    });
  }

  /** The file gives `fileKey` a falsy value, which the host ignores, and no variable is set: our default is used. */
  ignored(fileKey: string, fileValue: unknown, used: unknown): void {
    this.#other.push({ key: fileKey, message: `${fileKey} ${shown(fileValue)} is ignored, as cloudserver ignores a 0 there: ${shown(used)} (the default) is used` });
  }

  /**
   * kmip-kms's own `variable` is set but the file's `fileKey` wins; `value`
   * (undefined for a secret) shows what is used instead.
   */
  ownFileWins(variable: string, fileKey: string, label: string, value: unknown): void {
    const entry = this.#ownLost.get(variable) ?? { keys: [], label, values: [] };
    if (!entry.keys.includes(fileKey)) entry.keys.push(fileKey);
    if (value !== undefined && !entry.values.includes(shown(value))) entry.values.push(shown(value));
    this.#ownLost.set(variable, entry);
  }

  /**
   * The file gives `fileKey`, one of the settings a stock cloudserver does
   * not hand its backend, and `variable` is not set: used here (the probe
   * tests it), dropped there.
   */
  droppedByHost(fileKey: string, variable: string): void {
    const keys = this.#dropped.get(variable) ?? [];
    if (!keys.includes(fileKey)) keys.push(fileKey);
    this.#dropped.set(variable, keys);
  }

  /** The file's `tls` object has no `ca`: the host drops S3KMIP_CA. */
  caDropped(tlsKey: string): void {
    if (!this.#caDropped.includes(tlsKey)) this.#caDropped.push(tlsKey);
  }

  flush(warn: Warn): void {
    for (const [variable, { keys, label, values }] of this.#lost) {
      const used = label !== undefined && values.length ? `: ${label} ${values.join(', ')}` : '';
      warn(
        `${variable} is set but the config file's ${keys.join(', ')} ${keys.length > 1 ? 'win' : 'wins'} ` +
          `(cloudserver uses the S3KMIP_* variables only where config.json sets nothing)${used}`,
        variable,
      );
    }
    for (const [variable, { keys, label, values }] of this.#ownLost) {
      const used = values.length ? ` (${label} ${values.join(', ')})` : '';
      warn(
        `${variable} is set but the config file's ${keys.join(', ')} ${keys.length > 1 ? 'win' : 'wins'} here${used}; ` +
          `a stock cloudserver does not hand ${keys.length > 1 ? 'these keys' : 'that key'} to its backend, so there ${variable} is what applies`,
        variable,
      );
    }
    for (const o of this.#other) warn(o.message, o.key);
    if (this.#dropped.size > 0) {
      const keys = [...this.#dropped.values()].flat();
      const variables = [...this.#dropped.keys()];
      warn(
        `the config file sets ${keys.join(', ')}, used here, but a stock cloudserver does not hand ${keys.length > 1 ? 'these settings' : 'that setting'} ` +
          `to its KMS backend (it keeps the default): set ${variables.join(', ')} in the host's environment instead`,
        variables[0]!,
      );
    }
    if (this.#caDropped.length) {
      const objects = this.#caDropped.join(', ');
      const one = this.#caDropped.length === 1;
      warn(
        `S3KMIP_CA is set but the config file's ${objects} ${one ? 'wins' : 'win'}: ${one ? 'it has' : 'they have'} no ca, and cloudserver then takes ` +
          "no CA from S3KMIP_CA (the server certificate is checked against Node's trust store); give ca there to keep a CA",
        'S3KMIP_CA',
      );
    }
  }
}

/** cloudserver asserts that the file's port and pipelineDepth, when set, are numbers: it refuses to start otherwise. */
function hostNumber(v: Val): void {
  if (typeof v.value !== 'number') fail(v.key, `must be a number in config.json, got ${describe(v.value)}: cloudserver refuses to start with anything else there`);
}

/** kmip-kms's own variables as they are in the variables' draft (`applyEnv` put them there). */
const ownOf = (env: Draft): OwnEnv => ({ options: env.part.options, tlsScalars: env.part.tlsScalars, healthcheckCacheMs: env.healthcheckCacheMs });

/** One transport entry of the file completed with the variables' values, by the host's rules (and ours for our own variables). */
function fillTransport(e: ReadTransport, prefix: string, env: Draft, notes: Overrides): ReadTransport {
  const envPart = env.part;
  const own = ownOf(env);
  const part: TransportPart = ownAsDefaults(e.part, own, (variable, key, setting, value) => notes.ownFileWins(variable, key, setting, value));
  for (const n of OWN_OPTIONS) {
    const given = e.part.options[n];
    if (given !== undefined && own.options[n] === undefined) notes.droppedByHost(given.key, envNameOf(n));
  }
  for (const n of TLS_SCALARS) {
    const given = e.part.tlsScalars[n];
    if (given !== undefined && own.tlsScalars[n] === undefined) notes.droppedByHost(given.key, envNameOf(n));
  }

  const depth = e.part.pipelineDepth;
  const fileDepth = truthy(depth);
  if (fileDepth) hostNumber(fileDepth);
  if (fileDepth) {
    if (envPart.pipelineDepth && String(envPart.pipelineDepth.value) !== String(fileDepth.value)) {
      notes.fileWins(envPart.pipelineDepth.key, fileDepth.key, 'pipelineDepth', shown(fileDepth.value));
    }
  } else {
    if (depth && envPart.pipelineDepth) notes.variableWins(depth.key, depth.value, envPart.pipelineDepth.key, envPart.pipelineDepth.value);
    else if (depth && depth.value === 0) notes.ignored(depth.key, 0, SETTINGS_DEFAULTS.pipelineDepth);
    part.pipelineDepth = envPart.pipelineDepth;
  }

  // The port: the file's, else S3KMIP_PORT (applyEnv keeps it as the env draft's defaultPort).
  const envPort = env.defaultPort;
  const filePort = truthy(e.port);
  if (filePort) hostNumber(filePort);
  let port: Val | undefined;
  if (filePort) {
    if (envPort && String(envPort.value) !== String(filePort.value)) notes.fileWins(envPort.key, filePort.key, 'port', shown(filePort.value));
    port = filePort;
  } else {
    if (e.port && envPort) notes.variableWins(e.port.key, e.port.value, envPort.key, envPort.value);
    else if (e.port && e.port.value === 0) notes.ignored(e.port.key, 0, SETTINGS_DEFAULTS.port);
    port = envPort;
  }

  // The hosts: the file's host string, else the variable's (unsplit there too); entries without their own port take `port`.
  let hosts: readonly HostEntry[];
  const fileHost = truthy(e.host);
  if (fileHost) {
    hosts = hostEntries(fileHost, port);
    if (env.hosts && env.hosts.length) {
      const envHosts = env.hosts.map((h): HostEntry => ({ host: h.host, port: ownPort(h) ?? port }));
      if (shownHosts(envHosts) !== shownHosts(hosts)) notes.fileWins(env.names.hosts, fileHost.key, 'host', shownHosts(hosts));
    }
  } else {
    hosts = (env.hosts ?? []).map((h): HostEntry => ({ host: h.host, port: ownPort(h) ?? port }));
  }

  // Key and certificate: the file's pair, else the variables' pair.
  const tlsKey = `${prefix}.tls`;
  if (Boolean(e.part.key) !== Boolean(e.part.cert)) {
    const [missing, given] = e.part.key ? ['cert', 'key'] : ['key', 'cert'];
    fail(`${tlsKey}.${missing}`, `is not set while ${tlsKey}.${given} is: the client key and certificate go together (cloudserver refuses one without the other)`);
  }
  if (e.part.key && e.part.cert) {
    if (envPart.key && !samePem(envPart.key, e.part.key)) notes.fileWins(envPart.key.key, e.part.key.key);
    if (envPart.cert && !samePem(envPart.cert, e.part.cert)) notes.fileWins(envPart.cert.key, e.part.cert.key);
  } else {
    part.key = envPart.key;
    part.cert = envPart.cert;
  }

  // The CAs: the file's whenever it has a tls object (even without ca), else S3KMIP_CA.
  if (e.hasTls) {
    if (envPart.ca && !e.part.ca) notes.caDropped(tlsKey);
    else if (envPart.ca && e.part.ca && !samePems(envPart.ca, e.part.ca)) notes.fileWins('S3KMIP_CA', `${tlsKey}.ca`);
  } else {
    part.ca = envPart.ca;
  }
  return { hosts, port, host: e.host, hasTls: e.hasTls, part };
}

/** The port an S3KMIP_HOSTS entry carries itself (`name:port`), not the one it was given by default. */
function ownPort(h: HostEntry): Val | undefined {
  return h.port !== undefined && h.port.key === h.host.key ? h.port : undefined;
}

/** A top-level setting: the file's when truthy, else the variable's. */
function topLevel(file: Val | undefined, variable: Val | undefined, notes: Overrides): Val | undefined {
  const wins = truthy(file);
  if (wins) {
    if (variable && !isDeepStrictEqual(variable.value, wins.value)) notes.fileWins(variable.key, wins.key, wins.key.replace(/^.*\./, ''), shown(wins.value));
    return wins;
  }
  if (file && variable && !isDeepStrictEqual(variable.value, file.value)) notes.variableWins(file.key, file.value, variable.key, variable.value);
  return variable ?? file;
}

/**
 * config.json's `kmip` section (undefined when the file has none) over the
 * draft of the S3KMIP_* variables alone (`env`, from `applyEnv`), by the
 * host's rules; string PEM paths resolve against baseDir.
 */
export function readFileOverEnv(section: unknown, env: Draft, baseDir: string, warn: Warn): Draft {
  if (section === undefined) {
    // No kmip section: the host's config.kmip is the variables alone.
    return { ...env, names: { hosts: env.hosts ? env.names.hosts : HOST_NAMES.hosts, key: env.part.key ? env.names.key : HOST_NAMES.key, cert: env.part.cert ? env.names.cert : HOST_NAMES.cert } };
  }
  const notes = new Overrides();
  const d = readHostForm(section, baseDir, warn, (e, prefix) => fillTransport(e, prefix, env, notes));
  if (!truthy(d.providerName)) {
    warn(
      'kmip.providerName is not set in the config file: cloudserver refuses to start with a kmip section without one ' +
        `("config.kmip.providerName must be defined"); ${env.providerName ? 'S3KMIP_PROVIDER_NAME' : 'the default "kmip"'} is used here`,
      'kmip.providerName',
    );
  }
  d.providerName = topLevel(d.providerName, env.providerName, notes);
  d.compoundCreateActivate = topLevel(d.compoundCreateActivate, env.compoundCreateActivate, notes);
  d.bucketNameAttributeName = topLevel(d.bucketNameAttributeName, env.bucketNameAttributeName, notes);
  if (d.healthcheckCacheMs !== undefined && env.healthcheckCacheMs === undefined) notes.droppedByHost(d.healthcheckCacheMs.key, envNameOf('healthcheckCacheMs'));
  d.healthcheckCacheMs = healthcheckAsDefault(d.healthcheckCacheMs, ownOf(env), (variable, key, setting, value) => notes.ownFileWins(variable, key, setting, value));
  // Name the settings in the form they came from, for "is not set" messages.
  const fromEnvHosts = d.hosts !== undefined && d.hosts.length > 0 && d.hosts.every((h) => h.host.key === env.names.hosts);
  d.names = {
    hosts: fromEnvHosts ? env.names.hosts : HOST_NAMES.hosts,
    key: d.part.key && d.part.key === env.part.key ? env.names.key : HOST_NAMES.key,
    cert: d.part.cert && d.part.cert === env.part.cert ? env.names.cert : HOST_NAMES.cert,
  };
  notes.flush(warn);
  return d;
}
