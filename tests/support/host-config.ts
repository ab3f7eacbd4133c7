/**
 * Builds `config.kmip` the way the host does (cloudserver 8.8, `lib/Config.js`,
 * `_parseKmsKmip` and `_parseKmipTransport`), from a given environment and a
 * given config.json object, so that tests hand the backend exactly what the
 * host hands it. Transcribed behaviour, assignment by assignment:
 *
 * - the defaults come from the environment, unconverted:
 *   `pipelineDepth = S3KMIP_PIPELINE_DEPTH || 8`, `tls.port = S3KMIP_PORT || 5696`
 *   (strings when set), `tls.host = S3KMIP_HOSTS || S3KMIP_HOST` (unsplit),
 *   `tls.key/cert` = the files of S3KMIP_KEY/S3KMIP_CERT read into Buffers,
 *   `tls.ca` = S3KMIP_CA split on "," and read (`[]` when unset);
 *   `client.compoundCreateActivate = S3KMIP_COMPOUND_CREATE === 'true'`,
 *   `client.bucketNameAttributeName = S3KMIP_BUCKET_ATTRIBUTE_NAME || ''`,
 *   `retries: 0`;
 * - then config.json's `kmip` section, where set (truthy), replaces them:
 *   providerName (required there), client flags, and per transport
 *   pipelineDepth, tls.port, tls.host, tls.key, tls.cert; `tls.ca` is
 *   replaced whenever the file has a `tls` object (undefined when the file
 *   gives none); a transport array gives an array of such objects and
 *   `retries = length - 1`.
 * - relative file paths are joined to the host's base folder.
 */
import * as fs from 'fs';
import * as path from 'path';

export type Env = Readonly<Record<string, string | undefined>>;
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function loadTlsFile(name: unknown, basePath: string): Buffer | undefined {
  if (!name) return undefined;
  if (typeof name !== 'string') throw new Error('bad config: TLS file specification must be a string');
  return fs.readFileSync(name.startsWith('/') ? name : path.join(basePath, name));
}

function transportFrom(t: Obj, env: Env, basePath: string): Obj {
  const tls: Obj = {
    port: env['S3KMIP_PORT'] || 5696,
    host: env['S3KMIP_HOSTS'] || env['S3KMIP_HOST'],
    key: loadTlsFile(env['S3KMIP_KEY'] || undefined, basePath),
    cert: loadTlsFile(env['S3KMIP_CERT'] || undefined, basePath),
    ca: (env['S3KMIP_CA'] ? env['S3KMIP_CA'].split(',') : []).map((ca) => loadTlsFile(ca, basePath)),
  };
  const transport: Obj = { pipelineDepth: env['S3KMIP_PIPELINE_DEPTH'] || 8, tls };
  if (t['pipelineDepth']) {
    if (typeof t['pipelineDepth'] !== 'number') throw new Error('host assertion: pipelineDepth must be a number');
    transport['pipelineDepth'] = t['pipelineDepth'];
  }
  const ft = t['tls'];
  if (isObj(ft)) {
    if (!!ft['key'] !== !!ft['cert']) throw new Error('bad config: KMIP TLS certificate and key must come along');
    if (ft['port']) {
      if (typeof ft['port'] !== 'number') throw new Error('bad config: KMIP TLS Port must be a number');
      tls['port'] = ft['port'];
    }
    if (ft['host']) {
      if (typeof ft['host'] !== 'string') throw new Error('bad config: KMIP TLS Host must be a string');
      tls['host'] = ft['host'];
    }
    if (ft['key']) tls['key'] = loadTlsFile(ft['key'], basePath);
    if (ft['cert']) tls['cert'] = loadTlsFile(ft['cert'], basePath);
    const ca = ft['ca'];
    tls['ca'] = Array.isArray(ca) ? ca.map((c: unknown) => loadTlsFile(c, basePath)) : loadTlsFile(ca, basePath);
  }
  return transport;
}

/** `config.kmip` as the host builds it from `env` and the parsed config.json `config`. */
export function hostBuiltKmip(env: Env, config: Obj, basePath: string): Obj {
  const kmip: Obj = {
    client: {
      compoundCreateActivate: env['S3KMIP_COMPOUND_CREATE'] === 'true' || false,
      bucketNameAttributeName: env['S3KMIP_BUCKET_ATTRIBUTE_NAME'] || '',
    },
    transport: transportFrom({}, env, basePath),
    retries: 0,
  };
  const k = config['kmip'];
  if (isObj(k)) {
    if (!k['providerName']) throw new Error('host assertion: config.kmip.providerName must be defined');
    kmip['providerName'] = k['providerName'];
    const c = k['client'];
    const client = kmip['client'] as Obj;
    if (isObj(c)) {
      if (c['compoundCreateActivate']) client['compoundCreateActivate'] = c['compoundCreateActivate'];
      if (c['bucketNameAttributeName']) client['bucketNameAttributeName'] = c['bucketNameAttributeName'];
    }
    const t = k['transport'];
    if (Array.isArray(t)) {
      kmip['transport'] = t.map((x: unknown) => transportFrom(isObj(x) ? x : {}, env, basePath));
      kmip['retries'] = typeof k['retries'] === 'number' ? k['retries'] : t.length - 1;
    } else if (isObj(t)) {
      kmip['transport'] = transportFrom(t, env, basePath);
    }
  }
  return kmip;
}
