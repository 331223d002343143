'use strict';
// The fetch (custom protocol) and postMessage transports, against fake webview primitives.

const test = require('node:test');
const assert = require('node:assert/strict');
const { createPage } = require('../harness/page.js');

const INVOKE_KEY = 'invoke-key-for-tests-91c0';

const plain = (value) => JSON.parse(JSON.stringify(value));

/** A fetch that records its calls and answers with `reply(url, init)` ({ok, contentType, body}). */
function fakeFetch(reply) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    const { ok, contentType, body } = await reply(url, init);
    return new Response(body, { headers: { 'Tauri-Response': ok ? 'ok' : 'error', 'Content-Type': contentType } });
  };
  return { fetch, calls };
}

/** A postMessage that records the messages the page posts. */
function fakePostMessage() {
  const messages = [];
  return { postMessage: (text) => messages.push(JSON.parse(text)), messages };
}

test('fetch transport: POST to ipc://localhost/<cmd> with the Tauri headers; ok and error answers', async () => {
  const { fetch, calls } = fakeFetch((url, init) => {
    const args = JSON.parse(init.body);
    return url.endsWith('/add')
      ? { ok: true, contentType: 'application/json', body: JSON.stringify(args.a + args.b) }
      : { ok: false, contentType: 'application/json', body: JSON.stringify('Command nope not found') };
  });
  const page = createPage({ bridgeConfig: { invokeKey: INVOKE_KEY, transport: 'fetch' }, globals: { fetch } });
  const { outcomes } = page.load(`
    import { invoke } from '@tauri-apps/api/core';
    const settle = (promise) => promise.then((value) => ({ value }), (error) => ({ error }));
    export const outcomes = Promise.all([settle(invoke('add', { a: 2, b: 3 })), settle(invoke('nope'))]);
  `);
  assert.deepEqual(plain(await outcomes), [{ value: 5 }, { error: 'Command nope not found' }]);

  const { url, init } = calls[0];
  assert.equal(url, 'ipc://localhost/add');
  assert.equal(init.method, 'POST');
  assert.equal(init.body, '{"a":2,"b":3}');
  assert.equal(init.headers['Content-Type'], 'application/json');
  assert.equal(init.headers['Tauri-Invoke-Key'], INVOKE_KEY);
  assert.match(init.headers['Tauri-Callback'], /^[1-9][0-9]*$/);
  assert.match(init.headers['Tauri-Error'], /^[1-9][0-9]*$/);
});

test('fetch transport: raw bodies and raw, text and JSON answers', async () => {
  const { fetch, calls } = fakeFetch((url) => {
    if (url.endsWith('/bytes')) return { ok: true, contentType: 'application/octet-stream', body: new Uint8Array([7, 8, 9]) };
    if (url.endsWith('/text')) return { ok: true, contentType: 'text/plain', body: 'plain words' };
    return { ok: true, contentType: 'application/json; charset=utf-8', body: '{"x":1}' };
  });
  const page = createPage({
    bridgeConfig: { invokeKey: INVOKE_KEY, transport: 'fetch', convertFileSrc: { windowsStyle: true } },
    globals: { fetch },
  });
  const { answers } = page.load(`
    import { invoke } from '@tauri-apps/api/core';
    export const answers = Promise.all([
      invoke('bytes', new Uint8Array([1, 2])).then((b) => [b instanceof ArrayBuffer, Array.from(new Uint8Array(b))]),
      invoke('text'),
      invoke('json'),
    ]);
  `);
  assert.deepEqual(plain(await answers), [[true, [7, 8, 9]], 'plain words', { x: 1 }]);
  // WebView2 serves custom schemes as http://<scheme>.localhost.
  assert.equal(calls[0].url, 'http://ipc.localhost/bytes');
  assert.equal(calls[0].init.headers['Content-Type'], 'application/octet-stream');
  assert.deepEqual(Array.from(calls[0].init.body), [1, 2]);
});

test('fetch transport falls back to postMessage when the custom protocol fails, like Tauri', async () => {
  let fetchCalls = 0;
  const failingFetch = async () => {
    fetchCalls++;
    throw new TypeError('Failed to fetch');
  };
  const host = fakePostMessage();
  const page = createPage({
    bridgeConfig: { invokeKey: INVOKE_KEY, transport: 'fetch', postMessage: host.postMessage },
    globals: { fetch: failingFetch },
    console: { ...console, warn: () => {} },
  });
  page.run(`__TAURI_INTERNALS__.invoke('first', { n: 1 })`);
  await new Promise((resolve) => setImmediate(resolve));
  page.run(`__TAURI_INTERNALS__.invoke('second', { n: 2 })`);
  assert.equal(fetchCalls, 1, 'after one failure the custom protocol is not tried again');
  assert.deepEqual(host.messages.map((m) => [m.cmd, m.payload]), [['first', { n: 1 }], ['second', { n: 2 }]]);
});

test('fetch transport without a postMessage fallback rejects the invoke', async () => {
  const page = createPage({
    bridgeConfig: { invokeKey: INVOKE_KEY, transport: 'fetch' },
    globals: { fetch: async () => { throw new TypeError('Failed to fetch'); } },
  });
  page.run(`window.outcome = __TAURI_INTERNALS__.invoke('x').then(() => 'resolved', (e) => e.message)`);
  assert.equal(await page.window.outcome, 'Failed to fetch');
});

test('postMessage transport: one JSON message; runCallback answers resolve and reject', async () => {
  const host = fakePostMessage();
  const page = createPage({ bridgeConfig: { invokeKey: INVOKE_KEY, transport: 'postMessage', postMessage: host.postMessage } });
  const { ok, failed } = page.load(`
    import { invoke } from '@tauri-apps/api/core';
    export const ok = invoke('greet', { name: 'ward' }, { headers: { 'X-Trace': 't1' } });
    export const failed = invoke('nope').then(() => 'resolved', (error) => error);
  `);
  const [greet, nope] = host.messages;
  assert.deepEqual(Object.keys(greet), ['cmd', 'callback', 'error', 'payload', 'options', '__TAURI_INVOKE_KEY__']);
  assert.equal(greet.cmd, 'greet');
  assert.deepEqual(greet.payload, { name: 'ward' });
  assert.deepEqual(greet.options, { headers: { 'Content-Type': 'application/json', 'X-Trace': 't1' } });
  assert.equal(greet.__TAURI_INVOKE_KEY__, INVOKE_KEY);
  assert.ok(greet.callback > 0 && greet.error > 0 && greet.callback !== greet.error);

  // What a host that answers by evaluating script renders (ward::render_script).
  page.run(`window.__TAURI_INTERNALS__.runCallback(${greet.callback}, "Hello, ward!")`);
  page.run(`window.__TAURI_INTERNALS__.runCallback(${nope.error}, "Command nope not found")`);
  assert.equal(await ok, 'Hello, ward!');
  assert.equal(await failed, 'Command nope not found');
  assert.equal(page.window.__TAURI_INTERNALS__.callbacks.size, 0);
});

test('postMessage transport: raw payloads travel as byte arrays marked application/octet-stream', async () => {
  const host = fakePostMessage();
  const page = createPage({ bridgeConfig: { invokeKey: INVOKE_KEY, transport: 'postMessage', postMessage: host.postMessage } });
  const { reply } = page.load(`
    import { invoke } from '@tauri-apps/api/core';
    export const reply = invoke('upload', new Uint8Array([0, 255, 16]))
      .then((b) => [b instanceof ArrayBuffer, Array.from(new Uint8Array(b))]);
  `);
  const [message] = host.messages;
  assert.deepEqual(message.payload, [0, 255, 16]);
  assert.equal(message.options.headers['Content-Type'], 'application/octet-stream');
  // A structured raw reply, as a host passing ward::Delivery values does.
  page.deliver({ kind: 'reply', callback: message.callback, ok: true, bytes: Buffer.from([4, 5]) });
  assert.deepEqual(plain(await reply), [true, [4, 5]]);
});

test('postMessage transport finds the webview message handler when none is configured', () => {
  const received = [];
  const handler = { postMessage(text) { received.push([this === handler, JSON.parse(text).cmd]); } };
  const page = createPage({
    bridgeConfig: { invokeKey: INVOKE_KEY, transport: 'postMessage' },
    globals: { webkit: { messageHandlers: { ipc: handler } } },
  });
  page.run(`__TAURI_INTERNALS__.invoke('ping')`);
  assert.deepEqual(received, [[true, 'ping']]);
});
