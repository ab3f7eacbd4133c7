/**
 * The `kmip-kms/register` preload, run the way an operator runs the host:
 * `node --require <repo>/dist/register.js index.js` from the host's folder.
 * The host is a stand-in laid out like cloudserver (its own arsenal in
 * node_modules, lib/kms/wrapper.js building `new arsenal.network.kmipClient({
 * kmip: config.kmip })`), built in a temp dir.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTestPki, type TestPki } from '../support/certs';
import { closedPort } from './helpers';

/** dist/tests/backend -> dist/register.js */
const REGISTER = path.resolve(__dirname, '..', '..', 'register.js');

const FAKE_ARSENAL_ERRORS = `
class FakeArsenalError extends Error {
  constructor(type, code, description) {
    super(type);
    this.type = type;
    this.code = code;
    this.description = description;
    this.metadata = new Map();
    this.is = { [type]: true };
    this[type] = true;
  }
  customizeDescription(d) {
    return new FakeArsenalError(this.type, this.code, d);
  }
  toString() {
    return JSON.stringify({ errorType: this.message, errorMessage: this.description });
  }
}
const errors = {
  get InternalError() {
    return new FakeArsenalError('InternalError', 500, 'We encountered an internal error. Please try again.');
  },
  get ['KMS.NotFoundException']() {
    return new FakeArsenalError('KMS.NotFoundException', 400, 'not found');
  },
};
`;

const ARSENAL_OK = `${FAKE_ARSENAL_ERRORS}
class OriginalKmip { constructor() { this.original = true; } }
class OriginalCluster { constructor() { this.original = true; } }
module.exports = {
  errors,
  FakeArsenalError,
  originals: { OriginalKmip, OriginalCluster },
  network: { http: {}, kmipClient: OriginalKmip, kmipClusterClient: OriginalCluster },
};
`;

const ARSENAL_NO_KMIP = `${FAKE_ARSENAL_ERRORS}
module.exports = { errors, network: { http: {} } };
`;

const ARSENAL_FROZEN = `${FAKE_ARSENAL_ERRORS}
module.exports = { errors, network: Object.freeze({ kmipClient: class OriginalKmip {} }) };
`;

/** Like cloudserver's lib/Config.js: reads config.json and the PEM files (relative to the config folder) into Buffers. */
const CONFIG_JS = `
const fs = require('fs');
const path = require('path');
const file = path.join(__dirname, '..', 'config.json');
const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
const dir = path.dirname(file);
const read = (p) => fs.readFileSync(path.resolve(dir, p));
const tls = raw.kmip.transport.tls;
tls.key = read(tls.key);
tls.cert = read(tls.cert);
tls.ca = [].concat(tls.ca).map(read);
module.exports = { config: raw };
`;

/** Like cloudserver's lib/kms/wrapper.js, reporting what it got as JSON on stdout. */
const WRAPPER_JS = `
const { config } = require('../Config');
const arsenal = require('arsenal');
const KMIPClient = require('arsenal').network.kmipClient;
const KMIPClusterClient = require('arsenal').network.kmipClusterClient;
const client = new KMIPClient({ kmip: config.kmip });
const cluster = new KMIPClusterClient({ kmip: Object.assign({}, config.kmip, { transport: [config.kmip.transport] }) });
const log = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {}, end() { return this; } };
const facts = {
  constructorName: client.constructor.name,
  isOriginal: client instanceof arsenal.originals.OriginalKmip,
  clusterConstructorName: cluster.constructor.name,
  clusterIsOriginal: cluster instanceof arsenal.originals.OriginalCluster,
  backend: client.backend,
  clusterBackend: cluster.backend,
  supportsDefaultKeyPerAccount: client.supportsDefaultKeyPerAccount,
  types: {
    createBucketKey: typeof client.createBucketKey,
    destroyBucketKey: typeof client.destroyBucketKey,
    cipherDataKey: typeof client.cipherDataKey,
    decipherDataKey: typeof client.decipherDataKey,
    healthcheck: typeof client.healthcheck,
  },
};
let sync = true;
client.decipherDataKey(1, 'abc', Buffer.alloc(5), log, (err, ...rest) => {
  facts.callbackSynchronous = sync;
  facts.extraArgs = rest.length;
  facts.error = {
    isHostError: err instanceof arsenal.FakeArsenalError,
    constructorName: err && err.constructor && err.constructor.name,
    type: err && err.type,
    code: err && err.code,
    description: err && err.description,
    isInternal: !!(err && err.is && err.is.InternalError),
  };
  Promise.all([client.close(), cluster.close()]).then(() => {
    process.stdout.write(JSON.stringify(facts) + '\\n');
  });
});
sync = false;
`;

interface HostLayout {
  arsenal?: string;
  pki: TestPki;
  port: number;
}

function writeFile(p: string, text: string | Buffer): void {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
}

function buildHost(root: string, name: string, o: HostLayout): string {
  const dir = path.join(root, name);
  writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'fake-cloudserver', version: '0.0.0', main: 'index.js' }));
  if (o.arsenal !== undefined) {
    writeFile(path.join(dir, 'node_modules', 'arsenal', 'package.json'), JSON.stringify({ name: 'arsenal', version: '8.1.0', main: 'index.js' }));
    writeFile(path.join(dir, 'node_modules', 'arsenal', 'index.js'), o.arsenal);
  }
  writeFile(path.join(dir, 'conf', 'kmip-key.pem'), o.pki.clientKey);
  writeFile(path.join(dir, 'conf', 'kmip-cert.pem'), o.pki.clientCert);
  writeFile(path.join(dir, 'conf', 'kmip-ca.pem'), o.pki.ca);
  writeFile(
    path.join(dir, 'config.json'),
    JSON.stringify(
      {
        kmip: {
          providerName: 'thales',
          client: { compoundCreateActivate: false, bucketNameAttributeName: '' },
          transport: {
            pipelineDepth: 8,
            tls: { host: '127.0.0.1', port: o.port, key: 'conf/kmip-key.pem', cert: 'conf/kmip-cert.pem', ca: ['conf/kmip-ca.pem'], servername: 'localhost' },
          },
        },
      },
      null,
      2,
    ),
  );
  writeFile(path.join(dir, 'lib', 'Config.js'), CONFIG_JS);
  writeFile(path.join(dir, 'lib', 'kms', 'wrapper.js'), WRAPPER_JS);
  writeFile(path.join(dir, 'index.js'), "'use strict';\nrequire('./lib/kms/wrapper');\n");
  return dir;
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runHost(cwd: string): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('S3KMIP_') || k === 'S3KMS' || k.startsWith('NODE_TEST') || k === 'NODE_OPTIONS') delete env[k];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', REGISTER, 'index.js'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('kmip-kms/register preload in a cloudserver-like host', () => {
  let root = '';
  let pki: TestPki;
  let port = 0;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kmip-register-'));
    pki = await makeTestPki(path.join(root, 'pki'));
    port = await closedPort();
  });
  after(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('dist/register.js exists and resolves ./lib/backend/register', () => {
    assert.ok(fs.existsSync(REGISTER), `${REGISTER} missing: build first`);
    assert.ok(require.resolve('./lib/backend/register', { paths: [path.dirname(REGISTER)] }).startsWith(path.dirname(REGISTER)));
  });

  it('replaces arsenal.network.kmipClient (and kmipClusterClient) by KmipBackend with the host\'s errors', async () => {
    const dir = buildHost(root, 'host-ok', { arsenal: ARSENAL_OK, pki, port });
    const r = await runHost(dir);
    assert.equal(r.code, 0, `host exited ${String(r.code)} / ${String(r.signal)}\nstderr:\n${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1, `stdout:\n${r.stdout}`);
    const facts = JSON.parse(lines[0]!) as Record<string, unknown> & {
      types: Record<string, string>;
      error: Record<string, unknown>;
    };
    assert.equal(facts['constructorName'], 'KmipBackend');
    assert.equal(facts['isOriginal'], false);
    assert.equal(facts['clusterConstructorName'], 'KmipBackend');
    assert.equal(facts['clusterIsOriginal'], false);
    const expected = { type: 'external', protocol: 'kmip', provider: 'thales', arnPrefix: 'arn:scality:kms:external:kmip:thales:key/' };
    assert.deepEqual(facts['backend'], expected);
    assert.deepEqual(facts['clusterBackend'], expected);
    assert.ok(!facts['supportsDefaultKeyPerAccount']);
    assert.deepEqual(facts.types, {
      createBucketKey: 'function',
      destroyBucketKey: 'function',
      cipherDataKey: 'function',
      decipherDataKey: 'function',
      healthcheck: 'function',
    });
    assert.equal(facts['callbackSynchronous'], false);
    assert.equal(facts['extraArgs'], 0);
    assert.equal(facts.error['isHostError'], true, `the error is not the host's arsenal error: ${JSON.stringify(facts.error)}`);
    assert.equal(facts.error['constructorName'], 'FakeArsenalError');
    assert.equal(facts.error['type'], 'InternalError');
    assert.equal(facts.error['code'], 500);
    assert.equal(facts.error['isInternal'], true);
    assert.match(String(facts.error['description']), /^KMS \(KMIP\) error for Decrypt on abc: invalid request: /);

    const errLines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    assert.equal(errLines.length, 1, `expected exactly one stderr line, got:\n${r.stderr}`);
    const active = JSON.parse(errLines[0]!) as Record<string, unknown>;
    // No werelogs in this host: our own line, with werelogs' field names and an ISO time.
    assert.equal(active['name'], 'KmipKms');
    assert.equal(active['level'], 'info');
    assert.match(String(active['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(active['hostname'], os.hostname());
    assert.equal(typeof active['pid'], 'number');
    assert.match(String(active['message']), /kmip-kms is active/);
    assert.deepEqual(active['replaced'], ['kmipClient', 'kmipClusterClient']);
    assert.equal(active['arsenal'], path.join('node_modules', 'arsenal', 'index.js'));
    // Never a PEM body on any output.
    for (const out of [r.stdout, r.stderr]) assert.doesNotMatch(out, /-----BEGIN/);
  });

  it('a host with werelogs: the active line goes through the host\'s Logger(\'KmipKms\'), in the host\'s format', async () => {
    const dir = buildHost(root, 'host-werelogs', { arsenal: ARSENAL_OK, pki, port });
    writeFile(path.join(dir, 'node_modules', 'werelogs', 'package.json'), JSON.stringify({ name: 'werelogs', version: '8.1.0', main: 'index.js' }));
    writeFile(
      path.join(dir, 'node_modules', 'werelogs', 'index.js'),
      `'use strict';
class Logger {
  constructor(name) { this.name = name; }
  log(level, message, fields) { process.stderr.write('HOSTFMT ' + JSON.stringify(Object.assign({ name: this.name, level, message }, fields)) + '\\n'); }
  trace(m, f) { this.log('trace', m, f); } debug(m, f) { this.log('debug', m, f); } info(m, f) { this.log('info', m, f); }
  warn(m, f) { this.log('warn', m, f); } error(m, f) { this.log('error', m, f); } fatal(m, f) { this.log('fatal', m, f); }
}
module.exports = { Logger };
`,
    );
    const r = await runHost(dir);
    assert.equal(r.code, 0, `host exited ${String(r.code)}\nstderr:\n${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length >= 1, r.stderr);
    for (const l of lines) assert.ok(l.startsWith('HOSTFMT '), `a line not in the host's format: ${l}`);
    const active = JSON.parse(lines[0]!.slice('HOSTFMT '.length)) as Record<string, unknown>;
    assert.equal(active['name'], 'KmipKms');
    assert.equal(active['level'], 'info');
    assert.match(String(active['message']), /kmip-kms is active/);
    assert.deepEqual(active['replaced'], ['kmipClient', 'kmipClusterClient']);
  });

  it('a host folder without arsenal: the preload throws, the process exits non-zero naming arsenal', async () => {
    const dir = buildHost(root, 'host-no-arsenal', { pki, port });
    const r = await runHost(dir);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /arsenal/);
    assert.match(r.stderr, /KmipConfigError|kmip-kms\/register/);
    assert.equal(r.stdout, '', 'the host must not have started');
  });

  it('arsenal without network.kmipClient: fails loudly', async () => {
    const dir = buildHost(root, 'host-old-arsenal', { arsenal: ARSENAL_NO_KMIP, pki, port });
    const r = await runHost(dir);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /network\.kmipClient/);
    assert.equal(r.stdout, '');
  });

  it('arsenal whose network object cannot be changed: fails loudly', async () => {
    const dir = buildHost(root, 'host-frozen-arsenal', { arsenal: ARSENAL_FROZEN, pki, port });
    const r = await runHost(dir);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /kmipClient/);
    assert.match(r.stderr, /replace/);
    assert.equal(r.stdout, '');
  });

  it('started from another folder than the host\'s: fails loudly rather than running without the slot', async () => {
    const dir = buildHost(root, 'host-elsewhere', { arsenal: ARSENAL_OK, pki, port });
    const elsewhere = path.join(root, 'elsewhere');
    fs.mkdirSync(elsewhere, { recursive: true });
    fs.writeFileSync(path.join(elsewhere, 'index.js'), `require(${JSON.stringify(path.join(dir, 'index.js'))});\n`);
    const r = await runHost(elsewhere);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /arsenal/);
    assert.equal(r.stdout, '');
  });
});
