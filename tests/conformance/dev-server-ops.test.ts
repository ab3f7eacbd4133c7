/**
 * Conformance: the interop suite KmipClient runs against PyKMIP
 * (tests/client/pykmip-ops.test.ts) runs unchanged against the development
 * server, under KMIP 1.4 and 2.0, each configuration on its own server.
 *
 * Where PyKMIP 0.10 falls short (a batch [create, activate(ID placeholder)],
 * non-ASCII text) the dev server must do the right thing, and the suite
 * asserts it; where KMIP allows both (Destroy keeping the attributes) the
 * suite asserts what the dev server documents.
 */
import { startDevServer, DEV_SERVER_VENDOR, DEV_SERVER_VERSIONS } from '../../lib/server';
import { opsSuite, type ServerProvider } from './ops-suite';

const DEV_SERVER_PROVIDER: ServerProvider = {
  name: 'the dev server',
  async start() {
    const dev = await startDevServer({ port: 0 });
    // File paths: the client reads them, as it does from a config.json.
    return { host: dev.host, port: dev.port, ca: dev.caPath, cert: dev.clientCertPath, key: dev.clientKeyPath, stop: () => dev.close() };
  },
  startTimeoutMs: 30_000,
  quirks: {
    cannotParsePlaceholderActivate: false,
    cannotParseNonAsciiText: false,
    destroyRemovesObject: false,
  },
  vendor: new RegExp(`^${DEV_SERVER_VENDOR}$`),
  versions: DEV_SERVER_VERSIONS,
  tlsProtocol: 'TLSv1.3',
};

opsSuite(DEV_SERVER_PROVIDER);
