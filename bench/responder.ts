/**
 * A neutral KMIP responder for the client benchmark, run as its own process:
 * TLS on loopback, frames with our framer, answers every batch item of every
 * request message from pre-encoded templates with its Unique Batch Item ID
 * patched in: Discover Versions (1.4), Encrypt (48 bytes out), Decrypt (32
 * bytes out), anything else success with an empty payload. No cryptography:
 * it measures the clients, not a server.
 *
 * By default each response goes out in its own socket write, so its own TLS
 * record (as appliances answer); `--coalesce` writes every response of one
 * received chunk in one write.
 *
 * Prints `PORT <n>` on stdout when listening. Args: caPath certPath keyPath [--coalesce]
 */
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { decode, encode, TtlvFramer, type TtlvItem } from '../lib/ttlv';
import { Tag } from '../lib/kmip/tags';

const argv = process.argv.slice(2);
const coalesce = argv.includes('--coalesce');
const [caPath, certPath, keyPath] = argv.filter((a) => !a.startsWith('--')) as [string, string, string];

const s = (tag: number, value: TtlvItem[]): TtlvItem => ({ tag, type: 0x01, value });
const int = (tag: number, value: number): TtlvItem => ({ tag, type: 0x02, value });
const en = (tag: number, value: number): TtlvItem => ({ tag, type: 0x05, value });

const OP_DISCOVER = 0x1e;
const OP_ENCRYPT = 0x1f;
const OP_DECRYPT = 0x20;

/** The encoded Response Header (Batch Count patched per message) and where its count sits. */
const header = encode(
  s(Tag.ResponseHeader, [
    s(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, 1), int(Tag.ProtocolVersionMinor, 4)]),
    { tag: Tag.TimeStamp, type: 0x09, value: BigInt(Math.floor(Date.now() / 1000)) },
    int(Tag.BatchCount, 1),
  ]),
);
const countOffset = header.length - 8;

/** One encoded response Batch Item per operation, and the offset of its 4-byte ID value. */
function item(op: number, payload: TtlvItem[]): { bytes: Buffer; idAt: number } {
  const bytes = encode(
    s(Tag.BatchItem, [
      en(Tag.Operation, op),
      { tag: Tag.UniqueBatchItemID, type: 0x08, value: Buffer.alloc(4) },
      en(Tag.ResultStatus, 0),
      s(Tag.ResponsePayload, payload),
    ]),
  );
  return { bytes, idAt: bytes.indexOf(Buffer.from([0x42, 0x00, 0x93, 0x08, 0, 0, 0, 4])) + 8 };
}

const items = new Map<number, { bytes: Buffer; idAt: number }>([
  [OP_DISCOVER, item(OP_DISCOVER, [s(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, 1), int(Tag.ProtocolVersionMinor, 4)])])],
  [OP_ENCRYPT, item(OP_ENCRYPT, [{ tag: Tag.UniqueIdentifier, type: 0x07, value: 'bench-key' }, { tag: Tag.Data, type: 0x08, value: Buffer.alloc(48, 0xab) }])],
  [OP_DECRYPT, item(OP_DECRYPT, [{ tag: Tag.UniqueIdentifier, type: 0x07, value: 'bench-key' }, { tag: Tag.Data, type: 0x08, value: Buffer.alloc(32, 0xcd) }])],
]);

/** The response to one request message: as many items as it had, in order, each with its ID. */
function answer(msg: Buffer): Buffer | undefined {
  const tree = decode(msg);
  if (tree.type !== 0x01) return undefined;
  const parts: Buffer[] = [Buffer.alloc(8), Buffer.from(header)];
  let n = 0;
  for (const bi of tree.value) {
    if (bi.tag !== Tag.BatchItem || bi.type !== 0x01) continue;
    let op = 0;
    let id: Buffer | undefined;
    for (const f of bi.value) {
      if (f.tag === Tag.Operation && f.type === 0x05) op = f.value;
      else if (f.tag === Tag.UniqueBatchItemID && f.type === 0x08) id = f.value;
    }
    const tpl = items.get(op) ?? item(op, []);
    if (!items.has(op)) items.set(op, tpl);
    const b = Buffer.from(tpl.bytes);
    if (id && id.length === 4) id.copy(b, tpl.idAt);
    parts.push(b);
    n++;
  }
  parts[1]!.writeInt32BE(n, countOffset);
  const out = Buffer.concat(parts);
  out.writeUInt32BE(0x42007b01, 0); // Response Message, Structure
  out.writeUInt32BE(out.length - 8, 4);
  return out;
}

const server = tls.createServer(
  {
    ca: fs.readFileSync(caPath),
    cert: fs.readFileSync(certPath),
    key: fs.readFileSync(keyPath),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  },
  (sock) => {
    sock.setNoDelay(true);
    const framer = new TtlvFramer();
    const out: Buffer[] = [];
    sock.on('data', (chunk: Buffer) => {
      framer.push(chunk, (msg) => {
        const r = answer(msg);
        if (!r) return;
        if (coalesce) out.push(r);
        else sock.write(r);
      });
      if (out.length > 0) {
        sock.write(out.length === 1 ? out[0]! : Buffer.concat(out));
        out.length = 0;
      }
    });
    sock.on('error', () => sock.destroy());
  },
);
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`PORT ${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.on('disconnect', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
