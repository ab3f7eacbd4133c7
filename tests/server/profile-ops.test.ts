/**
 * Dev server operations of the Baseline, Symmetric Key Lifecycle and Basic
 * Cryptographic server profiles that the OASIS 1.2/1.3 cases do not cover:
 * AES-GCM (KMIP 1.4+), Check, the 2.x attribute operations, Query Profiles /
 * Capabilities / RNGs, the Server Correlation Value, Register + Digest, the
 * 1.4 server-set attributes. Requests are written in the KMIP XML encoding.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { Operation, ResultReason, ResultStatus } from '../../lib/kmip/enums';
import { requestMessage, type ProtocolVersion, type ResponseBatchItem } from '../../lib/kmip/protocol';
import { Tag } from '../../lib/kmip/tags';
import { parseKmipXml } from '../../lib/kmip/xml';
import type { KmipDevServer } from '../../lib/server';
import { encode, type StructureItem, type TtlvItem } from '../../lib/ttlv';
import type { TestPki } from '../support/certs';
import { RawClient, T, V14, V20, batchId, makePki, payloadBytes, payloadText, startServer } from './helpers';

let pki: TestPki;
let server: KmipDevServer;
let raw: RawClient;

before(async () => {
  pki = await makePki('profile');
  server = await startServer(pki);
  raw = await RawClient.connect(server, pki);
});
after(async () => {
  raw.close();
  await server.close();
});

const KEY = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

function xmlPayload(xml: string): TtlvItem[] {
  const [p] = parseKmipXml(`<RequestPayload>${xml}</RequestPayload>`);
  assert.ok(p !== undefined && p.type === 0x01);
  return p.value;
}

async function call(v: ProtocolVersion, operation: number, xml: string): Promise<ResponseBatchItem> {
  const r = await raw.call(v, [{ operation, id: batchId(), payload: xmlPayload(xml) }]);
  return r.msg.items[0]!;
}

function ok(r: ResponseBatchItem): StructureItem {
  assert.equal(r.status, ResultStatus.Success, r.message);
  return r.payload!;
}

const vtag = (v: ProtocolVersion): string => `${v.major}.${v.minor}`;

/** Registers the test key (Active, Encrypt|Decrypt) in the form of `v`. */
async function registerKey(v: ProtocolVersion, extra = ''): Promise<string> {
  const attrs =
    v.major >= 2
      ? `<Attributes><CryptographicUsageMask type="Integer" value="Encrypt Decrypt"/><ActivationDate type="DateTime" value="$NOW-60"/>${extra}</Attributes>`
      : `<TemplateAttribute><Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Encrypt Decrypt"/></Attribute>` +
        `<Attribute><AttributeName type="TextString" value="Activation Date"/><AttributeValue type="DateTime" value="$NOW-60"/></Attribute>${extra}</TemplateAttribute>`;
  const now = BigInt(Math.floor(Date.now() / 1000));
  const [p] = parseKmipXml(
    `<RequestPayload><ObjectType type="Enumeration" value="SymmetricKey"/>${attrs}<SymmetricKey><KeyBlock><KeyFormatType type="Enumeration" value="Raw"/>` +
      `<KeyValue><KeyMaterial type="ByteString" value="${KEY.toString('hex')}"/></KeyValue><CryptographicAlgorithm type="Enumeration" value="AES"/>` +
      `<CryptographicLength type="Integer" value="128"/></KeyBlock></SymmetricKey></RequestPayload>`,
    { now },
  );
  const r = await raw.call(v, [{ operation: Operation.Register, id: batchId(), payload: (p as StructureItem).value }]);
  const uid = payloadText(ok(r.msg.items[0]!), Tag.UniqueIdentifier);
  assert.ok(uid);
  return uid;
}

for (const v of [V14, V20]) {
  describe(`KMIP ${vtag(v)}`, () => {
    it('AES-GCM: Encrypt with Additional Data gives ciphertext, a 12-byte nonce and the tag; Decrypt checks the tag', T, async () => {
      const uid = await registerKey(v);
      const plain = Buffer.from('attack at dawn, then have breakfast');
      const aad = Buffer.from('header');
      const params = `<CryptographicParameters><BlockCipherMode type="Enumeration" value="GCM"/><TagLength type="Integer" value="16"/></CryptographicParameters>`;
      const enc = ok(
        await call(v, Operation.Encrypt, `<UniqueIdentifier type="TextString" value="${uid}"/>${params}<Data type="ByteString" value="${plain.toString('hex')}"/><AuthenticatedEncryptionAdditionalData type="ByteString" value="${aad.toString('hex')}"/>`),
      );
      const ct = payloadBytes(enc, Tag.Data)!;
      const nonce = payloadBytes(enc, Tag.IVCounterNonce)!;
      const tag = payloadBytes(enc, Tag.AuthenticatedEncryptionTag)!;
      assert.equal(nonce.length, 12);
      assert.equal(tag.length, 16);
      const d = crypto.createDecipheriv('aes-128-gcm', KEY, nonce);
      d.setAAD(aad);
      d.setAuthTag(tag);
      assert.deepEqual(Buffer.concat([d.update(ct), d.final()]), plain);
      const dec = (t: Buffer): Promise<ResponseBatchItem> =>
        call(
          v,
          Operation.Decrypt,
          `<UniqueIdentifier type="TextString" value="${uid}"/>${params}<Data type="ByteString" value="${ct.toString('hex')}"/><IVCounterNonce type="ByteString" value="${nonce.toString('hex')}"/>` +
            `<AuthenticatedEncryptionAdditionalData type="ByteString" value="${aad.toString('hex')}"/><AuthenticatedEncryptionTag type="ByteString" value="${t.toString('hex')}"/>`,
        );
      assert.deepEqual(payloadBytes(ok(await dec(tag)), Tag.Data), plain);
      const bad = Buffer.from(tag);
      bad[0] ^= 1;
      const r = await dec(bad);
      assert.equal(r.reason, ResultReason.CryptographicFailure);
    });

    it('AES-GCM with the client nonce gives the same bytes as Node', T, async () => {
      const uid = await registerKey(v);
      const nonce = crypto.randomBytes(12);
      const plain = crypto.randomBytes(40);
      const enc = ok(
        await call(
          v,
          Operation.Encrypt,
          `<UniqueIdentifier type="TextString" value="${uid}"/><CryptographicParameters><BlockCipherMode type="Enumeration" value="GCM"/><TagLength type="Integer" value="12"/></CryptographicParameters>` +
            `<Data type="ByteString" value="${plain.toString('hex')}"/><IVCounterNonce type="ByteString" value="${nonce.toString('hex')}"/>`,
        ),
      );
      const c = crypto.createCipheriv('aes-128-gcm', KEY, nonce, { authTagLength: 12 });
      assert.deepEqual(payloadBytes(enc, Tag.Data), Buffer.concat([c.update(plain), c.final()]));
      assert.deepEqual(payloadBytes(enc, Tag.AuthenticatedEncryptionTag), c.getAuthTag());
      assert.equal(payloadBytes(enc, Tag.IVCounterNonce), undefined, 'the client nonce is not echoed');
    });

    it('Check: an allowed usage answers the id; a usage the mask lacks is refused', T, async () => {
      const uid = await registerKey(v);
      const good = ok(await call(v, Operation.Check, `<UniqueIdentifier type="TextString" value="${uid}"/><CryptographicUsageMask type="Integer" value="Encrypt"/>`));
      assert.equal(payloadText(good, Tag.UniqueIdentifier), uid);
      const bad = await call(v, Operation.Check, `<UniqueIdentifier type="TextString" value="${uid}"/><CryptographicUsageMask type="Integer" value="Sign"/>`);
      assert.equal(bad.reason, v.major >= 2 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied);
    });

    it('Digest is the SHA-256 of the key material; the 1.4 server-set attributes are there; Fresh turns false after Get', T, async () => {
      const uid = await registerKey(v);
      const attrs = async (): Promise<Map<number, TtlvItem>> => {
        const p = ok(await call(v, Operation.GetAttributes, `<UniqueIdentifier type="TextString" value="${uid}"/>`));
        const m = new Map<number, TtlvItem>();
        const list = v.major >= 2 ? (p.value.find((c) => c.tag === Tag.Attributes) as StructureItem).value : p.value.filter((c) => c.tag === Tag.Attribute);
        for (const a of list) {
          if (v.major >= 2) m.set(a.tag, a);
          else {
            const s = a as StructureItem;
            const name = s.value.find((c) => c.tag === Tag.AttributeName)!.value as string;
            const tag = { Digest: Tag.Digest, Fresh: Tag.Fresh, Sensitive: Tag.Sensitive, Extractable: Tag.Extractable, 'Lease Time': Tag.LeaseTime }[name];
            if (tag !== undefined) m.set(tag, s.value.find((c) => c.tag === Tag.AttributeValue)!);
          }
        }
        return m;
      };
      const a = await attrs();
      const digest = a.get(Tag.Digest) as StructureItem;
      assert.deepEqual(digest.value.find((c) => c.tag === Tag.DigestValue)?.value, crypto.createHash('sha256').update(KEY).digest());
      assert.equal(a.get(Tag.Fresh)?.value, true);
      assert.equal(a.get(Tag.Sensitive)?.value, false);
      assert.equal(a.get(Tag.Extractable)?.value, true);
      assert.equal(a.get(Tag.LeaseTime)?.value, 3600);
      ok(await call(v, Operation.Get, `<UniqueIdentifier type="TextString" value="${uid}"/>`));
      assert.equal((await attrs()).get(Tag.Fresh)?.value, false);
    });

    it('Query: Profiles, Capabilities and RNGs', T, async () => {
      const p = ok(await call(v, Operation.Query, `<QueryFunction type="Enumeration" value="QueryProfiles"/><QueryFunction type="Enumeration" value="QueryCapabilities"/><QueryFunction type="Enumeration" value="QueryRNGs"/>`));
      const profiles = p.value.filter((c) => c.tag === Tag.ProfileInformation).map((c) => ((c as StructureItem).value[0]!.value as number));
      assert.deepEqual(profiles, v.major >= 2 ? [0x12b, 0x109, 0x10d] : [0x79, 0x82, 0x86]); // Baseline, Symmetric Key Lifecycle, Basic Cryptographic Server
      assert.ok(p.value.some((c) => c.tag === Tag.CapabilityInformation));
      assert.ok(p.value.some((c) => c.tag === Tag.RNGParameters));
    });
  });
}

describe('Secret Data', () => {
  for (const v of [V14, V20]) {
    it(`KMIP ${vtag(v)}: Register (Password, Opaque), Get it back, it cannot Encrypt, Destroy`, T, async () => {
      const secret = Buffer.from('SecretPassword');
      const attrs =
        v.major >= 2
          ? '<Attributes><CryptographicUsageMask type="Integer" value="Verify"/></Attributes>'
          : '<TemplateAttribute><Attribute><AttributeName type="TextString" value="Cryptographic Usage Mask"/><AttributeValue type="Integer" value="Verify"/></Attribute></TemplateAttribute>';
      const reg = ok(
        await call(
          v,
          Operation.Register,
          `<ObjectType type="Enumeration" value="SecretData"/>${attrs}<SecretData><SecretDataType type="Enumeration" value="Password"/><KeyBlock><KeyFormatType type="Enumeration" value="Opaque"/>` +
            `<KeyValue><KeyMaterial type="ByteString" value="${secret.toString('hex')}"/></KeyValue></KeyBlock></SecretData>`,
        ),
      );
      const uid = payloadText(reg, Tag.UniqueIdentifier)!;
      const got = ok(await call(v, Operation.Get, `<UniqueIdentifier type="TextString" value="${uid}"/>`));
      const sd = got.value.find((c) => c.tag === Tag.SecretData) as StructureItem;
      assert.equal(sd.value.find((c) => c.tag === Tag.SecretDataType)?.value, 1);
      const block = sd.value.find((c) => c.tag === Tag.KeyBlock) as StructureItem;
      const kv = block.value.find((c) => c.tag === Tag.KeyValue) as StructureItem;
      assert.deepEqual(kv.value.find((c) => c.tag === Tag.KeyMaterial)?.value, secret);
      const enc = await call(v, Operation.Encrypt, `<UniqueIdentifier type="TextString" value="${uid}"/><Data type="ByteString" value="00"/>`);
      assert.equal(enc.status, ResultStatus.OperationFailed);
      ok(await call(v, Operation.Destroy, `<UniqueIdentifier type="TextString" value="${uid}"/>`));
    });
  }
});

describe('attribute operations', () => {
  it('KMIP 2.0 Add / Modify / Set / Delete Attribute by New / Current Attribute and Attribute Reference', T, async () => {
    const uid = await registerKey(V20);
    const id = `<UniqueIdentifier type="TextString" value="${uid}"/>`;
    const contact = async (): Promise<unknown[]> => {
      const p = ok(await call(V20, Operation.GetAttributes, `${id}<AttributeReference type="Enumeration" value="ContactInformation"/>`));
      return ((p.value.find((c) => c.tag === Tag.Attributes) as StructureItem).value).map((c) => c.value);
    };
    ok(await call(V20, Operation.AddAttribute, `${id}<NewAttribute><ContactInformation type="TextString" value="a"/></NewAttribute>`));
    assert.deepEqual(await contact(), ['a']);
    ok(await call(V20, Operation.ModifyAttribute, `${id}<CurrentAttribute><ContactInformation type="TextString" value="a"/></CurrentAttribute><NewAttribute><ContactInformation type="TextString" value="b"/></NewAttribute>`));
    assert.deepEqual(await contact(), ['b']);
    ok(await call(V20, Operation.SetAttribute, `${id}<NewAttribute><ContactInformation type="TextString" value="c"/></NewAttribute>`));
    assert.deepEqual(await contact(), ['c']);
    ok(await call(V20, Operation.DeleteAttribute, `${id}<AttributeReference type="Enumeration" value="ContactInformation"/>`));
    assert.deepEqual(await contact(), []);
    const ro = await call(V20, Operation.AddAttribute, `${id}<NewAttribute><State type="Enumeration" value="Active"/></NewAttribute>`);
    assert.equal(ro.reason, ResultReason.AttributeReadOnly);
    const act = await call(V20, Operation.ModifyAttribute, `${id}<NewAttribute><ActivationDate type="DateTime" value="2030-01-01T00:00:00Z"/></NewAttribute>`);
    assert.equal(act.reason, ResultReason.PermissionDenied);
  });

  it('KMIP 1.4 Add / Modify / Delete Attribute of a Name with its index; server-set attributes are read-only', T, async () => {
    const uid = await registerKey(V14);
    const id = `<UniqueIdentifier type="TextString" value="${uid}"/>`;
    const name = (n: string): string => `<AttributeValue><NameValue type="TextString" value="${n}"/><NameType type="Enumeration" value="UninterpretedTextString"/></AttributeValue>`;
    ok(await call(V14, Operation.AddAttribute, `${id}<Attribute><AttributeName type="TextString" value="Name"/>${name('one')}</Attribute>`));
    const two = ok(await call(V14, Operation.AddAttribute, `${id}<Attribute><AttributeName type="TextString" value="Name"/>${name('two')}</Attribute>`));
    const idx = (two.value.find((c) => c.tag === Tag.Attribute) as StructureItem).value.find((c) => c.tag === Tag.AttributeIndex);
    assert.equal(idx?.value, 1);
    ok(await call(V14, Operation.ModifyAttribute, `${id}<Attribute><AttributeName type="TextString" value="Name"/><AttributeIndex type="Integer" value="1"/>${name('deux')}</Attribute>`));
    const del = ok(await call(V14, Operation.DeleteAttribute, `${id}<AttributeName type="TextString" value="Name"/><AttributeIndex type="Integer" value="0"/>`));
    assert.match(JSON.stringify(del.value, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)), /"one"/);
    const left = ok(await call(V14, Operation.GetAttributes, `${id}<AttributeName type="TextString" value="Name"/>`));
    assert.match(JSON.stringify(left.value), /deux/);
    assert.doesNotMatch(JSON.stringify(left.value), /"one"/);
    const ro = await call(V14, Operation.ModifyAttribute, `${id}<Attribute><AttributeName type="TextString" value="Cryptographic Length"/><AttributeValue type="Integer" value="256"/></Attribute>`);
    assert.equal(ro.reason, ResultReason.PermissionDenied);
  });
});

describe('Server Correlation Value', () => {
  const header = (v: ProtocolVersion, client: boolean): StructureItem => {
    const msg = requestMessage(v, [{ operation: Operation.Query, id: batchId(), payload: xmlPayload('<QueryFunction type="Enumeration" value="QueryOperations"/>') }]);
    if (client) {
      const h = msg.value[0] as StructureItem;
      h.value.splice(1, 0, { tag: Tag.ClientCorrelationValue, type: 0x07, value: 'client-42' });
    }
    return msg;
  };
  for (const [v, client, has] of [
    [V20, true, true],
    [V20, false, false],
    [V14, true, true],
    [V14, false, false],
    [{ major: 1, minor: 3 }, true, false],
  ] as Array<[ProtocolVersion, boolean, boolean]>) {
    it(`KMIP ${vtag(v)}${client ? ' with' : ' without'} a Client Correlation Value: ${has ? 'answered' : 'none'}`, T, async () => {
      raw.write(encode(header(v, client)));
      const r = await raw.next();
      const h = (r.tree as StructureItem).value[0] as StructureItem;
      assert.equal(h.value.some((c) => c.tag === Tag.ServerCorrelationValue), has);
    });
  }
});
