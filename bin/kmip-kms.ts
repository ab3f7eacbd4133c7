#!/usr/bin/env node
/**
 * kmip-kms command line: demo, dev-server, probe, inspect.
 * Expected failures print one clear line (no stack trace) and exit non-zero.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { KmipBackend } from '../lib/backend/backend';
import { isValuesFileName, loadSettings, settingsFromHostConfig } from '../lib/backend/config';
import type { KmipSettings } from '../lib/backend/settings';
import { runDemo } from '../lib/demo';
import { KmipError } from '../lib/errors';
import { printTtlv } from '../lib/kmip/printer';
import { toKmipXml } from '../lib/kmip/xml';
import { silentLogger, type Logger } from '../lib/logger';
import { probeEach, type ProbeReport } from '../lib/probe';
import { DataFileError, DEV_SERVER_DEFAULTS, startDevServer } from '../lib/server';
import { decode, TtlvError, TtlvFramer } from '../lib/ttlv';

const VERSION: string = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

class UsageError extends Error {}

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!);
}

const HELP = `kmip-kms ${VERSION} — KMIP key management for S3 servers

Usage: kmip-kms <command> [options]

Commands:
  demo          start a development KMIP server and run what the S3 server does
                (create a bucket key, wrap and unwrap data keys, destroy the key)
  dev-server    run the development KMIP server (NOT an appliance)
  probe         check a real KMIP appliance before pointing the S3 server at it
  inspect       decode a KMIP (TTLV) message into a readable tree, key material redacted

Run "kmip-kms <command> --help" for a command's options.
`;

const HELPS: Record<string, string> = {
  demo: `Usage: kmip-kms demo [--keys N] [--concurrency M] [--server HOST:PORT --config FILE]

Starts the development KMIP server on a free loopback port with fresh certificates
(unless --server is given), then drives the KMS backend as the S3 server does: create
a bucket key, wrap and unwrap N data keys with M in flight, verify every unwrap,
destroy the key; prints negotiated version, vendor, throughput and latency.

  --keys N             data keys to wrap and unwrap (default 5000)
  --concurrency M      operations in flight (default 64)
  --server HOST:PORT   use this KMIP server instead of the development server
  --config FILE        cloudserver config.json, or the chart's values.yaml (kmip-*.pem beside it)
  --pem-dir DIR        folder of the chart's kmip-*.pem files (default: beside values.yaml)
  --json               print the report as JSON
`,
  'dev-server': `Usage: kmip-kms dev-server [--port N] [--host H] [--certs DIR] [--data FILE] [--coalesce] [limits]

A KMIP server for development and tests — NOT an appliance. It generates a
throwaway CA, server and client certificates (or reuses those in --certs), and
prints where they are and the exact host configuration to use.

  --port N       port (default 5696; 0 = any free port)
  --host H       address to listen on (default 127.0.0.1)
  --certs DIR    folder for the certificates (default: a new temporary folder)
  --data FILE    keep keys in this file (in clear!) instead of in memory
  --coalesce     let answers ready together share one TLS record (client stress
                 tests); default: one answer per TLS record, as appliances do

Limits (an idle, slow or non-reading client cannot hold resources forever):
  --idle-timeout-ms N     close a connection idle this long (default 300000; 0 = never)
  --read-timeout-ms N     a request must arrive whole within this long of its first
                          byte (default 30000; 0 = never)
  --max-connections N     connections at once; beyond, new ones are closed (default 1000)
  --max-buffered-bytes N  per connection, unsent answers beyond which it stops reading
                          until the client reads (default 8388608)
`,
  probe: `Usage: kmip-kms probe (--config config.json | --config values.yaml [--pem-dir DIR] | --env) [--json]

Connects to every configured host, one after the other, as the S3 server would,
and reports for each: TLS version and cipher, certificate
subjects and expiry dates, negotiated KMIP version, vendor, the operations of the
three required server profiles, a self-test (create, activate, encrypt, decrypt,
revoke, destroy of a scratch key) and the two optional features, with a verdict
per host; with several hosts, an overall verdict last (fail when any host
fails). Exit code 0 = pass, 1 = fail, 2 = bad usage.

  --config FILE      cloudserver config.json (kmip section; the S3KMIP_* variables are its
                     defaults, as in cloudserver), or the chart's values.yaml (YAML or
                     JSON; kmip-key.pem, kmip-cert.pem, kmip-ca.pem beside it)
  --pem-dir DIR      folder of the chart's kmip-*.pem files (default: beside values.yaml)
  --env              read only the S3KMIP_* environment variables
  --server HOST:PORT override the server to probe
  --no-self-test     do not create any key
  --json             machine-readable output
`,
  inspect: `Usage: kmip-kms inspect HEX|FILE [--xml]

Decodes one or more KMIP messages (TTLV) given as a hex string, or a file holding
hex text or raw bytes, into a readable tree. Key material, passwords and the
plaintext of Encrypt requests / Decrypt responses are redacted.

  --xml     print the KMIP XML encoding instead of the tree (not redacted: do not use on live traffic)
`,
};

function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : s + '\n');
}

function parse(cmd: string, argv: string[], options: Record<string, { type: 'string' | 'boolean' }>): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, allowPositionals: true, strict: true });
    if (r.values['help']) {
      out(HELPS[cmd] ?? HELP);
      process.exit(0);
    }
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${HELPS[cmd] ?? HELP}`);
  }
}

function intOpt(v: string | boolean | undefined, name: string, dflt: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}, got ${String(v)}`);
  }
  return n;
}

function hostPort(v: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(v) ?? /^([^:]+)$/.exec(v);
  if (!m) throw new UsageError(`--server must be HOST:PORT, got ${v}`);
  const port = m[2] === undefined ? 5696 : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--server port must be 1..65535, got ${String(m[2])}`);
  return { host: m[1]!, port };
}

function settingsFrom(values: Record<string, string | boolean | undefined>, logger: Logger): KmipSettings {
  const config = values['config'] as string | undefined;
  const pemDir = values['pem-dir'] as string | undefined;
  let s: KmipSettings;
  if (pemDir !== undefined || (config !== undefined && isValuesFileName(config))) {
    if (!config) throw new UsageError('--pem-dir needs --config values.yaml (the chart values)');
    s = loadSettings({ chartValues: config, ...(pemDir !== undefined ? { pemDir } : {}) }, { logger });
  } else if (config !== undefined) s = loadSettings({ configFile: config }, { logger });
  else if (values['env']) s = loadSettings({}, { logger });
  else throw new UsageError('give --config FILE (cloudserver config.json or the chart\'s values.yaml), or --env');
  const server = values['server'] as string | undefined;
  if (server) s = { ...s, transport: { ...s.transport, hosts: [hostPort(server)] } };
  return s;
}

/** Warnings from loading and connecting go to stderr, one line each. */
const cliLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (msg, fields) => process.stderr.write(`warning: ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}\n`),
  error: (msg, fields) => process.stderr.write(`error: ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}\n`),
};

// ---------------------------------------------------------------------------

async function cmdInspect(argv: string[]): Promise<number> {
  const { values, positionals } = parse('inspect', argv, { xml: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError(`inspect needs one HEX string or FILE\n\n${HELPS['inspect']}`);
  const arg = positionals[0]!;
  let bytes: Buffer;
  if (fs.existsSync(arg) && fs.statSync(arg).isFile()) {
    const raw = fs.readFileSync(arg);
    const text = raw.toString('latin1').replace(/\s+/g, '');
    bytes = /^([0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : raw;
  } else {
    const hex = arg.replace(/\s+|0x|:/g, '');
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new UsageError(`${arg} is neither a file nor a hex string`);
    bytes = Buffer.from(hex, 'hex');
  }
  const framer = new TtlvFramer();
  const messages: Buffer[] = [];
  try {
    framer.push(bytes, (m) => messages.push(Buffer.from(m)));
  } catch (err) {
    if (err instanceof TtlvError) {
      // Not a framed stream: decode it as a single item for a precise error.
      decode(bytes);
    }
    throw err;
  }
  if (framer.bufferedBytes > 0) {
    throw new TtlvError('TTLV_TRUNCATED', `input ends in the middle of a message (${framer.bufferedBytes} bytes of an incomplete message)`, bytes.length - framer.bufferedBytes);
  }
  if (messages.length === 0) throw new UsageError('no message in the input');
  messages.forEach((m, i) => {
    const tree = decode(m);
    if (messages.length > 1) out(`# message ${i + 1} (${m.length} bytes)`);
    out(values['xml'] ? toKmipXml(tree) : printTtlv(tree));
  });
  return 0;
}

function renderProbe(r: ProbeReport): string {
  const lines: string[] = [];
  const mark = (s: string): string => ({ ok: 'ok  ', warn: 'WARN', fail: 'FAIL', unsupported: 'no  ', supported: 'yes ', skipped: '--  ' })[s] ?? s;
  lines.push(`server              ${r.server}`);
  if (r.tls) lines.push(`TLS                 ${r.tls.protocol ?? '?'}, cipher ${r.tls.cipher ?? '?'}`);
  for (const c of r.certificates) {
    lines.push(`${(c.role + ' certificate').padEnd(20)}${c.subject} (issuer ${c.issuer}), expires ${c.validTo.slice(0, 10)} (${c.daysLeft} days)${c.daysLeft < 30 ? '  <-- renew soon' : ''}`);
  }
  lines.push(`KMIP version        ${r.protocolVersion ?? 'not negotiated'}`);
  lines.push(`vendor              ${r.vendor ?? 'not announced'}`);
  for (const p of r.profiles) {
    lines.push(`profile             ${p.name}: ${p.missing.length === 0 ? 'all operations announced' : `missing ${p.missing.join(', ')}`}`);
  }
  lines.push('');
  for (const c of r.checks) lines.push(`[${mark(c.status)}] ${c.name}: ${c.detail}`);
  lines.push('');
  lines.push(
    r.verdict === 'pass'
      ? 'VERDICT: PASS — this server can be used by the S3 server'
      : r.verdict === 'pass-with-warnings'
        ? 'VERDICT: PASS WITH WARNINGS — usable; read the warnings above'
        : 'VERDICT: FAIL — do not point the S3 server at this configuration yet',
  );
  return lines.join('\n');
}

async function cmdProbe(argv: string[]): Promise<number> {
  const { values } = parse('probe', argv, {
    config: { type: 'string' },
    'pem-dir': { type: 'string' },
    env: { type: 'boolean' },
    server: { type: 'string' },
    'no-self-test': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const settings = settingsFrom(values, cliLogger);
  const cluster = await probeEach(settings, {
    logger: silentLogger,
    ...(values['no-self-test'] ? { noSelfTest: true } : {}),
    ...(values['json'] || !process.stderr.isTTY ? {} : { onStep: (s: string) => process.stderr.write(`… ${s}\n`) }),
  });
  if (cluster.hosts.length === 1) {
    const report = cluster.hosts[0]!;
    out(values['json'] ? JSON.stringify(report, null, 2) : renderProbe(report));
  } else if (values['json']) {
    out(JSON.stringify(cluster, null, 2));
  } else {
    const n = cluster.hosts.length;
    const blocks = cluster.hosts.map((r, i) => `== host ${i + 1} of ${n}: ${r.server} ==\n${renderProbe(r)}`);
    const passing = cluster.hosts.filter((r) => r.verdict !== 'fail').length;
    const overall =
      cluster.verdict === 'fail'
        ? `OVERALL VERDICT: FAIL — ${n - passing} of ${n} hosts fail: fix them before pointing the S3 server at this cluster`
        : cluster.verdict === 'pass-with-warnings'
          ? `OVERALL VERDICT: PASS WITH WARNINGS — all ${n} hosts usable; read the warnings above`
          : `OVERALL VERDICT: PASS — all ${n} hosts can be used by the S3 server`;
    out(`${blocks.join('\n\n')}\n\n${overall}`);
  }
  return cluster.verdict === 'fail' ? 1 : 0;
}

async function cmdDevServer(argv: string[]): Promise<number> {
  const { values } = parse('dev-server', argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    certs: { type: 'string' },
    data: { type: 'string' },
    coalesce: { type: 'boolean' },
    'idle-timeout-ms': { type: 'string' },
    'read-timeout-ms': { type: 'string' },
    'max-connections': { type: 'string' },
    'max-buffered-bytes': { type: 'string' },
  });
  const dev = await startDevServer({
    ...(values['coalesce'] ? { coalesce: true } : {}),
    idleTimeoutMs: intOpt(values['idle-timeout-ms'], 'idle-timeout-ms', DEV_SERVER_DEFAULTS.idleTimeoutMs, 0),
    readTimeoutMs: intOpt(values['read-timeout-ms'], 'read-timeout-ms', DEV_SERVER_DEFAULTS.readTimeoutMs, 0),
    maxConnections: intOpt(values['max-connections'], 'max-connections', DEV_SERVER_DEFAULTS.maxConnections, 1),
    maxBufferedBytes: intOpt(values['max-buffered-bytes'], 'max-buffered-bytes', DEV_SERVER_DEFAULTS.maxBufferedBytes, 1),
    port: intOpt(values['port'], 'port', 5696, 0, 65535),
    ...(values['host'] ? { host: values['host'] as string } : {}),
    ...(values['certs'] ? { certsDir: values['certs'] as string } : {}),
    ...(values['data'] ? { dataFile: values['data'] as string } : {}),
    logger: cliLogger,
  });
  // Before the banner: whoever reads "stop with Ctrl-C" may signal at once.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  out(dev.banner);
  out(`listening on ${dev.host}:${dev.port}`);
  out(`certificates in ${dev.certsDir}: CA ${dev.caPath}, client cert ${dev.clientCertPath}, client key ${dev.clientKeyPath}`);
  out('cloudserver config.json "kmip" section:');
  out(JSON.stringify(dev.hostConfig, null, 2));
  out('probe it:  kmip-kms probe --config <a config.json holding that section>');
  out('stop with Ctrl-C');
  await stopped;
  await dev.close();
  return 0;
}

async function cmdDemo(argv: string[]): Promise<number> {
  const { values } = parse('demo', argv, {
    keys: { type: 'string' },
    concurrency: { type: 'string' },
    server: { type: 'string' },
    config: { type: 'string' },
    'pem-dir': { type: 'string' },
    json: { type: 'boolean' },
  });
  const keys = intOpt(values['keys'], 'keys', 5000, 1);
  const concurrency = intOpt(values['concurrency'], 'concurrency', 64, 1);
  let settings: KmipSettings;
  let dev: Awaited<ReturnType<typeof startDevServer>> | undefined;
  if (values['server'] || values['config']) {
    if (!values['config']) throw new UsageError('--server needs --config FILE for the certificates');
    settings = settingsFrom(values, cliLogger);
  } else {
    dev = await startDevServer({ port: 0 });
    settings = settingsFromHostConfig(dev.hostConfig, { logger: cliLogger });
    if (!values['json']) out(`development KMIP server on ${dev.host}:${dev.port} (certificates in ${dev.certsDir})`);
  }
  const backend = new KmipBackend({ settings, logger: cliLogger });
  const progress = !values['json'] && process.stdout.isTTY;
  try {
    const report = await runDemo(backend, {
      keys,
      concurrency,
      ...(progress ? { onProgress: (d: number, t: number) => process.stdout.write(`\r  wrapped and unwrapped ${d}/${t} data keys`) } : {}),
    });
    if (progress) process.stdout.write('\n');
    if (values['json']) out(JSON.stringify(report, null, 2));
    else {
      out(`server            ${report.server ?? '?'} — ${report.vendor ?? 'vendor not announced'}, KMIP ${report.protocolVersion ?? '?'}`);
      out(`bucket key        ${report.keyArn}`);
      out(`operations        1 create+activate, ${report.operations.wrap} wraps, ${report.operations.unwrap} unwraps, 1 revoke+destroy (${concurrency} in flight)`);
      out(`verified          ${report.verified}/${keys} data keys unwrapped to their original bytes`);
      out(`throughput        ${report.operationsPerSecond.toFixed(0)} wrap+unwrap operations/s over ${report.seconds.toFixed(2)} s`);
      out(`latency (ms)      p50 ${report.latencyMs.p50.toFixed(2)}  p90 ${report.latencyMs.p90.toFixed(2)}  p99 ${report.latencyMs.p99.toFixed(2)}  max ${report.latencyMs.max.toFixed(2)}`);
      out(report.mismatches === 0 ? 'result            OK' : `result            FAILED: ${report.mismatches} data keys did not unwrap to their original bytes`);
    }
    return report.mismatches === 0 ? 0 : 1;
  } finally {
    await backend.close();
    await dev?.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    out(HELP);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version' || cmd === '-v') {
    out(VERSION);
    return 0;
  }
  switch (cmd) {
    case 'inspect':
      return cmdInspect(rest);
    case 'probe':
      return cmdProbe(rest);
    case 'demo':
      return cmdDemo(rest);
    case 'dev-server':
      return cmdDevServer(rest);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(cmd)}\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`kmip-kms: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof KmipError || err instanceof TtlvError || err instanceof DataFileError) {
      process.stderr.write(`kmip-kms: ${err.message}\n`);
      process.exitCode = 1;
    } else if (isSystemError(err)) {
      // listen/read failures (address in use, permission denied...): say which, no stack.
      process.stderr.write(`kmip-kms: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`kmip-kms: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
