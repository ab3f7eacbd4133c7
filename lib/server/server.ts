/**
 * KmipDevServer: a KMIP development and test server (think `vault server -dev`).
 * It is NOT an appliance: keys are kept in memory, or IN CLEAR in a JSON data
 * file; there is no access control beyond "the client certificate CN that
 * created an object owns it", no HSM, no audit, no replication.
 *
 * Transport: TLS 1.2 or later, client certificate required and verified
 * against the configured CA. Messages are framed with our TtlvFramer and
 * decoded with our codec. Each connection's messages are processed as they
 * arrive, one message per turn of the event loop; a message answers as soon as
 * it is done, so answers may leave in another order than their requests (a
 * message that changed stored state waits for the data file, later Encrypts
 * do not). Clients match answers by Unique Batch Item ID.
 *
 * Connections (./connection.ts): one answer per TLS record unless
 * `coalesce`; idle timeout, read timeout, connection cap and a per-connection
 * cap on unsent answers, so that an idle, slow or non-reading client cannot
 * hold resources forever.
 *
 * A message that does not decode (framing intact) is answered Operation Failed
 * / Invalid Message and the connection is kept; when the framing itself is
 * lost (outer item not a Structure, bad or too large length) an Invalid
 * Message answer is attempted and the connection is closed.
 */
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { KMIP_VERSIONS_2_0_TO_1_2, type ProtocolVersion } from '../kmip/protocol';
import { safeLog, stderrLogger, type Logger } from '../logger';
import { decode, DEFAULT_MAX_MESSAGE_BYTES } from '../ttlv';
import { DevConnection, type ConnectionHandler, type ConnectionLimits } from './connection';
import { ResultReason } from '../kmip/enums';
import { KmipEngine, type DevServerBehaviour } from './engine';
import { KeyStore } from './store';

export type PemInput = string | Buffer;

export interface KmipDevServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port (see `address` after `listen()`). */
  readonly port?: number;
  /** PEM contents: the CA that client certificates must chain to, the server certificate and its key. */
  readonly tls: { readonly ca: PemInput | readonly PemInput[]; readonly cert: PemInput; readonly key: PemInput };
  /** JSON file the objects are kept in (KEY MATERIAL IN CLEAR); default: memory only. */
  readonly dataFile?: string;
  /** Default: warnings and errors to stderr. */
  readonly logger?: Logger;
  /** Versions spoken, most preferred first. Default 2.0, 1.4, 1.3, 1.2. */
  readonly protocolVersions?: readonly ProtocolVersion[];
  readonly behaviour?: DevServerBehaviour;
  /** Largest request message accepted. Default 16 MiB. */
  readonly maxMessageBytes?: number;
  /**
   * Let answers that are ready together share one TLS record (one TLS write per
   * burst of requests). Default false: one answer per TLS record, as appliances
   * do — some clients read exactly one response per record. For client stress tests.
   */
  readonly coalesce?: boolean;
  /** Close a connection with nothing received or in progress for this long. Default 300 000 (5 min); 0 = never. */
  readonly idleTimeoutMs?: number;
  /** A request message must be complete within this long of its first byte. Default 30 000; 0 = never. */
  readonly readTimeoutMs?: number;
  /** Connections at once (TLS handshakes included); beyond, new ones are closed at once. Default 1000. */
  readonly maxConnections?: number;
  /** Per connection: answers waiting to be sent beyond which it stops reading and processing until the client reads. Default 8 MiB. */
  readonly maxBufferedBytes?: number;
}

export const DEV_SERVER_DEFAULTS = {
  idleTimeoutMs: 300_000,
  readTimeoutMs: 30_000,
  maxConnections: 1000,
  maxBufferedBytes: 8 * 1024 * 1024,
} as const;

export const DEV_SERVER_VERSIONS: readonly ProtocolVersion[] = KMIP_VERSIONS_2_0_TO_1_2;

export interface DevServerStats {
  readonly connections: number;
  readonly messages: number;
  readonly objects: number;
  /** Bytes held for all connections: partial requests, queued requests, answers not yet sent. */
  readonly bufferedBytes: number;
}

/** The one-line warning the dev server prints when it starts. */
export function banner(dataFile?: string): string {
  const where = dataFile === undefined ? 'keys are kept in memory only' : `keys are kept in memory and IN CLEAR in ${dataFile}`;
  return `kmip-kms development server — for development and tests only, NOT an appliance: ${where}`;
}

export class KmipDevServer {
  readonly #opts: KmipDevServerOptions;
  readonly #logger: Logger;
  readonly #store: KeyStore;
  readonly #engine: KmipEngine;
  readonly #maxBytes: number;
  readonly #maxConnections: number;
  readonly #conns = new Set<DevConnection>();
  readonly #limits: ConnectionLimits;
  #server: tls.Server | null = null;
  #address: { host: string; port: number } | undefined;
  #closing: Promise<void> | null = null;
  #messages = 0;
  #connections = 0;

  constructor(options: KmipDevServerOptions) {
    if (!options || !options.tls || !options.tls.ca || !options.tls.cert || !options.tls.key) {
      throw new TypeError('KmipDevServer needs tls.ca, tls.cert and tls.key (PEM contents)');
    }
    this.#opts = options;
    this.#logger = options.logger ?? stderrLogger;
    this.#maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const positive = (v: number | undefined, name: string, dflt: number, zeroOk: boolean): number => {
      if (v === undefined) return dflt;
      if (!Number.isInteger(v) || v < (zeroOk ? 0 : 1)) throw new TypeError(`KmipDevServer ${name} must be an integer ${zeroOk ? '>= 0' : '>= 1'}`);
      return v;
    };
    this.#limits = {
      idleTimeoutMs: positive(options.idleTimeoutMs, 'idleTimeoutMs', DEV_SERVER_DEFAULTS.idleTimeoutMs, true),
      readTimeoutMs: positive(options.readTimeoutMs, 'readTimeoutMs', DEV_SERVER_DEFAULTS.readTimeoutMs, true),
      maxBufferedBytes: positive(options.maxBufferedBytes, 'maxBufferedBytes', DEV_SERVER_DEFAULTS.maxBufferedBytes, false),
      maxMessageBytes: this.#maxBytes,
      coalesce: options.coalesce === true,
    };
    this.#maxConnections = positive(options.maxConnections, 'maxConnections', DEV_SERVER_DEFAULTS.maxConnections, false);
    const versions = options.protocolVersions ?? DEV_SERVER_VERSIONS;
    if (versions.length === 0) throw new TypeError('KmipDevServer protocolVersions is empty');
    this.#store = new KeyStore(options.dataFile, this.#logger);
    this.#engine = new KmipEngine(this.#store, {
      versions,
      logger: this.#logger,
      ...(options.behaviour !== undefined ? { behaviour: options.behaviour } : {}),
    });
  }

  /** Where it listens, once `listen()` resolved. */
  get address(): { host: string; port: number } | undefined {
    return this.#address;
  }

  get dataFile(): string | undefined {
    return this.#store.file;
  }

  get stats(): DevServerStats {
    let bufferedBytes = 0;
    for (const c of this.#conns) bufferedBytes += c.bufferedBytes;
    return { connections: this.#conns.size, messages: this.#messages, objects: this.#store.objects.size, bufferedBytes };
  }

  banner(): string {
    return banner(this.#store.file);
  }

  /** Loads the data file (if any), then listens. */
  async listen(): Promise<{ host: string; port: number }> {
    if (this.#server !== null) throw new Error('KmipDevServer is already listening');
    if (this.#closing !== null) throw new Error('KmipDevServer is closed');
    await this.#store.load();
    const t = this.#opts.tls;
    const server = tls.createServer({
      ca: Array.isArray(t.ca) ? [...(t.ca as readonly PemInput[])] : (t.ca as PemInput),
      cert: t.cert,
      key: t.key,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    server.maxConnections = this.#maxConnections;
    server.on('secureConnection', (socket) => this.#onConnection(socket));
    server.on('tlsClientError', (err, socket) => {
      safeLog(this.#logger, 'debug', 'kmip dev server: TLS handshake refused', { error: err.message, remote: socket.remoteAddress });
      socket.destroy();
    });
    const host = this.#opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(this.#opts.port ?? 0, host, () => {
        server.removeListener('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => safeLog(this.#logger, 'error', 'kmip dev server: listener error', { error: err.message }));
    this.#server = server;
    const a = server.address() as AddressInfo;
    this.#address = { host, port: a.port };
    safeLog(this.#logger, 'info', this.banner(), { host, port: a.port });
    return this.#address;
  }

  /** Stops listening, destroys every connection, waits for a data file write in progress. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const server = this.#server;
      this.#server = null;
      const closed = server === null ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of this.#conns) c.socket.destroy();
      this.#conns.clear();
      await closed;
      await this.#store.idle();
    })();
    return this.#closing;
  }

  #onConnection(socket: tls.TLSSocket): void {
    if (this.#closing !== null) {
      socket.destroy();
      return;
    }
    const conn = new DevConnection(socket, ownerOf(socket), this.#limits, this.#handler, this.#logger);
    this.#conns.add(conn);
    this.#connections++;
    safeLog(this.#logger, 'debug', 'kmip dev server: client connected', { owner: conn.owner, remote: socket.remoteAddress });
    socket.on('error', (err) => safeLog(this.#logger, 'debug', 'kmip dev server: connection error', { owner: conn.owner, error: err.message }));
    socket.on('close', () => this.#conns.delete(conn));
  }

  readonly #handler: ConnectionHandler = {
    message: (conn, bytes) => this.#onMessage(conn, bytes),
    framingLost: (conn, err) => {
      // Framing lost: say so if we can, then hang up.
      safeLog(this.#logger, 'warn', 'kmip dev server: unreadable message stream; closing the connection', { owner: conn.owner, error: err.message });
      conn.send(this.#engine.invalidMessage(`unreadable message stream: ${err.message}`));
      conn.socket.end();
      setTimeout(() => conn.socket.destroy(), 1000).unref();
    },
  };

  #onMessage(conn: DevConnection, bytes: Buffer): void {
    this.#messages++;
    let tree;
    try {
      tree = decode(bytes, { maxMessageBytes: this.#maxBytes });
    } catch (err) {
      conn.send(this.#engine.invalidMessage(`undecodable message: ${(err as Error).message}`));
      return;
    }
    let r;
    try {
      r = this.#engine.handle(tree, conn.owner);
    } catch (err) {
      // The engine answers every failure itself; this is a bug, not the client's fault.
      safeLog(this.#logger, 'error', 'kmip dev server: internal error', { error: (err as Error)?.stack ?? String(err) });
      conn.send(this.#engine.invalidMessage(`internal error of the kmip-kms dev server: ${(err as Error)?.message ?? String(err)}`));
      return;
    }
    if (!r.persist) {
      conn.send(r.bytes);
      return;
    }
    conn.begin();
    this.#store.flush().then(
      () => {
        conn.done();
        conn.send(r.bytes);
      },
      (err: unknown) => {
        conn.done();
        conn.send(r.failAll(ResultReason.GeneralFailure, `the kmip-kms dev server could not write its data file: ${(err as Error).message}`));
      },
    );
  }
}

/** The object owner for a connection: its client certificate's CN (else its fingerprint). */
function ownerOf(socket: tls.TLSSocket): string {
  const cert = socket.getPeerCertificate();
  const cn: unknown = cert?.subject?.CN;
  if (typeof cn === 'string' && cn !== '') return cn;
  if (Array.isArray(cn) && typeof cn[0] === 'string') return cn[0];
  return cert?.fingerprint256 ?? 'anonymous';
}
