/**
 * Interop at the codec level: a Discover Versions request built with our
 * encoder, written on a raw TLS socket to a real PyKMIP server, and its answer
 * read back through our framer and decoder — no transport, no client.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { decode, encode, TtlvFramer, type TtlvItem } from '../../lib/ttlv';
import { Tag } from '../../lib/kmip/tags';
import { requestMessage, readResponseMessage } from '../../lib/kmip/protocol';
import { discoverVersions } from '../../lib/kmip/operations';
import { pykmipSuite, tlsOptionsFor } from '../support/pykmip';

function exchange(opts: tls.ConnectionOptions, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const framer = new TtlvFramer();
    const sock = tls.connect(opts, () => sock.write(request));
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no answer within 10 s'));
    }, 10_000);
    sock.on('data', (chunk: Buffer) => {
      try {
        framer.push(chunk, (msg) => {
          clearTimeout(timer);
          sock.end();
          resolve(Buffer.from(msg));
        });
      } catch (err) {
        clearTimeout(timer);
        sock.destroy();
        reject(err);
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

pykmipSuite('raw Discover Versions against PyKMIP (codec + framer only)', (srv) => {
  it('the server lists KMIP 1.2 or later', async () => {
    const offer = [
      { major: 2, minor: 0 },
      { major: 1, minor: 4 },
      { major: 1, minor: 3 },
      { major: 1, minor: 2 },
    ];
    const op = discoverVersions(offer);
    const header = { major: 1, minor: 2 };
    const req = encode(requestMessage(header, [{ operation: op.operation, id: Buffer.from([0, 0, 0, 1]), payload: op.payload(header) }]));
    const bytes = await exchange(tlsOptionsFor(srv()), req);
    const tree: TtlvItem = decode(bytes);
    assert.equal(tree.tag, Tag.ResponseMessage);
    const resp = readResponseMessage(tree);
    assert.equal(resp.items.length, 1);
    const item = resp.items[0]!;
    assert.equal(item.status, 0, `Discover Versions failed: ${item.message ?? ''}`);
    assert.deepEqual(item.id, Buffer.from([0, 0, 0, 1]));
    const versions = op.read(item.payload, header);
    assert.ok(versions.length > 0, 'no versions listed');
    assert.ok(
      versions.some((v) => v.major > 1 || (v.major === 1 && v.minor >= 2)),
      `no version >= 1.2 in ${JSON.stringify(versions)}`,
    );
    // The answer is the intersection with our offer, most preferred first.
    for (const v of versions) assert.ok(offer.some((o) => o.major === v.major && o.minor === v.minor));
  });
});
