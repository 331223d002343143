'use strict';

// Real frontend code against a real ward app: the unmodified @tauri-apps/api, bundled by esbuild,
// runs in harness pages (bindings/js/harness/page.js) whose invokes go through this binding and
// whose events and channel messages come back through the app's delivery callback.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { setTimeout: sleep } = require('node:timers/promises');
const { AppBuilder, CommandError, Status } = require('..');
const harness = require('../harness');
const { until } = require('./helpers');

/** The frontend under test: ordinary app code importing @tauri-apps/api. */
const FRONTEND = `
import { invoke, Channel, Resource } from '@tauri-apps/api/core';
import { listen, once, emit, emitTo } from '@tauri-apps/api/event';

async function until(predicate, ms = 20000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out in the page');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const describe = (error) => (typeof error === 'string' ? error : String(error && error.message || error));

export function greet(name) {
  return invoke('greet', { name, extra: { list: [1, 2, 3] } });
}

export async function checksum(values) {
  const answer = await invoke('checksum', new Uint8Array(values));
  return { isArrayBuffer: answer instanceof ArrayBuffer, bytes: Array.from(new Uint8Array(answer)) };
}

export async function denied() {
  try {
    await invoke('secret');
    return 'allowed';
  } catch (error) {
    return describe(error);
  }
}

export async function stream(count) {
  let received = 0;
  let outOfOrder = 0;
  const channel = new Channel((message) => {
    if (message !== received) outOfOrder += 1;
    received += 1;
  });
  const answer = await invoke('stream', { count, onEvent: channel });
  // The channel's callback goes once its end message arrived after every message before it.
  await until(() => !window.__TAURI_INTERNALS__.callbacks.has(channel.id));
  return { answer, received, outOfOrder, id: channel.id };
}

class Counter extends Resource {
  static async open(start) {
    return new Counter(await invoke('open_counter', { start }));
  }
  next() {
    return invoke('counter_next', { rid: this.rid });
  }
}

export async function counterResource() {
  const counter = await Counter.open(10);
  const values = [await counter.next(), await counter.next()];
  await counter.close();
  let secondClose = 'second close succeeded';
  try {
    await counter.close();
  } catch (error) {
    secondClose = describe(error);
  }
  let afterClose = 'still usable';
  try {
    await counter.next();
  } catch (error) {
    afterClose = 'rejected';
  }
  return { rid: counter.rid, values, secondClose, afterClose };
}

export const heard = [];
const unlisteners = {};

export async function listenAll(label) {
  unlisteners.any = await listen('ping', (event) => heard.push(['any', event.payload]));
  unlisteners.mine = await listen('ping', (event) => heard.push(['mine', event.payload]), {
    target: { kind: 'Webview', label },
  });
  await once('ping', (event) => heard.push(['once', event.payload]));
}

export function unlistenAny() {
  return unlisteners.any();
}

export { emit, emitTo };

export function startCancellable() {
  const controller = new AbortController();
  const outcome = invoke('wait_for_cancel', {}, { signal: controller.signal }).then(
    (value) => ({ settled: 'resolved', value }),
    (error) => ({ settled: 'rejected', reason: describe(error) }),
  );
  return { abort: () => controller.abort(), outcome };
}
`;

/** A plain copy of a value from the page's realm (deepStrictEqual compares prototypes). */
const plain = (value) => JSON.parse(JSON.stringify(value));

describe('the page harness with @tauri-apps/api', () => {
  let app;
  let host;
  let main;
  let second;
  let mainApi;
  let secondApi;
  const cancellations = [];
  const backendHeard = [];
  const closedCounters = [];
  const pageWarnings = [];
  const pageConsole = { ...console, warn: (...args) => pageWarnings.push(args.map(String).join(' ')) };

  before(() => {
    const builder = new AppBuilder({ log: () => {} })
      .command('greet', ({ name, extra }, ctx) => ({ greeting: `Hello, ${name}!`, extra, webview: ctx.webview }))
      .command('checksum', (args, ctx) => {
        assert.equal(ctx.isRaw, true);
        const sum = ctx.body.reduce((total, byte) => (total + byte) & 0xff, 0);
        return Buffer.from([sum, ctx.body.length]);
      })
      .command('secret', () => 'the page must not get this')
      .asyncCommand('stream', async ({ count }, ctx) => {
        const channel = ctx.channel('onEvent');
        for (let i = 0; i < count; i++) channel.send(i, { timeout: Infinity });
        await channel.close();
        return 'streamed';
      })
      .command('open_counter', ({ start }, ctx) =>
        ctx.addResource({ value: start }, { onClose: (counter) => closedCounters.push(counter.value) }))
      .command('counter_next', ({ rid }, ctx) => {
        const counter = ctx.resource(rid);
        counter.value += 1;
        return counter.value;
      })
      .asyncCommand('wait_for_cancel', (args, ctx) => {
        const record = { webview: ctx.webview, aborted: false, cancelled: false };
        cancellations.push(record);
        return new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            record.aborted = true;
            record.cancelled = ctx.cancelled;
            record.reason = ctx.signal.reason && ctx.signal.reason.code;
            resolve('answered after the cancel');
          });
        });
      })
      .capability({
        identifier: 'pages',
        windows: ['main', 'second'],
        permissions: [
          'core:default',
          'allow-greet',
          'allow-checksum',
          'allow-stream',
          'allow-open-counter',
          'allow-counter-next',
          'allow-wait-for-cancel',
        ],
      });
    host = harness.createHost(builder);
    app = builder.build();
    app.listen('ping', (event) => backendHeard.push(event.payload));
    main = harness.openPage(app, { window: 'main', console: pageConsole });
    second = host.openPage(app, { window: 'second', console: pageConsole });
    mainApi = main.load(FRONTEND);
    secondApi = second.load(FRONTEND);
  });

  after(async () => {
    main.close();
    second.close();
    await app.close();
  });

  it('invokes a command with arguments', async () => {
    assert.deepEqual(plain(await mainApi.greet('ward')), {
      greeting: 'Hello, ward!',
      extra: { list: [1, 2, 3] },
      webview: 'main',
    });
    assert.equal(plain(await secondApi.greet('two')).webview, 'second');
  });

  it('invokes with raw bytes and gets raw bytes back', async () => {
    assert.deepEqual(plain(await mainApi.checksum([1, 2, 3, 250])), { isArrayBuffer: true, bytes: [0, 4] });
  });

  it('rejects a command the ACL does not grant', async () => {
    assert.equal(await mainApi.denied(), 'Command secret not allowed by ACL');
  });

  it('streams 10,000 ordered messages and an end through a Channel', async () => {
    const deliveredBefore = main.received.channel;
    const result = plain(await mainApi.stream(10000));
    assert.deepEqual(
      { answer: result.answer, received: result.received, outOfOrder: result.outOfOrder },
      { answer: 'streamed', received: 10000, outOfOrder: 0 },
    );
    assert.equal(main.received.channel - deliveredBefore, 10001, 'ten thousand messages and the end');
  });

  it('closes a Resource, and a second close fails', async () => {
    closedCounters.length = 0;
    const result = plain(await mainApi.counterResource());
    assert.ok(Number.isSafeInteger(result.rid) && result.rid > 0);
    assert.deepEqual(result.values, [11, 12]);
    assert.deepEqual(closedCounters, [12], 'the backend closed it');
    assert.notEqual(result.secondClose, 'second close succeeded');
    assert.equal(result.afterClose, 'rejected');
  });

  it('carries events between two pages: listen, once, emit, emitTo, unlisten', async () => {
    await mainApi.listenAll('main');
    await secondApi.listenAll('second');
    const mainHeard = () => plain(mainApi.heard);
    const secondHeard = () => plain(secondApi.heard);

    await mainApi.emit('ping', 1); // to everyone
    await mainApi.emitTo('second', 'ping', 2); // AnyLabel "second"
    await secondApi.emitTo({ kind: 'Webview', label: 'main' }, 'ping', 3);
    // Every event before the unlisten must have arrived: deliveries are asynchronous.
    await until(() => mainHeard().length >= 6 && secondHeard().length >= 6, 10000, 'the events');

    await secondApi.unlistenAny();
    await mainApi.emit('ping', 4);
    await until(() => secondHeard().length >= 7 && mainHeard().length >= 8, 10000, 'the last event');
    await sleep(50); // nothing more may arrive

    const sorted = (entries) => entries.map((entry) => entry.join(':')).sort();
    assert.deepEqual(sorted(mainHeard()), sorted([
      ['any', 1], ['mine', 1], ['once', 1],
      ['any', 2],
      ['any', 3], ['mine', 3],
      ['any', 4], ['mine', 4],
    ]));
    assert.deepEqual(sorted(secondHeard()), sorted([
      ['any', 1], ['mine', 1], ['once', 1],
      ['any', 2], ['mine', 2],
      ['any', 3],
      ['mine', 4],
    ]));
    // The backend listens on Any: it hears every emit, the pages' included.
    assert.deepEqual([...backendHeard].sort(), [1, 2, 3, 4]);
    // Events already on their way when `once` unlistened find no callback, as in Tauri.
    assert.ok(pageWarnings.every((warning) => /Couldn't find callback id/.test(warning)), pageWarnings.join('\n'));
  });

  it('cancels an in-flight call through its AbortSignal', async () => {
    cancellations.length = 0;
    const call = mainApi.startCancellable();
    await until(() => cancellations.length === 1, 10000, 'the handler to start');
    assert.equal(cancellations[0].aborted, false);
    call.abort(); // the bridge invokes plugin:ward|cancel with the call's callback id
    const outcome = plain(await call.outcome);
    assert.equal(outcome.settled, 'rejected');
    assert.match(outcome.reason, /cancel/i);
    await until(() => cancellations[0].aborted, 10000, 'the handler to see the cancellation');
    assert.equal(cancellations[0].webview, 'main');
    assert.equal(cancellations[0].cancelled, true);
    assert.equal(cancellations[0].reason, Status.CANCELLED);
  });

  it('refuses apps not built through a host', () => {
    const other = new AppBuilder().build();
    try {
      assert.throws(() => harness.openPage(other, { window: 'main' }), /createHost/);
      assert.throws(() => host.openPage(other, { window: 'x' }), /one app|not built/);
    } finally {
      other.close();
    }
    assert.throws(() => host.openPage(app, { window: 'main' }), /already has an open page/);
  });
});

describe('harness pages and webview lifecycle', () => {
  it('closing a page destroys its webview: its resources close, its calls are cancelled', async () => {
    const closed = [];
    const started = [];
    const builder = new AppBuilder()
      .command('open', (args, ctx) => ctx.addResource('r', { onClose: () => closed.push('r') }))
      .command('hang', (args, ctx) => {
        started.push(ctx.webview);
        return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(null)));
      })
      .command('boom', () => {
        throw new CommandError({ reason: 'boom' });
      })
      .capability({ identifier: 'p', windows: ['w'], permissions: ['core:default', 'allow-open', 'allow-hang', 'allow-boom'] });
    harness.createHost(builder);
    const app = builder.build();
    try {
      const page = harness.openPage(app, { window: 'w' });
      const api = page.load(`
        import { invoke } from '@tauri-apps/api/core';
        export const open = () => invoke('open');
        export const hang = () => invoke('hang').then((v) => 'resolved ' + v, (e) => 'rejected ' + e);
        export const boom = () => invoke('boom').catch((e) => e);
      `);
      assert.deepEqual(plain(await api.boom()), { reason: 'boom' });
      assert.ok((await api.open()) > 0);
      const hanging = api.hang();
      await until(() => started.length === 1);
      page.close();
      assert.deepEqual(closed, ['r']);
      assert.match(await hanging, /^rejected .*cancel/i);
    } finally {
      await app.close();
    }
  });
});
