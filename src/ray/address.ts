import { invalid, readEnv } from '../core/validate.js';

/** The environment variables {@link resolveAddress} reads, first match wins. */
export const ADDRESS_ENV = ['RAY_DASHBOARD_ADDRESS', 'RAY_ADDRESS'] as const;

const HTTP = /^https?:\/\//i;

/** How a message tells the caller to pass the address and the token: options, or a CLI's flags. */
export interface AddressWording {
  /** The address option's name in messages, e.g. `address` or `--address`. */
  name: string;
  /** The address option, short, e.g. `{address}` or `--address`. */
  option: string;
  /** How to pass an address, e.g. `pass {address: "http://<head>:8265"}`. */
  passAddress: string;
  /** How to pass a token, e.g. `pass {token}`. */
  passToken: string;
}

const OPTIONS: AddressWording = { name: 'address', option: '{address}', passAddress: 'pass {address: "http://<head>:8265"}', passToken: 'pass {token}' };

/**
 * The dashboard address a {@link RayClient} talks to: `address` when given, else
 * `RAY_DASHBOARD_ADDRESS`, else `RAY_ADDRESS` when it is an http(s) URL. A path prefix (a
 * proxy, the mock's `/ray`) is kept; trailing slashes are not.
 *
 * Throws {@link ValidationError} (400) when there is none, or when `RAY_ADDRESS` is a Ray
 * client (`ray://…`) or GCS (`host:6379`) address — those are not the dashboard, which is
 * served over HTTP on the head (port 8265 by default).
 */
export function resolveAddress(address: unknown, wording: AddressWording = OPTIONS): string {
  if (address !== undefined) return checkHttp(address, wording.name, wording);
  const dashboard = readEnv('RAY_DASHBOARD_ADDRESS');
  if (dashboard) return checkHttp(dashboard, 'RAY_DASHBOARD_ADDRESS', wording);
  const ray = readEnv('RAY_ADDRESS');
  if (ray) {
    if (HTTP.test(ray)) return checkHttp(ray, 'RAY_ADDRESS', wording);
    invalid(
      `RAY_ADDRESS=${shown(ray)} is not a dashboard address (${ray.startsWith('ray://') ? 'ray:// is the Ray Client protocol' : 'not an http(s) URL; a host:port RAY_ADDRESS is the GCS, port 6379'}); ` +
        `set RAY_DASHBOARD_ADDRESS=http://<head>:8265 or pass ${wording.option}`,
    );
  }
  invalid(`No Ray dashboard address: ${wording.passAddress} or set RAY_DASHBOARD_ADDRESS (or RAY_ADDRESS to an http(s) URL)`);
}

function checkHttp(value: unknown, name: string, wording: AddressWording): string {
  if (typeof value !== 'string' || !value.trim()) invalid(`${name} must be a non-empty http(s) URL`);
  const text = value.trim();
  if (!HTTP.test(text)) {
    invalid(`${name} must be an http(s) URL such as http://127.0.0.1:8265, got ${JSON.stringify(shown(text))}`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    invalid(`${name} is not a URL: ${JSON.stringify(shown(text))}`);
  }
  if (url.username || url.password) invalid(`${name} must not carry credentials: ${wording.passToken} or set RAY_AUTH_TOKEN`);
  if (url.search || url.hash) invalid(`${name} must not have a query or fragment`);
  return text.replace(/\/+$/, '');
}

/** An address fit for a message: any `user:password@` part masked. */
function shown(address: string): string {
  return address.replace(/^([a-z][\w+.-]*:\/\/)?[^/@\s]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
}
