'use strict';
// ward's cancellation: invoke(cmd, args, {signal}) and __WARD__.cancel send plugin:ward|cancel.

const test = require('node:test');
const assert = require('node:assert/strict');
const { FakeBackend } = require('../harness/fake-backend.js');

const INVOKE_KEY = 'invoke-key-for-tests-0b77';

const never = () => new Promise(() => {});
const settled = (promise) => promise.then((value) => ({ value }), (error) => ({ error }));

test('aborting the signal sends plugin:ward|cancel {callback}; the backend error rejects the invoke', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('slow', never);
  const page = backend.openPage('main');
  const { outcome, controller } = page.load(`
    import { invoke } from '@tauri-apps/api/core';
    export const controller = new AbortController();
    export const outcome = invoke('slow', { n: 1 }, { signal: controller.signal })
      .then(() => 'resolved', (error) => error);
  `);
  await new Promise((resolve) => setImmediate(resolve));
  const [slow] = backend.requestsFor('slow');
  controller.abort();

  assert.equal(await outcome, 'cancelled');
  assert.deepEqual(backend.requestsFor('plugin:ward|cancel').map((r) => r.args), [{ callback: slow.callback }]);
  assert.equal(page.window.__TAURI_INTERNALS__.callbacks.size, 0);
});

test('an already aborted signal rejects at once and sends nothing', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('slow', never);
  const page = backend.openPage('main');
  const { outcome } = page.load(`
    import { invoke } from '@tauri-apps/api/core';
    const controller = new AbortController();
    controller.abort();
    export const outcome = invoke('slow', {}, { signal: controller.signal }).then(() => 'resolved', (error) => error.name);
  `);
  assert.equal(await outcome, 'AbortError');
  assert.equal(backend.requests.length, 0);
  assert.equal(page.window.__TAURI_INTERNALS__.callbacks.size, 0);
});

test('aborting after the answer sends no cancel', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('fast', () => 'done');
  const page = backend.openPage('main');
  const { outcome, controller } = page.load(`
    import { invoke } from '@tauri-apps/api/core';
    export const controller = new AbortController();
    export const outcome = invoke('fast', {}, { signal: controller.signal });
  `);
  assert.equal(await outcome, 'done');
  controller.abort();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(backend.requestsFor('plugin:ward|cancel').length, 0);
});

test('__WARD__.cancel(callbackId) cancels an invoke by its Tauri-Callback id', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('slow', never);
  const page = backend.openPage('main');
  page.run(`window.pending = __TAURI_INTERNALS__.invoke('slow')`);
  const outcome = settled(page.window.pending);
  await new Promise((resolve) => setImmediate(resolve));
  const [slow] = backend.requestsFor('slow');
  await page.run(`__WARD__.cancel(${slow.callback})`);
  assert.deepEqual(await outcome, { error: 'cancelled' });
});
