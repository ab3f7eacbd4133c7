/**
 * Replays one OASIS profile test case (KMIP XML encoding, a sequence of
 * Request/Response Message pairs) against a KmipDevServer over one TLS
 * connection, binding placeholders from the server's own answers, and compares
 * each answer with the expected one (./compare.ts).
 *
 * Requests: `$UNIQUE_IDENTIFIER_n` and any other `$NAME` bound by an earlier
 * answer; `$NOW±n` = the real clock; `$DATA_n` = the n-th Data the server
 * returned; `$IV_COUNTER_NONCE` = the last IV/Counter/Nonce it returned.
 *
 * What varies is verified instead of compared:
 * - Encrypt under a key the server generated, or with an IV the server made:
 *   the runner reads the key with a Get of its own and decrypts the answer back
 *   to the request's Data;
 * - Decrypt under a key the server generated: the expected plaintext is
 *   encrypted by the runner under that key (same parameters) and sent instead
 *   of the case's ciphertext (made under the vendor's key); the answer must be
 *   the expected plaintext;
 * - RNG Retrieve: the Data must have the requested length.
 */
import * as crypto from 'node:crypto';
import { BlockCipherMode, Operation, PaddingMethod } from '../../../lib/kmip/enums';
import { Tag } from '../../../lib/kmip/tags';
import { parseKmipXml } from '../../../lib/kmip/xml';
import type { KmipDevServer } from '../../../lib/server';
import { childByTag, encode, type StructureItem, type TtlvItem } from '../../../lib/ttlv';
import type { TestPki } from '../../support/certs';
import { RawClient } from '../helpers';
import { SENTINEL, compareItems, type Bindings } from './compare';

export interface Step {
  readonly request: string;
  readonly response: string;
}

/** The Request/Response Message pairs of a case file. */
export function splitCase(text: string): Step[] {
  const clean = text.replace(/<!--[\s\S]*?-->/g, '');
  const msgs = clean.match(/<(RequestMessage|ResponseMessage)>[\s\S]*?<\/\1>/g) ?? [];
  const steps: Step[] = [];
  for (let i = 0; i + 1 < msgs.length; i += 2) {
    const request = msgs[i]!;
    const response = msgs[i + 1]!;
    if (!request.startsWith('<RequestMessage>') || !response.startsWith('<ResponseMessage>')) {
      throw new Error(`message pair #${i / 2}: not a request followed by a response`);
    }
    steps.push({ request, response });
  }
  if (msgs.length % 2 !== 0) throw new Error('a request without its response');
  return steps;
}

const KNOWN_PLAINTEXT = Buffer.from('01020304050607080910111213141516', 'hex');
const s = (tag: number, value: TtlvItem[]): StructureItem => ({ tag, type: 0x01, value });
const nowSec = (): bigint => BigInt(Math.floor(Date.now() / 1000));

function kids(item: TtlvItem | undefined): TtlvItem[] {
  return item !== undefined && item.type === 0x01 ? item.value : [];
}
function child(item: TtlvItem | undefined, tag: number): TtlvItem | undefined {
  return item !== undefined && item.type === 0x01 ? childByTag(item, tag) : undefined;
}
function text(item: TtlvItem | undefined): string | undefined {
  return item !== undefined && item.type === 0x07 ? item.value : undefined;
}
function bytes(item: TtlvItem | undefined): Buffer | undefined {
  return item !== undefined && item.type === 0x08 ? item.value : undefined;
}
function num(item: TtlvItem | undefined): number | undefined {
  return item !== undefined && (item.type === 0x05 || item.type === 0x02) ? item.value : undefined;
}

/** The Cryptographic Parameters attribute of a Create/Register request's Template-Attribute (or Attributes). */
function templateParameters(payload: TtlvItem | undefined): TtlvItem | undefined {
  for (const holder of [child(payload, Tag.TemplateAttribute), child(payload, Tag.Attributes)]) {
    for (const a of kids(holder)) {
      if (a.tag === Tag.CryptographicParameters) return a;
      if (a.tag === Tag.Attribute && text(child(a, Tag.AttributeName)) === 'Cryptographic Parameters') return child(a, Tag.AttributeValue);
    }
  }
  return undefined;
}

function aes(decrypt: boolean, key: Buffer, cp: TtlvItem | undefined, iv: Buffer | undefined, data: Buffer): Buffer {
  const mode = num(child(cp, Tag.BlockCipherMode)) ?? BlockCipherMode.ECB;
  const padding = num(child(cp, Tag.PaddingMethod)) ?? PaddingMethod.None;
  const name = mode === BlockCipherMode.CBC ? 'cbc' : mode === BlockCipherMode.ECB ? 'ecb' : undefined;
  if (name === undefined) throw new Error(`the runner cannot verify block cipher mode ${mode}`);
  const alg = `aes-${key.length * 8}-${name}`;
  const c = decrypt ? crypto.createDecipheriv(alg, key, name === 'ecb' ? null : (iv ?? null)) : crypto.createCipheriv(alg, key, name === 'ecb' ? null : (iv ?? null));
  c.setAutoPadding(padding === PaddingMethod.PKCS5);
  return Buffer.concat([c.update(data), c.final()]);
}

export interface ReplayResult {
  /** Differences, per message pair; empty = the case passes. */
  readonly diffs: string[];
  readonly steps: number;
}

/** Replays a case (its XML text) on a fresh connection to `server`. */
export async function replayCase(server: KmipDevServer, pki: TestPki, xml: string): Promise<ReplayResult> {
  const steps = splitCase(xml);
  const bindings: Bindings = { values: new Map() };
  const generated = new Set<string>();
  const params = new Map<string, TtlvItem>();
  const data: Buffer[] = [];
  let lastIv: Buffer | undefined;
  const started = nowSec();
  const raw = await RawClient.connect(server, pki);
  const diffs: string[] = [];
  let version: StructureItem | undefined;

  const keyOf = async (uid: string): Promise<Buffer> => {
    const req = s(Tag.RequestMessage, [
      s(Tag.RequestHeader, [version!, { tag: Tag.BatchCount, type: 0x02, value: 1 }]),
      s(Tag.BatchItem, [
        { tag: Tag.Operation, type: 0x05, value: Operation.Get },
        s(Tag.RequestPayload, [{ tag: Tag.UniqueIdentifier, type: 0x07, value: uid }]),
      ]),
    ]);
    raw.send(req);
    const r = await raw.next();
    const kv = child(child(child(child(child(r.tree, Tag.BatchItem), Tag.ResponsePayload), Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue);
    const km = child(kv, Tag.KeyMaterial);
    const key = bytes(km) ?? bytes(child(km, Tag.Key));
    if (key === undefined) throw new Error(`the runner could not Get the key material of ${uid}`);
    return key;
  };

  try {
    for (let n = 0; n < steps.length; n++) {
      const step = steps[n]!;
      const missing: string[] = [];
      const [request] = parseKmipXml(step.request, {
        now: nowSec(),
        placeholders: (name) => {
          if (/^\$NOW([+-]\d+)?$/.test(name)) return undefined;
          const d = /^\$DATA_(\d+)$/.exec(name);
          const v = d !== null ? data[Number(d[1])] : name === '$IV_COUNTER_NONCE' ? lastIv : bindings.values.get(name);
          if (v === undefined) missing.push(name);
          return v;
        },
      });
      const [expected] = parseKmipXml(step.response, { now: SENTINEL });
      if (request === undefined || expected === undefined || request.type !== 0x01) throw new Error(`message pair #${n} is empty`);
      if (missing.length > 0) {
        diffs.push(`#${n}: request uses ${missing.join(', ')}, not bound by any earlier answer`);
        break;
      }
      version = child(child(request, Tag.RequestHeader), Tag.ProtocolVersion) as StructureItem;
      const eItems = kids(expected).filter((c) => c.tag === Tag.BatchItem);
      // Decrypt under a server-generated key: send the expected plaintext encrypted under that key.
      const items = request.value.map((c) => c);
      const chosen = new Map<number, Buffer>();
      let bi = -1;
      for (let i = 0; i < items.length; i++) {
        if (items[i]!.tag !== Tag.BatchItem) continue;
        bi++;
        const it = items[i]!;
        const payload = child(it, Tag.RequestPayload);
        const uid = text(child(payload, Tag.UniqueIdentifier));
        if (num(child(it, Tag.Operation)) !== Operation.Decrypt || uid === undefined || !generated.has(uid)) continue;
        let plain = bytes(child(child(eItems[bi], Tag.ResponsePayload), Tag.Data));
        if (plain === undefined) continue;
        if (/^\$[A-Z_0-9]+$/.test(plain.toString('utf8'))) {
          // The case leaves the plaintext open ($DECRYPTED_VALUE_0): choose one, and check it comes back.
          plain = KNOWN_PLAINTEXT;
          chosen.set(bi, plain);
        }
        const cp = child(payload, Tag.CryptographicParameters) ?? params.get(uid);
        const ct = aes(false, await keyOf(uid), cp, bytes(child(payload, Tag.IVCounterNonce)), plain);
        const p2 = s(Tag.RequestPayload, kids(payload).map((x) => (x.tag === Tag.Data ? { tag: Tag.Data, type: 0x08, value: ct } : x)));
        items[i] = s(Tag.BatchItem, kids(it).map((x) => (x.tag === Tag.RequestPayload ? p2 : x)));
      }
      const sent = s(Tag.RequestMessage, items);
      raw.write(encode(sent));
      const actual = (await raw.next()).tree;
      const aItems = kids(actual).filter((c) => c.tag === Tag.BatchItem);
      const rItems = items.filter((c) => c.tag === Tag.BatchItem);

      // What the runner verifies itself.
      const skip = new Set<number>();
      const checks: string[] = [];
      for (let i = 0; i < aItems.length && i < rItems.length; i++) {
        const op = num(child(rItems[i], Tag.Operation));
        const rp = child(rItems[i], Tag.RequestPayload);
        const ap = child(aItems[i], Tag.ResponsePayload);
        if (num(child(aItems[i], Tag.ResultStatus)) !== 0 || ap === undefined) continue;
        const mine = chosen.get(i);
        if (mine !== undefined && !(bytes(child(ap, Tag.Data)) ?? Buffer.alloc(0)).equals(mine)) {
          checks.push(`#${n} item ${i}: Decrypt did not give back the plaintext the runner encrypted`);
        }
        if (op === Operation.Create) {
          const uid = text(child(ap, Tag.UniqueIdentifier));
          if (uid !== undefined) generated.add(uid);
        }
        if (op === Operation.RNGRetrieve) {
          skip.add(i);
          const want = num(child(rp, Tag.DataLength));
          const got = bytes(child(ap, Tag.Data))?.length;
          if (got !== want) checks.push(`#${n} item ${i}: RNG Retrieve of ${want} bytes answered ${got} bytes`);
        }
        if (op === Operation.Encrypt) {
          const uid = text(child(ap, Tag.UniqueIdentifier)) ?? '';
          const madeIv = child(rp, Tag.IVCounterNonce) === undefined && child(ap, Tag.IVCounterNonce) !== undefined;
          if (!generated.has(uid) && !madeIv) continue;
          skip.add(i);
          const cp = child(rp, Tag.CryptographicParameters) ?? params.get(uid);
          const iv = bytes(child(ap, Tag.IVCounterNonce)) ?? bytes(child(rp, Tag.IVCounterNonce));
          try {
            const back = aes(true, await keyOf(uid), cp, iv, bytes(child(ap, Tag.Data)) ?? Buffer.alloc(0));
            if (!back.equals(bytes(child(rp, Tag.Data)) ?? Buffer.alloc(0))) checks.push(`#${n} item ${i}: the Encrypt answer does not decrypt back to the request's Data`);
          } catch (err) {
            checks.push(`#${n} item ${i}: the Encrypt answer does not decrypt: ${(err as Error).message}`);
          }
        }
      }
      const d = compareItems(expected, actual, bindings, { startedSec: started, nowSec: nowSec(), generated, skipData: skip });
      diffs.push(...d.map((x) => `#${n}: ${x}`), ...checks);
      if (d.length > 0 || checks.length > 0) break;

      // Learn from the answer: generated keys, their parameters, returned Data and IVs.
      for (let i = 0; i < aItems.length && i < rItems.length; i++) {
        const op = num(child(rItems[i], Tag.Operation));
        const ap = child(aItems[i], Tag.ResponsePayload);
        const uid = text(child(ap, Tag.UniqueIdentifier));
        if ((op === Operation.Create || op === Operation.Register) && uid !== undefined) {
          if (op === Operation.Create) generated.add(uid);
          const cp = templateParameters(child(rItems[i], Tag.RequestPayload));
          if (cp !== undefined) params.set(uid, cp);
        }
        const dt = bytes(child(ap, Tag.Data));
        if (dt !== undefined) data.push(dt);
        const iv = bytes(child(ap, Tag.IVCounterNonce));
        if (iv !== undefined) lastIv = iv;
      }
    }
  } finally {
    raw.close();
  }
  return { diffs, steps: steps.length };
}
