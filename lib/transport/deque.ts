/** A FIFO with O(1) push/shift at both ends (ring buffer that grows). */
export class Deque<T> {
  #buf: (T | undefined)[] = new Array<T | undefined>(16);
  #head = 0;
  #size = 0;

  get length(): number {
    return this.#size;
  }

  push(v: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#size) & (this.#buf.length - 1)] = v;
    this.#size++;
  }

  unshift(v: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#buf.length - 1);
    this.#buf[this.#head] = v;
    this.#size++;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const v = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#buf.length - 1);
    this.#size--;
    return v;
  }

  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#buf[this.#head];
  }

  /** Keeps only the elements for which `keep` is true, in order. */
  filter(keep: (v: T) => boolean): void {
    const kept: T[] = [];
    for (let i = 0; i < this.#size; i++) {
      const v = this.#buf[(this.#head + i) & (this.#buf.length - 1)] as T;
      if (keep(v)) kept.push(v);
    }
    this.clear();
    for (const v of kept) this.push(v);
  }

  clear(): void {
    this.#buf = new Array<T | undefined>(16);
    this.#head = 0;
    this.#size = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#size; i++) yield this.#buf[(this.#head + i) & (this.#buf.length - 1)] as T;
  }

  #grow(): void {
    const next = new Array<T | undefined>(this.#buf.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = this.#buf[(this.#head + i) & (this.#buf.length - 1)];
    this.#buf = next;
    this.#head = 0;
  }
}
