/**
 * Wrong certificates against a real PyKMIP 0.10 server (TLS 1.2, client
 * authentication required): every failure is a typed KmipError whose message
 * says what is wrong.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { KmipClient } from '../../lib/client';
import { KmipConnectionError, KmipError, KmipOperationError, KmipTlsError } from '../../lib/errors';
import { makeClientCert, makeOtherCaClient } from '../support/certs';
import { pykmipSuite } from '../support/pykmip';
import { AES_CBC_PKCS5, RecordingLogger, clientOptions, rejectsWith } from './pykmip-helpers';

const T = { timeout: 30_000 };

pykmipSuite('KmipClient x PyKMIP: wrong certificates', (srv) => {
  it('client certificate without the clientAuth EKU: every request fails with a typed error naming the authentication failure', T, async (t) => {
    const s = srv();
    const noEku = await makeClientCert(s.pki, 'no-eku-client', { clientAuthEku: false });
    const logger = new RecordingLogger();
    const c = new KmipClient(clientOptions(s, { tls: { ca: s.pki.ca, cert: noEku.cert, key: noEku.key, servername: 'localhost' }, logger }));
    try {
      // The TLS handshake succeeds; PyKMIP then refuses the first message
      // (Discover Versions, during negotiation) with Authentication Not
      // Successful in a lone batch item WITHOUT Unique Batch Item ID; it is
      // the only request in flight, so the client reports it as a
      // KmipOperationError of Discover Versions with a hint about the EKU.
      const first = await rejectsWith(c.create(), KmipError);
      t.diagnostic(`no-EKU client certificate, first error: ${first.name} (${first.code}): ${first.message}`);
      assert.match(first.message, /AuthenticationNotSuccessful|Authentication Not Successful/);
      assert.match(first.message, /Error verifying the client certificate/);
      assert.match(first.message, /extendedKeyUsage clientAuth/);
      assert.match(first.message, new RegExp(`${s.host}:${s.port}`));
      // Every further request fails too, typed, still saying why (while the
      // host is backed off they fail fast with the last connection error).
      const more = [
        () => c.query(),
        () => c.get('1'),
        () => c.encrypt('1', Buffer.alloc(16), { cryptographicParameters: AES_CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) }),
      ];
      for (const call of more) {
        const err = await rejectsWith(call(), KmipError);
        assert.ok(err instanceof KmipOperationError || err instanceof KmipConnectionError, `${err.name}: ${err.message}`);
        assert.match(err.message, /Authentication ?Not ?Successful/);
      }
      // After the back-off, a fresh connection attempt fails the same way.
      await new Promise((r) => setTimeout(r, 400));
      const again = await rejectsWith(c.query(), KmipError);
      assert.match(again.message, /Authentication ?Not ?Successful/);
      assert.equal(c.serverInfo, undefined, 'never negotiated');
      const warn = logger.lines.find((l) => l.level === 'warn' && l.msg === 'KMIP connection failed');
      assert.ok(warn, 'the connection failure is logged as a warning');
      assert.match(String(warn.fields?.['error']), /Authentication ?Not ?Successful/);
    } finally {
      await c.close();
    }
  });

  it('control: the suite default client certificate works on the same server', T, async () => {
    const c = new KmipClient(clientOptions(srv(), { logger: new RecordingLogger() }));
    try {
      assert.match((await c.query()).vendorIdentification ?? '', /PyKMIP/);
    } finally {
      await c.close();
    }
  });

  it('client certificate from a CA the server does not trust -> KmipTlsError (unknown ca) with a hint', T, async () => {
    const s = srv();
    const other = await makeOtherCaClient(s.pki, 'stranger');
    const c = new KmipClient(clientOptions(s, { tls: { ca: s.pki.ca, cert: other.cert, key: other.key, servername: 'localhost' }, logger: new RecordingLogger() }));
    try {
      const err = await rejectsWith(c.create(), KmipTlsError);
      assert.equal(err.code, 'KMIP_TLS');
      assert.equal(err.host, `${s.host}:${s.port}`);
      if (Number(process.versions.node.split('.')[0]) >= 18) {
        assert.match(err.message, /TLS handshake with KMIP server/);
        assert.match(err.message, /unknown ca/i);
      } else {
        // Node 16 (OpenSSL 1.1.1, the host's runtime): the server's alert surfaces as a close during the handshake.
        assert.match(err.message, /closed the connection during the TLS handshake/);
      }
      assert.match(err.message, /client certificate/);
      // Later requests fail typed as well, with the TLS cause in the message.
      const next = await rejectsWith(c.query(), KmipConnectionError);
      assert.match(next.message, /unknown ca|client certificate/i);
    } finally {
      await c.close();
    }
  });

  it('client trusting another CA (not the server\'s) -> KmipTlsError pointing at the CA file', T, async () => {
    const s = srv();
    const other = await makeOtherCaClient(s.pki, 'trusts-wrong-ca');
    const c = new KmipClient(
      clientOptions(s, { tls: { ca: other.ca, cert: s.pki.clientCert, key: s.pki.clientKey, servername: 'localhost' }, logger: new RecordingLogger() }),
    );
    try {
      const err = await rejectsWith(c.query(), KmipTlsError);
      assert.equal(err.code, 'KMIP_TLS');
      assert.match(err.message, /self[- ]signed certificate|unable to (verify|get)/i);
      assert.match(err.message, /not signed by a CA in tls\.ca/);
      assert.ok(err.cause instanceof Error, 'the Node TLS error is kept as cause');
    } finally {
      await c.close();
    }
  });

  it('the CA file given as a path works like PEM contents', T, async () => {
    const s = srv();
    const c = new KmipClient(
      clientOptions(s, { tls: { ca: s.pki.caPath, cert: s.pki.clientCertPath, key: s.pki.clientKeyPath, servername: 'localhost' }, logger: new RecordingLogger() }),
    );
    try {
      assert.match((await c.query()).vendorIdentification ?? '', /PyKMIP/);
    } finally {
      await c.close();
    }
  });
});
