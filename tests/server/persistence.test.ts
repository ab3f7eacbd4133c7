/**
 * KmipDevServer data file: survives a restart, is written before the answer,
 * atomically (no temporary file left, mode 0600), holds material in clear as
 * documented, forgets destroyed material; a broken file stops the start.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ops from '../../lib/kmip/operations';
import { DataFileError } from '../../lib/server';
import type { TestPki } from '../support/certs';
import { CBC_PKCS5, T, V14, V20, aes, client, failsWith, makePki, startServer, stateOf, tmpDir } from './helpers';

let pki: TestPki;

before(async () => {
  pki = await makePki('persist');
});

interface FileDoc {
  format: string;
  warning: string;
  objects: Array<{ uid: string; state: number; material: string | null; owner: string; custom: unknown[]; names: Array<{ value: string }> }>;
}
const readDoc = (file: string): FileDoc => JSON.parse(fs.readFileSync(file, 'utf8')) as FileDoc;

describe('data file', () => {
  it('keys, states, names, custom attributes and dates survive close + a new server on the same file', T, async () => {
    const dir = tmpDir('kmip-dev-persist-');
    const file = path.join(dir, 'keys.json');
    let s = await startServer(pki, { dataFile: file });
    let c = client(s, pki, V20);
    const active = await c.create({ name: 'persist-active', customAttribute: { name: 'x-bucket', value: 'b1' }, activationDate: new Date() });
    const pre = await c.create({ name: 'persist-pre' });
    const gone = await c.create();
    await c.destroy(gone.uniqueIdentifier);
    const key = (await c.get(active.uniqueIdentifier)).keyMaterial!;
    const before = (await c.getAttributes(active.uniqueIdentifier)).attributes;
    const ct = await c.encrypt(active.uniqueIdentifier, Buffer.from('kept'), { cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) });
    await c.close();
    await s.close();

    s = await startServer(pki, { dataFile: file });
    c = client(s, pki, V14);
    try {
      assert.deepEqual((await c.getAttributes(active.uniqueIdentifier)).attributes, before);
      assert.ok((await c.get(active.uniqueIdentifier)).keyMaterial!.equals(key));
      const pt = await c.decrypt(active.uniqueIdentifier, ct.data, { cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) });
      assert.equal(pt.data.toString(), 'kept');
      assert.equal(stateOf((await c.getAttributes(pre.uniqueIdentifier, ['State'])).attributes), 'PreActive');
      assert.equal(stateOf((await c.getAttributes(gone.uniqueIdentifier, ['State'])).attributes), 'Destroyed');
      await failsWith(c.get(gone.uniqueIdentifier), 'Item Not Found', /destroyed/);
      assert.deepEqual(await c.locate({ name: 'persist-pre' }), [pre.uniqueIdentifier]);
      await c.activate(pre.uniqueIdentifier);
    } finally {
      await c.close();
      await s.close();
    }
    const doc = readDoc(file);
    assert.equal(doc.objects.find((o) => o.uid === pre.uniqueIdentifier)?.state, 2, 'the Activate after the restart is in the file');
  });

  it('each state change is in the file before its answer; Encrypt does not write', T, async () => {
    const file = path.join(tmpDir('kmip-dev-persist-'), 'keys.json');
    const s = await startServer(pki, { dataFile: file });
    const c = client(s, pki, V14);
    try {
      const { uniqueIdentifier: uid } = await c.create({ name: 'ordered' });
      let doc = readDoc(file);
      const o = doc.objects.find((x) => x.uid === uid);
      assert.ok(o, 'the Create is on disk when its answer arrives');
      assert.equal(o.state, 1);
      assert.equal(o.owner, pki.clientCn);
      await c.activate(uid);
      assert.equal(readDoc(file).objects.find((x) => x.uid === uid)?.state, 2);
      const mtime = fs.statSync(file).mtimeMs;
      const text = fs.readFileSync(file, 'utf8');
      for (let i = 0; i < 20; i++) await c.encrypt(uid, Buffer.alloc(16), { cryptographicParameters: CBC_PKCS5 });
      assert.equal(fs.statSync(file).mtimeMs, mtime);
      assert.equal(fs.readFileSync(file, 'utf8'), text);
      await c.revoke(uid, ops.RevocationReasonCode.KeyCompromise);
      assert.equal(readDoc(file).objects.find((x) => x.uid === uid)?.state, 4);
      await c.destroy(uid);
      doc = readDoc(file);
      const d = doc.objects.find((x) => x.uid === uid)!;
      assert.equal(d.state, 6);
      assert.equal(d.material, null, 'destroyed material is gone from the file');
    } finally {
      await c.close();
      await s.close();
    }
  });

  it('is written atomically: no temporary file left after many concurrent changes; mode 0600; says it holds keys in clear', T, async () => {
    const dir = tmpDir('kmip-dev-persist-');
    const file = path.join(dir, 'keys.json');
    const s = await startServer(pki, { dataFile: file });
    const c = client(s, pki, V20);
    try {
      const made = await Promise.all(Array.from({ length: 60 }, (_x, i) => c.create({ name: `many-${i}`, activationDate: new Date() })));
      assert.deepEqual(fs.readdirSync(dir), ['keys.json']);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const doc = readDoc(file);
      assert.equal(doc.format, 'kmip-kms-dev-server/1');
      assert.match(doc.warning, /KEY MATERIAL IN CLEAR/);
      assert.equal(doc.objects.length, 60);
      const uid = made[7]!.uniqueIdentifier;
      const material = Buffer.from(doc.objects.find((o) => o.uid === uid)!.material!, 'base64');
      const e = await c.encrypt(uid, Buffer.from('in clear'), { cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) });
      assert.ok(e.data.equals(aes('cbc', material, Buffer.alloc(16), Buffer.from('in clear'))), 'the file holds the real key material');
    } finally {
      await c.close();
      await s.close();
    }
    assert.deepEqual(fs.readdirSync(dir), ['keys.json']);
  });

  it('a missing file is an empty store; a broken file refuses to start (and is left alone)', T, async () => {
    const dir = tmpDir('kmip-dev-persist-');
    const fresh = path.join(dir, 'new.json');
    const s = await startServer(pki, { dataFile: fresh });
    assert.equal(s.stats.objects, 0);
    assert.equal(fs.existsSync(fresh), false, 'nothing written before a change');
    await s.close();
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '{"format": "kmip-kms-dev-server/1", "objects": [{"uid": 3}]}');
    await assert.rejects(startServer(pki, { dataFile: broken }), (e: unknown) => e instanceof DataFileError && /objects\[0\]/.test(e.message));
    fs.writeFileSync(broken, 'not json');
    await assert.rejects(startServer(pki, { dataFile: broken }), DataFileError);
    assert.equal(fs.readFileSync(broken, 'utf8'), 'not json');
  });

  it('a data file that cannot be written: the state change is answered General Failure', T, async () => {
    const dir = tmpDir('kmip-dev-persist-');
    const file = path.join(dir, 'sub', 'keys.json');
    const s = await startServer(pki, { dataFile: file });
    const c = client(s, pki, V14);
    try {
      await failsWith(c.create(), 'General Failure', /could not write its data file/);
      assert.equal((await c.query()).vendorIdentification !== undefined, true, 'reads still work');
    } finally {
      await c.close();
      await s.close();
    }
  });
});
