/**
 * The one validator of transport settings: the backend's configuration
 * sources (host object, config file, environment, chart values) and the
 * direct client's options both produce a {@link TransportDraft} (raw values
 * tagged with their setting's name) and come here. Integers may come as
 * strings of decimal digits (the host passes S3KMIP_* values through
 * unconverted); anything else is refused naming the setting and the value's
 * type. Absurd values are refused (see OPTION_BOUNDS). The TLS material is
 * checked down to the secure context Node builds from it, once, before
 * anything connects; the context is kept for the connections.
 */
import { isIPv6 } from 'net';
import type { SecureContext } from 'tls';
import { KMIP_VERSIONS_2_0_TO_1_2, compareVersions, versionString, type ProtocolVersion } from '../../kmip/protocol';
import { DEFAULT_PORT, MINIMUM_VERSION, type HostAddress, type ReconnectOptions, type TlsOptions, type TransportOptions } from '../options';
import {
  OPTION_FLAGS,
  OPTION_INTS,
  asRecord,
  describe,
  describeType,
  fail,
  isRecord,
  val,
  warnUnknown,
  type FormNames,
  type HostEntry,
  type Mutable,
  type OptionInt,
  type TransportPart,
  type Val,
  type Warn,
} from './values';
import { buildSecureContext, checkKeyMatchesCert, checkPem, parseCertificates, parsePrivateKey } from './tls-material';

const DEFAULT_PIPELINE_DEPTH = 8;

/** Secure contexts built by validateTransport, by the TLS options object it returned. */
const validatedTls = new WeakMap<object, SecureContext>();

/** The secure context validateTransport built for these TLS options, if they are its result. */
export function secureContextOf(tls: TlsOptions | undefined): SecureContext | undefined {
  return tls && typeof tls === 'object' ? validatedTls.get(tls) : undefined;
}

/** Node timers overflow above this and fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Bounds of the integer transport options: below is refused, above is absurd and refused too. */
export const OPTION_BOUNDS: Readonly<Record<OptionInt | 'pipelineDepth', readonly [number, number]>> = {
  pipelineDepth: [0, 1024],
  poolSize: [1, 64],
  maxQueueLength: [0, 10_000_000],
  connectTimeoutMs: [1, MAX_TIMER_MS],
  handshakeTimeoutMs: [1, MAX_TIMER_MS],
  queueTimeoutMs: [1, MAX_TIMER_MS],
  requestTimeoutMs: [1, MAX_TIMER_MS],
  idleTimeoutMs: [0, MAX_TIMER_MS],
  maxMessageBytes: [64, 256 * 1024 * 1024],
  suspectAfterMs: [0, MAX_TIMER_MS],
  allDownGraceMs: [0, MAX_TIMER_MS],
  affinityTtlMs: [0, MAX_TIMER_MS],
  batchSize: [1, 256],
};

/** The versions this client speaks (Discover Versions offers only these). */
export const KNOWN_VERSIONS: readonly ProtocolVersion[] = KMIP_VERSIONS_2_0_TO_1_2;

const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
type TlsVersion = (typeof TLS_VERSIONS)[number];

/** An integer, given as a number or as a string of decimal digits (how the host hands S3KMIP_* values over). */
export function intIn(v: Val, min: number, max: number): number {
  const x = typeof v.value === 'string' && /^[0-9]+$/.test(v.value) ? Number(v.value) : v.value;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
    fail(v.key, `must be an integer in ${min}..${max} (a number, or a string of decimal digits), got ${describe(v.value)}`);
  }
  return x;
}

export function bool(v: Val): boolean {
  if (typeof v.value !== 'boolean') fail(v.key, `must be true or false (a boolean), got ${describe(v.value)}`);
  return v.value;
}

function nonEmptyString(v: Val): string {
  if (typeof v.value !== 'string' || v.value === '') fail(v.key, `must be a non-empty string, got ${describe(v.value)}`);
  return v.value;
}

function checkHost(v: Val): string {
  if (typeof v.value !== 'string') fail(v.key, `must be a host name or IP address (a string), got ${describe(v.value)}`);
  let h = v.value.trim();
  if (h === '') fail(v.key, 'must not be empty: give a host name or IP address');
  if (/\s/.test(h)) fail(v.key, `must not contain spaces, got ${describe(h)}`);
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.includes('/')) fail(v.key, `must be a bare host name or IP address (no scheme or path), got ${describe(h)}`);
  if (h.includes(':') && !isIPv6(h)) fail(v.key, `has a malformed host ${describe(h)}: use name, name:port or [IPv6]:port`);
  if (h === '') fail(v.key, 'must not be empty: give a host name or IP address');
  return h;
}

function parseVersions(v: Val): ProtocolVersion[] {
  if (!Array.isArray(v.value) || v.value.length === 0) {
    fail(v.key, `must be a non-empty array of versions such as ["2.0", "1.4"], got ${describe(v.value)}`);
  }
  const seen = new Set<string>();
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
    if (compareVersions(ver, MINIMUM_VERSION) < 0) fail(key, `is ${versionString(ver)}: KMIP 1.2 or later is required`);
    if (!KNOWN_VERSIONS.some((k) => compareVersions(k, ver!) === 0)) {
      fail(key, `is ${versionString(ver)}, not a KMIP version this client speaks (${KNOWN_VERSIONS.map(versionString).join(', ')})`);
    }
    if (seen.has(versionString(ver))) fail(key, `repeats ${versionString(ver)}`);
    seen.add(versionString(ver));
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

/** What the transport validator needs of a draft. */
export interface TransportDraft {
  readonly names: FormNames;
  readonly hosts: readonly HostEntry[] | undefined;
  readonly part: TransportPart;
  /** TLS options a previous validation returned (the backend's settings handed to its client): reused as they are. */
  readonly reuseTls?: TlsOptions | undefined;
}

/** Where a passphrase is given in each form (the env and chart forms: S3KMIP_PASSPHRASE). */
function passphraseName(names: FormNames): string {
  if (names.key.startsWith('kmip.transport')) return names.key.replace(/\.key$/, '.passphrase');
  if (names.key === 'tls.key') return 'tls.passphrase';
  return 'S3KMIP_PASSPHRASE';
}

/** Validates and resolves the transport settings of a draft (hosts, pipeline, options, TLS material). */
export function validateTransport(d: TransportDraft, warn: Warn): TransportOptions {
  if (d.hosts === undefined) fail(d.names.hosts, 'is not set: no KMIP server host is configured');
  if (d.hosts.length === 0) fail(d.names.hosts, 'is empty: list at least one KMIP server host');
  const seen = new Map<string, string>();
  const hosts: HostAddress[] = d.hosts.map((h) => {
    const a = { host: checkHost(h.host), port: h.port ? intIn(h.port, 1, 65535) : DEFAULT_PORT };
    const id = `${a.host.toLowerCase()}:${a.port}`;
    const first = seen.get(id);
    if (first !== undefined) {
      fail(h.host.key, `lists ${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port} twice${first === h.host.key ? '' : ` (also in ${first})`}: each server once`);
    }
    seen.set(id, h.host.key);
    return a;
  });

  const part = d.part;
  let pipelineDepth: number = DEFAULT_PIPELINE_DEPTH;
  if (part.pipelineDepth) {
    const [min, max] = OPTION_BOUNDS.pipelineDepth;
    pipelineDepth = intIn(part.pipelineDepth, min, max);
    if (pipelineDepth === 0) {
      warn(`${part.pipelineDepth.key} 0 is invalid; using 1`, part.pipelineDepth.key);
      pipelineDepth = 1;
    }
  }

  const transport: Mutable<TransportOptions> = { hosts, tls: {}, pipelineDepth };
  for (const n of OPTION_INTS) {
    const v = part.options[n];
    if (v) transport[n] = intIn(v, OPTION_BOUNDS[n][0], OPTION_BOUNDS[n][1]);
  }
  for (const n of OPTION_FLAGS) {
    const v = part.options[n];
    if (v) transport[n] = bool(v);
  }
  if (part.options.protocolVersions) transport.protocolVersions = parseVersions(part.options.protocolVersions);
  if (part.options.reconnect) transport.reconnect = parseReconnect(part.options.reconnect, warn);
  if (part.options.hostSelection) {
    const hs = part.options.hostSelection;
    if (hs.value !== 'spread' && hs.value !== 'failover') fail(hs.key, `must be "spread" or "failover", got ${describe(hs.value)}`);
    transport.hostSelection = hs.value;
  }

  transport.tls = d.reuseTls && validatedTls.has(d.reuseTls) ? d.reuseTls : validateTls(d, warn);
  return transport;
}

/** The TLS settings and material, down to the secure context (registered for the connections). */
function validateTls(d: TransportDraft, warn: Warn): TlsOptions {
  const part = d.part;
  const tls: Mutable<TlsOptions> = {};
  const s = part.tlsScalars;
  if (s.passphrase) {
    if (typeof s.passphrase.value !== 'string') fail(s.passphrase.key, `must be a string, got ${describeType(s.passphrase.value)}`);
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
    const keyObject = parsePrivateKey(part.key, s.passphrase, passphraseName(d.names));
    const certificate = parseCertificates(part.cert, 'certificate');
    checkKeyMatchesCert(part.key, keyObject, part.cert, certificate);
    tls.key = part.key.data;
    tls.cert = part.cert.data;
  } else {
    warn(
      `no client key and certificate (${d.names.key}, ${d.names.cert}): KMIP servers normally require TLS client authentication`,
      d.names.cert,
    );
  }
  if (part.ca) {
    for (const p of part.ca) {
      checkPem(p, 'ca', warn);
      parseCertificates(p, 'CA certificate');
    }
    tls.ca = part.ca.map((p) => p.data);
  }
  const context = buildSecureContext({
    ...(tls.key ? { key: tls.key as Buffer, cert: tls.cert as Buffer } : {}),
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
    ...(tls.ca ? { ca: tls.ca as Buffer[] } : {}),
    ...(s.ciphers ? { ciphers: s.ciphers } : {}),
    ...(tls.minVersion ? { minVersion: tls.minVersion } : {}),
    ...(tls.maxVersion ? { maxVersion: tls.maxVersion } : {}),
    names: { key: part.key?.key ?? d.names.key, ca: part.ca?.[0]?.key ?? 'ca', tls: d.names.hosts.replace(/\.host$/, '') },
  });
  validatedTls.set(tls, context);
  return tls;
}
