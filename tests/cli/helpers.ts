/**
 * Running the BUILT `kmip-kms` binary as a user would (a child `node`
 * process), and the assertions every CLI test makes about its output.
 * Not a test file itself.
 */
import type { KmipClient } from '../../lib/client';
import type { ProbeReport } from '../../lib/probe';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** dist/tests/cli -> dist/bin/kmip-kms.js */
export const BIN = path.resolve(__dirname, '..', '..', 'bin', 'kmip-kms.js');
/** The repository's package.json (dist/tests/cli -> ../../..). */
export const PACKAGE_JSON = path.resolve(__dirname, '..', '..', '..', 'package.json');

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit. */
  readonly ms: number;
}

export interface RunOptions {
  /** Added to the environment (which never carries the caller's S3KMIP_* variables). */
  readonly env?: Record<string, string>;
  /** SIGKILL the child after this long (default 45 s); the result then says so. */
  readonly timeoutMs?: number;
  readonly cwd?: string;
}

/** The test process's environment without any S3KMIP_* variable (they would change what probe reads). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('S3KMIP_')) env[k] = v;
  return { ...env, ...extra };
}

/** Spawns the binary; never leaves the child running past `timeoutMs`. */
export function spawnCli(args: readonly string[], opts: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: cleanEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
  });
}

/** Runs `kmip-kms ...args` to completion. Asynchronous: an in-process server keeps answering meanwhile. */
export function runCli(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const t0 = Date.now();
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timeoutMs = opts.timeoutMs ?? 45_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Everything a failed assertion should show about a run. */
export function show(r: RunResult): string {
  return `exit ${String(r.code)}${r.signal ? ` (signal ${r.signal})` : ''} after ${r.ms} ms\n--- stdout ---\n${r.stdout.slice(0, 4000)}\n--- stderr ---\n${r.stderr.slice(0, 4000)}`;
}

export function assertExit(r: RunResult, code: number): void {
  assert.equal(r.signal, null, `killed by a signal:\n${show(r)}`);
  assert.equal(r.code, code, `expected exit ${code}:\n${show(r)}`);
}

/** No stack trace anywhere in the output. */
export function assertNoStack(r: RunResult): void {
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    assert.ok(!/^ {4}at /m.test(text), `a stack trace on ${name}:\n${show(r)}`);
    assert.ok(!/unexpected error/i.test(text), `an "unexpected error" on ${name}:\n${show(r)}`);
  }
}

/** An expected failure: exit `code`, nothing on stdout, ONE line `kmip-kms: ...` on stderr, no stack. Returns that line. */
export function assertOneLineError(r: RunResult, code = 1): string {
  assertExit(r, code);
  assertNoStack(r);
  assert.equal(r.stdout, '', `stdout should be empty:\n${show(r)}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one line on stderr:\n${show(r)}`);
  assert.match(lines[0]!, /^kmip-kms: \S/, show(r));
  return lines[0]!;
}

/** A usage error: exit 2, a `kmip-kms: ...` first line on stderr (usage text may follow), no stack, nothing on stdout. */
export function assertUsageError(r: RunResult, message?: RegExp): void {
  assertExit(r, 2);
  assertNoStack(r);
  assert.equal(r.stdout, '', `stdout should be empty:\n${show(r)}`);
  assert.match(r.stderr, /^kmip-kms: \S/, show(r));
  if (message) assert.match(r.stderr.split('\n')[0]!, message, show(r));
}

/** A fresh temporary folder (removed by the caller, or by `rmTmp`). */
export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmTmp(dir: string | undefined): void {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
}

/** A loopback port nobody listens on any more (listen on 0, read it, close). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Writes a cloudserver-style config.json `{ "kmip": kmip }` into `dir`; returns its path. */
export function writeConfig(dir: string, kmip: unknown, name = 'config.json'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({ kmip }, null, 2));
  return file;
}

/** Resolves with the stdout read so far once `done(stdout)` holds; rejects when the child exits first or after `timeoutMs`. */
export function readStdoutUntil(child: ChildProcess, done: (stdout: string) => boolean, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const onOut = (d: Buffer): void => {
      out += d.toString('utf8');
      if (done(out)) finish(() => resolve(out));
    };
    const onErr = (d: Buffer): void => {
      err += d.toString('utf8');
    };
    const onExit = (code: number | null, signal: string | null): void =>
      finish(() => reject(new Error(`exited (code ${String(code)}, signal ${String(signal)}) before the expected output\n--- stdout ---\n${out}\n--- stderr ---\n${err}`)));
    const timer = setTimeout(() => finish(() => reject(new Error(`no expected output within ${timeoutMs} ms\n--- stdout ---\n${out}\n--- stderr ---\n${err}`))), timeoutMs);
    function finish(f: () => void): void {
      clearTimeout(timer);
      child.stdout!.off('data', onOut);
      child.stderr!.off('data', onErr);
      child.off('exit', onExit);
      f();
    }
    child.stdout!.on('data', onOut);
    child.stderr!.on('data', onErr);
    child.once('exit', onExit);
  });
}

/** Waits for the child to exit (at most `timeoutMs`, then SIGKILL). */
export function waitExit(child: ChildProcess, timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; timedOut: boolean }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode, ms: 0, timedOut: false });
      return;
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - t0, timedOut });
    });
  });
}

/** Parses a command's stdout as JSON, failing the test with the output when it is not. */
export function jsonOf<X = ProbeReport>(r: RunResult): X {
  try {
    return JSON.parse(r.stdout) as X;
  } catch (err) {
    return assert.fail(`stdout is not JSON (${(err as Error).message}):\n${show(r)}`);
  }
}

/** The probe check whose name matches. */
export function check(report: ProbeReport, name: RegExp): ProbeReport['checks'][number] {
  const c = report.checks.find((x) => name.test(x.name));
  assert.ok(c, `no check matching ${String(name)} in ${JSON.stringify(report.checks, null, 2)}`);
  return c;
}

/**
 * No key with material is left on the server (Locate lists online objects),
 * and the check is not vacuous: a key made now is found. Closes the client.
 */
export async function assertNoKeysLeft(c: KmipClient): Promise<void> {
  try {
    assert.deepEqual(await c.locate({}), []);
    const { uniqueIdentifier } = await c.create();
    assert.deepEqual(await c.locate({}), [uniqueIdentifier]);
    await c.destroy(uniqueIdentifier);
  } finally {
    await c.close();
  }
}
