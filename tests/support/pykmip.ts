/**
 * Harness that runs a REAL PyKMIP 0.10 server (Debian package
 * `python3-pykmip`) for interop tests.
 *
 * Usage in a node:test file:
 *
 *   import { it } from 'node:test';
 *   import { pykmipSuite, tlsOptionsFor } from '../support/pykmip';
 *
 *   pykmipSuite('discover versions', (srv) => {
 *     it('answers', async () => {
 *       const s = srv();              // started in before(), stopped in after()
 *       const sock = tls.connect(tlsOptionsFor(s)); // TLS 1.2, CA + client cert
 *       // or: s.host, s.port, s.pki.ca / s.pki.clientCert / s.pki.clientKey
 *     });
 *   });
 *
 * Limitation: if the test process is SIGKILLed, the server (own process
 * group) is orphaned; SIGINT/SIGTERM/SIGHUP and normal exit are handled.
 *
 * - PyKMIP missing, default mode: the suite is skipped with a loud reason
 *   (also printed once to stderr).
 * - PyKMIP missing, KMIP_INTEROP=required: the suite contains one FAILING
 *   test naming the package to install.
 * - KMIP_PYKMIP_PYTHON / KMIP_PYKMIP_SERVER override the interpreter and the
 *   server script (defaults /usr/bin/python3, /usr/bin/pykmip-server).
 * - KMIP_PYKMIP_KEEP=1 keeps each server's temp dir (logs, db, PKI) after
 *   stop and prints its path, for debugging.
 *
 * Every started server runs in its own process group (PyKMIP forks a
 * multiprocessing Manager and a policy-monitor process); stop() and the
 * process 'exit'/signal handlers kill the whole group and delete the temp dir.
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import { promises as fsp } from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { after, before, describe, it } from 'node:test';
import { makeTestPki, type TestPki } from './certs';

/** Debian's python3 (not a pyenv python from PATH). Override: KMIP_PYKMIP_PYTHON. */
export const PYKMIP_PYTHON = process.env['KMIP_PYKMIP_PYTHON'] || '/usr/bin/python3';
/** Override: KMIP_PYKMIP_SERVER (e.g. a pip-installed pykmip-server). */
export const PYKMIP_SERVER_SCRIPT = process.env['KMIP_PYKMIP_SERVER'] || '/usr/bin/pykmip-server';
export const PYKMIP_MODULE_DIR = '/usr/lib/python3/dist-packages/kmip';
export const PYKMIP_PACKAGE = 'python3-pykmip';

const STARTUP_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;
const STOP_GRACE_MS = 3_000;
const BIND_RETRIES = 4;

export interface PykmipServer {
  host: '127.0.0.1';
  port: number;
  pki: TestPki;
  pid: number;
  /** Temp dir holding PKI, conf, sqlite db and logs (removed by stop()). */
  dir: string;
  /** PyKMIP's own log file (passed with `-l`). */
  logPath: string;
  /** stdout+stderr of the server process (tracebacks before logging setup). */
  stdioLogPath: string;
  confPath: string;
  /** Current contents of the PyKMIP log ('' once the dir is removed). */
  readLog(): string;
  /** SIGINT the process group (PyKMIP's fast clean shutdown; SIGTERM takes
   * ~10 s), SIGKILL after 3 s, wait until the group is gone, remove the dir.
   * Idempotent. */
  stop(): Promise<void>;
}

export interface StartPykmipOptions {
  /** PyKMIP logging_level (DEBUG, INFO, WARNING, ...). Default DEBUG. */
  logLevel?: string;
  /** CN of the default client certificate (default `kmip-client`). */
  clientCn?: string;
}

// ---------------------------------------------------------------------------
// Availability / interop mode
// ---------------------------------------------------------------------------

let availableCache: boolean | undefined;

/** True when the server script, the python interpreter and the `kmip` module exist. */
export function pykmipAvailable(): boolean {
  if (availableCache !== undefined) return availableCache;
  let ok = fs.existsSync(PYKMIP_PYTHON) && fs.existsSync(PYKMIP_SERVER_SCRIPT);
  if (ok) {
    if (PYKMIP_PYTHON === '/usr/bin/python3') {
      ok = fs.existsSync(path.join(PYKMIP_MODULE_DIR, '__init__.py'));
    } else {
      try {
        execFileSync(PYKMIP_PYTHON, ['-c', 'import kmip.services.server'], { stdio: 'ignore', timeout: 20_000 });
      } catch {
        ok = false;
      }
    }
  }
  availableCache = ok;
  return ok;
}

export function interopMode(): 'required' | 'optional' {
  return (process.env['KMIP_INTEROP'] ?? '').trim().toLowerCase() === 'required' ? 'required' : 'optional';
}

export const PYKMIP_MISSING_MESSAGE =
  `PyKMIP not installed (${PYKMIP_SERVER_SCRIPT} or the python 'kmip' module for ${PYKMIP_PYTHON} missing) — ` +
  `install Debian package ${PYKMIP_PACKAGE} (apt-get install ${PYKMIP_PACKAGE}) to run real-server interop tests`;

let skipNoticePrinted = false;

/**
 * undefined when PyKMIP is available. Otherwise: in optional mode returns a
 * loud skip reason (printed to stderr once); in required mode
 * (KMIP_INTEROP=required) throws an Error with the same message.
 */
export function interopSkipReason(): string | undefined {
  if (pykmipAvailable()) return undefined;
  if (interopMode() === 'required') {
    throw new Error(`KMIP_INTEROP=required but ${PYKMIP_MISSING_MESSAGE}`);
  }
  const msg = `SKIPPED: ${PYKMIP_MISSING_MESSAGE}`;
  if (!skipNoticePrinted) {
    skipNoticePrinted = true;
    process.stderr.write(`\n*** ${msg} ***\n\n`);
  }
  return msg;
}

// ---------------------------------------------------------------------------
// Cleanup of servers still running at process exit
// ---------------------------------------------------------------------------

interface LiveServer {
  pgid: number;
  exited: boolean;
}

/** Server process groups not yet reaped by stop(). */
const live = new Set<LiveServer>();
/** Temp dirs created by startPykmip and not yet removed. */
const liveDirs = new Set<string>();
let exitHandlersInstalled = false;

function keepDirs(): boolean {
  const v = process.env['KMIP_PYKMIP_KEEP'];
  return v !== undefined && v !== '' && v !== '0';
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: group already gone.
  }
}

function cleanupAllSync(): void {
  for (const s of live) killGroup(s.pgid, 'SIGKILL');
  live.clear();
  if (!keepDirs()) {
    for (const dir of liveDirs) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  }
  liveDirs.clear();
}

function onFatalSignal(signal: NodeJS.Signals): void {
  cleanupAllSync();
  for (const sig of FATAL_SIGNALS) process.removeListener(sig, onFatalSignal);
  // If nobody else handles this signal, re-raise it so the default
  // disposition (terminate) applies; otherwise the other listeners decide.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

const FATAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  process.on('exit', cleanupAllSync);
  for (const sig of FATAL_SIGNALS) process.on(sig, onFatalSignal);
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const port = addr.port;
      srv.close(() => resolve(port));
    });
  });
}

function tailOf(file: string, maxBytes = 6_000): string {
  try {
    const buf = fs.readFileSync(file);
    const start = Math.max(0, buf.length - maxBytes);
    return (start > 0 ? '…' : '') + buf.subarray(start).toString('utf8');
  } catch {
    return '(no log)';
  }
}

function logsTail(logPath: string, stdioLogPath: string): string {
  return `--- ${logPath} (tail) ---\n${tailOf(logPath)}\n--- ${stdioLogPath} (tail) ---\n${tailOf(stdioLogPath)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** TLS 1.2 client options for a server started by startPykmip. */
export function tlsOptionsFor(
  srv: Pick<PykmipServer, 'host' | 'port' | 'pki'>,
  client?: { cert: string; key: string },
): tls.ConnectionOptions {
  return {
    host: srv.host,
    port: srv.port,
    servername: 'localhost',
    ca: srv.pki.ca,
    cert: client?.cert ?? srv.pki.clientCert,
    key: client?.key ?? srv.pki.clientKey,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
  };
}

/** One handshake attempt; resolves true on secureConnect, false on any error. */
function probeHandshake(opts: tls.ConnectionOptions): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const sock = tls.connect(opts);
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(PROBE_TIMEOUT_MS, () => finish(false));
    sock.once('secureConnect', () => finish(true));
    sock.once('error', () => finish(false));
    sock.once('close', () => finish(false));
  });
}

function writeConf(confPath: string, c: {
  port: number;
  pki: TestPki;
  policyDir: string;
  dbPath: string;
  logLevel: string;
}): Promise<void> {
  const conf = [
    '[server]',
    'hostname=127.0.0.1',
    `port=${c.port}`,
    `certificate_path=${c.pki.serverCertPath}`,
    `key_path=${c.pki.serverKeyPath}`,
    `ca_path=${c.pki.caPath}`,
    'auth_suite=TLS1.2',
    'enable_tls_client_auth=True',
    `policy_path=${c.policyDir}`,
    `database_path=${c.dbPath}`,
    `logging_level=${c.logLevel}`,
    '',
  ].join('\n');
  return fsp.writeFile(confPath, conf);
}

class ExitedEarly extends Error {
  constructor(message: string, readonly bindFailure: boolean) {
    super(message);
  }
}

interface Spawned {
  child: ChildProcess;
  entry: LiveServer;
  exitPromise: Promise<void>;
}

function spawnServer(dir: string, confPath: string, logPath: string, stdioLogPath: string): Spawned {
  const fd = fs.openSync(stdioLogPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(PYKMIP_PYTHON, [PYKMIP_SERVER_SCRIPT, '-f', confPath, '-l', logPath], {
      cwd: dir,
      detached: true, // own process group, so we can kill PyKMIP's forked helpers too
      stdio: ['ignore', fd, fd],
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
  } finally {
    fs.closeSync(fd);
  }
  child.unref();
  if (child.pid === undefined) {
    throw new Error(`failed to spawn ${PYKMIP_PYTHON} ${PYKMIP_SERVER_SCRIPT}`);
  }
  const entry: LiveServer = { pgid: child.pid, exited: false };
  live.add(entry);
  const exitPromise = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      entry.exited = true;
      resolve();
      return;
    }
    child.once('exit', () => {
      entry.exited = true;
      resolve();
    });
    child.once('error', () => {
      entry.exited = true;
      resolve();
    });
  });
  return { child, entry, exitPromise };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stop the whole process group. PyKMIP's SIGTERM handler only clears a flag
 * that its accept() loop (10 s socket timeout) notices late, so SIGTERM takes
 * ~10 s; SIGINT raises KeyboardInterrupt and shuts down cleanly in ~1 s.
 * So: SIGINT, then SIGKILL after STOP_GRACE_MS, then wait for the group
 * (multiprocessing Manager + policy monitor) to disappear.
 */
async function terminate(sp: Spawned): Promise<void> {
  const pgid = sp.entry.pgid;
  if (!sp.entry.exited) {
    sp.child.ref(); // keep the loop alive until the exit event arrives
    killGroup(pgid, 'SIGINT');
    const killTimer = setTimeout(() => killGroup(pgid, 'SIGKILL'), STOP_GRACE_MS);
    try {
      await sp.exitPromise;
    } finally {
      clearTimeout(killTimer);
      sp.child.unref();
    }
  }
  // Leader gone; make sure no forked helper of the group survives.
  killGroup(pgid, 'SIGKILL');
  const until = Date.now() + STOP_GRACE_MS;
  while (groupAlive(pgid) && Date.now() < until) await sleep(20);
}

const BIND_FAILURE_RE = /failed to bind socket handler|Address already in use|EADDRINUSE/i;

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Wait until a TLS 1.2 handshake with the client cert succeeds.
 *
 * A startup exception raised after PyKMIP has forked its (non-daemon) policy
 * monitor does NOT make the process exit: it hangs forever. Notably a bind
 * failure ("Server failed to bind socket handler") behaves this way. So a
 * Python traceback on stderr is treated as a failed start, as is an early exit.
 */
async function waitReady(
  sp: Spawned,
  probeOpts: tls.ConnectionOptions,
  deadline: number,
  logPath: string,
  stdioLogPath: string,
): Promise<void> {
  for (;;) {
    const stdio = readOrEmpty(stdioLogPath);
    const crashed = stdio.includes('Traceback (most recent call last)');
    if (sp.entry.exited || crashed) {
      const what = sp.entry.exited
        ? `exited during startup (code ${String(sp.child.exitCode)}, signal ${String(sp.child.signalCode)})`
        : 'raised an exception during startup';
      const bindFailure = BIND_FAILURE_RE.test(stdio) || BIND_FAILURE_RE.test(readOrEmpty(logPath));
      throw new ExitedEarly(`PyKMIP server ${what}\n${logsTail(logPath, stdioLogPath)}`, bindFailure);
    }
    if (await probeHandshake(probeOpts)) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `PyKMIP server did not accept a TLS handshake within ${STARTUP_TIMEOUT_MS} ms\n${logsTail(logPath, stdioLogPath)}`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

// ---------------------------------------------------------------------------
// startPykmip
// ---------------------------------------------------------------------------

export async function startPykmip(opts: StartPykmipOptions = {}): Promise<PykmipServer> {
  if (!pykmipAvailable()) throw new Error(PYKMIP_MISSING_MESSAGE);
  installExitHandlers();

  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kmip-pykmip-'));
  liveDirs.add(dir);
  const removeDir = async (): Promise<void> => {
    liveDirs.delete(dir);
    if (!keepDirs()) await fsp.rm(dir, { recursive: true, force: true });
  };

  const logLevel = opts.logLevel ?? 'DEBUG';
  const logPath = path.join(dir, 'server.log');
  const stdioLogPath = path.join(dir, 'stdio.log');
  const confPath = path.join(dir, 'server.conf');
  const policyDir = path.join(dir, 'policies');
  const dbPath = path.join(dir, 'pykmip.db');
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;

  let pki: TestPki;
  try {
    await fsp.mkdir(policyDir);
    pki = await makeTestPki(path.join(dir, 'pki'), opts.clientCn !== undefined ? { clientCn: opts.clientCn } : {});
  } catch (e) {
    await removeDir();
    throw e;
  }

  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    await writeConf(confPath, { port, pki, policyDir, dbPath, logLevel });
    let sp: Spawned;
    try {
      sp = spawnServer(dir, confPath, logPath, stdioLogPath);
    } catch (e) {
      await removeDir();
      throw e;
    }
    try {
      await waitReady(sp, tlsOptionsFor({ host: '127.0.0.1', port, pki }), deadline, logPath, stdioLogPath);
    } catch (e) {
      await terminate(sp);
      live.delete(sp.entry);
      if (e instanceof ExitedEarly && e.bindFailure && attempt < BIND_RETRIES && Date.now() < deadline) {
        // Port raced with someone else: start over with a fresh port and db.
        await Promise.all(
          [logPath, stdioLogPath, dbPath].map((p) => fsp.rm(p, { force: true })),
        );
        continue;
      }
      await removeDir();
      throw e;
    }

    const spawned = sp;
    let stopping: Promise<void> | undefined;
    const server: PykmipServer = {
      host: '127.0.0.1',
      port,
      pki,
      pid: spawned.entry.pgid,
      dir,
      logPath,
      stdioLogPath,
      confPath,
      readLog: () => readOrEmpty(logPath),
      stop: () => {
        stopping ??= (async () => {
          await terminate(spawned);
          live.delete(spawned.entry);
          if (keepDirs()) {
            process.stderr.write(`[pykmip] kept server dir ${dir}\n`);
          }
          await removeDir();
        })();
        return stopping;
      },
    };
    return server;
  }
}

// ---------------------------------------------------------------------------
// node:test suite wrapper
// ---------------------------------------------------------------------------

export interface PykmipSuiteOptions extends StartPykmipOptions {
  /** Timeout for the before() hook that starts the server. Default 60 s. */
  startTimeoutMs?: number;
}

/**
 * `describe(name, body)` for a suite that needs PyKMIP. When PyKMIP is
 * missing: optional mode -> the suite is skipped with a loud reason; required
 * mode -> the suite holds one failing test, `missingTestName`, whose error
 * names the package.
 */
export function interopDescribe(name: string, missingTestName: string, body: () => void): void {
  let skip: string | undefined;
  try {
    skip = interopSkipReason();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    describe(name, () => {
      it(missingTestName, () => {
        throw err;
      });
    });
    return;
  }
  describe(name, { skip }, body);
}

/**
 * `describe(name)` with a PyKMIP server started in before() and stopped in
 * after(). `body` registers tests and receives `srv()`, which returns the
 * running server (only call it inside tests/hooks, not at registration).
 *
 * When PyKMIP is missing: optional mode -> the suite is skipped with a loud
 * reason; required mode -> the suite holds one failing test naming the package.
 */
export function pykmipSuite(
  name: string,
  body: (srv: () => PykmipServer) => void,
  opts: PykmipSuiteOptions = {},
): void {
  const { startTimeoutMs, ...startOpts } = opts;
  interopDescribe(name, `PyKMIP server is available (${PYKMIP_PACKAGE})`, () => {
    let server: PykmipServer | undefined;
    before(async () => {
      server = await startPykmip(startOpts);
    }, { timeout: startTimeoutMs ?? 60_000 });
    after(async () => {
      await server?.stop();
    });
    body(() => {
      if (server === undefined) throw new Error('PyKMIP server is not running (before() hook failed or not yet run)');
      return server;
    });
  });
}
