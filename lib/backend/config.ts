/**
 * Configuration loading: every form operators use, read into one validated
 * {@link KmipSettings}.
 *
 * Forms
 * -----
 * - `settingsFromHostConfig(config.kmip)`: the host's already-parsed
 *   `config.kmip` (what cloudserver passes to `new Client({ kmip })`). PEM
 *   values are contents (Buffers, or strings holding `-----BEGIN`); a string
 *   without `-----BEGIN` is taken as a file path (relative to `opts.baseDir`,
 *   default the current directory). S3KMIP_* variables are NOT applied: the
 *   host has already applied them.
 * - `settingsFromConfigFile(path)`: a raw cloudserver `config.json`; its `kmip`
 *   section holds FILE PATHS for key/cert/ca, relative ones resolved against
 *   the config file's folder. S3KMIP_* variables are then applied on top
 *   (`opts.env`, default `process.env`; pass `{}` to ignore the environment).
 * - `settingsFromEnv(env)`: S3KMIP_* variables only.
 * - `settingsFromChart(values, pemDir)`: the Kubernetes chart's values (the
 *   `kmip` section, or the whole values object holding a `kmip` key) and the
 *   folder of `kmip-*.pem` files. S3KMIP_* variables are applied on top
 *   (`opts.env`, default `process.env`).
 * - `loadSettings({ configFile | chartValues + pemDir, env })`: picks the form.
 *
 * Precedence (highest first)
 * --------------------------
 * 1. S3KMIP_* environment variables (cloudserver semantics: the environment
 *    wins over the file). An empty or blank variable counts as unset.
 *    `S3KMIP_HOSTS` replaces the whole host list; a `host:port` entry carries
 *    its own port, other entries take `S3KMIP_PORT`, else the file's port (of
 *    the first transport), else 5696. `S3KMIP_PORT` alone re-ports every host
 *    of the file. `S3KMIP_KEY` and `S3KMIP_CERT` must be set together and
 *    replace the file's pair; `S3KMIP_CA` replaces the file's CA list.
 *    Relative paths in variables are resolved like the file's own paths
 *    (against the config file's folder) in the config-file form, else against
 *    the current directory.
 * 2. The explicit source: the config file's `kmip` section, or the chart
 *    values and PEM folder. `loadSettings` refuses both at once; with neither
 *    it reads the environment alone.
 * 3. Defaults (below).
 *
 * Configuration table
 * -------------------
 * "config.json / host" is the path in cloudserver's config.json, which is also
 * the path in the host's parsed `config.kmip` (without the `kmip.` prefix).
 * `transport` may be one object or an array of them (one per appliance, see
 * below); `transport.tls.X` then reads `transport[i].tls.X`. Timeouts are in
 * milliseconds. "—" means the form has no such setting.
 *
 * | setting | config.json / host | chart value (`kmip.`) | environment | default | meaning |
 * |---|---|---|---|---|---|
 * | providerName | `kmip.providerName` | `providerName` | `S3KMIP_PROVIDER_NAME` | `kmip` | name in key ARNs `arn:scality:kms:external:kmip:<name>:key/<id>`; letters, digits and `-` only |
 * | compoundCreateActivate | `kmip.client.compoundCreateActivate` | `compoundCreate` | `S3KMIP_COMPOUND_CREATE` (`true`/`false`) | `false` | create keys Active in one Create (server must support an Activation Date on Create) |
 * | bucketNameAttributeName | `kmip.client.bucketNameAttributeName` | `bucketAttributeName` | `S3KMIP_BUCKET_ATTRIBUTE_NAME` | `''` (off) | custom attribute holding the bucket name on each key; KMIP 1.x wants an `x-` prefix |
 * | hosts | `kmip.transport.tls.host` (one per transport entry) | `hosts` (array; `host:port` allowed) | `S3KMIP_HOSTS` (comma separated; `host:port` allowed) | none: required | KMIP servers, first = default |
 * | port | `kmip.transport.tls.port` | `port` | `S3KMIP_PORT` | `5696` | TCP port of hosts given without one |
 * | client key | `kmip.transport.tls.key` | file `kmip-key.pem` | `S3KMIP_KEY` (path) | none | client private key (PEM); goes with the certificate |
 * | client certificate | `kmip.transport.tls.cert` | file `kmip-cert.pem` | `S3KMIP_CERT` (path) | none | client certificate chain (PEM); goes with the key |
 * | CA | `kmip.transport.tls.ca` (one or an array) | files `kmip-ca.pem`, then `kmip-ca-*.pem` (name order) | `S3KMIP_CA` (comma separated paths) | Node's trust store | CAs trusted for the server certificate |
 * | key passphrase | `kmip.transport.tls.passphrase` | — | — | none | passphrase of an encrypted client key |
 * | servername | `kmip.transport.tls.servername` | `servername` | — | the host name | SNI and name checked in the server certificate |
 * | rejectUnauthorized | `kmip.transport.tls.rejectUnauthorized` | `rejectUnauthorized` | — | `true` | verify the server certificate (false is logged as a warning) |
 * | ciphers | `kmip.transport.tls.ciphers` | `ciphers` | — | Node's list | OpenSSL cipher list |
 * | minVersion / maxVersion | `kmip.transport.tls.minVersion` / `.maxVersion` | `minVersion` / `maxVersion` | — | `TLSv1.2` / none | TLS versions (`TLSv1.2` or `TLSv1.3`) |
 * | pipelineDepth | `kmip.transport.pipelineDepth` | `pipelineDepth` | `S3KMIP_PIPELINE_DEPTH` | `8` | requests in flight per connection; 0 means 1 (warning); 1 for servers that answer out of order |
 * | poolSize | `kmip.transport.poolSize` | `poolSize` | — | `1` | connections per host |
 * | maxQueueLength | `kmip.transport.maxQueueLength` | `maxQueueLength` | — | `10000` | requests allowed to wait; beyond, they fail at once |
 * | connectTimeoutMs | `kmip.transport.connectTimeoutMs` | `connectTimeoutMs` | — | `5000` | TCP connect deadline |
 * | handshakeTimeoutMs | `kmip.transport.handshakeTimeoutMs` | `handshakeTimeoutMs` | — | `5000` | TLS handshake deadline |
 * | queueTimeoutMs | `kmip.transport.queueTimeoutMs` | `queueTimeoutMs` | — | `10000` | how long a request may wait to be written |
 * | requestTimeoutMs | `kmip.transport.requestTimeoutMs` | `requestTimeoutMs` | — | `15000` | how long a written request may wait for its answer |
 * | idleTimeoutMs | `kmip.transport.idleTimeoutMs` | `idleTimeoutMs` | — | `60000` (0 = never) | close connections unused this long |
 * | reconnect | `kmip.transport.reconnect` `{baseDelayMs, maxDelayMs, jitter}` | `reconnect` | — | `{100, 10000, 0.2}` | reconnect back-off |
 * | protocolVersions | `kmip.transport.protocolVersions` (`["2.0","1.4"]` or `[{major,minor}]`) | `protocolVersions` | — | `2.0, 1.4, 1.3, 1.2` | versions offered, most preferred first; 1.2 or later |
 * | skipQuery | `kmip.transport.skipQuery` | `skipQuery` | — | `false` | skip Query after version negotiation |
 * | maxMessageBytes | `kmip.transport.maxMessageBytes` | `maxMessageBytes` | — | `16777216` | largest response accepted |
 * | logMessages | `kmip.transport.logMessages` | `logMessages` | — | `false` | log every message (redacted) at trace/debug |
 * | healthcheckCacheMs | `kmip.healthcheckCacheMs` | `healthcheckCacheMs` | — | `5000` | how long a healthcheck result is reused |
 * | enabled | — | `enabled` | — | absent = enabled | `false` is refused: KMIP is disabled in the chart |
 *
 * Defaults set here: providerName, compoundCreateActivate,
 * bucketNameAttributeName, port, pipelineDepth, healthcheckCacheMs. The other
 * transport settings are left unset when not configured and take the
 * transport's defaults shown above.
 *
 * Several appliances
 * ------------------
 * `kmip.transport` as an array gives one host per entry, in order (the first
 * is the default). Only `tls.host` and `tls.port` are taken per entry: TLS
 * material (key, cert, ca, passphrase, servername, ...) and every other
 * transport setting come from the FIRST entry. When a later entry differs in
 * any of them (compared by file contents, not path), a warning names the
 * entry and the differing settings; it is not an error, because the first
 * entry's settings are usable and a mismatch shows at once at connection
 * time.
 *
 * Validation
 * ----------
 * Every error is a `KmipConfigError` whose `key` is the setting's name in the
 * form it came from (`kmip.transport[1].tls.port`, `S3KMIP_PORT`,
 * `kmip.hosts[0]`, `kmip-cert.pem`, ...), and whose message starts with that
 * name and says what is wrong. Unknown keys and unknown S3KMIP_* variables
 * are warnings. Key material is never put in messages or logs (only file
 * paths and PEM block labels).
 */
import { X509Certificate, createPrivateKey, createPublicKey } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { KmipConfigError } from '../errors';
import { compareVersions, type ProtocolVersion } from '../kmip/protocol';
import { safeLog, stderrLogger, type Logger } from '../logger';
import {
  DEFAULT_PORT,
  MINIMUM_VERSION,
  type HostAddress,
  type ReconnectOptions,
  type TlsOptions,
  type TransportOptions,
} from '../transport/options';
import type { KmipSettings } from './settings';

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

export const SETTINGS_DEFAULTS = {
  providerName: 'kmip',
  compoundCreateActivate: false,
  bucketNameAttributeName: '',
  port: DEFAULT_PORT,
  pipelineDepth: 8,
  healthcheckCacheMs: 5000,
} as const;

/** The S3KMIP_* variables read. Any other S3KMIP_* variable is warned about. */
export const ENV_VARIABLES = [
  'S3KMIP_PROVIDER_NAME',
  'S3KMIP_COMPOUND_CREATE',
  'S3KMIP_BUCKET_ATTRIBUTE_NAME',
  'S3KMIP_PIPELINE_DEPTH',
  'S3KMIP_PORT',
  'S3KMIP_HOSTS',
  'S3KMIP_KEY',
  'S3KMIP_CERT',
  'S3KMIP_CA',
] as const;

export interface ConfigLoadOptions {
  /** Receives warnings (unknown keys, pipelineDepth 0, ...). Default: stderr. */
  readonly logger?: Logger;
}

export interface HostConfigOptions extends ConfigLoadOptions {
  /** Folder against which PEM values given as relative paths are resolved. Default: the current directory. */
  readonly baseDir?: string;
}

export interface EnvConfigOptions extends ConfigLoadOptions {
  /** Folder against which relative S3KMIP_* paths are resolved. Default: the current directory. */
  readonly baseDir?: string;
}

export interface FileConfigOptions extends ConfigLoadOptions {
  /** S3KMIP_* overrides applied on top. Default `process.env`; `{}` to ignore the environment. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface SettingsSource {
  /** Path of a cloudserver config.json. */
  readonly configFile?: string;
  /** Chart values: a values object, or the path of a JSON file holding them (YAML is not read). */
  readonly chartValues?: string | object;
  /** Folder of the chart's `kmip-*.pem` files; required with `chartValues`. */
  readonly pemDir?: string;
  /** S3KMIP_* overrides. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The host's parsed `config.kmip` (PEM values are contents, already read). */
export function settingsFromHostConfig(kmip: unknown, opts: HostConfigOptions = {}): KmipSettings {
  const logger = opts.logger ?? stderrLogger;
  const draft = readHostForm(kmip, opts.baseDir ?? process.cwd(), makeWarn(logger));
  return finalize(draft, logger);
}

/** A raw cloudserver config.json (file paths), with S3KMIP_* overrides on top. */
export function settingsFromConfigFile(file: string, opts: FileConfigOptions = {}): KmipSettings {
  const logger = opts.logger ?? stderrLogger;
  const warn = makeWarn(logger);
  const root = asRecord(readJsonFile(file, 'configFile'), 'configFile');
  const baseDir = path.dirname(path.resolve(file));
  const section = get(root, 'kmip');
  const draft = section === undefined ? emptyDraft(HOST_NAMES) : readHostForm(section, baseDir, warn);
  return finalize(applyEnv(draft, opts.env ?? process.env, baseDir, warn), logger);
}

/** S3KMIP_* variables only. */
export function settingsFromEnv(env: NodeJS.ProcessEnv, opts: EnvConfigOptions = {}): KmipSettings {
  const logger = opts.logger ?? stderrLogger;
  const draft = applyEnv(emptyDraft(ENV_NAMES), env, opts.baseDir ?? process.cwd(), makeWarn(logger));
  return finalize(draft, logger);
}

/** The chart's values (the `kmip` section, or an object holding a `kmip` key) and its folder of `kmip-*.pem` files. */
export function settingsFromChart(values: unknown, pemDir: string, opts: FileConfigOptions = {}): KmipSettings {
  const logger = opts.logger ?? stderrLogger;
  const warn = makeWarn(logger);
  const draft = readChart(values, pemDir, warn);
  return finalize(applyEnv(draft, opts.env ?? process.env, process.cwd(), warn), logger);
}

/**
 * Picks the form: `configFile`, else `chartValues` (+ `pemDir`), else the
 * environment alone; S3KMIP_* variables (`env`, default `process.env`) are
 * applied on top in every case. Giving both `configFile` and `chartValues`
 * is an error.
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
    if (typeof source.pemDir !== 'string' || source.pemDir === '') {
      fail('pemDir', 'is required with chartValues: the folder holding kmip-key.pem, kmip-cert.pem and kmip-ca.pem');
    }
    const values = typeof source.chartValues === 'string' ? readJsonFile(source.chartValues, 'chartValues') : source.chartValues;
    return settingsFromChart(values, source.pemDir, withEnv);
  }
  return settingsFromEnv(env, opts);
}

// ---------------------------------------------------------------------------
// Internal draft: raw values tagged with the name of the setting they came from
// ---------------------------------------------------------------------------

type Rec = Readonly<Record<string, unknown>>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A raw value and the name of the setting it came from (for messages). */
interface Val {
  readonly value: unknown;
  readonly key: string;
}

/** PEM contents, the setting they came from and the file they were read from. */
interface Pem {
  readonly key: string;
  readonly data: Buffer;
  readonly file: string | undefined;
}

interface HostEntry {
  readonly host: Val;
  readonly port: Val | undefined;
}

const OPTION_INTS = [
  'poolSize',
  'maxQueueLength',
  'connectTimeoutMs',
  'handshakeTimeoutMs',
  'queueTimeoutMs',
  'requestTimeoutMs',
  'idleTimeoutMs',
  'maxMessageBytes',
] as const;
const OPTION_FLAGS = ['skipQuery', 'logMessages'] as const;
const OPTION_NAMES = [...OPTION_INTS, ...OPTION_FLAGS, 'protocolVersions', 'reconnect'] as const;
type OptionName = (typeof OPTION_NAMES)[number];

const TLS_SCALARS = ['passphrase', 'servername', 'rejectUnauthorized', 'ciphers', 'minVersion', 'maxVersion'] as const;
type TlsScalar = (typeof TLS_SCALARS)[number];

/** Smallest accepted value of each integer transport option. */
const OPTION_MIN: Record<(typeof OPTION_INTS)[number], number> = {
  poolSize: 1,
  maxQueueLength: 0,
  connectTimeoutMs: 1,
  handshakeTimeoutMs: 1,
  queueTimeoutMs: 1,
  requestTimeoutMs: 1,
  idleTimeoutMs: 0,
  maxMessageBytes: 64,
};
/** Node timers overflow above this and fire at once. */
const MAX_TIMER_MS = 2_147_483_647;
const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
type TlsVersion = (typeof TLS_VERSIONS)[number];

/** Everything of a transport except its host and port. */
interface TransportPart {
  pipelineDepth: Val | undefined;
  options: Partial<Record<OptionName, Val>>;
  tlsScalars: Partial<Record<TlsScalar, Val>>;
  key: Pem | undefined;
  cert: Pem | undefined;
  ca: readonly Pem[] | undefined;
}

/** How a form names the settings that may be missing (for "is not set" messages). */
interface FormNames {
  readonly hosts: string;
  readonly key: string;
  readonly cert: string;
}

const HOST_NAMES: FormNames = { hosts: 'kmip.transport.tls.host', key: 'kmip.transport.tls.key', cert: 'kmip.transport.tls.cert' };
const ENV_NAMES: FormNames = { hosts: 'S3KMIP_HOSTS', key: 'S3KMIP_KEY', cert: 'S3KMIP_CERT' };
const CHART_NAMES: FormNames = { hosts: 'kmip.hosts', key: 'kmip-key.pem', cert: 'kmip-cert.pem' };

interface Draft {
  names: FormNames;
  providerName: Val | undefined;
  compoundCreateActivate: Val | undefined;
  bucketNameAttributeName: Val | undefined;
  healthcheckCacheMs: Val | undefined;
  hosts: readonly HostEntry[] | undefined;
  /** Port for hosts given without one (the file's or chart's port). */
  defaultPort: Val | undefined;
  part: TransportPart;
}

const emptyPart = (): TransportPart => ({
  pipelineDepth: undefined,
  options: {},
  tlsScalars: {},
  key: undefined,
  cert: undefined,
  ca: undefined,
});

const emptyDraft = (names: FormNames): Draft => ({
  names,
  providerName: undefined,
  compoundCreateActivate: undefined,
  bucketNameAttributeName: undefined,
  healthcheckCacheMs: undefined,
  hosts: undefined,
  defaultPort: undefined,
  part: emptyPart(),
});

type Warn = (message: string, key: string) => void;

function makeWarn(logger: Logger): Warn {
  return (message, key) => safeLog(logger, 'warn', `KMIP configuration: ${message}`, { key });
}

function fail(key: string, problem: string): never {
  throw new KmipConfigError(`KMIP configuration: ${key} ${problem}`, key);
}

/** A short, key-material-free description of a value for messages. */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Buffer.isBuffer(v)) return `a Buffer of ${v.length} bytes`;
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      if (v.includes('-----BEGIN')) return 'PEM text';
      return `${JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v)} (a string)`;
    case 'number':
    case 'boolean':
      return String(v);
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function asRecord(v: unknown, key: string): Rec {
  if (!isRecord(v)) fail(key, `must be an object, got ${describe(v)}`);
  return v;
}

/** A property, with null counted as absent (like undefined). */
function get(o: Rec, name: string): unknown {
  const v = Object.prototype.hasOwnProperty.call(o, name) ? o[name] : undefined;
  return v === null ? undefined : v;
}

function val(o: Rec, name: string, prefix: string): Val | undefined {
  const value = get(o, name);
  return value === undefined ? undefined : { value, key: `${prefix}.${name}` };
}

function warnUnknown(o: Rec, prefix: string, known: readonly string[], warn: Warn): void {
  for (const k of Object.keys(o)) {
    if (o[k] === undefined || known.includes(k)) continue;
    const key = `${prefix}.${k}`;
    warn(`unknown or unsupported key ${key} is ignored`, key);
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function readJsonFile(file: string, key: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    fail(key, `file ${JSON.stringify(file)} cannot be read: ${errText(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const msg = errText(err);
    const detail = msg.includes('-----') || msg.includes('PRIVATE') ? '' : ` (${msg})`;
    const yaml = /\.ya?ml$/i.test(file) ? '; YAML is not read: convert it to JSON first (e.g. `yq -o json`)' : '';
    fail(key, `file ${JSON.stringify(file)} is not valid JSON${detail}${yaml}`);
  }
}

function readPemFile(file: string, key: string): Pem {
  try {
    return { key, data: fs.readFileSync(file), file };
  } catch (err) {
    fail(key, `file ${JSON.stringify(file)} cannot be read: ${errText(err)}`);
  }
}

/** A PEM value: a Buffer or PEM text (contents), or a file path. Empty string = absent. */
function readPemValue(v: Val | undefined, baseDir: string): Pem | undefined {
  if (v === undefined || v.value === '') return undefined;
  if (Buffer.isBuffer(v.value)) return { key: v.key, data: v.value, file: undefined };
  if (typeof v.value === 'string') {
    if (v.value.includes('-----BEGIN')) return { key: v.key, data: Buffer.from(v.value), file: undefined };
    return readPemFile(path.resolve(baseDir, v.value), v.key);
  }
  fail(v.key, `must be a file path, PEM text or a Buffer of PEM contents, got ${describe(v.value)}`);
}

function readCaValue(v: Val | undefined, baseDir: string): Pem[] | undefined {
  if (v === undefined) return undefined;
  const list = Array.isArray(v.value)
    ? v.value.map((value: unknown, i) => ({ value, key: `${v.key}[${i}]` }))
    : [v];
  const pems: Pem[] = [];
  for (const item of list) {
    const p = readPemValue(item, baseDir);
    if (p) pems.push(p);
  }
  return pems.length ? pems : undefined;
}

// ---------------------------------------------------------------------------
// Host / config.json form
// ---------------------------------------------------------------------------

const HOST_TOP_KEYS = ['providerName', 'client', 'transport', 'healthcheckCacheMs'];
const HOST_CLIENT_KEYS = ['compoundCreateActivate', 'bucketNameAttributeName'];
const TRANSPORT_KEYS: readonly string[] = ['pipelineDepth', 'tls', ...OPTION_NAMES];
const TLS_KEYS: readonly string[] = ['host', 'port', 'key', 'cert', 'ca', ...TLS_SCALARS];

interface ReadTransport {
  host: Val | undefined;
  port: Val | undefined;
  part: TransportPart;
}

function readTransport(raw: unknown, prefix: string, baseDir: string, warn: Warn): ReadTransport {
  const t = asRecord(raw, prefix);
  warnUnknown(t, prefix, TRANSPORT_KEYS, warn);
  const part = emptyPart();
  part.pipelineDepth = val(t, 'pipelineDepth', prefix);
  for (const name of OPTION_NAMES) {
    const v = val(t, name, prefix);
    if (v) part.options[name] = v;
  }
  const tlsRaw = get(t, 'tls');
  if (tlsRaw === undefined) return { host: undefined, port: undefined, part };
  const tp = `${prefix}.tls`;
  const tls = asRecord(tlsRaw, tp);
  warnUnknown(tls, tp, TLS_KEYS, warn);
  for (const name of TLS_SCALARS) {
    const v = val(tls, name, tp);
    if (v) part.tlsScalars[name] = v;
  }
  part.key = readPemValue(val(tls, 'key', tp), baseDir);
  part.cert = readPemValue(val(tls, 'cert', tp), baseDir);
  part.ca = readCaValue(val(tls, 'ca', tp), baseDir);
  const host = val(tls, 'host', tp);
  return { host: host?.value === '' ? undefined : host, port: val(tls, 'port', tp), part };
}

/** Names of the settings in which two transport entries differ. */
function diffParts(a: TransportPart, b: TransportPart): string[] {
  const out: string[] = [];
  const same = (x: Val | undefined, y: Val | undefined): boolean => isDeepStrictEqual(x?.value, y?.value);
  if (!same(a.pipelineDepth, b.pipelineDepth)) out.push('pipelineDepth');
  for (const n of OPTION_NAMES) if (!same(a.options[n], b.options[n])) out.push(n);
  const pem = (p: Pem | undefined): Buffer | undefined => p?.data;
  if (!isDeepStrictEqual(pem(a.key), pem(b.key))) out.push('tls.key');
  if (!isDeepStrictEqual(pem(a.cert), pem(b.cert))) out.push('tls.cert');
  if (!isDeepStrictEqual(a.ca?.map((p) => p.data), b.ca?.map((p) => p.data))) out.push('tls.ca');
  for (const n of TLS_SCALARS) if (!same(a.tlsScalars[n], b.tlsScalars[n])) out.push(`tls.${n}`);
  return out;
}

function readHostForm(kmip: unknown, baseDir: string, warn: Warn): Draft {
  const root = asRecord(kmip, 'kmip');
  warnUnknown(root, 'kmip', HOST_TOP_KEYS, warn);
  const d = emptyDraft(HOST_NAMES);
  d.providerName = val(root, 'providerName', 'kmip');
  d.healthcheckCacheMs = val(root, 'healthcheckCacheMs', 'kmip');
  const clientRaw = get(root, 'client');
  if (clientRaw !== undefined) {
    const client = asRecord(clientRaw, 'kmip.client');
    warnUnknown(client, 'kmip.client', HOST_CLIENT_KEYS, warn);
    d.compoundCreateActivate = val(client, 'compoundCreateActivate', 'kmip.client');
    d.bucketNameAttributeName = val(client, 'bucketNameAttributeName', 'kmip.client');
  }
  const transport = get(root, 'transport');
  if (Array.isArray(transport)) {
    if (transport.length === 0) fail('kmip.transport', 'is an empty array: list one entry per KMIP server');
    const entries = transport.map((t: unknown, i) => readTransport(t, `kmip.transport[${i}]`, baseDir, warn));
    const hosts: HostEntry[] = [];
    entries.forEach((e, i) => {
      if (e.host === undefined) fail(`kmip.transport[${i}].tls.host`, 'is not set: every transport entry needs a server host');
      hosts.push({ host: e.host, port: e.port });
      if (i > 0) {
        const diff = diffParts(entries[0]!.part, e.part);
        if (diff.length) {
          warn(
            `kmip.transport[${i}] differs from kmip.transport[0] in ${diff.join(', ')}; only host and port are taken per entry, ` +
              'every server uses the TLS material and settings of kmip.transport[0]',
            `kmip.transport[${i}]`,
          );
        }
      }
    });
    d.hosts = hosts;
    d.defaultPort = entries[0]!.port;
    d.part = entries[0]!.part;
  } else if (transport !== undefined) {
    const e = readTransport(transport, 'kmip.transport', baseDir, warn);
    if (e.host) d.hosts = [{ host: e.host, port: e.port }];
    d.defaultPort = e.port;
    d.part = e.part;
  }
  return d;
}

// ---------------------------------------------------------------------------
// S3KMIP_* environment
// ---------------------------------------------------------------------------

/** An integer-looking string becomes a number; anything else stays a string (and fails validation). */
function envInt(s: string): number | string {
  return /^[+-]?\d+$/.test(s) ? Number(s) : s;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. */
function parseHostPort(entry: string, key: string): { host: string; port: number | string | undefined } {
  const s = entry.trim();
  if (s.startsWith('[')) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
    if (!m) fail(key, `has a malformed entry ${describe(s)}: use [address]:port for IPv6`);
    return { host: m[1] ?? '', port: m[2] === undefined ? undefined : envInt(m[2]) };
  }
  const colons = s.split(':').length - 1;
  if (colons === 1) {
    const i = s.indexOf(':');
    return { host: s.slice(0, i), port: envInt(s.slice(i + 1)) };
  }
  return { host: s, port: undefined };
}

function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

function applyEnv(d: Draft, env: NodeJS.ProcessEnv, baseDir: string, warn: Warn): Draft {
  const known: readonly string[] = ENV_VARIABLES;
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('S3KMIP_') && !known.includes(name)) warn(`unknown environment variable ${name} is ignored`, name);
  }
  const e = (name: (typeof ENV_VARIABLES)[number]): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const out: Draft = { ...d, part: { ...d.part, options: { ...d.part.options }, tlsScalars: { ...d.part.tlsScalars } } };

  const provider = e('S3KMIP_PROVIDER_NAME');
  if (provider !== undefined) out.providerName = { value: provider, key: 'S3KMIP_PROVIDER_NAME' };

  const compound = e('S3KMIP_COMPOUND_CREATE');
  if (compound !== undefined) {
    const lower = compound.toLowerCase();
    if (lower !== 'true' && lower !== 'false') fail('S3KMIP_COMPOUND_CREATE', `must be "true" or "false", got ${describe(compound)}`);
    out.compoundCreateActivate = { value: lower === 'true', key: 'S3KMIP_COMPOUND_CREATE' };
  }

  const attr = e('S3KMIP_BUCKET_ATTRIBUTE_NAME');
  if (attr !== undefined) out.bucketNameAttributeName = { value: attr, key: 'S3KMIP_BUCKET_ATTRIBUTE_NAME' };

  const depth = e('S3KMIP_PIPELINE_DEPTH');
  if (depth !== undefined) out.part.pipelineDepth = { value: envInt(depth), key: 'S3KMIP_PIPELINE_DEPTH' };

  const portStr = e('S3KMIP_PORT');
  const envPort: Val | undefined = portStr === undefined ? undefined : { value: envInt(portStr), key: 'S3KMIP_PORT' };

  const hostsStr = e('S3KMIP_HOSTS');
  if (hostsStr !== undefined) {
    const entries = splitList(hostsStr);
    if (entries.length === 0) fail('S3KMIP_HOSTS', 'lists no host');
    const fallbackPort = envPort ?? out.defaultPort;
    out.hosts = entries.map((entry) => {
      const hp = parseHostPort(entry, 'S3KMIP_HOSTS');
      return {
        host: { value: hp.host, key: 'S3KMIP_HOSTS' },
        port: hp.port === undefined ? fallbackPort : { value: hp.port, key: 'S3KMIP_HOSTS' },
      };
    });
    out.names = { ...out.names, hosts: 'S3KMIP_HOSTS' };
  } else if (envPort !== undefined && out.hosts !== undefined) {
    out.hosts = out.hosts.map((h) => ({ host: h.host, port: envPort }));
  }
  if (envPort !== undefined) out.defaultPort = envPort;

  const key = e('S3KMIP_KEY');
  const cert = e('S3KMIP_CERT');
  if (key !== undefined && cert === undefined) fail('S3KMIP_CERT', 'is not set but S3KMIP_KEY is: the client key and certificate go together');
  if (cert !== undefined && key === undefined) fail('S3KMIP_KEY', 'is not set but S3KMIP_CERT is: the client key and certificate go together');
  if (key !== undefined && cert !== undefined) {
    out.part.key = readPemValue({ value: key, key: 'S3KMIP_KEY' }, baseDir);
    out.part.cert = readPemValue({ value: cert, key: 'S3KMIP_CERT' }, baseDir);
    out.names = { ...out.names, key: 'S3KMIP_KEY', cert: 'S3KMIP_CERT' };
  }

  const ca = e('S3KMIP_CA');
  if (ca !== undefined) {
    const pems = splitList(ca).map((p) => readPemValue({ value: p, key: 'S3KMIP_CA' }, baseDir));
    out.part.ca = pems.filter((p): p is Pem => p !== undefined);
    if (out.part.ca.length === 0) fail('S3KMIP_CA', 'lists no file');
  }
  return out;
}

// ---------------------------------------------------------------------------
// Chart values + PEM folder
// ---------------------------------------------------------------------------

const CHART_KEYS: readonly string[] = [
  'enabled',
  'port',
  'hosts',
  'compoundCreate',
  'bucketAttributeName',
  'pipelineDepth',
  'providerName',
  'healthcheckCacheMs',
  ...OPTION_NAMES,
  ...TLS_SCALARS.filter((n) => n !== 'passphrase'),
];
const CHART_PEMS = { key: 'kmip-key.pem', cert: 'kmip-cert.pem', ca: 'kmip-ca.pem' } as const;

function readChart(values: unknown, pemDir: string, warn: Warn): Draft {
  const root = asRecord(values, 'chartValues');
  const nested = get(root, 'kmip');
  const v = nested === undefined ? root : asRecord(nested, 'kmip');
  warnUnknown(v, 'kmip', CHART_KEYS, warn);

  const enabled = get(v, 'enabled');
  if (enabled === false) fail('kmip.enabled', 'is false: KMIP is disabled in the chart values');
  if (enabled !== undefined && enabled !== true) fail('kmip.enabled', `must be true or false, got ${describe(enabled)}`);

  const d = emptyDraft(CHART_NAMES);
  d.providerName = val(v, 'providerName', 'kmip');
  d.compoundCreateActivate = val(v, 'compoundCreate', 'kmip');
  d.bucketNameAttributeName = val(v, 'bucketAttributeName', 'kmip');
  d.healthcheckCacheMs = val(v, 'healthcheckCacheMs', 'kmip');
  d.part.pipelineDepth = val(v, 'pipelineDepth', 'kmip');
  for (const name of OPTION_NAMES) {
    const o = val(v, name, 'kmip');
    if (o) d.part.options[name] = o;
  }
  for (const name of TLS_SCALARS) {
    if (name === 'passphrase') continue;
    const o = val(v, name, 'kmip');
    if (o) d.part.tlsScalars[name] = o;
  }
  const port = val(v, 'port', 'kmip');
  d.defaultPort = port;

  const hosts = get(v, 'hosts');
  if (hosts !== undefined) {
    let list: unknown[];
    if (typeof hosts === 'string') list = splitList(hosts);
    else if (Array.isArray(hosts)) list = hosts;
    else fail('kmip.hosts', `must be an array of host names, got ${describe(hosts)}`);
    d.hosts = list.map((item, i): HostEntry => {
      const key = `kmip.hosts[${i}]`;
      if (typeof item !== 'string') return { host: { value: item, key }, port };
      const hp = parseHostPort(item, key);
      return { host: { value: hp.host, key }, port: hp.port === undefined ? port : { value: hp.port, key } };
    });
  }

  let names: string[];
  try {
    names = fs.readdirSync(pemDir);
  } catch (err) {
    fail('pemDir', `folder ${JSON.stringify(pemDir)} cannot be read: ${errText(err)}`);
  }
  const file = (n: string): Pem | undefined => (names.includes(n) ? readPemFile(path.join(pemDir, n), n) : undefined);
  d.part.key = file(CHART_PEMS.key);
  d.part.cert = file(CHART_PEMS.cert);
  const extraCas = names.filter((n) => /^kmip-ca-.+\.pem$/.test(n)).sort();
  const cas = [CHART_PEMS.ca, ...extraCas].map(file).filter((p): p is Pem => p !== undefined);
  d.part.ca = cas.length ? cas : undefined;
  const knownPems: readonly string[] = [CHART_PEMS.key, CHART_PEMS.cert, CHART_PEMS.ca, ...extraCas];
  for (const n of names.filter((x) => /^kmip-.*\.pem$/.test(x) && !knownPems.includes(x)).sort()) {
    warn(`PEM file ${n} in ${pemDir} is not one of kmip-key.pem, kmip-cert.pem, kmip-ca.pem, kmip-ca-*.pem; ignored`, n);
  }
  return d;
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

function intIn(v: Val, min: number, max: number): number {
  if (typeof v.value !== 'number' || !Number.isInteger(v.value) || v.value < min || v.value > max) {
    fail(v.key, `must be an integer in ${min}..${max}, got ${describe(v.value)}`);
  }
  return v.value;
}

function bool(v: Val): boolean {
  if (typeof v.value !== 'boolean') fail(v.key, `must be true or false (a boolean), got ${describe(v.value)}`);
  return v.value;
}

function nonEmptyString(v: Val): string {
  if (typeof v.value !== 'string' || v.value === '') fail(v.key, `must be a non-empty string, got ${describe(v.value)}`);
  return v.value;
}

function checkHost(v: Val): string {
  if (typeof v.value !== 'string') fail(v.key, `must be a host name or IP address (a string), got ${describe(v.value)}`);
  let h = v.value;
  if (h === '') fail(v.key, 'must not be empty: give a host name or IP address');
  if (/\s/.test(h)) fail(v.key, `must not contain spaces, got ${describe(h)}`);
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.includes('/')) fail(v.key, `must be a bare host name or IP address (no scheme or path), got ${describe(h)}`);
  if (h.includes(':') && !net.isIPv6(h)) fail(v.key, `must not contain a port (give the port separately), got ${describe(h)}`);
  if (h === '') fail(v.key, 'must not be empty: give a host name or IP address');
  return h;
}

function parseVersions(v: Val): ProtocolVersion[] {
  if (!Array.isArray(v.value) || v.value.length === 0) {
    fail(v.key, `must be a non-empty array of versions such as ["2.0", "1.4"], got ${describe(v.value)}`);
  }
  return v.value.map((item: unknown, i): ProtocolVersion => {
    const key = `${v.key}[${i}]`;
    let ver: ProtocolVersion | undefined;
    if (typeof item === 'string') {
      const m = /^(\d+)\.(\d+)$/.exec(item.trim());
      if (m) ver = { major: Number(m[1]), minor: Number(m[2]) };
    } else if (isRecord(item)) {
      const { major, minor } = item;
      if (typeof major === 'number' && Number.isInteger(major) && major >= 0 && typeof minor === 'number' && Number.isInteger(minor) && minor >= 0) {
        ver = { major, minor };
      }
    }
    if (!ver) fail(key, `must be a version like "1.4" or {"major":1,"minor":4}, got ${describe(item)}`);
    if (compareVersions(ver, MINIMUM_VERSION) < 0) fail(key, `is ${ver.major}.${ver.minor}: KMIP 1.2 or later is required`);
    return ver;
  });
}

function parseReconnect(v: Val, warn: Warn): ReconnectOptions {
  const o = asRecord(v.value, v.key);
  warnUnknown(o, v.key, ['baseDelayMs', 'maxDelayMs', 'jitter'], warn);
  const out: Mutable<ReconnectOptions> = {};
  const base = val(o, 'baseDelayMs', v.key);
  if (base) out.baseDelayMs = intIn(base, 0, MAX_TIMER_MS);
  const max = val(o, 'maxDelayMs', v.key);
  if (max) out.maxDelayMs = intIn(max, 0, MAX_TIMER_MS);
  const jitter = val(o, 'jitter', v.key);
  if (jitter) {
    if (typeof jitter.value !== 'number' || !(jitter.value >= 0 && jitter.value <= 1)) {
      fail(jitter.key, `must be a number in 0..1, got ${describe(jitter.value)}`);
    }
    out.jitter = jitter.value;
  }
  return out;
}

const where = (p: Pem): string => (p.file === undefined ? 'value' : `file ${JSON.stringify(p.file)}`);

function pemLabels(data: Buffer): string[] {
  const labels: string[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----/g;
  const text = data.toString('latin1');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) labels.push(m[1] ?? '');
  return labels;
}

const isPrivateKeyLabel = (l: string): boolean => l.endsWith('PRIVATE KEY');
const isCertLabel = (l: string): boolean => l === 'CERTIFICATE' || l === 'TRUSTED CERTIFICATE' || l === 'X509 CERTIFICATE';

function checkPem(p: Pem, kind: 'key' | 'cert' | 'ca', warn: Warn): void {
  const labels = pemLabels(p.data);
  if (labels.length === 0) {
    const der = p.data.length > 0 && p.data[0] === 0x30 ? ' (it looks like DER: convert it to PEM with openssl)' : '';
    fail(p.key, `${where(p)} is not PEM: no "-----BEGIN" line found${der}`);
  }
  const hasKey = labels.some(isPrivateKeyLabel);
  const hasCert = labels.some(isCertLabel);
  const found = [...new Set(labels)].join(', ');
  if (kind === 'key') {
    if (!hasKey) {
      if (hasCert) fail(p.key, `${where(p)} contains a certificate, not a private key (are key and cert swapped?)`);
      fail(p.key, `${where(p)} contains no private key (found: ${found})`);
    }
    return;
  }
  const what = kind === 'cert' ? 'certificate' : 'CA certificate';
  if (!hasCert) {
    if (hasKey) fail(p.key, `${where(p)} contains a private key, not a ${what}${kind === 'cert' ? ' (are key and cert swapped?)' : ''}`);
    fail(p.key, `${where(p)} contains no ${what} (found: ${found})`);
  }
  if (hasKey) warn(`${p.key} ${where(p)} also contains a private key; keep private keys out of ${kind} files`, p.key);
}

/** Best effort: when both parse, the key must be the certificate's. Unparsable material is left to the TLS layer. */
function checkKeyMatchesCert(key: Pem, cert: Pem, passphrase: string | undefined): void {
  let certSpki: Buffer;
  let keySpki: Buffer;
  try {
    certSpki = new X509Certificate(cert.data).publicKey.export({ type: 'spki', format: 'der' });
    const priv = createPrivateKey(passphrase === undefined ? { key: key.data } : { key: key.data, passphrase });
    keySpki = createPublicKey(priv).export({ type: 'spki', format: 'der' });
  } catch {
    return;
  }
  if (!keySpki.equals(certSpki)) {
    fail(key.key, `${where(key)} does not match the certificate of ${cert.key} (${where(cert)}): the key is not the certificate's`);
  }
}

function finalize(d: Draft, logger: Logger): KmipSettings {
  const warn = makeWarn(logger);

  let providerName: string = SETTINGS_DEFAULTS.providerName;
  if (d.providerName) {
    const v = d.providerName;
    if (typeof v.value !== 'string' || !/^[a-z0-9-]+$/i.test(v.value)) {
      fail(v.key, `must be letters, digits and "-" only (it goes into key ARNs; no ":" or "/"), got ${describe(v.value)}`);
    }
    providerName = v.value;
  }

  const compoundCreateActivate = d.compoundCreateActivate ? bool(d.compoundCreateActivate) : SETTINGS_DEFAULTS.compoundCreateActivate;

  let bucketNameAttributeName: string = SETTINGS_DEFAULTS.bucketNameAttributeName;
  if (d.bucketNameAttributeName) {
    const v = d.bucketNameAttributeName;
    if (typeof v.value !== 'string') fail(v.key, `must be a string, got ${describe(v.value)}`);
    bucketNameAttributeName = v.value;
    if (bucketNameAttributeName !== '' && !bucketNameAttributeName.startsWith('x-')) {
      warn(`${v.key} "${bucketNameAttributeName}" does not start with "x-": KMIP 1.x servers only accept client custom attributes named x-...`, v.key);
    }
  }

  const healthcheckCacheMs = d.healthcheckCacheMs ? intIn(d.healthcheckCacheMs, 0, MAX_TIMER_MS) : SETTINGS_DEFAULTS.healthcheckCacheMs;

  if (d.hosts === undefined) fail(d.names.hosts, 'is not set: no KMIP server host is configured');
  if (d.hosts.length === 0) fail(d.names.hosts, 'is empty: list at least one KMIP server host');
  const hosts: HostAddress[] = d.hosts.map((h) => ({
    host: checkHost(h.host),
    port: h.port ? intIn(h.port, 1, 65535) : SETTINGS_DEFAULTS.port,
  }));

  const part = d.part;
  let pipelineDepth: number = SETTINGS_DEFAULTS.pipelineDepth;
  if (part.pipelineDepth) {
    const v = part.pipelineDepth;
    if (typeof v.value !== 'number' || !Number.isInteger(v.value) || v.value < 0) {
      fail(v.key, `must be a non-negative integer (requests in flight per connection), got ${describe(v.value)}`);
    }
    pipelineDepth = v.value;
    if (pipelineDepth === 0) {
      warn(`${v.key} 0 is invalid; using 1`, v.key);
      pipelineDepth = 1;
    }
  }

  const transport: Mutable<TransportOptions> = { hosts, tls: {}, pipelineDepth };
  for (const n of OPTION_INTS) {
    const v = part.options[n];
    if (v) transport[n] = intIn(v, OPTION_MIN[n], n.endsWith('Ms') ? MAX_TIMER_MS : Number.MAX_SAFE_INTEGER);
  }
  for (const n of OPTION_FLAGS) {
    const v = part.options[n];
    if (v) transport[n] = bool(v);
  }
  if (part.options.protocolVersions) transport.protocolVersions = parseVersions(part.options.protocolVersions);
  if (part.options.reconnect) transport.reconnect = parseReconnect(part.options.reconnect, warn);

  const tls: Mutable<TlsOptions> = {};
  const s = part.tlsScalars;
  if (s.passphrase) {
    if (typeof s.passphrase.value !== 'string') fail(s.passphrase.key, 'must be a string');
    tls.passphrase = s.passphrase.value;
  }
  if (s.servername) tls.servername = nonEmptyString(s.servername);
  if (s.rejectUnauthorized) tls.rejectUnauthorized = bool(s.rejectUnauthorized);
  if (s.ciphers) tls.ciphers = nonEmptyString(s.ciphers);
  const tlsVersion = (v: Val): TlsVersion => {
    const x = v.value;
    const ok = (y: unknown): y is TlsVersion => typeof y === 'string' && (TLS_VERSIONS as readonly string[]).includes(y);
    if (!ok(x)) fail(v.key, `must be "TLSv1.2" or "TLSv1.3", got ${describe(x)}`);
    return x;
  };
  if (s.minVersion) tls.minVersion = tlsVersion(s.minVersion);
  if (s.maxVersion) tls.maxVersion = tlsVersion(s.maxVersion);
  if (tls.minVersion === 'TLSv1.3' && tls.maxVersion === 'TLSv1.2' && s.maxVersion) {
    fail(s.maxVersion.key, 'is TLSv1.2, below minVersion TLSv1.3');
  }

  if (part.key && !part.cert) fail(d.names.cert, `is missing while ${part.key.key} is given: the client key and certificate go together`);
  if (part.cert && !part.key) fail(d.names.key, `is missing while ${part.cert.key} is given: the client key and certificate go together`);
  if (part.key && part.cert) {
    checkPem(part.key, 'key', warn);
    checkPem(part.cert, 'cert', warn);
    checkKeyMatchesCert(part.key, part.cert, tls.passphrase);
    tls.key = part.key.data;
    tls.cert = part.cert.data;
  } else {
    warn(
      `no client key and certificate (${d.names.key}, ${d.names.cert}): KMIP servers normally require TLS client authentication`,
      d.names.cert,
    );
  }
  if (part.ca) {
    for (const p of part.ca) checkPem(p, 'ca', warn);
    tls.ca = part.ca.map((p) => p.data);
  }
  transport.tls = tls;

  return { providerName, compoundCreateActivate, bucketNameAttributeName, transport, healthcheckCacheMs };
}
