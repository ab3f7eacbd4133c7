/**
 * Source: the host's `config.kmip` object (what cloudserver hands the
 * backend, PEM values already read into Buffers) or the `kmip` section of a
 * config.json (PEM values as file paths). Both have the same shape.
 *
 * The host builds that object from its config.json and the S3KMIP_*
 * variables (cloudserver's `lib/Config.js`): numbers from the environment
 * arrive as strings (`"5696"`, `"8"`), `S3KMIP_HOSTS` arrives unsplit in
 * `transport.tls.host` (`"kms1,kms2:5697"`), `ca` may be `[]`, absent
 * settings are `undefined`, and `retries` is always there. All of it is read
 * here as the host meant it.
 *
 * The host applies only the S3KMIP_* variables it knows (hosts, port, key,
 * cert, ca, pipelineDepth, the client flags): those are NOT applied again.
 * kmip-kms's own variables (`own-env.ts`: S3KMIP_BATCH_SIZE,
 * S3KMIP_REQUEST_TIMEOUT_MS, S3KMIP_SERVERNAME, ...) are applied here
 * (`readHostObject`, from `process.env` unless told otherwise), for every
 * setting the object does not carry: a stock cloudserver carries none of
 * them. When the object does carry one (a host that passes more than the
 * stock one), the object wins, and a warning names the variable that lost.
 * Unknown S3KMIP_* variables are warned about, as in the other forms.
 */
import { isDeepStrictEqual } from 'util';
import {
  OPTION_NAMES,
  TLS_SCALARS,
  asRecord,
  emptyDraft,
  emptyPart,
  fail,
  get,
  hostEntries,
  readCaValue,
  readPemValue,
  val,
  warnUnknown,
  type Draft,
  type FormNames,
  type HostEntry,
  type Pem,
  type TransportPart,
  type Val,
  type Warn,
} from './draft';
import { warnUnknownVariables } from './from-env';
import { healthcheckAsDefault, ownAsDefaults, readOwnEnv, type Lost } from './own-env';

export const HOST_NAMES: FormNames = { hosts: 'kmip.transport.tls.host', key: 'kmip.transport.tls.key', cert: 'kmip.transport.tls.cert' };

/** `retries` is the host's own cluster setting (always present in its config.kmip); we fail over by ourselves. */
const HOST_TOP_KEYS = ['providerName', 'client', 'transport', 'healthcheckCacheMs', 'retries'];
const HOST_CLIENT_KEYS = ['compoundCreateActivate', 'bucketNameAttributeName'];
const TRANSPORT_KEYS: readonly string[] = ['pipelineDepth', 'tls', ...OPTION_NAMES];
const TLS_KEYS: readonly string[] = ['host', 'port', 'key', 'cert', 'ca', ...TLS_SCALARS];

/** One transport entry as read: its hosts (the host string split), its own port and host values, the rest. */
export interface ReadTransport {
  readonly hosts: readonly HostEntry[];
  readonly port: Val | undefined;
  /** The entry's `tls.host` value as given (unsplit). */
  readonly host: Val | undefined;
  /** The entry has a `tls` object (the host's rule for `tls.ca` depends on it). */
  readonly hasTls: boolean;
  readonly part: TransportPart;
}

/**
 * Completes one transport entry with defaults from elsewhere (the S3KMIP_*
 * variables, for a config.json read the way the host reads it:
 * `file-over-env.ts`); `prefix` names the entry (`kmip.transport[1]`).
 */
export type FillTransport = (entry: ReadTransport, prefix: string) => ReadTransport;

/** An entry without `tls` (and what a section without `transport` gives `fill` to complete). */
const noTransport = (): ReadTransport => ({ hosts: [], port: undefined, host: undefined, hasTls: false, part: emptyPart() });

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
  if (tlsRaw === undefined) return { ...noTransport(), part };
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
  const port = val(tls, 'port', tp);
  const host = val(tls, 'host', tp);
  return { hosts: host === undefined || host.value === '' ? [] : hostEntries(host, port), port, host, hasTls: true, part };
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

/**
 * The host's `config.kmip` (or config.json's `kmip` section) to a draft;
 * string PEM paths resolve against baseDir. With `fill`, every transport
 * entry (and, when the section has no `transport`, an empty one) is
 * completed by it before the entries are put together.
 */
export function readHostForm(kmip: unknown, baseDir: string, warn: Warn, fill?: FillTransport): Draft {
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
    const entries = transport.map((t: unknown, i) => {
      const prefix = `kmip.transport[${i}]`;
      const e = readTransport(t, prefix, baseDir, warn);
      return fill ? fill(e, prefix) : e;
    });
    const hosts: HostEntry[] = [];
    entries.forEach((e, i) => {
      if (e.hosts.length === 0) fail(`kmip.transport[${i}].tls.host`, 'is not set: every transport entry needs a server host');
      hosts.push(...e.hosts);
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
  } else if (transport !== undefined || fill) {
    const read = transport === undefined ? noTransport() : readTransport(transport, 'kmip.transport', baseDir, warn);
    const e = fill ? fill(read, 'kmip.transport') : read;
    if (e.hosts.length) d.hosts = e.hosts;
    d.defaultPort = e.port;
    d.part = e.part;
  }
  return d;
}

/**
 * The host's `config.kmip` object with kmip-kms's own S3KMIP_* variables of
 * `env` as the defaults of the settings it does not carry (see the module
 * comment); string PEM paths resolve against baseDir.
 */
export function readHostObject(kmip: unknown, baseDir: string, env: NodeJS.ProcessEnv, warn: Warn): Draft {
  warnUnknownVariables(env, warn);
  const own = readOwnEnv(env);
  const lost = new Map<string, string[]>();
  const onLost: Lost = (variable, key) => {
    const keys = lost.get(variable) ?? [];
    if (!keys.includes(key)) keys.push(key);
    lost.set(variable, keys);
  };
  const d = readHostForm(kmip, baseDir, warn, (e) => ({ ...e, part: ownAsDefaults(e.part, own, onLost) }));
  d.healthcheckCacheMs = healthcheckAsDefault(d.healthcheckCacheMs, own, onLost);
  for (const [variable, keys] of lost) {
    warn(`${variable} is set but the host's config.kmip carries ${keys.join(', ')}, which ${keys.length > 1 ? 'win' : 'wins'}`, variable);
  }
  return d;
}
