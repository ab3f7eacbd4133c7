/**
 * The `kmip-kms` command line, run as a user runs it: the BUILT binary
 * (dist/bin/kmip-kms.js) in a child node process. Exit codes: 0 ok, 1
 * failure, 2 usage. Expected failures print one line `kmip-kms: ...` and no
 * stack trace.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { settingsFromHostConfig } from '../../lib/backend/config';
import { KmipClient } from '../../lib/client';
import { silentLogger } from '../../lib/logger';
import { DEV_SERVER_VENDOR, startDevServer, type DevHostConfig, type DevServerHandle } from '../../lib/server';
import { loadCaptures } from '../support/vectors';
import {
  BIN,
  PACKAGE_JSON,
  assertExit,
  assertNoStack,
  assertOneLineError,
  assertNoKeysLeft,
  assertUsageError,
  check,
  jsonOf,
  closedPort,
  readStdoutUntil,
  rmTmp,
  runCli,
  show,
  spawnCli,
  tmpDir,
  waitExit,
  writeConfig,
  type RunResult,
} from './helpers';

const T = { timeout: 30_000 };
const COMMANDS = ['demo', 'dev-server', 'probe', 'inspect'] as const;
const VERSION = (JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;


function capture(label: string): { hex: string; bytes: Buffer } {
  const v = loadCaptures().vectors.find((x) => x.label === label);
  assert.ok(v, `capture ${label} missing`);
  return { hex: v.hex, bytes: v.bytes };
}

it('the binary under test is the built one', () => {
  assert.ok(fs.existsSync(BIN), `${BIN} is missing: run the build (npx tsc -p tsconfig.json) first`);
});

// ---------------------------------------------------------------------------

describe('kmip-kms: usage, help, version', () => {
  it('no arguments: the usage on stdout, exit 2', T, async () => {
    const r = await runCli([]);
    assertExit(r, 2);
    assert.match(r.stdout, /^kmip-kms \S+ — /);
    assert.match(r.stdout, /Usage: kmip-kms <command> \[options\]/);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'), `command ${c} not listed`);
    assertNoStack(r);
  });

  it('--help, -h and help: the usage, exit 0', T, async () => {
    for (const arg of ['--help', '-h', 'help']) {
      const r = await runCli([arg]);
      assertExit(r, 0);
      assert.match(r.stdout, /Usage: kmip-kms <command> \[options\]/, show(r));
      assert.match(r.stdout, /Run "kmip-kms <command> --help"/);
      assert.equal(r.stderr, '');
    }
  });

  it('<command> --help: that command\'s usage on stdout, exit 0, for every command', T, async () => {
    const results = await Promise.all(COMMANDS.map((c) => runCli([c, '--help'])));
    COMMANDS.forEach((c, i) => {
      const r = results[i]!;
      assertExit(r, 0);
      assert.match(r.stdout, new RegExp(`^Usage: kmip-kms ${c}\\b`), show(r));
      assert.equal(r.stderr, '', show(r));
    });
    assert.match(results[1]!.stdout, /NOT an appliance/);
  });

  it('--version and -v print the package version, exit 0', T, async () => {
    for (const arg of ['--version', '-v']) {
      const r = await runCli([arg]);
      assertExit(r, 0);
      assert.equal(r.stdout, `${VERSION}\n`);
      assert.equal(r.stderr, '');
    }
  });

  it('an unknown command: exit 2, the message on stderr, no stack trace', T, async () => {
    const r = await runCli(['frobnicate', '--x']);
    assertUsageError(r, /^kmip-kms: unknown command "frobnicate"$/);
  });

  it('an unknown option (probe --bogus): exit 2, the option named, no stack trace', T, async () => {
    const r = await runCli(['probe', '--bogus']);
    assertUsageError(r, /'--bogus'/);
    assert.match(r.stderr, /Usage: kmip-kms probe/, 'the usage of probe follows the message');
  });

  it('bad numbers: demo --keys abc / 0, --concurrency -1 -> exit 2 naming the option', T, async () => {
    const [abc, zero, conc] = await Promise.all([
      runCli(['demo', '--keys', 'abc']),
      runCli(['demo', '--keys', '0']),
      runCli(['demo', '--concurrency=-1']),
    ]);
    assertUsageError(abc, /^kmip-kms: --keys must be an integer >= 1, got abc$/);
    assertUsageError(zero, /--keys must be an integer >= 1, got 0/);
    assertUsageError(conc, /--concurrency must be an integer >= 1, got -1/);
  });

  it('probe without a configuration source: exit 2 saying what to give', T, async () => {
    const r = await runCli(['probe', '--json']);
    assertUsageError(r, /--config FILE.*--env/);
  });

  it('a positional where none is expected, and inspect without or with two inputs: exit 2', T, async () => {
    const [none, two] = await Promise.all([runCli(['inspect']), runCli(['inspect', 'aa', 'bb'])]);
    assertUsageError(none, /inspect needs one HEX string or FILE/);
    assertUsageError(two, /inspect needs one HEX string or FILE/);
  });

  it(
    'every option a command\'s usage text lists is accepted by that command',
    {
      ...T,
    },
    async () => {
      const rejected: string[] = [];
      await Promise.all(
        COMMANDS.map(async (c) => {
          const help = (await runCli([c, '--help'])).stdout;
          const flags = [...new Set(help.match(/--[a-z][a-z-]*/g) ?? [])].filter((f) => f !== '--help');
          assert.ok(flags.length > 0, `no option found in the usage of ${c}`);
          await Promise.all(
            flags.map(async (f) => {
              // An option line "  --keys N   ..." says it takes a value; "[--xml]" / "  --json   ..." that it does not.
              const valued = new RegExp(`^\\s+${f} [A-Z]`, 'm').test(help);
              const r = await runCli([c, valued ? `${f}=1` : f, '--help']);
              if (r.code !== 0) rejected.push(`${c} ${f}: ${r.stderr.split('\n')[0]}`);
            }),
          );
        }),
      );
      assert.deepEqual(rejected, []);
    },
  );
});

// ---------------------------------------------------------------------------

describe('kmip-kms inspect', () => {
  const req = capture('encrypt_request');
  const resp = capture('encrypt_response');
  const values = loadCaptures().values;
  const plaintextHex = values['plaintext_hex']!;
  let dir: string | undefined;
  before(() => {
    dir = tmpDir('kmip-kms-cli-inspect-');
  });
  after(() => rmTmp(dir));

  function assertEncryptTree(r: RunResult): void {
    assertExit(r, 0);
    assert.equal(r.stderr, '', show(r));
    assert.match(r.stdout, /^RequestMessage \(0x420078\) Structure$/m);
    assert.match(r.stdout, /Operation \(0x42005C\) Enumeration = Encrypt\b/);
    assert.match(r.stdout, /UniqueIdentifier \(0x420094\) TextString = "88"/);
    assert.match(r.stdout, /Data \(0x4200C2\) ByteString = <redacted, 32 bytes>/);
    // The IV is not secret: shown.
    assert.match(r.stdout, /IVCounterNonce \(0x42003D\) ByteString = 0{32} \(16 bytes\)/);
    for (const needle of [plaintextHex, plaintextHex.toUpperCase(), plaintextHex.slice(8, 40)]) {
      assert.ok(!r.stdout.includes(needle), `the plaintext appears in the output:\n${r.stdout}`);
    }
  }

  it('a captured Encrypt request as a hex argument: the tree, Encrypt, Data redacted, plaintext absent', T, async () => {
    assert.ok(req.hex.includes(plaintextHex), 'the capture does hold the plaintext (else the redaction check is vacuous)');
    assertEncryptTree(await runCli(['inspect', req.hex]));
  });

  it('hex with spaces, colons, 0x and upper case is the same message', T, async () => {
    const spaced = (req.hex.toUpperCase().match(/.{2}/g) ?? []).join(':');
    assertEncryptTree(await runCli(['inspect', spaced]));
    assertEncryptTree(await runCli(['inspect', `0x${req.hex}`]));
  });

  it('from a FILE holding hex text (wrapped lines) and from a file holding the raw bytes: the same tree', T, async () => {
    const hexFile = path.join(dir!, 'message.hex');
    fs.writeFileSync(hexFile, `${(req.hex.match(/.{1,32}/g) ?? []).join('\n')}\n`);
    const binFile = path.join(dir!, 'message.bin');
    fs.writeFileSync(binFile, req.bytes);
    const [fromArg, fromHex, fromBin] = await Promise.all([runCli(['inspect', req.hex]), runCli(['inspect', hexFile]), runCli(['inspect', binFile])]);
    assertEncryptTree(fromHex);
    assertEncryptTree(fromBin);
    assert.equal(fromHex.stdout, fromArg.stdout);
    assert.equal(fromBin.stdout, fromArg.stdout);
  });

  it('the Decrypt response\'s Data (the plaintext) is redacted too', T, async () => {
    const r = await runCli(['inspect', capture('decrypt_response').hex]);
    assertExit(r, 0);
    assert.match(r.stdout, /^ResponseMessage \(0x42007B\) Structure$/m);
    assert.match(r.stdout, /Data \(0x4200C2\) ByteString = <redacted, 32 bytes>/);
    assert.ok(!r.stdout.includes(plaintextHex), r.stdout);
  });

  it('two messages back to back: both decoded, each with a header line', T, async () => {
    const r = await runCli(['inspect', req.hex + resp.hex]);
    assertExit(r, 0);
    assert.match(r.stdout, new RegExp(`^# message 1 \\(${req.bytes.length} bytes\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`^# message 2 \\(${resp.bytes.length} bytes\\)$`, 'm'));
    assert.match(r.stdout, /^RequestMessage /m);
    assert.match(r.stdout, /^ResponseMessage /m);
  });

  it('--xml: the KMIP XML encoding of the message', T, async () => {
    const r = await runCli(['inspect', req.hex, '--xml']);
    assertExit(r, 0);
    const xml = r.stdout.trim();
    assert.match(xml, /^<RequestMessage>/);
    assert.match(xml, /<\/RequestMessage>$/);
    assert.match(xml, /<Operation type="Enumeration" value="Encrypt"\/>/);
    assert.match(xml, /<UniqueIdentifier type="TextString" value="88"\/>/);
    // Balanced: every opened element is closed.
    assert.equal((xml.match(/<[A-Za-z]+>/g) ?? []).length, (xml.match(/<\/[A-Za-z]+>/g) ?? []).length);
  });

  for (const [label, hex] of [
    ['a length running past the input', 'deadbeefdeadbeefdeadbeefdeadbeef'],
    ['all ones', 'ff'.repeat(16)],
    ['an unknown item type', '00'.repeat(16)],
    ['an item overrunning its structure', '420078010000000842000d0200000004'],
  ] as const) {
    it(`garbage hex (${label}): exit 1, one line kmip-kms: ..., no stack`, T, async () => {
      const line = assertOneLineError(await runCli(['inspect', hex]), 1);
      assert.match(line, /offset \d+/, 'the error says where');
    });
  }

  it('a truncated message (the Encrypt request less its last 10 bytes): exit 1, one line saying so', T, async () => {
    const line = assertOneLineError(await runCli(['inspect', req.hex.slice(0, -20)]), 1);
    assert.match(line, /middle of a message|truncated/i);
  });

  it('neither a file nor hex: exit 2', T, async () => {
    assertUsageError(await runCli(['inspect', 'not-hex-and-no-such-file']), /neither a file nor a hex string/);
  });
});

// ---------------------------------------------------------------------------

describe('kmip-kms demo', () => {
  it('demo --keys 300 --concurrency 16: every data key verified, exit 0; its certificate folder is removed', T, async () => {
    const r = await runCli(['demo', '--keys', '300', '--concurrency', '16']);
    assertExit(r, 0);
    assertNoStack(r);
    assert.match(r.stdout, /verified\s+300\/300 data keys/);
    assert.match(r.stdout, /\bKMIP \d\.\d\b/);
    assert.match(r.stdout, new RegExp(DEV_SERVER_VENDOR));
    assert.match(r.stdout, /300 wraps, 300 unwraps\b.*\(16 in flight\)/);
    assert.match(r.stdout, /^result\s+OK$/m);
    const certs = /certificates in (.+?)\)$/m.exec(r.stdout)?.[1];
    assert.ok(certs, 'the certificate folder is not printed');
    assert.equal(fs.existsSync(certs), false, `${certs} is left behind`);
  });

  it('demo --keys 200 --json: only JSON on stdout, 200 verified, 0 mismatches, the negotiated version', T, async () => {
    const r = await runCli(['demo', '--keys', '200', '--json']);
    assertExit(r, 0);
    const report = jsonOf<{ verified: number; mismatches: number; protocolVersion: string; vendor: string; operations: { wrap: number; unwrap: number }; keyArn: string }>(r);
    assert.equal(report.mismatches, 0);
    assert.equal(report.verified, 200);
    assert.equal(report.protocolVersion, '2.0');
    assert.equal(report.vendor, DEV_SERVER_VENDOR);
    assert.deepEqual([report.operations.wrap, report.operations.unwrap], [200, 200]);
    assert.match(report.keyArn, /^arn:scality:kms:external:kmip:kmip:key\/\S+$/);
  });

  it('demo --server without --config: exit 2', T, async () => {
    assertUsageError(await runCli(['demo', '--server', '127.0.0.1:1']), /--server needs --config/);
  });
});

// ---------------------------------------------------------------------------

describe('kmip-kms probe against the dev server', () => {
  let dev: DevServerHandle | undefined;
  let dir: string | undefined;
  let config: string | undefined;
  before(async () => {
    dir = tmpDir('kmip-kms-cli-probe-');
    dev = await startDevServer({ port: 0, certsDir: path.join(dir, 'certs'), logger: silentLogger });
    config = writeConfig(dir, dev.hostConfig);
  });
  after(async () => {
    await dev?.close();
    rmTmp(dir);
  });

  it('probe --config config.json --json: exit 0, pass, self-test ok, both optional features supported', T, async () => {
    const r = await runCli(['probe', '--config', config!, '--json']);
    assertExit(r, 0);
    const report = jsonOf(r);
    assert.ok(report.verdict === 'pass' || report.verdict === 'pass-with-warnings', `verdict ${report.verdict}`);
    assert.equal(report.server, `127.0.0.1:${dev!.port}`);
    assert.equal(report.vendor, DEV_SERVER_VENDOR);
    assert.equal(report.protocolVersion, '2.0');
    assert.equal(check(report, /^connection$/).status, 'ok');
    assert.equal(check(report, /^self-test$/).status, 'ok');
    assert.match(check(report, /^self-test$/).detail, /wrapping identical to AES-256-CBC/);
    assert.equal(check(report, /one-step create/).status, 'supported');
    assert.equal(check(report, /bucket attribute/).status, 'supported');
    assert.equal(check(report, /^batching/).status, 'supported');
    assert.deepEqual(
      report.profiles.map((p) => p.name),
      ['Baseline Server', 'Symmetric Key Lifecycle Server', 'Basic Cryptographic Server'],
    );
  });

  it('probe --config config.json (human output): the checks, then a VERDICT: PASS line last', T, async () => {
    const r = await runCli(['probe', '--config', config!]);
    assertExit(r, 0);
    assert.match(r.stdout, /^\[ok  \] self-test: /m);
    assert.match(r.stdout, /^\[yes \] one-step create/m);
    assert.match(r.stdout.trimEnd().split('\n').at(-1)!, /^VERDICT: PASS/);
  });

  it('probe --env with S3KMIP_HOSTS / KEY / CERT / CA pointing at the dev server: exit 0', T, async () => {
    const r = await runCli(['probe', '--env', '--json'], {
      env: {
        S3KMIP_HOSTS: `127.0.0.1:${dev!.port}`,
        S3KMIP_KEY: dev!.clientKeyPath,
        S3KMIP_CERT: dev!.clientCertPath,
        S3KMIP_CA: dev!.caPath,
      },
    });
    assertExit(r, 0);
    const report = jsonOf(r);
    assert.notEqual(report.verdict, 'fail');
    assert.equal(report.server, `127.0.0.1:${dev!.port}`);
    assert.equal(check(report, /^self-test$/).status, 'ok');
  });

  it('probe --config (a closed port) --server HOST:PORT: the override is probed, exit 0', T, async () => {
    const dead = writeConfig(dir!, { ...dev!.hostConfig, transport: { ...dev!.hostConfig.transport, tls: { ...dev!.hostConfig.transport.tls, port: await closedPort() } } }, 'dead.json');
    const r = await runCli(['probe', '--config', dead, '--server', `127.0.0.1:${dev!.port}`, '--no-self-test', '--json']);
    assertExit(r, 0);
    assert.equal(jsonOf(r).server, `127.0.0.1:${dev!.port}`);
  });

  it('probe of a cluster (transport array: the dev server, then a closed port): one verdict per host, overall FAIL, exit 1', T, async () => {
    const t = dev!.hostConfig.transport;
    const deadPort = await closedPort();
    const cluster = writeConfig(dir!, { ...dev!.hostConfig, transport: [t, { ...t, tls: { ...t.tls, port: deadPort } }] }, 'cluster.json');
    const r = await runCli(['probe', '--config', cluster, '--no-self-test']);
    assertExit(r, 1);
    assert.match(r.stdout, new RegExp(`^== host 1 of 2: 127\\.0\\.0\\.1:${dev!.port} ==$`, 'm'));
    assert.match(r.stdout, new RegExp(`^== host 2 of 2: 127\\.0\\.0\\.1:${deadPort} ==$`, 'm'));
    const verdicts = r.stdout.split('\n').filter((l) => l.startsWith('VERDICT: '));
    assert.equal(verdicts.length, 2);
    assert.match(verdicts[0]!, /^VERDICT: PASS/);
    assert.match(verdicts[1]!, /^VERDICT: FAIL/);
    assert.match(r.stdout.trimEnd().split('\n').at(-1)!, /^OVERALL VERDICT: FAIL — 1 of 2 hosts fail/);
    const j = await runCli(['probe', '--config', cluster, '--no-self-test', '--json']);
    assertExit(j, 1);
    const report = JSON.parse(j.stdout) as { verdict: string; hosts: Array<{ server: string; verdict: string }> };
    assert.equal(report.verdict, 'fail');
    assert.deepEqual(report.hosts.map((h) => [h.server, h.verdict === 'fail']), [[`127.0.0.1:${dev!.port}`, false], [`127.0.0.1:${deadPort}`, true]]);
  });

  it('probe --no-self-test creates no key; the probes before left no live key behind', T, async () => {
    const before = dev!.server.stats.objects;
    assert.ok(before > 0, 'the probes above created scratch keys');
    const r = await runCli(['probe', '--config', config!, '--no-self-test', '--json']);
    assertExit(r, 0);
    const report = jsonOf(r);
    assert.equal(check(report, /^self-test$/).status, 'skipped');
    assert.equal(report.checks.some((c) => /one-step create|bucket attribute/.test(c.name)), false);
    assert.equal(dev!.server.stats.objects, before);
    // Every scratch key of the full probes was destroyed: Locate (online objects, i.e. with key material) finds none.
    const c = new KmipClient({ ...settingsFromHostConfig(dev!.hostConfig, { logger: silentLogger }).transport, logger: silentLogger });
    await assertNoKeysLeft(c);
  });
});

// ---------------------------------------------------------------------------

describe('kmip-kms probe: failures', { concurrency: true }, () => {
  let dir: string | undefined;
  let hostConfig: DevHostConfig | undefined;
  before(async () => {
    dir = tmpDir('kmip-kms-cli-probe-fail-');
    // Only for its certificates: the servers probed below are not it.
    const dev = await startDevServer({ port: 0, certsDir: path.join(dir, 'certs'), logger: silentLogger });
    hostConfig = dev.hostConfig;
    await dev.close();
  });
  after(() => rmTmp(dir));

  const at = (port: number): unknown => ({ ...hostConfig!, transport: { ...hostConfig!.transport, tls: { ...hostConfig!.transport.tls, port } } });

  it('an unreachable server (closed port): exit 1, verdict fail, connection check failed, in reasonable time', T, async () => {
    const port = await closedPort();
    const file = writeConfig(dir!, at(port), 'unreachable.json');
    const r = await runCli(['probe', '--config', file, '--json']);
    assertExit(r, 1);
    assertNoStack(r);
    const report = jsonOf(r);
    assert.equal(report.verdict, 'fail');
    assert.equal(report.server, `127.0.0.1:${port}`);
    const conn = check(report, /^connection$/);
    assert.equal(conn.status, 'fail');
    assert.match(conn.detail, /ECONNREFUSED|cannot connect/);
    assert.equal(report.checks.some((c) => c.name === 'self-test'), false, 'no self-test without a connection');
    assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
  });

  it(
    'a server that drops every connection: exit 1 soon, without a storm of reconnections',
    {
      ...T,
    },
    async () => {
      let connections = 0;
      const server = net.createServer((s) => {
        connections++;
        s.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as net.AddressInfo).port;
        // queueTimeoutMs 3 s instead of the default 10 s only bounds how long the storm lasts here.
        const cfg = at(port) as DevHostConfig;
        const file = writeConfig(dir!, { ...cfg, transport: { ...cfg.transport, queueTimeoutMs: 3_000 } }, 'dropping.json');
        const r = await runCli(['probe', '--config', file, '--json']);
        assertExit(r, 1);
        assert.equal(jsonOf(r).verdict, 'fail');
        assert.ok(connections <= 10, `${connections} connections in ${r.ms} ms`);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  );

  it('a config file that does not exist: exit 1, one line naming the file, no stack', T, async () => {
    const missing = path.join(dir!, 'no-such-config.json');
    const line = assertOneLineError(await runCli(['probe', '--config', missing]), 1);
    assert.ok(line.includes(missing), line);
    assert.match(line, /cannot be read|ENOENT|not found|no such file/i);
  });

  it('a config file that is not JSON: exit 1, one line naming the file', T, async () => {
    const bad = path.join(dir!, 'bad.json');
    fs.writeFileSync(bad, '{ "kmip": ');
    const line = assertOneLineError(await runCli(['probe', '--config', bad]), 1);
    assert.ok(line.includes(bad), line);
    assert.match(line, /not valid JSON/);
  });
});

// ---------------------------------------------------------------------------

describe('kmip-kms dev-server (child process)', () => {
  let dir: string | undefined;
  before(() => {
    dir = tmpDir('kmip-kms-cli-dev-');
  });
  after(() => rmTmp(dir));

  /** The config section printed between its header and the "probe it" line. */
  function printedConfig(out: string): DevHostConfig {
    const m = /cloudserver config\.json "kmip" section:\n([\s\S]+?)\nprobe it:/.exec(out);
    assert.ok(m, `no config section in:\n${out}`);
    return JSON.parse(m[1]!) as DevHostConfig;
  }

  it('dev-server --port 0 --certs DIR: banner, config; a client using the printed certificates works; SIGINT -> exit 0 promptly', T, async () => {
    const certs = path.join(dir!, 'certs');
    const child = spawnCli(['dev-server', '--port', '0', '--certs', certs]);
    let client: KmipClient | undefined;
    try {
      const out = await readStdoutUntil(child, (s) => /^stop with Ctrl-C$/m.test(s));
      const lines = out.split('\n');
      assert.match(lines[0]!, /NOT an appliance/);
      assert.match(lines[0]!, /development and tests only/);
      const listening = /^listening on (\S+):(\d+)$/m.exec(out);
      assert.ok(listening, out);
      const port = Number(listening[2]);
      assert.ok(port > 0 && port < 65536);
      const cfg = printedConfig(out);
      assert.equal(cfg.transport.tls.port, port);
      assert.equal(cfg.transport.tls.host, listening[1]);
      for (const f of [cfg.transport.tls.key, cfg.transport.tls.cert, ...cfg.transport.tls.ca]) {
        assert.equal(path.dirname(f), path.resolve(certs), `${f} is not in --certs`);
        assert.ok(fs.existsSync(f), `${f} does not exist`);
      }
      assert.match(out, new RegExp(`^certificates in ${path.resolve(certs).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`, 'm'));
      // A client made from exactly what was printed.
      client = new KmipClient({ ...settingsFromHostConfig(cfg, { logger: silentLogger }).transport, logger: silentLogger });
      const q = await client.query();
      assert.equal(q.vendorIdentification, DEV_SERVER_VENDOR);
      const { uniqueIdentifier } = await client.create({ activationDate: new Date() });
      assert.ok(uniqueIdentifier.length > 0);
      // Ctrl-C with the client still connected.
      assert.ok(child.kill('SIGINT'));
      const exit = await waitExit(child, 10_000);
      assert.equal(exit.timedOut, false, 'dev-server did not exit within 10 s of SIGINT');
      assert.equal(exit.signal, null);
      assert.equal(exit.code, 0);
      assert.ok(exit.ms < 5_000, `exit took ${exit.ms} ms`);
      // The certificates stay where they were asked to be.
      assert.deepEqual(fs.readdirSync(certs).sort(), ['ca.crt', 'ca.key', 'client.crt', 'client.key', 'server.crt', 'server.key']);
    } finally {
      await client?.close({ drainTimeoutMs: 0 });
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await waitExit(child);
      }
    }
  });

  it('dev-server without --certs: its temporary certificate folder is removed on SIGTERM', T, async () => {
    const tmp = fs.mkdtempSync(path.join(dir!, 'tmpdir-'));
    const child = spawnCli(['dev-server', '--port', '0'], { env: { TMPDIR: tmp } });
    try {
      const out = await readStdoutUntil(child, (s) => /^stop with Ctrl-C$/m.test(s));
      const certs = /^certificates in (.+?):/m.exec(out)?.[1];
      assert.ok(certs && certs.startsWith(tmp), `certificates not under TMPDIR:\n${out}`);
      assert.ok(fs.existsSync(path.join(certs, 'client.crt')));
      child.kill('SIGTERM');
      const exit = await waitExit(child, 10_000);
      assert.deepEqual([exit.code, exit.signal, exit.timedOut], [0, null, false]);
      assert.deepEqual(fs.readdirSync(tmp), [], 'something was left in TMPDIR');
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await waitExit(child);
      }
    }
  });

  it(
    'dev-server --port 70000: exit 2, usage error naming --port',
    {
      ...T,
    },
    async () => {
      // --certs: a failed start would otherwise leak a temporary folder (see below).
      assertUsageError(await runCli(['dev-server', '--port', '70000', '--certs', path.join(dir!, 'bad-port-certs')]), /--port/);
    },
  );

  it(
    'dev-server on a port already in use: exit 1, one line naming the address, no stack',
    {
      ...T,
    },
    async () => {
      const busy = net.createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      try {
        const port = (busy.address() as net.AddressInfo).port;
        const line = assertOneLineError(await runCli(['dev-server', '--port', String(port), '--certs', path.join(dir!, 'busy-certs')]), 1);
        assert.ok(line.includes(String(port)), line);
      } finally {
        await new Promise<void>((resolve) => busy.close(() => resolve()));
      }
    },
  );

  it(
    'a dev-server that fails to start leaves no temporary certificate folder behind',
    {
      ...T,
    },
    async () => {
      const tmp = fs.mkdtempSync(path.join(dir!, 'tmpdir-'));
      const busy = net.createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      try {
        const port = (busy.address() as net.AddressInfo).port;
        const r = await runCli(['dev-server', '--port', String(port)], { env: { TMPDIR: tmp } });
        assertExit(r, 1);
        assert.deepEqual(fs.readdirSync(tmp), [], 'a certificate folder was left in TMPDIR');
      } finally {
        await new Promise<void>((resolve) => busy.close(() => resolve()));
      }
    },
  );

  it(
    'dev-server --data FILE that is not JSON: exit 1, one line naming the file, no stack',
    {
      ...T,
    },
    async () => {
      const data = path.join(dir!, 'broken-keys.json');
      fs.writeFileSync(data, '{ not json');
      const line = assertOneLineError(await runCli(['dev-server', '--port', '0', '--certs', path.join(dir!, 'data-certs'), '--data', data]), 1);
      assert.ok(line.includes(data), line);
    },
  );
});
