/**
 * Source: the Kubernetes chart's values (`values.yaml`, YAML or JSON; the
 * whole values file with its `kmip` section, or the section alone) and the
 * `kmip-<word>.pem` files beside it (or in a given folder).
 *
 * PEM discovery: `kmip-key.pem` / `kmip-<word>-key.pem` is the client key,
 * `kmip-cert.pem` / `kmip-<word>-cert.pem` (also `crt`) the client
 * certificate, `kmip-ca.pem`, `kmip-ca-<word>.pem` and `kmip-<word>-ca.pem`
 * the CAs (all of them, in name order). Two candidates for the key or the
 * certificate, or a name that fits two roles, is an error naming them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import {
  OPTION_NAMES,
  TLS_SCALARS,
  asRecord,
  describe,
  emptyDraft,
  errText,
  fail,
  fileName,
  get,
  isRecord,
  parseHostPort,
  readPemFile,
  splitList,
  val,
  warnUnknown,
  type Draft,
  type FormNames,
  type HostEntry,
  type Pem,
  type Warn,
} from './draft';

export const CHART_NAMES: FormNames = { hosts: 'kmip.hosts', key: 'kmip-key.pem', cert: 'kmip-cert.pem' };

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

type Role = 'key' | 'cert' | 'ca';
const ROLE_PATTERNS: Readonly<Record<Role, RegExp>> = {
  key: /^kmip-(?:.+-)?key\.pem$/,
  cert: /^kmip-(?:.+-)?(?:cert|crt|certificate)\.pem$/,
  ca: /^kmip-(?:ca(?:-.+)?|.+-ca)\.pem$/,
};

/**
 * Reads a values file: YAML (JSON is YAML too). Syntax errors give the file,
 * line and column, never the offending text (it could be anything).
 */
export function readValuesFile(file: string, key: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    fail(key, `${fileName(file)} cannot be read: ${errText(err)}`);
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const before = text.slice(0, err.pos[0]).split('\n');
    const where = `line ${before.length}, column ${(before[before.length - 1]?.length ?? 0) + 1}`;
    const reason = err.message.split(/ at line \d+|\n/)[0] ?? err.code;
    fail(key, `${fileName(file)} is not valid YAML at ${where}: ${reason}`);
  }
  return doc.toJS() as unknown;
}

/** Finds the chart's PEM files in `dir` by their `kmip-<word>.pem` names. */
function discoverPems(dir: string, dirKey: string, warn: Warn): { key: Pem | undefined; cert: Pem | undefined; ca: Pem[] | undefined } {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    fail(dirKey, `folder ${fileName(dir).replace(/^file /, '')} cannot be read: ${errText(err)}`);
  }
  const found: Record<Role, string[]> = { key: [], cert: [], ca: [] };
  for (const n of names.filter((x) => /^kmip-.*\.pem$/.test(x)).sort()) {
    const roles = (Object.keys(ROLE_PATTERNS) as Role[]).filter((r) => ROLE_PATTERNS[r].test(n));
    if (roles.length > 1) fail(n, `in ${dir} is ambiguous: its name fits the ${roles.join(' and the ')}; rename it kmip-key.pem, kmip-cert.pem or kmip-ca.pem`);
    const role = roles[0];
    if (role) found[role].push(n);
    else warn(`PEM file ${n} in ${dir} is not a key, cert or ca file by its name (kmip-key.pem, kmip-cert.pem, kmip-ca*.pem); ignored`, n);
  }
  const one = (role: Role, label: string): Pem | undefined => {
    const list = found[role];
    if (list.length > 1) fail(CHART_NAMES[role === 'key' ? 'key' : 'cert'], `is ambiguous in ${dir}: ${list.join(' and ')} are both a client ${label}; keep one`);
    return list[0] === undefined ? undefined : readPemFile(path.join(dir, list[0]), list[0]);
  };
  const key = one('key', 'key');
  const cert = one('cert', 'certificate');
  if (key && !cert) fail(CHART_NAMES.cert, `is missing in ${dir} while ${key.key} is there: the client key and certificate go together`);
  if (cert && !key) fail(CHART_NAMES.key, `is missing in ${dir} while ${cert.key} is there: the client key and certificate go together`);
  // kmip-ca.pem first, then the others in name order.
  const cas = [...found.ca.filter((n) => n === 'kmip-ca.pem'), ...found.ca.filter((n) => n !== 'kmip-ca.pem')];
  const ca = cas.map((n) => readPemFile(path.join(dir, n), n));
  return { key, cert, ca: ca.length ? ca : undefined };
}

/** The chart's values and the folder of its PEM files to a draft. */
export function readChart(values: unknown, pemDir: string, warn: Warn, pemDirKey = 'pemDir'): Draft {
  const root = asRecord(values, 'chartValues');
  const nested = get(root, 'kmip');
  const isWhole = nested !== undefined;
  const v = isWhole ? asRecord(nested, 'kmip') : root;
  if (!isWhole || isRecord(nested)) warnUnknown(v, 'kmip', CHART_KEYS, warn);

  const enabled = get(v, 'enabled');
  if (enabled === false) {
    fail('kmip.enabled', 'is false: KMIP is disabled in these values; set kmip.enabled: true (with kmip.hosts) to use a KMIP server');
  }
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

  const pems = discoverPems(pemDir, pemDirKey, warn);
  d.part.key = pems.key;
  d.part.cert = pems.cert;
  d.part.ca = pems.ca;
  return d;
}
