/**
 * The clients in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) loads a page from one loopback port and runs the calls of `calls.ts`
 * against the mock server on another, so every request is cross-origin, as from a web app:
 * REST of all four clients, hosted SSE, the agent log tail over HTTP (a browser WebSocket
 * cannot send the agent's auth headers), and the Ray tail and RunAgent stream over the
 * browser's own WebSocket. The page's script is the calls bundled for the browser without
 * stubs, so a Node-only import fails here too.
 *
 * `CHROMIUM_PATH` overrides `/usr/bin/chromium` (`.ci/run` installs Debian's package).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { bundle } from './bundle.js';
import { BROWSER_CALLS, EXPECTED, type MockUrls, type Outcome } from './calls.js';

const { urls } = inject('mock');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Quiet start-up on a machine without internet, as root (Playwright adds --no-sandbox). */
const CHROMIUM_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-gpu'];

const PAGE = '<!doctype html><meta charset="utf-8"><title>agentwire in a browser</title><link rel="icon" href="data:,"><script type="module" src="/calls.js"></script>\n';
const ENTRY = "import { runCalls } from './calls.ts';\nObject.assign(globalThis, { agentwire: { runCalls } });\n";

let server: Server | undefined;
let browser: Browser | undefined;
/** The page's outcomes by call, or why the page could not run them. */
let results: Record<string, Outcome> | Error;
/** The page's uncaught exceptions, and what it printed to its console as errors (a failed fetch, CORS). */
const uncaught: string[] = [];
const consoleErrors: string[] = [];

/** Serves the page and its script on 127.0.0.1 (a port other than the mock's). */
async function servePage(script: string): Promise<string> {
  server = createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    else if (req.url === '/calls.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function runInPage(): Promise<Record<string, Outcome>> {
  const { code } = await bundle('browser', { contents: ENTRY, resolveDir: import.meta.dirname }, { minify: false });
  const pageUrl = await servePage(code);
  expect(new URL(pageUrl).origin).not.toBe(new URL(urls.agent).origin);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  page.on('pageerror', (err) => uncaught.push(err.message));
  page.on('console', (msg) => void (msg.type() === 'error' && consoleErrors.push(msg.text())));
  await page.goto(pageUrl);
  await page.waitForFunction(() => 'agentwire' in globalThis, undefined, { timeout: 10_000 });
  return page.evaluate(
    ([u, names]) => (globalThis as unknown as { agentwire: { runCalls(u: MockUrls, n: string[]): Promise<Record<string, Outcome>> } }).agentwire.runCalls(u, names),
    [urls, BROWSER_CALLS] as const,
  );
}

/** Why the page did not run: the first lines of the error (esbuild lists every unresolved import). */
const brief = (err: Error) => err.message.split('\n').slice(0, 12).join('\n');

beforeAll(async () => {
  results = await runInPage().catch((err: Error) => err);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
});

it('the page ran every call', () => {
  if (results instanceof Error) throw new Error(brief(results));
  expect(Object.keys(results).sort()).toEqual([...BROWSER_CALLS].sort());
});

it.each(BROWSER_CALLS)('%s', (name) => {
  const outcome = results instanceof Error ? brief(results) : results[name];
  // The browser's own account of a failure (CORS, a refused socket) is only on its console.
  const failed = outcome && typeof outcome === 'object' && !outcome.ok;
  expect(failed ? { ...outcome, console: consoleErrors } : outcome).toEqual({ ok: true, value: EXPECTED[name] });
});

it('nothing threw outside a call (an event handler, a timer)', () => {
  expect(results).not.toBeInstanceOf(Error);
  expect(uncaught).toEqual([]);
});
