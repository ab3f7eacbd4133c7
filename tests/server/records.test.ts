/**
 * One response per TLS record (the default, as appliances do) and `coalesce`
 * (answers ready together share a record). On the client side Node delivers
 * each TLS record's plaintext as its own 'data' chunk (one SSL_read per
 * record), which is exactly what a client that reads "one response per
 * record" relies on; so each chunk must hold exactly one whole message.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import * as ops from '../../lib/kmip/operations';
import { requestMessage } from '../../lib/kmip/protocol';
import type { KmipDevServer } from '../../lib/server';
import { encode } from '../../lib/ttlv';
import type { TestPki } from '../support/certs';
import { CBC_PKCS5, T, V14, batchId, client, item, makePki, startServer } from './helpers';

let pki: TestPki;

before(async () => {
  pki = await makePki('records');
});

/** Sends `n` Encrypts in one write; resolves with the messages found in each received chunk. */
async function chunksFor(server: KmipDevServer, n: number): Promise<number[]> {
  const c = client(server, pki, V14);
  const { uniqueIdentifier: uid } = await c.create({ activationDate: new Date() });
  await c.close();
  const a = server.address!;
  const socket = tls.connect({ host: a.host, port: a.port, servername: 'localhost', ca: pki.ca, cert: pki.clientCert, key: pki.clientKey });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  const per: number[] = [];
  let pending = Buffer.alloc(0);
  let total = 0;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${total}/${n} answers`)), 20_000);
    socket.on('data', (chunk: Buffer) => {
      // Count the whole messages that END in this chunk, and check none straddles chunks.
      pending = Buffer.concat([pending, chunk]);
      let count = 0;
      while (pending.length >= 8) {
        const len = 8 + pending.readUInt32BE(4);
        if (pending.length < len) break;
        pending = pending.subarray(len);
        count++;
      }
      per.push(pending.length === 0 ? count : -count);
      total += count;
      if (total >= n) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const msgs = Array.from({ length: n }, () =>
    encode(requestMessage(V14, [item(ops.encrypt({ uniqueIdentifier: uid, data: Buffer.alloc(32, 7), cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) }), V14, batchId())])),
  );
  socket.write(Buffer.concat(msgs));
  try {
    await done;
  } finally {
    socket.destroy();
  }
  return per;
}

describe('TLS records', () => {
  let server: KmipDevServer;
  after(async () => server?.close());

  it('by default each answer is its own TLS record (64 requests in one write -> 64 records of one message)', T, async () => {
    server = await startServer(pki);
    const per = await chunksFor(server, 64);
    assert.deepEqual(per, Array.from({ length: 64 }, () => 1));
  });

  it('with coalesce, answers ready together share records', T, async () => {
    const co = await startServer(pki, { coalesce: true });
    try {
      const per = await chunksFor(co, 64);
      assert.equal(per.reduce((x, y) => x + Math.abs(y), 0), 64);
      assert.ok(per.some((k) => Math.abs(k) > 1), `every record held one answer: ${per.join(',')}`);
    } finally {
      await co.close();
    }
  });
});
