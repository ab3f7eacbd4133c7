/**
 * Source: the options a caller hands `new KmipClient(...)` / the transport
 * directly (TransportOptions), read into the same draft as the backend's
 * configuration sources, with the options' own names (`hosts[0].port`,
 * `tls.ca[1]`, `reconnect.jitter`...). PEM values are contents (Buffer or
 * PEM text) or file paths (relative to the current directory).
 */
import { OPTION_NAMES, TLS_SCALARS, asRecord, emptyPart, fail, get, readCaValue, readPemValue, val, warnUnknown, type FormNames, type HostEntry, type Val, type Warn } from './values';
import type { TransportDraft } from './validate';

export const OPTION_FORM_NAMES: FormNames = { hosts: 'hosts', key: 'tls.key', cert: 'tls.cert' };

const KNOWN_KEYS: readonly string[] = ['hosts', 'tls', 'pipelineDepth', 'timerResolutionMs', 'logger', ...OPTION_NAMES];

export function draftFromOptions(options: unknown, warn: Warn): TransportDraft {
  const o = asRecord(options, 'options');
  warnUnknown(o, 'options', KNOWN_KEYS, warn);
  const part = emptyPart();
  const v = (name: string): Val | undefined => {
    const x = get(o, name);
    return x === undefined ? undefined : { value: x, key: name };
  };
  part.pipelineDepth = v('pipelineDepth');
  for (const name of OPTION_NAMES) {
    const x = v(name);
    if (x) part.options[name] = x;
  }
  let hosts: HostEntry[] | undefined;
  const rawHosts = get(o, 'hosts');
  if (rawHosts !== undefined) {
    if (!Array.isArray(rawHosts)) fail('hosts', 'must be an array of { host, port }');
    hosts = rawHosts.map((h: unknown, i): HostEntry => {
      const r = asRecord(h, `hosts[${i}]`);
      return { host: { value: get(r, 'host'), key: `hosts[${i}].host` }, port: { value: get(r, 'port'), key: `hosts[${i}].port` } };
    });
  }
  const rawTls = get(o, 'tls');
  const tls = rawTls === undefined ? {} : asRecord(rawTls, 'tls');
  for (const name of TLS_SCALARS) {
    const x = get(tls, name);
    if (x !== undefined) part.tlsScalars[name] = { value: x, key: `tls.${name}` };
  }
  const reuse = rawTls === undefined ? undefined : (rawTls as object);
  part.key = readPemValue(val(tls, 'key', 'tls'), process.cwd());
  part.cert = readPemValue(val(tls, 'cert', 'tls'), process.cwd());
  part.ca = readCaValue(val(tls, 'ca', 'tls'), process.cwd());
  return { names: OPTION_FORM_NAMES, hosts, part, reuseTls: reuse };
}
