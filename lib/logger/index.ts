/**
 * A werelogs-shaped logger: any object with debug/info/warn/error (and
 * optionally trace) taking a message and a fields object. The host's request
 * loggers and module loggers both fit.
 */
import * as os from 'os';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  trace?(msg: string, fields?: LogFields): void;
}

const noop = (): void => {};

/** Our logger name: the one a host werelogs Logger gets too (`new Logger('KmipKms')`). */
export const LOGGER_NAME = 'KmipKms';

/**
 * One log line on stderr when the host's werelogs is not there: JSON with
 * werelogs' field names (name, time, level, message, hostname, pid) and an
 * ISO time, then the line's own fields.
 */
export function writeLogLine(level: string, msg: string, fields?: LogFields): void {
  const line = { name: LOGGER_NAME, time: new Date().toISOString(), level, message: msg, hostname: os.hostname(), pid: process.pid, ...fields };
  process.stderr.write(JSON.stringify(line) + '\n');
}

/** Prints warnings and errors to stderr as one JSON line each (writeLogLine); drops the rest. */
export const stderrLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (msg, fields) => writeLogLine('warn', msg, fields),
  error: (msg, fields) => writeLogLine('error', msg, fields),
};

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop, trace: noop };

/** Calls a logger method without letting a broken logger break the caller. */
export function safeLog(logger: Logger, level: 'debug' | 'info' | 'warn' | 'error' | 'trace', msg: string, fields?: LogFields): void {
  try {
    const fn = logger[level];
    if (typeof fn === 'function') fn.call(logger, msg, fields);
  } catch {
    // a logger must never take the client down
  }
}

/**
 * Whether a line at `level` can ever reach an output, so that hot paths build
 * its fields only then. False for a missing method, for our own no-op methods
 * (silentLogger, stderrLogger's debug and info) and when the logger's own
 * `isLevelEnabled(level)` (pino, winston) says so; true otherwise. A werelogs
 * request logger keeps lines below its level for a dump when the request later
 * fails, so for it every level counts.
 */
export function logs(logger: Logger, level: 'debug' | 'info' | 'warn' | 'error' | 'trace'): boolean {
  const fn = logger[level];
  if (typeof fn !== 'function' || fn === noop) return false;
  const isLevelEnabled = (logger as { isLevelEnabled?: unknown }).isLevelEnabled;
  if (typeof isLevelEnabled !== 'function') return true;
  try {
    return isLevelEnabled.call(logger, level) !== false;
  } catch {
    return true;
  }
}
