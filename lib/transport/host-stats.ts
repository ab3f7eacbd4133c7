/**
 * Per-host counters and latency for `stats()`: requests answered, errors by
 * kind (the typed error's `code`), reconnects, requests re-sent elsewhere,
 * and p50/p99 latency over the last minute. Recording is a few integer
 * operations (no allocation): latencies go into a log-scale histogram per
 * second of the last 60 (4 bins per doubling from 0.05 ms, so a percentile is
 * known within about ±10 %), merged only when stats() is called.
 */
const BINS = 96;
const SLOTS = 60;
const MIN_MS = 0.05;
const PER_OCTAVE = 4;

function binOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  const b = Math.floor(Math.log2(ms / MIN_MS) * PER_OCTAVE) + 1;
  return b >= BINS ? BINS - 1 : b;
}

/** Upper bound of a bin, in ms. */
function binUpperMs(b: number): number {
  return b === 0 ? MIN_MS : MIN_MS * 2 ** (b / PER_OCTAVE);
}

export class LatencyWindow {
  readonly #counts = new Uint32Array(BINS * SLOTS);
  /** Which second each slot holds. */
  readonly #second = new Float64Array(SLOTS).fill(-1);

  add(ms: number, now: number): void {
    const sec = Math.floor(now / 1000);
    const slot = sec % SLOTS;
    if (this.#second[slot] !== sec) {
      this.#counts.fill(0, slot * BINS, slot * BINS + BINS);
      this.#second[slot] = sec;
    }
    this.#counts[slot * BINS + binOf(ms)]++;
  }

  /** p50 and p99 (ms, bin upper bounds) of the samples of the last 60 s; null without samples. */
  percentiles(now: number): { p50: number | null; p99: number | null; samples: number } {
    const sec = Math.floor(now / 1000);
    const merged = new Float64Array(BINS);
    let n = 0;
    for (let s = 0; s < SLOTS; s++) {
      const at = this.#second[s]!;
      if (at < 0 || sec - at >= SLOTS) continue;
      for (let b = 0; b < BINS; b++) {
        const c = this.#counts[s * BINS + b]!;
        merged[b] += c;
        n += c;
      }
    }
    if (n === 0) return { p50: null, p99: null, samples: 0 };
    const at = (q: number): number => {
      const rank = Math.ceil(q * n);
      let acc = 0;
      for (let b = 0; b < BINS; b++) {
        acc += merged[b]!;
        if (acc >= rank) return Math.round(binUpperMs(b) * 100) / 100;
      }
      return binUpperMs(BINS - 1);
    };
    return { p50: at(0.5), p99: at(0.99), samples: n };
  }
}

/** What a host's counters hold; `errors` is keyed by the typed error's `code` (KMIP_TIMEOUT, ...). */
export class HostCounters {
  requests = 0;
  reconnects = 0;
  /** Requests written to this host and re-sent to another because it went quiet. */
  resent = 0;
  /** Answers that arrived after the request had been answered elsewhere (discarded). */
  lateAnswers = 0;
  /** Requests written in a request message shared with others (batchSize > 1). */
  batched = 0;
  connections = 0;
  /** Connection attempts that failed before the connection was ready (background probes included). */
  connectFailures = 0;
  readonly errors: Record<string, number> = {};
  readonly latency = new LatencyWindow();

  error(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }
}
