/**
 * startDevServer: throwaway certificates made with openssl (or reused), the
 * exact cloudserver `kmip` section, banner, and a close that leaves nothing open.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { settingsFromHostConfig } from '../../lib/backend/config';
import { KmipClient } from '../../lib/client';
import { silentLogger } from '../../lib/logger';
import { banner, startDevServer, type DevServerHandle } from '../../lib/server';
import { CBC_PKCS5, T, aes, tmpDir } from './helpers';

const quiet = { logger: silentLogger };

async function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('startDevServer', () => {
  it('makes a CA, a server certificate (localhost, 127.0.0.1) and a client certificate (clientAuth); reuses them next time', T, async () => {
    const certsDir = path.join(tmpDir('kmip-dev-start-'), 'certs');
    const a = await startDevServer({ certsDir, ...quiet });
    let b: DevServerHandle | undefined;
    try {
      assert.equal(a.certsGenerated, true);
      assert.deepEqual(fs.readdirSync(certsDir).sort(), ['ca.crt', 'ca.key', 'client.crt', 'client.key', 'server.crt', 'server.key']);
      const ca = new X509Certificate(fs.readFileSync(a.caPath));
      const srv = new X509Certificate(fs.readFileSync(a.serverCertPath));
      const cli = new X509Certificate(fs.readFileSync(a.clientCertPath));
      assert.ok(srv.verify(ca.publicKey) && cli.verify(ca.publicKey));
      assert.equal(srv.checkHost('localhost'), 'localhost');
      assert.equal(srv.checkIP('127.0.0.1'), '127.0.0.1');
      assert.match(cli.toLegacyObject().ext_key_usage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.2/);
      assert.equal(a.clientCn, 'kmip-dev-client');
      const before = fs.readFileSync(a.clientCertPath, 'utf8');
      b = await startDevServer({ certsDir, ...quiet });
      assert.equal(b.certsGenerated, false);
      assert.equal(fs.readFileSync(b.clientCertPath, 'utf8'), before);
      assert.notEqual(b.port, a.port);
    } finally {
      await a.close();
      await b?.close();
    }
  });

  it('hostConfig is the exact cloudserver kmip section: the backend reads it, and a client made from it works', T, async () => {
    const dataFile = path.join(tmpDir('kmip-dev-start-'), 'keys.json');
    const dev = await startDevServer({ dataFile, ...quiet });
    try {
      assert.deepEqual(dev.hostConfig, {
        providerName: 'kmip',
        client: { compoundCreateActivate: true, bucketNameAttributeName: 'x-bucket-name' },
        transport: {
          pipelineDepth: 8,
          tls: { host: '127.0.0.1', port: dev.port, key: dev.clientKeyPath, cert: dev.clientCertPath, ca: [dev.caPath] },
        },
      });
      const warnings: string[] = [];
      const settings = settingsFromHostConfig(dev.hostConfig, { logger: { ...silentLogger, warn: (m: string) => warnings.push(m) } });
      assert.deepEqual(warnings, []);
      assert.equal(settings.compoundCreateActivate, true);
      const c = new KmipClient({ ...settings.transport, logger: silentLogger });
      try {
        const { uniqueIdentifier: uid } = await c.create({ activationDate: new Date(), customAttribute: { name: settings.bucketNameAttributeName, value: 'photos' } });
        const attrs = (await c.getAttributes(uid, ['State', 'x-bucket-name'])).attributes;
        assert.deepEqual(attrs.map((x) => [x.name, x.value]), [['State', 'Active'], ['x-bucket-name', 'photos']]);
        const key = (await c.get(uid)).keyMaterial!;
        const e = await c.encrypt(uid, Buffer.from('dek'), { cryptographicParameters: CBC_PKCS5, ivCounterNonce: Buffer.alloc(16) });
        assert.ok(e.data.equals(aes('cbc', key, Buffer.alloc(16), Buffer.from('dek'))));
      } finally {
        await c.close();
      }
    } finally {
      await dev.close();
    }
  });

  it('banner says development and tests only, NOT an appliance, and where the keys are', T, async () => {
    assert.equal(
      banner(),
      'kmip-kms development server — for development and tests only, NOT an appliance: keys are kept in memory only',
    );
    const file = path.join(tmpDir('kmip-dev-start-'), 'k.json');
    const dev = await startDevServer({ dataFile: file, ...quiet });
    try {
      assert.equal(
        dev.banner,
        `kmip-kms development server — for development and tests only, NOT an appliance: keys are kept in memory and IN CLEAR in ${file}`,
      );
    } finally {
      await dev.close();
    }
  });

  it('close() destroys connections, stops listening, removes its own temporary certificates; closing twice is fine', T, async () => {
    const dev = await startDevServer(quiet);
    const settings = settingsFromHostConfig(dev.hostConfig, { logger: silentLogger });
    const c = new KmipClient({ ...settings.transport, logger: silentLogger, reconnect: { baseDelayMs: 10, maxDelayMs: 20 } });
    await c.query();
    assert.equal(dev.server.stats.connections, 1);
    await dev.close();
    await dev.close();
    assert.equal(dev.server.stats.connections, 0);
    assert.equal(await refused(dev.host, dev.port), true);
    assert.equal(fs.existsSync(dev.certsDir), false, 'the temporary certificate folder it made is removed');
    await c.close({ drainTimeoutMs: 0 });
  });
});
