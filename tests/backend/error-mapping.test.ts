/**
 * What the S3 client sees when the KMS fails (issue 8 §3), one test per row of
 * the README's mapping table: the appliance's own failures against PyKMIP
 * (unknown key, revoked key used for Encrypt, wrong key for Decrypt), the
 * rest with the fault server or a closed port. Each asserts the host error's
 * code, name and exact description, and that no description names the
 * server's address or port.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { KmipBackend } from '../../lib/backend/backend';
import { ownErrors } from '../../lib/backend/host-errors';
import { FaultServer } from '../support/fault-server';
import { makeTestPki, type TestPki } from '../support/certs';
import { pykmipSuite } from '../support/pykmip';
import { CallbackTracker, FakeArsenalError, FakeRequestLog, RecordingLogger, closedPort, fakeErrors, hostCalls, hostKmipFor, type CallOutcome } from './helpers';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Expected {
  readonly name: string;
  readonly code: number;
  readonly description: string;
}

/** Asserts the host error and that its description and rendering name no address or port. */
function expectHostError(r: CallOutcome, want: Expected, forbidden: readonly string[]): void {
  const e = r.err as { message: string; code: number; description: string; is: Record<string, boolean>; toString(): string };
  assert.ok(e, 'expected an error');
  assert.equal(e.message, want.name);
  assert.equal(e.code, want.code);
  assert.equal(e.description, want.description);
  assert.equal(e.is[want.name], true);
  for (const f of forbidden) {
    assert.ok(!e.description.includes(f), `description names ${f}: ${e.description}`);
    assert.ok(!e.toString().includes(f), `rendering names ${f}: ${e.toString()}`);
  }
  assert.doesNotMatch(e.description, /\b\d{1,3}(\.\d{1,3}){3}\b|localhost|\/tmp\//, e.description);
}

const KEY_ID = '6f1c2a';

pykmipSuite('host error mapping: failures the appliance reports (PyKMIP)', (srv) => {
  const tracker = new CallbackTracker();
  let backend: KmipBackend;
  let host: ReturnType<typeof hostCalls>;
  let forbidden: string[];
  before(() => {
    backend = new KmipBackend({ kmip: hostKmipFor(srv()), logger: new RecordingLogger() });
    host = hostCalls(backend, tracker);
    forbidden = ['127.0.0.1', String(srv().port)];
  });
  after(() => backend.close());

  it('Item Not Found -> KMS.NotFoundException (our lookalike, and the host\'s own when injected)', async () => {
    const r = await host.decipherDataKey(1, 'no-such-key', Buffer.alloc(48), new FakeRequestLog());
    const description = 'KMS (KMIP) error for Decrypt on no-such-key. Item Not Found: Could not locate object: no-such-key';
    expectHostError(r, { name: 'KMS.NotFoundException', code: 400, description }, forbidden);
    const withHost = new KmipBackend({ kmip: hostKmipFor(srv()), logger: new RecordingLogger(), errors: fakeErrors(true) });
    try {
      const r2 = await hostCalls(withHost, tracker).decipherDataKey(1, 'no-such-key', Buffer.alloc(48), new FakeRequestLog());
      assert.ok(r2.err instanceof FakeArsenalError, 'the host\'s own error object');
      expectHostError(r2, { name: 'KMS.NotFoundException', code: 400, description }, forbidden);
    } finally {
      await withHost.close();
    }
  });

  it('a revoked key used for Encrypt -> AccessDenied 403 with the Result Reason and Message', async () => {
    const created = await backend.createKey('revoked-bucket');
    await backend.client.revoke(created.keyId);
    const r = await host.cipherDataKey(1, created.arn, crypto.randomBytes(32), new FakeRequestLog());
    expectHostError(r, { name: 'AccessDenied', code: 403, description: `KMS (KMIP) error for Encrypt on ${created.keyId}. Permission Denied: The encryption key must be in the Active state to be used for encryption.` }, forbidden);
  });

  it('a wrong key for Decrypt -> AccessDenied 403 with the appliance\'s reason (PyKMIP: General Failure), or InternalError when the padding happened to pass', async () => {
    const a = await backend.createKey('bucket-a');
    const b = await backend.createKey('bucket-b');
    const wrapped = await backend.wrapDataKey(a.keyId, crypto.randomBytes(32));
    const r = await host.decipherDataKey(1, b.keyId, wrapped, new FakeRequestLog());
    const e = r.err as { message: string };
    if (e.message === 'AccessDenied') {
      expectHostError(r, { name: 'AccessDenied', code: 403, description: `KMS (KMIP) error for Decrypt on ${b.keyId}. General Failure: Operation failed. See the server logs for more information.` }, forbidden);
    } else {
      // ~1 in 256: PKCS#5 padding valid by chance; our size check refuses the result.
      expectHostError(r, { name: 'InternalError', code: 500, description: `KMS (KMIP) error for Decrypt on ${b.keyId}: the key management server answered with an unusable message` }, forbidden);
    }
    await tracker.assertAllExactlyOnce();
  });
});

describe('host error mapping: failures that are not the appliance\'s answer', () => {
  let pki: TestPki;
  let dir: string;
  let srv: FaultServer;
  const backends: KmipBackend[] = [];
  const tracker = new CallbackTracker();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-errmap-'));
    pki = await makeTestPki(dir);
    srv = await FaultServer.start({ pki });
  });
  after(async () => {
    for (const b of backends) await b.close();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const kmipFor = (port: number, transport: Record<string, unknown> = {}, tls: Record<string, unknown> = {}): Record<string, unknown> => ({
    providerName: 'kmip',
    transport: {
      reconnect: { baseDelayMs: 10, maxDelayMs: 20 },
      ...transport,
      tls: { host: '127.0.0.1', port, key: Buffer.from(pki.clientKey), cert: Buffer.from(pki.clientCert), ca: [Buffer.from(pki.ca)], servername: 'localhost', ...tls },
    },
  });
  const make = (kmip: Record<string, unknown>): { backend: KmipBackend; log: RecordingLogger } => {
    const log = new RecordingLogger();
    const backend = new KmipBackend({ kmip, logger: log });
    backends.push(backend);
    return { backend, log };
  };

  it('connection refused -> ServiceUnavailable 503; the address stays in the log', async () => {
    const port = await closedPort();
    const { backend } = make(kmipFor(port, { connectTimeoutMs: 500, queueTimeoutMs: 500 }));
    const reqLog = new FakeRequestLog();
    const r = await hostCalls(backend, tracker).cipherDataKey(1, KEY_ID, crypto.randomBytes(32), reqLog);
    expectHostError(r, { name: 'ServiceUnavailable', code: 503, description: `KMS (KMIP) error for Encrypt on ${KEY_ID}: the key management server cannot be reached` }, ['127.0.0.1', String(port)]);
    assert.match(reqLog.text(), new RegExp(`127\\.0\\.0\\.1:${port}`), 'the log line keeps the host');
  });

  it('TLS failure (server certificate not signed by our CA) -> ServiceUnavailable 503', async () => {
    const other = await makeTestPki(path.join(dir, 'other'));
    const { backend } = make(kmipFor(srv.port, { queueTimeoutMs: 2000 }, { ca: [Buffer.from(other.ca)] }));
    const r = await hostCalls(backend, tracker).decipherDataKey(1, KEY_ID, Buffer.alloc(48), new FakeRequestLog());
    expectHostError(r, { name: 'ServiceUnavailable', code: 503, description: `KMS (KMIP) error for Decrypt on ${KEY_ID}: TLS failure with the key management server` }, ['127.0.0.1', String(srv.port), dir]);
  });

  it('timeout -> ServiceUnavailable 503', async () => {
    srv.script = { onRequest: (req) => (req.operation === 0x1f ? 'drop' : undefined) };
    try {
      const { backend } = make(kmipFor(srv.port, { requestTimeoutMs: 300 }));
      const r = await hostCalls(backend, tracker).cipherDataKey(1, KEY_ID, crypto.randomBytes(32), new FakeRequestLog());
      expectHostError(r, { name: 'ServiceUnavailable', code: 503, description: `KMS (KMIP) error for Encrypt on ${KEY_ID}: the key management server did not answer in time` }, ['127.0.0.1', String(srv.port)]);
    } finally {
      srv.script = {};
    }
  });

  it('protocol error (garbage answer) -> InternalError 500', async () => {
    srv.script = { onRequest: (req) => (req.operation === 0x1f ? { raw: Buffer.from('this is not TTLV at all, not even close') } : undefined) };
    try {
      const { backend } = make(kmipFor(srv.port));
      const r = await hostCalls(backend, tracker).cipherDataKey(1, KEY_ID, crypto.randomBytes(32), new FakeRequestLog());
      expectHostError(r, { name: 'InternalError', code: 500, description: `KMS (KMIP) error for Encrypt on ${KEY_ID}: the key management server answered with an unusable message` }, ['127.0.0.1', String(srv.port)]);
    } finally {
      srv.script = {};
    }
  });

  it('queue full -> ServiceUnavailable 503', async () => {
    srv.script = { onRequest: (req) => (req.operation === 0x1f ? 'hold' : undefined) };
    try {
      const { backend } = make(kmipFor(srv.port, { pipelineDepth: 1, maxQueueLength: 1, requestTimeoutMs: 5000 }));
      await backend.checkHealth();
      const host = hostCalls(backend, tracker);
      const first = host.cipherDataKey(1, KEY_ID, crypto.randomBytes(32), new FakeRequestLog()); // in flight, held
      const second = host.cipherDataKey(1, KEY_ID, crypto.randomBytes(32), new FakeRequestLog()); // waits in the queue
      const r = await host.cipherDataKey(1, KEY_ID, crypto.randomBytes(32), new FakeRequestLog());
      expectHostError(r, { name: 'ServiceUnavailable', code: 503, description: `KMS (KMIP) error for Encrypt on ${KEY_ID}: too many requests are waiting for the key management server` }, ['127.0.0.1', String(srv.port)]);
      srv.script = {};
      for (const c of srv.connections) c.release();
      await Promise.all([first, second]);
    } finally {
      srv.script = {};
    }
  });

  it('without the host\'s errors: our lookalikes have the same names and codes (AccessDenied included)', () => {
    assert.equal(ownErrors['AccessDenied']!.code, 403);
    assert.equal(ownErrors['ServiceUnavailable']!.code, 503);
    assert.equal(ownErrors['KMS.NotFoundException']!.code, 400);
  });
});
