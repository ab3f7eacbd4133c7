/**
 * The module-level logger for connection events: the host's own werelogs
 * (resolved from the host process, like its arsenal) when there is one, so
 * that our lines land in the host's log stream; else warnings and errors as
 * JSON lines on stderr with werelogs' field names and an ISO time.
 */
import { LOGGER_NAME, stderrLogger, type Logger } from '../logger';
import { defaultSearchPaths } from './host-errors';

function isLogger(v: unknown): v is Logger {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return ['debug', 'info', 'warn', 'error'].every((m) => typeof o[m] === 'function');
}

/** A werelogs Logger named `name` from the host, if the host has werelogs. */
export function resolveHostLogger(name = LOGGER_NAME, searchFrom: readonly string[] = defaultSearchPaths()): Logger | undefined {
  for (const from of searchFrom) {
    try {
      const p = require.resolve('werelogs', { paths: [from] });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod: unknown = require(p);
      const Ctor = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>)['Logger'] : undefined;
      if (typeof Ctor !== 'function') continue;
      const logger: unknown = new (Ctor as new (n: string) => unknown)(name);
      if (isLogger(logger)) return logger;
    } catch {
      // not there, or not usable: try the next place
    }
  }
  return undefined;
}

/** The given logger, else the host's werelogs, else stderr. */
export function pickModuleLogger(given: Logger | undefined): Logger {
  if (given && isLogger(given)) return given;
  return resolveHostLogger() ?? stderrLogger;
}
