/**
 * TLS for one connection: the options a socket to one host is opened with
 * (SNI, certificate name check, client certificate), and how a failure before
 * the connection is ready is explained (typed error with the likely cause:
 * untrusted CA, wrong name, refused client certificate...), or a throw of
 * tls.connect itself (unusable local TLS settings).
 */
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { KmipConfigError, KmipConnectionError, KmipError, KmipTlsError } from '../errors';
import type { HostAddress, TlsOptions } from './options';
import { secureContextOf } from './settings/validate';

/**
 * The tls.connect options for `addr`. The key, certificate, passphrase, CAs,
 * ciphers and versions are in the secure context resolveTransportOptions
 * built (and checked) once at construction: nothing here can throw on them.
 */
export function tlsConnectOptions(addr: HostAddress, o: TlsOptions): tls.ConnectionOptions {
  const secureContext = secureContextOf(o);
  const connectOpts: tls.ConnectionOptions = secureContext
    ? {
        host: addr.host,
        port: addr.port,
        servername: o.servername ?? (isIP(addr.host) ? undefined : addr.host),
        rejectUnauthorized: o.rejectUnauthorized ?? true,
        secureContext,
      }
    : {
        host: addr.host,
        port: addr.port,
        servername: o.servername ?? (isIP(addr.host) ? undefined : addr.host),
        rejectUnauthorized: o.rejectUnauthorized ?? true,
        minVersion: o.minVersion ?? 'TLSv1.2',
        ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
        ...(o.ciphers ? { ciphers: o.ciphers } : {}),
        ...(o.ca ? { ca: o.ca as (string | Buffer)[] } : {}),
        ...(o.cert ? { cert: o.cert as string | Buffer } : {}),
        ...(o.key ? { key: o.key as string | Buffer } : {}),
        ...(o.passphrase ? { passphrase: o.passphrase } : {}),
      };
  if (o.servername && isIP(addr.host)) {
    // SNI must not be an IP, but the certificate check should use the given name.
    connectOpts.checkServerIdentity = (_h, cert) => tls.checkServerIdentity(o.servername!, cert);
  }
  return connectOpts;
}

/** A TLS error with the likely cause spelled out. `handshaking`: the socket was connected, the TLS handshake not done. */
export function classifyConnectError(err: Error, label: string, handshaking: boolean): KmipError {
  if (err instanceof KmipError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const msg = err.message;
  const tlsish =
    handshaking ||
    /^ERR_TLS|^ERR_SSL|CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ALTNAME/.test(code) ||
    /alert|certificate|handshake|ssl|tls/i.test(msg);
  if (!tlsish) return new KmipConnectionError(`cannot connect to KMIP server ${label}: ${msg}`, { cause: err, host: label });
  let hint = '';
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) {
    hint = ' (the server certificate is not signed by a CA in tls.ca: check the CA file)';
  } else if (/ALTNAME|HOSTNAME/.test(code)) {
    hint = ' (the server certificate does not name this host: connect by a name in its certificate or set tls.servername)';
  } else if (/CERT_HAS_EXPIRED/.test(code)) {
    hint = ' (the server certificate has expired)';
  } else if (/unknown ca|bad certificate|certificate required|certificate unknown|handshake failure/i.test(msg)) {
    hint = ' (the server refused our client certificate: is it signed by a CA the server trusts, and does it carry extendedKeyUsage clientAuth?)';
  } else if (/protocol version|wrong version/i.test(msg)) {
    hint = ' (no common TLS version: KMIP servers speak TLS 1.2)';
  } else if (code === 'ECONNRESET' || /socket hang up|disconnected/i.test(msg)) {
    hint = ' (the server closed the connection during the TLS handshake: it may have refused our client certificate or TLS settings)';
  }
  return new KmipTlsError(`TLS handshake with KMIP server ${label} failed: ${msg}${hint}`, { cause: err, host: label });
}

/**
 * The error for a close by the server. A close before the server said anything
 * usable (during the handshake, or before any byte of the first exchange) is
 * how many servers refuse a client certificate (no TLS alert): say so.
 */
export function closedError(what: string, label: string, handshaking: boolean, silentNegotiation: boolean): KmipConnectionError {
  if (handshaking || silentNegotiation) {
    return new KmipTlsError(
      `${what} during the ${handshaking ? 'TLS handshake' : 'first exchange after it'} ` +
        '(the server may have refused our client certificate: is it signed by a CA the server trusts, and does it carry extendedKeyUsage clientAuth?)',
      { host: label },
    );
  }
  return new KmipConnectionError(what, { host: label });
}

/**
 * `tls.connect` threw synchronously: our own TLS settings are unusable (a
 * wrong or missing key passphrase, a cipher list OpenSSL rejects, a malformed
 * key, cert or CA...). A KmipConfigError naming the likely setting, with
 * OpenSSL's words (which never hold key material).
 */
export function tlsSetupError(err: unknown, label: string): KmipConfigError {
  const msg = err instanceof Error ? err.message : String(err);
  let setting: string | undefined;
  let hint = 'check the TLS settings: key, passphrase, cert, ca, ciphers, minVersion, maxVersion';
  if (/cipher/i.test(msg)) {
    setting = 'ciphers';
    hint = 'check tls.ciphers: OpenSSL accepts none of its ciphers';
  } else if (/bad decrypt|passphrase|bad password|interrupted or cancelled/i.test(msg)) {
    setting = 'passphrase';
    hint = 'check tls.passphrase: the client key is encrypted and its passphrase is wrong or missing';
  } else if (/DECODER|private key|key values mismatch/i.test(msg)) {
    setting = 'key';
    hint = "check tls.key: not a readable private key, or not the certificate's key";
  } else if (/certificate|x509|PEM/i.test(msg)) {
    setting = 'cert';
    hint = 'check tls.cert and tls.ca: not readable certificates';
  } else if (/version/i.test(msg)) {
    setting = 'minVersion';
    hint = 'check tls.minVersion and tls.maxVersion';
  }
  return new KmipConfigError(`cannot open a TLS connection to KMIP server ${label} with these TLS settings: ${msg} (${hint})`, setting);
}
