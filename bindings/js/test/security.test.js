'use strict';
// The invoke key stays out of reach of page scripts: nothing a page can read or replace after the
// bridge is installed ever holds it.

const test = require('node:test');
const assert = require('node:assert/strict');
const { FakeBackend } = require('../harness/fake-backend.js');
const { createPage } = require('../harness/page.js');
const { isMap } = require('node:util').types;

const INVOKE_KEY = 'SECRET-invoke-key-5e1f2c';
const PAYLOAD_MARKER = 'payload-marker-77';

/** True if `root` holds `needle` anywhere: in strings, own properties (without calling getters),
 * Map entries, prototypes and the source text of functions. */
function reaches(root, needle) {
  const seen = new Set();
  const pending = [root];
  while (pending.length) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (value.includes(needle)) return true;
      continue;
    }
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    seen.add(value);
    if (typeof value === 'function' && Function.prototype.toString.call(value).includes(needle)) return true;
    if (isMap(value)) {
      for (const [k, v] of Map.prototype.entries.call(value)) pending.push(k, v);
    }
    pending.push(Object.getPrototypeOf(value));
    for (const name of Reflect.ownKeys(value)) {
      if (typeof name === 'string') pending.push(name);
      const descriptor = Reflect.getOwnPropertyDescriptor(value, name);
      if ('value' in descriptor) pending.push(descriptor.value);
      else pending.push(descriptor.get, descriptor.set);
    }
  }
  return false;
}

/**
 * Replaces, after the bridge's install, everything a key-stealing page would: fetch, XHR, JSON,
 * the call/apply/bind of functions, prototype methods, toJSON and iterator hooks, and setters or
 * getters for the names the key travels under. Every hook records what it sees in window.seen.
 */
const TRAPS = `
  (() => {
    const seen = [];
    window.seen = seen;
    const apply = Reflect.apply;
    const record = (...values) => { seen[seen.length] = values; };
    const wrap = (owner, name) => {
      const original = owner[name];
      owner[name] = function (...args) {
        const result = apply(original, this, args);
        record(this, ...args, result);
        return result;
      };
    };
    wrap(window, 'fetch');
    window.XMLHttpRequest = function () { record('xhr', ...arguments); };
    for (const name of ['stringify', 'parse']) wrap(JSON, name);
    for (const name of ['call', 'apply', 'bind']) wrap(Function.prototype, name);
    for (const name of ['push', 'join', 'map', 'concat']) wrap(Array.prototype, name);
    for (const name of ['get', 'set', 'has', 'delete']) wrap(Map.prototype, name);
    for (const name of ['toLowerCase', 'split', 'trim', 'concat']) wrap(String.prototype, name);
    wrap(Promise.prototype, 'then');
    wrap(window, 'encodeURIComponent');
    for (const name of ['fromEntries', 'create', 'keys', 'defineProperty']) wrap(Object, name);
    wrap(Array, 'from');
    String.prototype.toJSON = function () { record('String#toJSON', String(this)); return String(this); };
    Object.prototype.toJSON = function () { record('Object#toJSON', this); return this; };
    for (const name of ['headers', 'body', 'method', 'signal', 'cache', 'credentials', 'mode', 'redirect',
                        'referrer', 'integrity', 'keepalive', 'priority', 'window', 'duplex']) {
      Object.defineProperty(Object.prototype, name, {
        get() { record('get ' + name, this); return undefined; },
        set(value) { record('set ' + name, this, value); Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true }); },
        configurable: true,
      });
    }
    for (const name of ['Tauri-Invoke-Key', '__TAURI_INVOKE_KEY__']) {
      Object.defineProperty(Object.prototype, name, {
        set(value) { record('set ' + name, value); }, get() { record('get ' + name, this); }, configurable: true,
      });
    }
    Object.defineProperty(Object.prototype, Symbol.iterator, {
      get() { record('Symbol.iterator', this); return undefined; }, configurable: true,
    });
  })();
`;

/** A page script exercising every path that carries the key: JSON and raw invokes, a channel, a
 * listener, a cancel. */
const EXERCISE = `
  window.done = (async () => {
    const { invoke } = __TAURI_INTERNALS__;
    const controller = new AbortController();
    const slow = invoke('slow', { marker: '${PAYLOAD_MARKER}' }, { signal: controller.signal, headers: { 'X-Page': '1' } })
      .catch(() => null);
    controller.abort();
    await slow;
    await invoke('echo', { marker: '${PAYLOAD_MARKER}', map: new Map([['k', 'v']]) });
    await invoke('echo', new Uint8Array([1, 2, 3]));
    await invoke('echo', { channel: { __TAURI_TO_IPC_KEY__: () => '__CHANNEL__:1' } });
  })();
`;

function assertKeyNeverSeen(page) {
  const seen = page.window.seen;
  // The hooks did run on the requests' own data, so they sat on the path the key travels...
  assert.ok(reaches(seen, PAYLOAD_MARKER), 'the page hooks saw the request payloads');
  // ...and still never saw the key.
  assert.equal(reaches(seen, INVOKE_KEY), false, 'a page hook saw the invoke key');
}

test('fetch transport: a page that replaces fetch, JSON and prototypes after install never sees the key', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('echo', () => null);
  backend.command('slow', () => new Promise(() => {}));
  let fetched = 0;
  // The webview's fetch, as the bridge captured it: the custom protocol handler gets the key.
  const fetch = async (url, init) => {
    fetched++;
    const body = typeof init.body === 'string' ? init.body : new Uint8Array(init.body);
    const answer = await backend.handle('main', { url, headers: init.headers, body });
    return new Response(answer.body, { headers: { 'Tauri-Response': answer.ok ? 'ok' : 'error', 'Content-Type': answer.contentType } });
  };
  const page = createPage({ bridgeConfig: { invokeKey: INVOKE_KEY, transport: 'fetch' }, globals: { fetch } });
  page.run(TRAPS);
  page.run(EXERCISE);
  await page.window.done;
  assert.equal(fetched, 5, 'every invoke (and the cancel) went through the captured fetch');
  assert.ok(backend.requests.every((r) => r.headers['Tauri-Invoke-Key'] === INVOKE_KEY));
  assert.deepEqual(backend.requestsFor('plugin:ward|cancel').length, 1);
  assertKeyNeverSeen(page);
});

test('postMessage transport: a page that replaces JSON.stringify and prototypes never sees the key', async () => {
  const posted = [];
  const page = createPage({
    bridgeConfig: { invokeKey: INVOKE_KEY, transport: 'postMessage', postMessage: (text) => posted.push(JSON.parse(text)) },
  });
  page.run(TRAPS);
  page.run(`
    __TAURI_INTERNALS__.invoke('echo', { marker: '${PAYLOAD_MARKER}', list: [1, 'two'] }, { headers: { 'X-Page': '1' } });
    __TAURI_INTERNALS__.invoke('upload', new Uint8Array([1, 2]));
  `);
  assert.equal(posted.length, 2);
  assert.ok(posted.every((message) => message.__TAURI_INVOKE_KEY__ === INVOKE_KEY));
  // The page's String#toJSON hook runs on page data only, as JSON.stringify would do in any page.
  assert.deepEqual(posted[0].payload, { marker: PAYLOAD_MARKER, list: [1, 'two'] });
  assertKeyNeverSeen(page);
});

test('function transport: the host gets the key on a prototype-less request the page cannot hook', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('echo', () => null);
  backend.command('slow', () => new Promise(() => {}));
  const requests = [];
  const page = createPage({
    bridgeConfig: { invokeKey: INVOKE_KEY },
    transport: (request) => { requests.push(request); return backend.handle('main', request); },
  });
  page.run(TRAPS);
  page.run(EXERCISE);
  await page.window.done;
  assert.equal(requests.length, 5);
  for (const request of requests) {
    assert.equal(Object.getPrototypeOf(request), null);
    assert.equal(Object.getPrototypeOf(request.headers), null);
  }
  assertKeyNeverSeen(page);
});

test('the key is not reachable from window: not in any own property, internals, callbacks or function source', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('slow', () => new Promise(() => {}));
  const page = backend.openPage('main');
  // With an invoke in flight, a channel and a listener alive.
  page.load(`
    import { Channel, invoke } from '@tauri-apps/api/core';
    import { listen } from '@tauri-apps/api/event';
    window.pending = invoke('slow', { channel: new Channel() });
    window.listening = listen('x', () => {});
  `);
  await page.window.listening;
  assert.ok(reaches(page.window, 'function transformCallback'), 'the walk reaches the bridge functions');
  assert.equal(reaches(page.window, INVOKE_KEY), false);
  assert.equal(page.run('Object.getOwnPropertyNames(window).filter((n) => /ward|tauri/i.test(n)).sort().join()'),
    '__TAURI_EVENT_PLUGIN_INTERNALS__,__TAURI_INTERNALS__,__WARD__,isTauri');
});

test('the bridge members cannot be replaced by the page', () => {
  const page = createPage({ bridgeConfig: { invokeKey: INVOKE_KEY }, transport: async () => ({ ok: true, contentType: 'application/json', body: 'null' }) });
  const result = page.run(`
    'use strict';
    const attempts = {
      internals: () => { window.__TAURI_INTERNALS__ = {}; },
      invoke: () => { __TAURI_INTERNALS__.invoke = () => {}; },
      runCallback: () => { __TAURI_INTERNALS__.runCallback = () => {}; },
      redefine: () => Object.defineProperty(__TAURI_INTERNALS__, 'invoke', { value: () => {} }),
      deleteInvoke: () => { delete __TAURI_INTERNALS__.invoke; },
      deliver: () => { __WARD__.deliver = () => {}; },
      ward: () => { window.__WARD__ = {}; },
      unregisterListener: () => { __TAURI_EVENT_PLUGIN_INTERNALS__.unregisterListener = () => {}; },
      metadata: () => { __TAURI_INTERNALS__.metadata.currentWindow.label = 'other'; },
    };
    Object.keys(attempts).filter((name) => { try { attempts[name](); return true; } catch { return false; } });
  `);
  assert.deepEqual(Array.from(result), []);
  // Plugins still register themselves, as in Tauri.
  page.run(`__TAURI_INTERNALS__.plugins.myPlugin = { ready: true }`);
  assert.equal(page.run('__TAURI_INTERNALS__.plugins.myPlugin.ready'), true);
});
