/**
 * Cursor pagination (hosted `GET /runs`, `GET /traces`: `{rows, cursor?}`, the last page has no
 * `cursor`). A list call returns a {@link PagePromise}: `await` it for the first page, or
 * `for await` over it for every row of every page, fetched as the loop reaches them.
 */
export class CursorPage<T> implements AsyncIterable<T> {
  constructor(
    /** The rows of this page. */
    readonly rows: T[],
    /** The opaque cursor of the next page; `undefined` on the last page. */
    readonly cursor: string | undefined,
    private readonly fetchPage: (cursor: string) => Promise<CursorPage<T>>,
  ) {}

  hasNextPage(): boolean {
    return this.cursor !== undefined && this.cursor !== '';
  }

  /** The next page. Throws `RangeError` on the last page: check {@link hasNextPage} first. */
  nextPage(): Promise<CursorPage<T>> {
    if (!this.hasNextPage()) return Promise.reject(new RangeError('this is the last page'));
    return this.fetchPage(this.cursor!);
  }

  /** This page and every later one. */
  async *pages(): AsyncGenerator<CursorPage<T>> {
    for (let page: CursorPage<T> = this; ; page = await page.nextPage()) {
      yield page;
      if (!page.hasNextPage()) return;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const page of this.pages()) yield* page.rows;
  }
}

/** The first page, as a promise, that is also an async iterable over every row of every page. */
export class PagePromise<T> implements PromiseLike<CursorPage<T>>, AsyncIterable<T> {
  readonly #first: Promise<CursorPage<T>>;

  constructor(first: Promise<CursorPage<T>>) {
    this.#first = first;
  }

  then<A = CursorPage<T>, B = never>(
    onfulfilled?: ((page: CursorPage<T>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#first.then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<CursorPage<T> | B> {
    return this.#first.catch(onrejected);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    yield* await this.#first;
  }
}
