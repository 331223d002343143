'use strict';
// @tauri-apps/api/event over the bridge: listen, once, unlisten, emit and emitTo between pages.

const test = require('node:test');
const assert = require('node:assert/strict');
const { FakeBackend } = require('../harness/fake-backend.js');

const INVOKE_KEY = 'invoke-key-for-tests-e5d1';

const plain = (value) => JSON.parse(JSON.stringify(value));

test('listen registers {event, target, handler}; emitted events reach the handler; unlisten stops them', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  const warnings = [];
  const page = backend.openPage('main', { console: { ...console, warn: (...args) => warnings.push(args.join(' ')) } });
  const { ready, received } = page.load(`
    import { listen } from '@tauri-apps/api/event';
    export const received = [];
    export const ready = Promise.all([
      listen('progress', (event) => received.push(event)),
      listen('progress', (event) => received.push({ second: event.payload }), { target: 'side' }),
    ]);
  `);
  const [unlistenFirst] = await ready;

  const listens = backend.requestsFor('plugin:event|listen');
  assert.equal(listens.length, 2);
  assert.deepEqual(listens[0].args.target, { kind: 'Any' });
  assert.deepEqual(listens[1].args.target, { kind: 'AnyLabel', label: 'side' });
  const handler = listens[0].args.handler;
  assert.ok(page.window.__TAURI_INTERNALS__.callbacks.has(handler));

  backend.emit('progress', { percent: 50 });
  assert.deepEqual(plain(received), [
    { event: 'progress', id: 1, payload: { percent: 50 } },
    { second: { percent: 50 } },
  ]);

  await unlistenFirst();
  assert.deepEqual(backend.requestsFor('plugin:event|unlisten').map((r) => r.args), [{ event: 'progress', eventId: 1 }]);
  assert.equal(page.window.__TAURI_INTERNALS__.callbacks.has(handler), false);

  // A late event for the removed handler (already on its way when unlisten ran) is dropped.
  page.deliver({ kind: 'event', callback: handler, json: '{"event":"progress","id":1,"payload":null}' });
  assert.equal(received.length, 2);
  assert.equal(warnings.length, 1);
});

test('once handles one event and unlistens', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  const page = backend.openPage('main', { console: { ...console, warn: () => {} } });
  const { ready, received } = page.load(`
    import { once } from '@tauri-apps/api/event';
    export const received = [];
    export const ready = once('loaded', (event) => received.push(event.payload));
  `);
  await ready;
  const [{ args: { handler } }] = backend.requestsFor('plugin:event|listen');
  // Two events already in flight: only the first reaches the handler.
  page.deliver({ kind: 'event', callback: handler, json: '{"event":"loaded","id":1,"payload":"first"}' });
  page.deliver({ kind: 'event', callback: handler, json: '{"event":"loaded","id":1,"payload":"second"}' });
  assert.deepEqual(plain(received), ['first']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(backend.requestsFor('plugin:event|unlisten').map((r) => r.args), [{ event: 'loaded', eventId: 1 }]);
  assert.equal(backend.listeners.size, 0);
});

test('emitTo from one page reaches the listener of the webview it names, not the other', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  const a = backend.openPage('a');
  const b = backend.openPage('b');
  const listenerSource = `
    import { getCurrentWebview } from '@tauri-apps/api/webview';
    export const received = [];
    export const ready = getCurrentWebview().listen('ping', (event) => received.push(event.payload));
  `;
  const pageA = a.load(listenerSource);
  const pageB = b.load(listenerSource);
  await Promise.all([pageA.ready, pageB.ready]);
  assert.deepEqual(backend.requestsFor('plugin:event|listen').map((r) => [r.webview, r.args.target]), [
    ['a', { kind: 'Webview', label: 'a' }],
    ['b', { kind: 'Webview', label: 'b' }],
  ]);

  await a.load(`
    import { emitTo } from '@tauri-apps/api/event';
    export const sent = emitTo('b', 'ping', { from: 'a' });
  `).sent;
  assert.deepEqual(backend.requestsFor('plugin:event|emit_to')[0].args, {
    target: { kind: 'AnyLabel', label: 'b' }, event: 'ping', payload: { from: 'a' },
  });
  assert.deepEqual(plain(pageB.received), [{ from: 'a' }]);
  assert.deepEqual(plain(pageA.received), []);
});
