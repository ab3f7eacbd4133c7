// Issue 9 §7: the direct client API validates exactly like the backend (one validator) and throws KmipConfigError,
// never a raw TypeError; unknown protocol versions and absurd values are refused as the README documents.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { KmipBackend } from '../../lib/backend/backend';
import { KmipClient } from '../../lib/client';
import { KmipConfigError } from '../../lib/errors';
import type { LogFields, Logger } from '../../lib/logger';
import { selfSignedSync } from '../support/pem-fixtures';

const PAIR = selfSignedSync('client');
const KEY = Buffer.from(PAIR.key);
const CERT = Buffer.from(PAIR.cert);
const HOSTS = [{ host: 'kms.example.com', port: 5696 }];

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function expectClientConfigError(options: unknown, key: string, mention?: string | RegExp): void {
  let caught: unknown;
  try {
    new KmipClient(options as never);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof KmipConfigError, `expected KmipConfigError for ${key}, got ${String(caught)}`);
  assert.equal(caught.key, key, caught.message);
  if (typeof mention === 'string') assert.ok(caught.message.includes(mention), caught.message);
  else if (mention) assert.match(caught.message, mention);
}

function expectBackendConfigError(transport: Record<string, unknown>, key: string): void {
  assert.throws(
    () => new KmipBackend({ kmip: { transport: { ...transport, tls: { host: 'kms.example.com', key: KEY, cert: CERT } } }, logger: quiet }),
    (e: unknown) => e instanceof KmipConfigError && e.key === key,
  );
}

describe('new KmipClient(options) validates like the backend', () => {
  test('tls.ca null (absent, like the backend) with hosts; no hosts at all; tls not an object; no options', () => {
    expectClientConfigError({ tls: { ca: null } }, 'hosts', 'not set');
    const c = new KmipClient({ hosts: HOSTS, tls: { ca: null as never }, logger: quiet });
    void c.close();
    expectClientConfigError({ hosts: HOSTS, tls: 'yes' }, 'tls', 'object');
    expectClientConfigError({ hosts: HOSTS, tls: { ca: 42 } }, 'tls.ca', 'file path');
    expectClientConfigError({ hosts: HOSTS, tls: { ca: [Buffer.from('nope')] } }, 'tls.ca[0]', 'not PEM');
    expectClientConfigError(undefined, 'options', 'object');
    expectClientConfigError({ hosts: 'kms', tls: {} }, 'hosts', 'array');
    expectClientConfigError({ hosts: [{ host: 'kms', port: '56x' }], tls: {} }, 'hosts[0].port', '"56x" (a string)');
    expectClientConfigError({ hosts: [{ host: 42, port: 1 }], tls: {} }, 'hosts[0].host', 'string');
    expectClientConfigError({ hosts: [{ host: 'kms', port: 1 }, { host: 'KMS', port: 1 }], tls: {} }, 'hosts[1].host', 'twice');
    expectClientConfigError({ hosts: HOSTS, tls: { key: KEY } }, 'tls.cert', 'together');
    expectClientConfigError({ hosts: HOSTS, tls: { key: CERT, cert: KEY } }, 'tls.key', 'swapped');
    expectClientConfigError({ hosts: HOSTS, tls: { rejectUnauthorized: 'no' } }, 'tls.rejectUnauthorized', 'boolean');
    expectClientConfigError({ hosts: HOSTS, tls: {}, reconnect: { jitter: 3 } }, 'reconnect.jitter', '0..1');
    expectClientConfigError({ hosts: HOSTS, tls: {}, skipQuery: 1 }, 'skipQuery', 'boolean');
  });

  test('unknown protocol versions are refused, in the client and the backend', () => {
    expectClientConfigError({ hosts: HOSTS, tls: {}, protocolVersions: [{ major: 9, minor: 9 }] }, 'protocolVersions[0]', /9\.9, not a KMIP version this client speaks/);
    expectClientConfigError({ hosts: HOSTS, tls: {}, protocolVersions: [{ major: 1, minor: 4 }, { major: 1, minor: 4 }] }, 'protocolVersions[1]', 'repeats');
    expectClientConfigError({ hosts: HOSTS, tls: {}, protocolVersions: [] }, 'protocolVersions', 'non-empty');
    expectBackendConfigError({ protocolVersions: ['9.9'] }, 'kmip.transport.protocolVersions[0]');
    expectBackendConfigError({ protocolVersions: ['2.1'] }, 'kmip.transport.protocolVersions[0]');
  });

  test('absurd values are refused: pipelineDepth > 1024, poolSize > 64, maxMessageBytes > 256 MiB', () => {
    expectClientConfigError({ hosts: HOSTS, tls: {}, pipelineDepth: 1025 }, 'pipelineDepth', '0..1024');
    expectClientConfigError({ hosts: HOSTS, tls: {}, poolSize: 65 }, 'poolSize', '1..64');
    expectClientConfigError({ hosts: HOSTS, tls: {}, maxMessageBytes: 256 * 1024 * 1024 + 1 }, 'maxMessageBytes', '64..268435456');
    expectBackendConfigError({ pipelineDepth: 1025 }, 'kmip.transport.pipelineDepth');
    expectBackendConfigError({ poolSize: 65 }, 'kmip.transport.poolSize');
    expectBackendConfigError({ maxMessageBytes: 300 * 1024 * 1024 }, 'kmip.transport.maxMessageBytes');
    // The bounds themselves are fine.
    const c = new KmipClient({ hosts: HOSTS, tls: {}, pipelineDepth: 1024, poolSize: 64, maxMessageBytes: 256 * 1024 * 1024, logger: quiet });
    assert.equal(c.transport.options.pipelineDepth, 1024);
    void c.close();
  });

  test('warnings go to the client\'s logger (unknown option, no client certificate)', () => {
    const lines: { msg: string; fields: LogFields | undefined }[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (msg, fields) => lines.push({ msg, fields }), error() {} };
    const c = new KmipClient({ hosts: HOSTS, tls: {}, logger, pipelinedepth: 3 } as never);
    void c.close();
    assert.deepEqual(lines.map((l) => l.fields?.['key']), ['options.pipelinedepth', 'tls.cert']);
  });
});
