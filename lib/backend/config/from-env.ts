/**
 * Source: the S3KMIP_* variables, applied on top of another source's draft
 * (or an empty one): the ones cloudserver also reads (and
 * S3KMIP_PROVIDER_NAME), and kmip-kms's own ones for every other setting
 * (`own-env.ts`). An empty or blank variable counts as unset. Values stay
 * strings: the validator reads decimal digits as numbers, like it does for
 * the host's own string-valued settings.
 */
import { emptyDraft, fail, describe, parseHostPort, readPemValue, splitList, type Draft, type FormNames, type Pem, type Val, type Warn } from './draft';
import { OWN_ENV_VARIABLES, ownOver, readOwnEnv } from './own-env';

export const ENV_NAMES: FormNames = { hosts: 'S3KMIP_HOSTS', key: 'S3KMIP_KEY', cert: 'S3KMIP_CERT' };

/** The S3KMIP_* variables cloudserver reads too, and S3KMIP_PROVIDER_NAME (S3KMIP_HOST: the host's older single-host name). */
export const BASE_ENV_VARIABLES = [
  'S3KMIP_PROVIDER_NAME',
  'S3KMIP_COMPOUND_CREATE',
  'S3KMIP_BUCKET_ATTRIBUTE_NAME',
  'S3KMIP_PIPELINE_DEPTH',
  'S3KMIP_PORT',
  'S3KMIP_HOSTS',
  'S3KMIP_HOST',
  'S3KMIP_KEY',
  'S3KMIP_CERT',
  'S3KMIP_CA',
] as const;

/** Every S3KMIP_* variable read: the base ones and kmip-kms's own. Any other S3KMIP_* variable is warned about. */
export const ENV_VARIABLES: readonly string[] = [...BASE_ENV_VARIABLES, ...OWN_ENV_VARIABLES];

/** Warns about each S3KMIP_* variable of `env` that is not read. */
export function warnUnknownVariables(env: NodeJS.ProcessEnv, warn: Warn): void {
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('S3KMIP_') && !ENV_VARIABLES.includes(name)) warn(`unknown environment variable ${name} is ignored`, name);
  }
}

export const emptyEnvDraft = (): Draft => emptyDraft(ENV_NAMES);

export function applyEnv(d: Draft, env: NodeJS.ProcessEnv, baseDir: string, warn: Warn): Draft {
  warnUnknownVariables(env, warn);
  const e = (name: (typeof BASE_ENV_VARIABLES)[number]): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const own = readOwnEnv(env);
  const out: Draft = { ...d, part: ownOver(d.part, own) };
  if (own.healthcheckCacheMs) out.healthcheckCacheMs = own.healthcheckCacheMs;

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
  if (depth !== undefined) out.part.pipelineDepth = { value: depth, key: 'S3KMIP_PIPELINE_DEPTH' };

  const portStr = e('S3KMIP_PORT');
  const envPort: Val | undefined = portStr === undefined ? undefined : { value: portStr, key: 'S3KMIP_PORT' };

  const hostsName = e('S3KMIP_HOSTS') !== undefined ? 'S3KMIP_HOSTS' : 'S3KMIP_HOST';
  const hostsStr = e(hostsName);
  if (hostsStr !== undefined) {
    const entries = splitList(hostsStr);
    if (entries.length === 0) fail(hostsName, 'lists no host');
    const fallbackPort = envPort ?? out.defaultPort;
    out.hosts = entries.map((entry) => {
      const hp = parseHostPort(entry, hostsName);
      return {
        host: { value: hp.host, key: hostsName },
        port: hp.port === undefined ? fallbackPort : { value: hp.port, key: hostsName },
      };
    });
    out.names = { ...out.names, hosts: hostsName };
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
    const pems = ca.includes('-----BEGIN') ? [readPemValue({ value: ca, key: 'S3KMIP_CA' }, baseDir)] : splitList(ca).map((p) => readPemValue({ value: p, key: 'S3KMIP_CA' }, baseDir));
    out.part.ca = pems.filter((p): p is Pem => p !== undefined);
    if (out.part.ca.length === 0) fail('S3KMIP_CA', 'lists no file');
  }
  return out;
}
