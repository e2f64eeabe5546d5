/**
 * A push-to-pull bridge: a producer driven by events (a socket's messages) pushes items; one
 * consumer pulls them with `for await`. `onHigh`/`onLow` let the producer pause its source
 * while the consumer is behind, so a fast server cannot grow memory without bound.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  #items: T[] = [];
  #head = 0;
  #done = false;
  #error: unknown;
  #failed = false;
  #waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;
  #paused = false;

  constructor(
    private readonly flow: { highWater?: number; onHigh?(): void; onLow?(): void; onReturn?(): void } = {},
  ) {}

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    if (this.#done) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w.resolve({ value: item, done: false });
      return;
    }
    this.#items.push(item);
    if (!this.#paused && this.flow.highWater !== undefined && this.size >= this.flow.highWater) {
      this.#paused = true;
      this.flow.onHigh?.();
    }
  }

  /** Ends the stream after the queued items. */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#settle();
  }

  /** Ends the stream with an error, raised after the queued items. */
  fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#failed = true;
    this.#error = error;
    this.#settle();
  }

  #settle(): void {
    if (!this.#waiter || this.size) return;
    const w = this.#waiter;
    this.#waiter = undefined;
    if (this.#failed) w.reject(this.#error);
    else w.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size) return Promise.resolve({ value: this.#take(), done: false });
    if (this.#done) {
      return this.#failed ? Promise.reject(this.#error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /**
   * Takes the next queued item synchronously, or `undefined` when none is queued (it never
   * waits, and never reports the end or an error: `next()` does). Lets a consumer drain a
   * burst without a promise per item.
   */
  poll(): T | undefined {
    return this.size ? this.#take() : undefined;
  }

  #take(): T {
    const value = this.#items[this.#head++]!;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    if (this.#paused && this.size <= (this.flow.highWater ?? 0) / 2) {
      this.#paused = false;
      this.flow.onLow?.();
    }
    return value;
  }

  /** The consumer stopped early (`break`, `return`): drop what is queued and tell the producer. */
  return(): Promise<IteratorResult<T>> {
    const wasDone = this.#done;
    this.#done = true;
    this.#items = [];
    this.#head = 0;
    if (!wasDone) this.flow.onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
