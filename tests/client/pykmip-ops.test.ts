/**
 * KmipClient against a real PyKMIP 0.10 server: the operations the product
 * uses, under a negotiated KMIP 1.4 and under a forced KMIP 2.0. The same list
 * runs for each configuration, each on its own server.
 *
 * The suite itself is tests/conformance/ops-suite.ts, shared with the
 * development server (tests/conformance/dev-server-ops.test.ts); this file
 * only says how to start PyKMIP and where PyKMIP 0.10 falls short.
 */
import { interopSkipReason, startPykmip, PYKMIP_PACKAGE } from '../support/pykmip';
import { opsSuite, type ServerProvider } from '../conformance/ops-suite';
import { PYKMIP_VERSIONS } from './pykmip-helpers';

const PYKMIP_PROVIDER: ServerProvider = {
  name: 'PyKMIP',
  async start() {
    const s = await startPykmip();
    return { host: s.host, port: s.port, ca: s.pki.ca, cert: s.pki.clientCert, key: s.pki.clientKey, stop: () => s.stop() };
  },
  // Skipped with a loud reason when PyKMIP is missing; one failing test under KMIP_INTEROP=required.
  unavailable: interopSkipReason,
  availabilityTestName: `PyKMIP server is available (${PYKMIP_PACKAGE})`,
  quirks: {
    cannotParsePlaceholderActivate: true,
    cannotParseNonAsciiText: true,
    destroyRemovesObject: true,
  },
  vendor: /PyKMIP/,
  versions: PYKMIP_VERSIONS,
  tlsProtocol: 'TLSv1.2',
};

opsSuite(PYKMIP_PROVIDER);
