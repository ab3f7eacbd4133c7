/**
 * `startDevServer()`: one call from nothing to a running KMIP dev server and the
 * exact cloudserver `kmip` configuration section that talks to it.
 *
 *   const dev = await startDevServer({ certsDir: '/tmp/kmip-dev' });
 *   console.log(dev.banner);
 *   // config.kmip = dev.hostConfig
 *   ...
 *   await dev.close();
 *
 * Certificates: a throwaway CA, a server certificate (SAN localhost,
 * 127.0.0.1) and a client certificate (EKU clientAuth) are made with the
 * `openssl` CLI in `certsDir` (a new temporary folder when not given) unless
 * valid ones are already there, which are then reused.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProtocolVersion } from '../kmip/protocol';
import type { Logger } from '../logger';
import { ensureDevPki, type DevPki } from './certs';
import type { DevServerBehaviour } from './engine';
import { KmipDevServer } from './server';

export interface StartDevServerOptions {
  /** Folder for the CA, server and client certificates; made (or reused) there. Default: a new temporary folder, removed by `close()`. */
  readonly certsDir?: string;
  /** JSON file for the keys (KEY MATERIAL IN CLEAR). Default: memory only. */
  readonly dataFile?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly logger?: Logger;
  readonly protocolVersions?: readonly ProtocolVersion[];
  readonly behaviour?: DevServerBehaviour;
  /** Answers ready together share one TLS record (default false: one answer per record). */
  readonly coalesce?: boolean;
  /** Connection limits (see KmipDevServerOptions). */
  readonly idleTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  readonly maxConnections?: number;
  readonly maxBufferedBytes?: number;
  /** CN of the generated client certificate (default `kmip-dev-client`). */
  readonly clientCn?: string;
}

/** The cloudserver `kmip` configuration section for the dev server (file paths, as config.json holds them). */
export interface DevHostConfig {
  readonly providerName: 'kmip';
  readonly client: { readonly compoundCreateActivate: boolean; readonly bucketNameAttributeName: string };
  readonly transport: {
    readonly pipelineDepth: number;
    readonly tls: { readonly host: string; readonly port: number; readonly key: string; readonly cert: string; readonly ca: string[] };
  };
}

/** The certificate paths and `clientCn` (owner of the objects created with the client certificate) come from {@link DevPki}. */
export interface DevServerHandle extends Omit<DevPki, 'dir' | 'generated'> {
  readonly server: KmipDevServer;
  readonly host: string;
  readonly port: number;
  /** {@link DevPki.dir}. */
  readonly certsDir: string;
  readonly dataFile: string | undefined;
  /** True when the certificates were made by this call ({@link DevPki.generated}). */
  readonly certsGenerated: boolean;
  readonly banner: string;
  readonly hostConfig: DevHostConfig;
  close(): Promise<void>;
}

export async function startDevServer(opts: StartDevServerOptions = {}): Promise<DevServerHandle> {
  const ownDir = opts.certsDir === undefined;
  const certsDir = path.resolve(opts.certsDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'kmip-kms-dev-'))));
  try {
    return await startIn(certsDir, ownDir, opts);
  } catch (err) {
    // A failed start leaves no throwaway CA or client key behind.
    if (ownDir) await fsp.rm(certsDir, { recursive: true, force: true });
    throw err;
  }
}

async function startIn(certsDir: string, ownDir: boolean, opts: StartDevServerOptions): Promise<DevServerHandle> {
  const { dir: _dir, generated, ...pki } = await ensureDevPki(certsDir, opts.clientCn !== undefined ? { clientCn: opts.clientCn } : {});
  const [ca, cert, key] = await Promise.all([
    fsp.readFile(pki.caPath, 'utf8'),
    fsp.readFile(pki.serverCertPath, 'utf8'),
    fsp.readFile(pki.serverKeyPath, 'utf8'),
  ]);
  const dataFile = opts.dataFile === undefined ? undefined : path.resolve(opts.dataFile);
  const server = new KmipDevServer({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    tls: { ca, cert, key },
    ...(dataFile !== undefined ? { dataFile } : {}),
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    ...(opts.protocolVersions !== undefined ? { protocolVersions: opts.protocolVersions } : {}),
    ...(opts.behaviour !== undefined ? { behaviour: opts.behaviour } : {}),
    ...(opts.coalesce !== undefined ? { coalesce: opts.coalesce } : {}),
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    ...(opts.readTimeoutMs !== undefined ? { readTimeoutMs: opts.readTimeoutMs } : {}),
    ...(opts.maxConnections !== undefined ? { maxConnections: opts.maxConnections } : {}),
    ...(opts.maxBufferedBytes !== undefined ? { maxBufferedBytes: opts.maxBufferedBytes } : {}),
  });
  const { host, port } = await server.listen();
  const hostConfig: DevHostConfig = {
    providerName: 'kmip',
    client: { compoundCreateActivate: true, bucketNameAttributeName: 'x-bucket-name' },
    transport: {
      pipelineDepth: 8,
      tls: { host, port, key: pki.clientKeyPath, cert: pki.clientCertPath, ca: [pki.caPath] },
    },
  };
  return {
    server,
    host,
    port,
    certsDir,
    ...pki,
    dataFile,
    certsGenerated: generated,
    banner: server.banner(),
    hostConfig,
    close: async () => {
      await server.close();
      // A temporary certificate folder made by this call goes with the server.
      if (ownDir) await fsp.rm(certsDir, { recursive: true, force: true });
    },
  };
}
