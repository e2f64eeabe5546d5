import type { paths } from '../../generated/ray.js';
import { ClientError, ServerError } from '../core/errors.js';
import { APIPromise, type WithResponse } from '../core/api-promise.js';
import { answer, type RequestOptions, type Transport } from '../core/transport.js';
import { invalid } from '../core/validate.js';
import type { ServeDeployConfig, ServeDeploySchema, ServeInstanceDetails } from './types.js';

/**
 * Ray Serve's REST API (`/api/serve/applications/`, trailing slash required; Ray 2.58 `serve_head.py`).
 * A head without `ray[serve]` answers 501: that becomes a {@link ServerError} with code
 * `SERVE_NOT_INSTALLED` and a message saying so.
 */
export class RayServe {
  readonly #t: Transport<paths>;

  /** @internal Built by {@link RayClient}. */
  constructor(transport: Transport<paths>) {
    this.#t = transport;
  }

  /**
   * The Serve instance: its applications (name → status, deployments, replicas), proxies,
   * controller and HTTP options (`GET /api/serve/applications/`). Times are epoch **seconds**
   * (`last_deployed_time_s`), as Ray sends them.
   * @throws {ServerError} `SERVE_NOT_INSTALLED` (501), or 503 when the controller is unavailable.
   */
  getApplications(options: RequestOptions = {}): APIPromise<ServeInstanceDetails> {
    return serveErrors(async () => answer(await this.#t.client.GET('/api/serve/applications/', this.#t.init(options))));
  }

  /**
   * Applies a whole declarative Serve config (`PUT /api/serve/applications/`): applications
   * listed are created or updated, the others deleted. Resolves once Ray accepted it;
   * deployment goes on in the background (poll {@link getApplications} for `status`).
   * @throws {ValidationError} a config that is not `{applications: [...]}` (before I/O), or Ray's 400.
   * @throws {ServerError} `SERVE_NOT_INSTALLED` (501).
   */
  deploy(config: ServeDeployConfig, options: RequestOptions = {}): APIPromise<void> {
    return serveErrors(async () => {
      if (!config || typeof config !== 'object' || !Array.isArray((config as { applications?: unknown }).applications)) {
        invalid('deploy() takes a Serve config {applications: [{name, import_path, route_prefix?, ...}]}');
      }
      const { response } = await this.#t.client.PUT('/api/serve/applications/', { body: config as ServeDeploySchema, ...this.#t.init({ ...options, allowEmpty: true }) });
      return { data: undefined, response };
    });
  }

  /**
   * Deletes every application and stops Serve (`DELETE /api/serve/applications/`); also fine
   * when Serve is not running. (Ray checks for `ray[serve]` only on GET and PUT: without it
   * this is a 500 traceback ending `ModuleNotFoundError`.)
   */
  shutdown(options: RequestOptions = {}): APIPromise<void> {
    return serveErrors(async () => {
      const { response } = await this.#t.client.DELETE('/api/serve/applications/', this.#t.init({ ...options, allowEmpty: true }));
      return { data: undefined, response };
    });
  }
}

/** Runs one Serve call as an {@link APIPromise}, its 501 named as Serve missing. */
function serveErrors<T>(call: () => Promise<WithResponse<T>>): APIPromise<T> {
  return APIPromise.run(async () => {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ClientError && err.statusCode === 501) {
        throw new ServerError(`Ray Serve is not installed on this cluster's head: ${err.message}`, {
          statusCode: 501,
          code: 'SERVE_NOT_INSTALLED',
          detail: err.detail,
          requestId: err.requestId,
          cause: err,
        });
      }
      throw err;
    }
  });
}
