/**
 * A minimal KMIP peer for benchmarks, run as its own process: TLS on loopback,
 * frames with our framer, answers Discover Versions (1.4) and every other
 * request with a pre-encoded Encrypt response whose Unique Batch Item ID is
 * patched in. It does no cryptography: it measures the client's ceiling.
 * Prints `PORT <n>` on stdout when listening. Args: caPath certPath keyPath
 */
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { decode, encode, TtlvFramer, type TtlvItem } from '../lib/ttlv';
import { Tag } from '../lib/kmip/tags';

const [caPath, certPath, keyPath] = process.argv.slice(2) as [string, string, string];

const s = (tag: number, value: TtlvItem[]): TtlvItem => ({ tag, type: 0x01, value });
const int = (tag: number, value: number): TtlvItem => ({ tag, type: 0x02, value });
const en = (tag: number, value: number): TtlvItem => ({ tag, type: 0x05, value });

function response(op: number, payload: TtlvItem[]): Buffer {
  return encode(
    s(Tag.ResponseMessage, [
      s(Tag.ResponseHeader, [
        s(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, 1), int(Tag.ProtocolVersionMinor, 4)]),
        { tag: Tag.TimeStamp, type: 0x09, value: BigInt(Math.floor(Date.now() / 1000)) },
        int(Tag.BatchCount, 1),
      ]),
      s(Tag.BatchItem, [
        en(Tag.Operation, op),
        { tag: Tag.UniqueBatchItemID, type: 0x08, value: Buffer.alloc(4) },
        en(Tag.ResultStatus, 0),
        s(Tag.ResponsePayload, payload),
      ]),
    ]),
  );
}

const dv = response(0x1e, [s(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, 1), int(Tag.ProtocolVersionMinor, 4)])]);
const enc = response(0x1f, [
  { tag: Tag.UniqueIdentifier, type: 0x07, value: 'bench-key' },
  { tag: Tag.Data, type: 0x08, value: Buffer.alloc(48, 0xab) },
]);
// Offset of the 4-byte ID value inside each template.
const idOffset = (b: Buffer): number => b.indexOf(Buffer.from([0x42, 0x00, 0x93, 0x08, 0, 0, 0, 4])) + 8;
const dvId = idOffset(dv);
const encId = idOffset(enc);

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
    sock.on('data', (chunk: Buffer) => {
      const out: Buffer[] = [];
      framer.push(chunk, (msg) => {
        const tree = decode(msg);
        if (tree.type !== 0x01) return;
        for (const bi of tree.value) {
          if (bi.tag !== Tag.BatchItem || bi.type !== 0x01) continue;
          let op = 0;
          let id: Buffer | undefined;
          for (const f of bi.value) {
            if (f.tag === Tag.Operation && f.type === 0x05) op = f.value;
            else if (f.tag === Tag.UniqueBatchItemID && f.type === 0x08) id = f.value;
          }
          const tpl = op === 0x1e ? dv : enc;
          const r = Buffer.from(tpl);
          if (id && id.length === 4) id.copy(r, op === 0x1e ? dvId : encId);
          out.push(r);
        }
      });
      if (out.length > 0) sock.write(out.length === 1 ? out[0]! : Buffer.concat(out));
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
