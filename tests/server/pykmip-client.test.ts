/**
 * A peer we did not write: PyKMIP's own client (kmip.pie.client.ProxyKmipClient
 * from Debian's python3-pykmip) against the dev server, speaking KMIP 1.2 (its
 * default), 1.4 and 2.0: create AES-256, activate, encrypt/decrypt CBC PKCS5
 * with an IV and with a server-made IV, get, locate, destroy refused while
 * active, revoke, destroy.
 *
 * Skipped loudly without PyKMIP; fails when KMIP_INTEROP=required.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { silentLogger } from '../../lib/logger';
import { startDevServer, type DevServerHandle } from '../../lib/server';
import { PYKMIP_PYTHON, interopDescribe, pykmipAvailable } from '../support/pykmip';
import { aes, tmpDir } from './helpers';

const SCRIPT = String.raw`
import sys, json
from kmip.pie.client import ProxyKmipClient
from kmip.pie import exceptions as pexc
from kmip import enums
from kmip.core.factories.attributes import AttributeFactory
port, cert, key, ca, ver = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
kv = {'1.2': enums.KMIPVersion.KMIP_1_2, '1.4': enums.KMIPVersion.KMIP_1_4, '2.0': enums.KMIPVersion.KMIP_2_0}[ver]
out = {}
c = ProxyKmipClient(hostname='127.0.0.1', port=port, cert=cert, key=key, ca=ca,
                    ssl_version='PROTOCOL_TLSv1_2', config_file='/dev/null', kmip_version=kv)
with c:
    uid = c.create(enums.CryptographicAlgorithm.AES, 256, name='pykmip-key-' + ver)
    out['uid'] = uid
    c.activate(uid)
    params = {'cryptographic_algorithm': enums.CryptographicAlgorithm.AES,
              'block_cipher_mode': enums.BlockCipherMode.CBC,
              'padding_method': enums.PaddingMethod.PKCS5}
    iv = bytes(range(16))
    ct, niv = c.encrypt(b'hello from pykmip', uid=uid, cryptographic_parameters=params, iv_counter_nonce=iv)
    out['ct'] = ct.hex()
    out['niv'] = niv
    out['pt'] = c.decrypt(ct, uid=uid, cryptographic_parameters=params, iv_counter_nonce=iv).decode()
    ct2, iv2 = c.encrypt(b'a server-made IV', uid=uid, cryptographic_parameters=dict(params, random_iv=True))
    out['ct2'] = ct2.hex()
    out['iv2'] = iv2.hex() if iv2 else None
    out['pt2'] = c.decrypt(ct2, uid=uid, cryptographic_parameters=params, iv_counter_nonce=iv2).decode()
    out['key'] = bytes(c.get(uid).value).hex()
    out['located'] = c.locate(attributes=[AttributeFactory().create_attribute(enums.AttributeType.NAME, 'pykmip-key-' + ver)])
    try:
        c.destroy(uid)
        out['destroy_active'] = 'succeeded'
    except pexc.KmipOperationFailure as e:
        out['destroy_active'] = e.reason.name
    c.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
    c.destroy(uid)
    try:
        c.get(uid)
        out['get_destroyed'] = 'succeeded'
    except pexc.KmipOperationFailure as e:
        out['get_destroyed'] = e.reason.name
print(json.dumps(out))
`;

interface Out {
  uid: string;
  ct: string;
  niv: string | null;
  pt: string;
  ct2: string;
  iv2: string | null;
  pt2: string;
  key: string;
  located: string[];
  destroy_active: string;
  get_destroyed: string;
}

interopDescribe('PyKMIP client (a peer we did not write) x dev server', 'PyKMIP is installed', () => {
  let dev: DevServerHandle;
  let script: string;
  before(async () => {
    assert.ok(pykmipAvailable());
    const dir = tmpDir('kmip-dev-pykmip-');
    script = path.join(dir, 'client.py');
    fs.writeFileSync(script, SCRIPT);
    dev = await startDevServer({ certsDir: path.join(dir, 'certs'), dataFile: path.join(dir, 'keys.json'), logger: silentLogger });
  });
  after(async () => {
    await dev?.close();
  });

  function run(version: string): Promise<Out> {
    return new Promise((resolve, reject) => {
      execFile(
        PYKMIP_PYTHON,
        [script, String(dev.port), dev.clientCertPath, dev.clientKeyPath, dev.caPath, version],
        { timeout: 25_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
        (err, stdout, stderr) => {
          if (err) {
            reject(new Error(`PyKMIP client (KMIP ${version}) failed: ${err.message}\n${stderr}`));
            return;
          }
          try {
            resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as Out);
          } catch {
            reject(new Error(`PyKMIP client printed no JSON:\n${stdout}\n${stderr}`));
          }
        },
      );
    });
  }

  for (const version of ['1.2', '1.4', '2.0']) {
    it(`create / activate / encrypt / decrypt / get / locate / revoke / destroy, KMIP ${version}`, { timeout: 30_000 }, async () => {
      const o = await run(version);
      const key = Buffer.from(o.key, 'hex');
      assert.equal(key.length, 32);
      assert.equal(o.pt, 'hello from pykmip');
      assert.equal(o.niv, null, 'no IV returned when PyKMIP gave one');
      assert.equal(o.ct, aes('cbc', key, Buffer.from([...Array(16).keys()]), Buffer.from('hello from pykmip')).toString('hex'));
      assert.equal(o.iv2?.length, 32, 'the server made a 16-byte IV');
      assert.equal(o.pt2, 'a server-made IV');
      assert.equal(o.ct2, aes('cbc', key, Buffer.from(o.iv2!, 'hex'), Buffer.from('a server-made IV')).toString('hex'));
      assert.deepEqual(o.located, [o.uid]);
      assert.equal(o.destroy_active, 'PERMISSION_DENIED');
      assert.equal(o.get_destroyed, version === '2.0' ? 'OBJECT_DESTROYED' : 'ITEM_NOT_FOUND');
      const doc = JSON.parse(fs.readFileSync(dev.dataFile!, 'utf8')) as { objects: Array<{ uid: string; state: number; owner: string }> };
      const rec = doc.objects.find((x) => x.uid === o.uid);
      assert.equal(rec?.state, 5, 'Destroyed, in the data file');
      assert.equal(rec?.owner, dev.clientCn);
    });
  }
});
