/**
 * Key affinity for `spread` host selection: on many appliance clusters a key
 * created on one node reaches the others after a moment (replication lag), so
 * requests on a key this process created recently go to the node that created
 * it. A bounded map (at most `maxKeys` entries, oldest dropped first) whose
 * entries expire `ttlMs` after they were recorded; every entry has the same
 * lifetime, so insertion order is expiry order and pruning is from the front.
 */
export class KeyAffinity<H> {
  readonly #map = new Map<string, { readonly host: H; readonly expires: number }>();
  readonly #maxKeys: number;
  readonly #ttlMs: number;

  constructor(maxKeys: number, ttlMs: number) {
    this.#maxKeys = maxKeys;
    this.#ttlMs = ttlMs;
  }

  get size(): number {
    return this.#map.size;
  }

  /** `key` was created on `host` at `now`. */
  remember(key: string, host: H, now: number): void {
    if (this.#ttlMs <= 0 || this.#maxKeys <= 0) return;
    this.#map.delete(key);
    this.#map.set(key, { host, expires: now + this.#ttlMs });
    this.#prune(now);
  }

  /** The host `key` was created on, while its entry lives. */
  hostFor(key: string, now: number): H | undefined {
    if (this.#map.size === 0) return undefined;
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    if (e.expires <= now) {
      this.#map.delete(key);
      return undefined;
    }
    return e.host;
  }

  #prune(now: number): void {
    for (const [k, e] of this.#map) {
      if (this.#map.size <= this.#maxKeys && e.expires > now) break;
      this.#map.delete(k);
    }
  }
}
