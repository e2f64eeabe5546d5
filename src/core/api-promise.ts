/**
 * Raw responses on demand, as openai-node's `APIPromise` gives them: every promise-returning
 * method of the clients resolves to its data as before, and also offers the HTTP `Response` the
 * data came from (`withResponse()`, `asResponse()`), from the same request — never a second one.
 */

/** A call's data and the final HTTP response it came from. */
export interface WithResponse<T> {
  /** What the method resolves to. */
  data: T;
  /**
   * The final response: the client follows same-origin redirects itself, so this is the
   * answer of the last hop. Its body has already been read and parsed by the client
   * (`bodyUsed` is `true`); read the status and headers (`x-request-id`, rate-limit headers)
   * here, the body as `data`. Where one method makes several requests (`ray.jobs.wait` polls,
   * `ray.state.getJob` may look twice) it is the response of the request that gave `data`.
   */
  response: Response;
}

/**
 * The promise every request method returns: a `Promise<T>` of the method's data (`await` it,
 * `.then()` it as before) that can also give the raw HTTP response of the same request:
 *
 * ```ts
 * const { data: jobs, response } = await agent.listJobs().withResponse();
 * console.log(response.status, response.headers.get('x-request-id'));
 * const raw = await hosted.runs.get(runId).asResponse();
 * ```
 *
 * The request starts when the method is called, whether or not any of these is used, and is
 * made once. All three settle together: a failed call (a non-2xx status, a timeout, a bad
 * argument) rejects `await`, `withResponse()` and `asResponse()` with the same typed error.
 * The method never throws synchronously.
 */
export class APIPromise<T> extends Promise<T> {
  readonly #result: Promise<WithResponse<T>>;
  #data: Promise<T> | undefined;

  /**
   * @internal Built by the clients from the call's `{data, response}`. This promise's own
   * settled value is unused: `then`, `catch` and `finally` read `result`.
   */
  constructor(result: Promise<WithResponse<T>>) {
    super((resolve) => resolve(undefined as T));
    this.#result = result;
  }

  /** `.then()` on an APIPromise gives a plain `Promise`. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  /**
   * Starts `call` now and wraps its `{data, response}`; a synchronous throw (bad input checked
   * before any I/O) becomes a rejection.
   */
  static run<T>(call: () => Promise<WithResponse<T>>): APIPromise<T> {
    let result: Promise<WithResponse<T>>;
    try {
      result = call();
    } catch (err) {
      result = Promise.reject(err);
    }
    return new APIPromise(result);
  }

  /**
   * The data and the final `Response` of the same request (no second one is made). Rejects as
   * the method does.
   */
  withResponse(): Promise<WithResponse<T>> {
    return this.#result;
  }

  /**
   * The final `Response` alone, once the call has succeeded (its body already read by the
   * client: use {@link withResponse} for the data). Rejects as the method does.
   */
  asResponse(): Promise<Response> {
    return this.#result.then((r) => r.response);
  }

  #parsed(): Promise<T> {
    return (this.#data ??= this.#result.then((r) => r.data));
  }

  override then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: any) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#parsed().then(onfulfilled, onrejected);
  }

  override catch<B = never>(onrejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.#parsed().catch(onrejected);
  }

  override finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#parsed().finally(onfinally);
  }
}

/** Records, for a stream, what the server answered its current connection with; see {@link ConnectedStream}. */
export class StreamAnswer {
  response: Response | undefined;
  headers: Headers | undefined;

  /** An HTTP stream connected (SSE, a chunked body): its response, whose body the stream reads. */
  http(response: Response): void {
    this.response = response;
    this.headers = response.headers;
  }

  /** A WebSocket connected: its handshake's headers (`undefined` where the platform hides them). */
  websocket(headers: Headers | undefined): void {
    this.response = undefined;
    this.headers = headers;
  }
}

/**
 * What every stream of the clients tells about its connection once it has connected (after the
 * first item, or once iteration has begun and the server answered). A stream that reconnects
 * (a resumed `runs.stream`, a Ray tail, an agent tail that fell back to HTTP) tells about its
 * latest connection.
 */
export interface ConnectedStream {
  /**
   * The HTTP response of an HTTP stream (hosted SSE streams, the agent's HTTP log tail): status
   * and headers; its body is the stream being read. `undefined` before the stream connected,
   * and over a WebSocket (see {@link headers}).
   */
  readonly response: Response | undefined;
  /**
   * The headers the server answered the connection with: the HTTP response's, or the WebSocket
   * handshake's (its `101 Switching Protocols`). `undefined` before the stream connected, and
   * for a browser's `WebSocket`, which does not expose them.
   */
  readonly headers: Headers | undefined;
}

/**
 * An async generator of a stream's items (one at a time, as before) that also tells what the
 * server answered its connection with ({@link ConnectedStream}). `next`, `return` and `throw`
 * are the inner generator's.
 */
export class ResponseStream<T> implements AsyncGenerator<T, void, undefined>, ConnectedStream {
  readonly #items: AsyncGenerator<T, void, undefined>;
  readonly #answer: StreamAnswer;

  /** @internal Built by the clients. */
  constructor(items: AsyncGenerator<T, void, undefined>, answer: StreamAnswer) {
    this.#items = items;
    this.#answer = answer;
  }

  get response(): Response | undefined {
    return this.#answer.response;
  }

  get headers(): Headers | undefined {
    return this.#answer.headers;
  }

  next(...value: [] | [undefined]): Promise<IteratorResult<T, void>> {
    return this.#items.next(...value);
  }

  return(value: void | PromiseLike<void>): Promise<IteratorResult<T, void>> {
    return this.#items.return(value);
  }

  throw(error: unknown): Promise<IteratorResult<T, void>> {
    return this.#items.throw(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
