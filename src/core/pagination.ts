import { APIPromise, type WithResponse } from './api-promise.js';

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
    /** @internal Fetches the page after `cursor`, with its response. */
    private readonly fetchPage: (cursor: string) => Promise<WithResponse<CursorPage<T>>>,
  ) {}

  hasNextPage(): boolean {
    return this.cursor !== undefined && this.cursor !== '';
  }

  /**
   * The next page (`withResponse()` gives its HTTP response too). Rejects with `RangeError` on
   * the last page: check {@link hasNextPage} first.
   */
  nextPage(): APIPromise<CursorPage<T>> {
    return APIPromise.run(() => (this.hasNextPage() ? this.fetchPage(this.cursor!) : Promise.reject(new RangeError('this is the last page'))));
  }

  /** This page and every later one. */
  async *pages(): AsyncGenerator<CursorPage<T>> {
    for (let page: CursorPage<T> = this; ; page = await page.nextPage()) {
      yield page;
      if (!page.hasNextPage()) return;
    }
  }

  /**
   * Every row of this page and the later ones. A plain iterator rather than an async generator:
   * a row already fetched costs one resolved promise, not a generator round trip; and a page
   * that is done is let go before the next one is fetched and parsed, so the collector does not
   * copy it around meanwhile (10,000 rows across pages iterate at the speed of the fetches,
   * `npm run bench`).
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    let rows = this.rows;
    let i = 0;
    let last: CursorPage<T> | undefined = this;
    const iterator: AsyncIterator<T> = {
      next: (): Promise<IteratorResult<T>> => {
        if (i < rows.length) return Promise.resolve({ value: rows[i++]!, done: false });
        const page = last;
        if (!page?.hasNextPage()) return Promise.resolve({ value: undefined, done: true });
        last = undefined;
        rows = [];
        i = 0;
        return page.nextPage().then((next) => {
          last = next;
          rows = next.rows;
          return iterator.next();
        });
      },
    };
    return iterator;
  }
}

/**
 * The first page, as an {@link APIPromise} (`await` it, or `withResponse()` for the page and its
 * HTTP response), that is also an async iterable over every row of every page.
 */
export class PagePromise<T> extends APIPromise<CursorPage<T>> implements AsyncIterable<T> {
  [Symbol.asyncIterator](): AsyncIterator<T> {
    let rows: AsyncIterator<T> | undefined;
    return { next: () => (rows ? rows.next() : this.then((page) => (rows = page[Symbol.asyncIterator]()).next())) };
  }
}
