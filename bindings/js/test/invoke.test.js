'use strict';
// invoke through the function transport, driven by unmodified @tauri-apps/api code.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');
const assert = require('node:assert/strict');
const { FakeBackend, Rejection, RawReply } = require('../harness/fake-backend.js');
const { createPage } = require('../harness/page.js');

const INVOKE_KEY = 'invoke-key-for-tests-7f3a';

/** A page value as plain data of this realm (deepStrictEqual compares prototypes). */
const plain = (value) => JSON.parse(JSON.stringify(value));

test('invoke sends JSON args in the custom-protocol shape and resolves with the answer', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('greet', ({ name }) => `Hello, ${name}!`);
  const page = backend.openPage('main');
  const { greeting } = page.load(`
    import { invoke } from '@tauri-apps/api/core';
    export const greeting = invoke('greet', { name: 'ward', tags: new Map([['a', 1]]), data: new Uint8Array([1, 2]) });
  `);
  assert.equal(await greeting, 'Hello, ward!');

  const [request] = backend.requests;
  assert.equal(request.url, 'ipc://localhost/greet');
  assert.deepEqual(request.args, { name: 'ward', tags: { a: 1 }, data: [1, 2] });
  assert.equal(request.headers['Content-Type'], 'application/json');
  assert.equal(request.headers['Tauri-Invoke-Key'], INVOKE_KEY);
  assert.match(request.headers['Tauri-Callback'], /^[1-9][0-9]*$/);
  assert.match(request.headers['Tauri-Error'], /^[1-9][0-9]*$/);
  assert.notEqual(request.callback, request.error);
  // Both one-shot callbacks are gone once the invoke settled.
  assert.equal(page.window.__TAURI_INTERNALS__.callbacks.size, 0);
});

test('command names are URL-encoded path segments', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('plugin:my-plugin|do thing', () => 1);
  const page = backend.openPage('main');
  await page.load(`
    import { invoke } from '@tauri-apps/api/core';
    export const done = invoke('plugin:my-plugin|do thing');
  `).done;
  assert.equal(backend.requests[0].url, 'ipc://localhost/plugin%3Amy-plugin%7Cdo%20thing');
  assert.deepEqual(backend.requests[0].args, {});
});

test('raw bytes go as application/octet-stream and raw answers resolve to an ArrayBuffer', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('reverse', (_args, request) => new RawReply(Array.from(request.bytes).reverse()));
  const page = backend.openPage('main');
  const { reply } = page.load(`
    import { invoke } from '@tauri-apps/api/core';
    export const reply = invoke('reverse', new Uint8Array([1, 2, 3, 250])).then((buffer) => ({
      isArrayBuffer: buffer instanceof ArrayBuffer,
      bytes: Array.from(new Uint8Array(buffer)),
    }));
  `);
  assert.deepEqual(plain(await reply), { isArrayBuffer: true, bytes: [250, 3, 2, 1] });
  const [request] = backend.requests;
  assert.equal(request.headers['Content-Type'], 'application/octet-stream');
  assert.equal(request.headers['Tauri-Invoke-Key'], INVOKE_KEY);
  assert.deepEqual(Array.from(request.bytes), [1, 2, 3, 250]);

  // An ArrayBuffer payload, and a view on part of a buffer, send exactly their bytes.
  page.run(`
    const buffer = new Uint8Array([9, 8, 7, 6]).buffer;
    window.sent = Promise.all([
      __TAURI_INTERNALS__.invoke('reverse', buffer),
      __TAURI_INTERNALS__.invoke('reverse', new Uint8Array(buffer, 1, 2)),
    ]);
  `);
  await page.window.sent;
  assert.deepEqual(Array.from(backend.requests[1].bytes), [9, 8, 7, 6]);
  assert.deepEqual(Array.from(backend.requests[2].bytes), [8, 7]);
});

test('an error answer rejects with the backend value', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('fail', () => new Rejection({ code: 'E_NOPE', message: 'no' }));
  const page = backend.openPage('main');
  const { outcomes } = page.load(`
    import { invoke } from '@tauri-apps/api/core';
    const settle = (promise) => promise.then((value) => ({ value }), (error) => ({ error }));
    export const outcomes = Promise.all([settle(invoke('fail')), settle(invoke('nope'))]);
  `);
  assert.deepEqual(plain(await outcomes), [
    { error: { code: 'E_NOPE', message: 'no' } },
    { error: 'Command nope not found' },
  ]);
  assert.equal(page.window.__TAURI_INTERNALS__.callbacks.size, 0);
});

test('a failing function transport rejects the invoke', async () => {
  const page = createPage({
    bridgeConfig: { invokeKey: INVOKE_KEY },
    transport: () => { throw new Error('host is gone'); },
  });
  page.run(`window.outcome = __TAURI_INTERNALS__.invoke('anything').then(() => 'resolved', (e) => e.message)`);
  assert.equal(await page.window.outcome, 'host is gone');
});

test('options.headers are sent, but cannot replace the ids or the key', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('upload', () => null);
  const page = backend.openPage('main');
  await page.load(`
    import { invoke } from '@tauri-apps/api/core';
    export const done = Promise.all([
      invoke('upload', {}, { headers: { 'X-Trace': 'abc', 'tauri-invoke-key': 'forged', 'Tauri-Callback': '1' } }),
      invoke('upload', {}, { headers: new Headers({ 'X-From-Headers': 'yes' }) }),
    ]);
  `).done;
  const [fromRecord, fromHeaders] = backend.requests;
  assert.equal(fromRecord.headers['X-Trace'], 'abc');
  assert.equal(fromRecord.headers['Tauri-Invoke-Key'], INVOKE_KEY);
  assert.equal(fromRecord.headers['tauri-invoke-key'], undefined);
  assert.equal(fromRecord.headers['Tauri-Callback'], String(fromRecord.callback));
  assert.equal(fromHeaders.headers['x-from-headers'], 'yes');
});

test('transformCallback, runCallback and unregisterCallback behave like Tauri', () => {
  const warnings = [];
  const page = createPage({
    bridgeConfig: { invokeKey: INVOKE_KEY },
    transport: async () => ({ ok: true, contentType: 'application/json', body: 'null' }),
    console: { ...console, warn: (...args) => warnings.push(args.join(' ')) },
  });
  const result = page.run(`
    const calls = [];
    const once = __TAURI_INTERNALS__.transformCallback((v) => calls.push(['once', v]), true);
    const many = __TAURI_INTERNALS__.transformCallback((v) => calls.push(['many', v]));
    __TAURI_INTERNALS__.runCallback(once, 1);
    __TAURI_INTERNALS__.runCallback(once, 2);
    __TAURI_INTERNALS__.runCallback(many, 3);
    __TAURI_INTERNALS__.runCallback(many, 4);
    __TAURI_INTERNALS__.unregisterCallback(many);
    __TAURI_INTERNALS__.runCallback(many, 5);
    ({ calls, ids: [once, many], left: __TAURI_INTERNALS__.callbacks.size });
  `);
  assert.deepEqual(plain(result.calls), [['once', 1], ['many', 3], ['many', 4]]);
  assert.equal(result.left, 0);
  for (const id of result.ids) assert.ok(Number.isInteger(id) && id > 0 && id <= 0xffffffff);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], new RegExp(`Couldn't find callback id ${result.ids[0]}`));
});

test('convertFileSrc, metadata, path separators and isTauri as @tauri-apps/api reads them', () => {
  const make = (convertFileSrc) => createPage({
    bridgeConfig: {
      invokeKey: INVOKE_KEY,
      convertFileSrc,
      metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'side' } },
    },
    transport: async () => ({ ok: true, contentType: 'application/json', body: 'null' }),
  });
  const source = `
    import { convertFileSrc, isTauri } from '@tauri-apps/api/core';
    import { getCurrentWindow } from '@tauri-apps/api/window';
    import { getCurrentWebview } from '@tauri-apps/api/webview';
    import { sep, delimiter } from '@tauri-apps/api/path';
    export const facts = {
      asset: convertFileSrc('/home/me/a b.png'),
      custom: convertFileSrc('/x', 'stream'),
      window: getCurrentWindow().label,
      webview: getCurrentWebview().label,
      isTauri: isTauri(),
      sep: sep(),
      delimiter: delimiter(),
    };
  `;
  assert.deepEqual(plain(make(undefined).load(source).facts), {
    asset: 'asset://localhost/%2Fhome%2Fme%2Fa%20b.png',
    custom: 'stream://localhost/%2Fx',
    window: 'main',
    webview: 'side',
    isTauri: true,
    sep: '/',
    delimiter: ':',
  });
  const windows = plain(make({ windowsStyle: true }).load(source).facts);
  assert.equal(windows.asset, 'http://asset.localhost/%2Fhome%2Fme%2Fa%20b.png');
  assert.equal(windows.custom, 'http://stream.localhost/%2Fx');
});

test('pages are separate contexts', () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  const a = backend.openPage('a');
  const b = backend.openPage('b');
  a.run('window.mark = "a"');
  assert.equal(b.run('typeof window.mark'), 'undefined');
  assert.notEqual(a.window.__TAURI_INTERNALS__, b.window.__TAURI_INTERNALS__);
  assert.equal(b.window.__TAURI_INTERNALS__.metadata.currentWebview.label, 'b');
});

test('a second install keeps the first', () => {
  const page = createPage({
    bridgeConfig: { invokeKey: INVOKE_KEY },
    transport: async () => ({ ok: true, contentType: 'application/json', body: 'null' }),
    console: { ...console, warn: () => {} },
  });
  const first = page.window.__TAURI_INTERNALS__.invoke;
  const source = fs.readFileSync(path.join(__dirname, '..', 'bridge.js'), 'utf8');
  page.run(source)({ invokeKey: 'another', transport: () => {} });
  assert.equal(page.window.__TAURI_INTERNALS__.invoke, first);
});

test('load() bundles an entry file from anywhere; @tauri-apps/api resolves from this package', async () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'ward-page-'));
  try {
    fs.writeFileSync(path.join(directory, 'helper.js'), `export const name = 'from a file';`);
    const entry = path.join(directory, 'main.js');
    fs.writeFileSync(entry, `
      import { invoke } from '@tauri-apps/api/core';
      import { name } from './helper.js';
      export const greeting = invoke('greet', { name });
    `);
    const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
    backend.command('greet', ({ name }) => `Hello, ${name}!`);
    assert.equal(await backend.openPage('main').load(entry).greeting, 'Hello, from a file!');
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});
