/**
 * Raw setting values tagged with the name of the setting they came from (a
 * {@link Val}), the transport part of the intermediate form every source of
 * settings produces (the backend's config sources and the direct client's
 * options), and the small helpers they share: reading objects, PEM values and
 * host lists, and describing a value in a message without leaking it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { KmipConfigError } from '../../errors';
import { safeLog, type Logger } from '../../logger';

export type Rec = Readonly<Record<string, unknown>>;
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A raw value and the name of the setting it came from (for messages). */
export interface Val {
  readonly value: unknown;
  readonly key: string;
}

/** PEM contents, the setting they came from and the file they were read from. */
export interface Pem {
  readonly key: string;
  readonly data: Buffer;
  readonly file: string | undefined;
}

export interface HostEntry {
  readonly host: Val;
  readonly port: Val | undefined;
}

export const OPTION_INTS = [
  'poolSize',
  'maxQueueLength',
  'connectTimeoutMs',
  'handshakeTimeoutMs',
  'queueTimeoutMs',
  'requestTimeoutMs',
  'idleTimeoutMs',
  'maxMessageBytes',
  'suspectAfterMs',
  'allDownGraceMs',
  'affinityTtlMs',
  'batchSize',
] as const;
export type OptionInt = (typeof OPTION_INTS)[number];
export const OPTION_FLAGS = ['skipQuery', 'logMessages'] as const;
export const OPTION_NAMES = [...OPTION_INTS, ...OPTION_FLAGS, 'protocolVersions', 'reconnect', 'hostSelection'] as const;
export type OptionName = (typeof OPTION_NAMES)[number];
export const TLS_SCALARS = ['passphrase', 'servername', 'rejectUnauthorized', 'ciphers', 'minVersion', 'maxVersion'] as const;
export type TlsScalar = (typeof TLS_SCALARS)[number];

/** Everything of a transport except its host and port. */
export interface TransportPart {
  pipelineDepth: Val | undefined;
  options: Partial<Record<OptionName, Val>>;
  tlsScalars: Partial<Record<TlsScalar, Val>>;
  key: Pem | undefined;
  cert: Pem | undefined;
  ca: readonly Pem[] | undefined;
}

/** How a source names the settings that may be missing (for "is not set" messages). */
export interface FormNames {
  readonly hosts: string;
  readonly key: string;
  readonly cert: string;
}

export const emptyPart = (): TransportPart => ({
  pipelineDepth: undefined,
  options: {},
  tlsScalars: {},
  key: undefined,
  cert: undefined,
  ca: undefined,
});

export type Warn = (message: string, key: string) => void;

export function makeWarn(logger: Logger): Warn {
  return (message, key) => safeLog(logger, 'warn', `KMIP configuration: ${message}`, { key });
}

export function fail(key: string, problem: string): never {
  throw new KmipConfigError(`KMIP configuration: ${key} ${problem}`, key);
}

/** Longest string value quoted back in a message. */
const MAX_ECHO = 80;

/** True when a string may be quoted in a message: short, one line, printable. */
export function echoable(s: string): boolean {
  return s.length <= MAX_ECHO && !/[\r\n]/.test(s) && !/[\u0000-\u001f\u007f]/.test(s);
}

/**
 * A short description of a value for messages: the value itself only when it
 * is short and on one line (never PEM text), else its kind and size.
 */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Buffer.isBuffer(v)) return `a Buffer of ${v.length} bytes`;
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      if (v.includes('-----BEGIN')) return 'PEM text';
      return echoable(v) ? `${JSON.stringify(v)} (a string)` : `a string of ${v.length} characters (not shown)`;
    case 'number':
    case 'boolean':
      return String(v);
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

/** A value's type only, for secret settings (passphrase). */
export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Buffer.isBuffer(v)) return 'a Buffer';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

export function asRecord(v: unknown, key: string): Rec {
  if (!isRecord(v)) fail(key, `must be an object, got ${describe(v)}`);
  return v;
}

/** A property, with null counted as absent (like undefined). */
export function get(o: Rec, name: string): unknown {
  const v = Object.prototype.hasOwnProperty.call(o, name) ? o[name] : undefined;
  return v === null ? undefined : v;
}

export function val(o: Rec, name: string, prefix: string): Val | undefined {
  const value = get(o, name);
  return value === undefined ? undefined : { value, key: `${prefix}.${name}` };
}

export function warnUnknown(o: Rec, prefix: string, known: readonly string[], warn: Warn): void {
  for (const k of Object.keys(o)) {
    if (o[k] === undefined || known.includes(k)) continue;
    const key = `${prefix}.${k}`;
    warn(`unknown or unsupported key ${key} is ignored`, key);
  }
}

/** An OS error's text without the path it names (the caller names the file when it may). */
export function errText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `${code} (${osReason(code)})`;
    return err.message;
  }
  return String(err);
}

function osReason(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    default:
      return 'cannot be read';
  }
}

/** `file "<path>"` when the path may be shown, else `the file named there`. */
export function fileName(p: string): string {
  return echoable(p) ? `file ${JSON.stringify(p)}` : 'the file it names';
}

export function readPemFile(file: string, key: string): Pem {
  try {
    return { key, data: fs.readFileSync(file), file };
  } catch (err) {
    fail(key, `${fileName(file)} cannot be read: ${errText(err)}`);
  }
}

/**
 * Looks like PEM body text (base64 without its armour) rather than a path:
 * several lines, or a long run of base64 characters.
 */
function looksLikeContent(s: string): boolean {
  return /[\r\n]/.test(s) || /[A-Za-z0-9+/=]{64,}/.test(s) || s.length > 1024;
}

/**
 * A PEM value: a Buffer or PEM text (contents), or a file path. Empty string
 * = absent. A string that is neither PEM text nor a plausible path (key body
 * without its `-----BEGIN` armour...) is refused without being quoted.
 */
export function readPemValue(v: Val | undefined, baseDir: string): Pem | undefined {
  if (v === undefined || v.value === '') return undefined;
  if (Buffer.isBuffer(v.value)) return { key: v.key, data: v.value, file: undefined };
  if (typeof v.value === 'string') {
    if (v.value.includes('-----BEGIN')) return { key: v.key, data: Buffer.from(v.value), file: undefined };
    if (looksLikeContent(v.value)) {
      fail(
        v.key,
        'is neither a file path nor PEM text (content without its "-----BEGIN" line?): give the path of the PEM file, ' +
          'or the whole PEM text including its -----BEGIN/-----END lines',
      );
    }
    return readPemFile(path.resolve(baseDir, v.value), v.key);
  }
  fail(v.key, `must be a file path, PEM text or a Buffer of PEM contents, got ${describe(v.value)}`);
}

export function readCaValue(v: Val | undefined, baseDir: string): Pem[] | undefined {
  if (v === undefined) return undefined;
  const list = Array.isArray(v.value) ? v.value.map((value: unknown, i) => ({ value, key: `${v.key}[${i}]` })) : [v];
  const pems: Pem[] = [];
  for (const item of list) {
    const p = readPemValue(item.value === null || item.value === undefined ? undefined : item, baseDir);
    if (p) pems.push(p);
  }
  return pems.length ? pems : undefined;
}

export function splitList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. The port stays a string (validated later). */
export function parseHostPort(entry: string, key: string): { host: string; port: string | undefined } {
  const s = entry.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.includes('/')) {
    fail(key, `must list bare host names or IP addresses (no scheme or path), got ${describe(s)}`);
  }
  if (s.startsWith('[')) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
    if (!m) fail(key, `has a malformed entry ${describe(s)}: use [address]:port for IPv6`);
    return { host: m[1] ?? '', port: m[2] };
  }
  const colons = s.split(':').length - 1;
  if (colons === 1) {
    const i = s.indexOf(':');
    return { host: s.slice(0, i), port: s.slice(i + 1) };
  }
  return { host: s, port: undefined };
}

/**
 * A host string as the host hands it over: one name, or a comma-separated
 * list (`S3KMIP_HOSTS` reaches `tls.host` unsplit); each entry may carry its
 * own port (`name:port`, `[v6]:port`), the others take `port`.
 */
export function hostEntries(v: Val, port: Val | undefined): HostEntry[] {
  if (typeof v.value !== 'string') return [{ host: v, port }];
  const entries = splitList(v.value);
  if (entries.length === 0) return [];
  return entries.map((entry) => {
    const hp = parseHostPort(entry, v.key);
    return { host: { value: hp.host, key: v.key }, port: hp.port === undefined ? port : { value: hp.port, key: v.key } };
  });
}
