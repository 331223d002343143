'use strict';
// A page without a webview: a fresh vm context whose global plays `window`, with ward's bridge
// installed over a function transport, so that real, unmodified @tauri-apps/api code (bundled by
// esbuild) can talk to a backend from a Node process: ward's tests, or a fake backend.

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const esbuild = require('esbuild');

const BRIDGE_FILE = path.join(__dirname, '..', 'bridge.js');
const BRIDGE_SOURCE = fs.readFileSync(BRIDGE_FILE, 'utf8');
// Frontend code anywhere can import @tauri-apps/api: it resolves from this package's modules.
const PACKAGE_MODULES = path.join(__dirname, '..', 'node_modules');
// The bundle's exports go in this variable, local to the wrapper load() runs the bundle in.
const ENTRY_EXPORTS = '__wardPageEntry';

/**
 * The Web APIs a page has that a vm context lacks (a context gets only the ECMAScript built-ins).
 * TextEncoder is rebuilt inside the page so that encode() returns the page's own Uint8Array, as in
 * a browser: the bridge and @tauri-apps/api use `instanceof` on such values.
 */
function installWebApis(context, pageConsole, url) {
  const hostApis = {
    console: pageConsole,
    setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask, structuredClone,
    URL, URLSearchParams, TextDecoder, AbortController, AbortSignal, Event, EventTarget,
    DOMException, Headers, atob, btoa, crypto: globalThis.crypto, performance,
    location: new URL(url),
  };
  for (const [name, value] of Object.entries(hostApis)) context[name] = value;
  const hostEncoder = new TextEncoder();
  vm.runInContext(`(function (encodeOnHost) {
    globalThis.window = globalThis;
    globalThis.self = globalThis;
    globalThis.TextEncoder = class TextEncoder {
      get encoding() { return 'utf-8'; }
      encode(input = '') {
        const encoded = encodeOnHost(String(input));
        const bytes = new Uint8Array(encoded.length);
        bytes.set(encoded);
        return bytes;
      }
    };
  })`, context)((text) => hostEncoder.encode(text));
}

/** Bundles an entry file, or entry source, into one classic script exposing the entry's exports. */
function bundle(entry, resolveDir) {
  const common = {
    bundle: true,
    format: 'iife',
    globalName: ENTRY_EXPORTS,
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    nodePaths: [PACKAGE_MODULES],
  };
  const isFile = !entry.includes('\n') && fs.existsSync(entry);
  const result = esbuild.buildSync(isFile
    ? { ...common, entryPoints: [path.resolve(entry)] }
    : { ...common, stdin: { contents: entry, resolveDir, sourcefile: 'page-entry.js', loader: 'js' } });
  return { code: result.outputFiles[0].text, filename: isFile ? path.resolve(entry) : 'page-entry.js' };
}

/**
 * Creates a page.
 *  - bridgeConfig: the bridge's config (invokeKey, metadata, convertFileSrc, plugins, ...);
 *  - transport: the bridge's function transport, `({cmd, url, headers, body, callback, error}) =>
 *    Promise<{ok, contentType, body}>`; when omitted, bridgeConfig.transport is used as given;
 *  - url: the page's location (default tauri://localhost/);
 *  - globals: more page globals, installed before the bridge (e.g. a fake fetch);
 *  - console: the page's console (default: this process's).
 */
function createPage({ bridgeConfig = {}, transport, url = 'tauri://localhost/', globals = {}, console: pageConsole = console } = {}) {
  const context = vm.createContext({});
  installWebApis(context, pageConsole, url);
  for (const [name, value] of Object.entries(globals)) context[name] = value;
  const window = vm.runInContext('globalThis', context);

  const config = { ...bridgeConfig };
  if (transport) config.transport = transport;
  vm.runInContext(BRIDGE_SOURCE, context, { filename: BRIDGE_FILE })(config);

  return {
    /** The page's global object (window === globalThis inside). */
    window,
    /** Evaluates a classic script in the page and returns its completion value. */
    run(code, filename = 'page-script.js') {
      return vm.runInContext(code, context, { filename });
    },
    /**
     * Bundles frontend code (a path to an existing file, or module source that may import
     * @tauri-apps/api/*) and runs it in the page. Returns the entry module's exports.
     */
    load(entry, { resolveDir = process.cwd() } = {}) {
      const { code, filename } = bundle(String(entry), resolveDir);
      return vm.runInContext(`(function () {\n${code}\nreturn ${ENTRY_EXPORTS};\n})()`, context, { filename });
    },
    /** Forwards a backend delivery ({kind, callback, ok, json | bytes | base64, index, end}). */
    deliver(delivery) {
      window.__WARD__.deliver(delivery);
    },
  };
}

module.exports = { createPage };
