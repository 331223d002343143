'use strict';
// Channel (streams from the backend) and Resource over the bridge.

const test = require('node:test');
const assert = require('node:assert/strict');
const { FakeBackend } = require('../harness/fake-backend.js');

const INVOKE_KEY = 'invoke-key-for-tests-c4a2';
const MESSAGES = 10000;

const plain = (value) => JSON.parse(JSON.stringify(value));

/** A deterministic Fisher-Yates shuffle, so a failure reproduces. */
function shuffled(values) {
  const result = values.slice();
  let seed = 12345;
  for (let i = result.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [result[i], result[j]] = [result[j], result[i]];
  }
  return result;
}

function channelIdOf(argument) {
  const match = /^__CHANNEL__:(\d+)$/.exec(argument);
  assert.ok(match, `${argument} is a channel reference`);
  return Number(match[1]);
}

test('a Channel gets 10,000 messages in order from out-of-order deliveries, then ends', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('stream', () => null);
  const page = backend.openPage('main');
  const { started, received } = page.load(`
    import { Channel, invoke } from '@tauri-apps/api/core';
    export const received = [];
    const onEvent = new Channel((message) => received.push(message.n));
    export const started = invoke('stream', { onEvent });
  `);
  await started;
  const channel = channelIdOf(backend.requests[0].args.onEvent);
  const send = (index) => page.deliver({ kind: 'channel', callback: channel, index, json: JSON.stringify({ n: index }) });

  const half = MESSAGES / 2;
  const firstHalf = shuffled([...Array(half).keys()]);
  for (const index of firstHalf) send(index);
  assert.equal(received.length, half, 'the shuffled first half is all delivered once it is complete');
  // The end can overtake the last messages: the channel stays open until they arrive.
  page.deliver({ kind: 'channel', callback: channel, index: MESSAGES, end: true });
  for (let index = half; index < MESSAGES; index++) {
    assert.ok(page.window.__TAURI_INTERNALS__.callbacks.has(channel));
    send(index);
  }

  assert.equal(received.length, MESSAGES);
  assert.ok(received.every((n, i) => n === i), 'messages arrive in index order');
  assert.equal(page.window.__TAURI_INTERNALS__.callbacks.has(channel), false, 'the end unregistered the channel');
});

test('raw channel messages arrive as ArrayBuffers, from bytes or base64 deliveries and runCallback', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('download', () => null);
  const page = backend.openPage('main');
  const { started, received } = page.load(`
    import { Channel, invoke } from '@tauri-apps/api/core';
    export const received = [];
    const chunks = new Channel();
    chunks.onmessage = (chunk) => received.push([chunk instanceof ArrayBuffer, Array.from(new Uint8Array(chunk))]);
    export const started = invoke('download', { chunks });
  `);
  await started;
  const channel = channelIdOf(backend.requests[0].args.chunks);
  page.deliver({ kind: 'channel', callback: channel, index: 0, bytes: new Uint8Array([1, 2, 3]).buffer });
  page.deliver({ kind: 'channel', callback: channel, index: 1, bytes: new Uint8Array([0, 4, 5, 0]).subarray(1, 3) });
  page.deliver({ kind: 'channel', callback: channel, index: 2, base64: Buffer.from([255, 0, 128]).toString('base64') });
  // A script-rendering host builds the ArrayBuffer itself.
  page.run(`__TAURI_INTERNALS__.runCallback(${channel}, { index: 3, message: new Uint8Array([6]).buffer })`);
  page.run(`__TAURI_INTERNALS__.runCallback(${channel}, { index: 4, end: true })`);
  assert.deepEqual(plain(received), [
    [true, [1, 2, 3]],
    [true, [4, 5]],
    [true, [255, 0, 128]],
    [true, [6]],
  ]);
  assert.equal(page.window.__TAURI_INTERNALS__.callbacks.has(channel), false);
});

test('Resource.close() sends plugin:resources|close with the rid', async () => {
  const backend = new FakeBackend({ invokeKey: INVOKE_KEY });
  backend.command('open_db', () => 42);
  backend.command('plugin:resources|close', () => null);
  const page = backend.openPage('main');
  await page.load(`
    import { Resource, invoke } from '@tauri-apps/api/core';
    class Database extends Resource {}
    export const closed = invoke('open_db').then((rid) => new Database(rid).close());
  `).closed;
  assert.deepEqual(backend.requestsFor('plugin:resources|close').map((r) => r.args), [{ rid: 42 }]);
});
