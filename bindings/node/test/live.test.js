'use strict';

// The live half through the binding: async commands on ward's executor, cancellation, the
// delivery callback, events, channels, resources, posting, webview lifecycle and shutdown.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { setTimeout: sleep } = require('node:timers/promises');
const { AppBuilder, CommandError, Delivery, Status, WardError, statusName } = require('..');
const handles = require('../lib/handles');
const { tauriRequest, GrantingAppBuilder, until } = require('./helpers');

/** A delivery callback that keeps what it gets, as [webview, Delivery] pairs. */
function collector() {
  const got = [];
  const fn = (webview, delivery) => got.push([webview, delivery]);
  fn.got = got;
  fn.of = (kind) => got.filter(([, delivery]) => delivery.kind === kind);
  return fn;
}

/** A promise and the functions that settle it. */
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('status codes', () => {
  it('knows WARD_ERR_CLOSED', () => {
    assert.equal(Status.CLOSED, 19);
    assert.equal(statusName(Status.CLOSED), 'closed');
  });
});

describe('async commands', () => {
  let app;
  const logs = [];

  before(() => {
    app = new GrantingAppBuilder({ log: (entry) => logs.push(entry) })
      .executor({ workers: 2, queueCapacity: 64 })
      .asyncCommand('describe', (args, ctx) => ({
        args,
        command: ctx.command,
        window: ctx.window,
        webview: ctx.webview,
        origin: ctx.origin,
        header: ctx.header('X-Extra'),
      }))
      .asyncCommand('later', async ({ ms, value }) => {
        await sleep(ms);
        return value;
      })
      .asyncCommand('reverse', async (args, ctx) => {
        await sleep(1);
        return Buffer.from(ctx.body).reverse();
      })
      .asyncCommand('refuse', async () => {
        throw new CommandError({ code: 'nope' });
      })
      .asyncCommand('explode', () => {
        throw new Error('executor secret');
      })
      .build();
  });

  after(() => app.close());

  it('runs the handler (on the event loop) and answers through invokeAsync', async () => {
    const response = await app.invokeAsync(
      tauriRequest(app, 'describe', { a: [1, 2] }, { headers: { 'X-Extra': 'yes' }, window: 'w1', webview: 'v1' }),
    );
    assert.equal(response.ok, true, response.text());
    assert.deepEqual(response.json(), {
      args: { a: [1, 2] },
      command: 'describe',
      window: 'w1',
      webview: 'v1',
      origin: 'tauri://localhost',
      header: 'yes',
    });
  });

  it('waits for Promises, keeps raw bodies, and rejects like any command', async () => {
    const results = await Promise.all(
      [30, 10, 20].map((ms) => app.invokeAsync(tauriRequest(app, 'later', { ms, value: `after ${ms}` }))),
    );
    assert.deepEqual(
      results.map((response) => response.json()),
      ['after 30', 'after 10', 'after 20'],
    );
    const reversed = await app.invokeAsync(tauriRequest(app, 'reverse', Buffer.from([1, 2, 3])));
    assert.deepEqual([...reversed.body], [3, 2, 1]);
    const refused = await app.invokeAsync(tauriRequest(app, 'refuse', {}));
    assert.equal(refused.code, Status.COMMAND_REJECTED);
    assert.deepEqual(refused.json(), { code: 'nope' });
    const exploded = await app.invokeAsync(tauriRequest(app, 'explode', {}));
    assert.equal(exploded.code, Status.INTERNAL);
    assert.ok(!exploded.text().includes('executor secret'));
    assert.ok(logs.some((entry) => entry.detail.includes('executor secret')));
  });

  it('refuses a synchronous invoke of an async command instead of deadlocking', () => {
    assert.throws(() => app.invoke(tauriRequest(app, 'describe', {})), /async command.*invokeAsync/s);
  });

  it('answers BUSY at once when the executor queue is full', async () => {
    const busyApp = new GrantingAppBuilder()
      .executor({ workers: 1, queueCapacity: 1 })
      .asyncCommand('noop', () => 'done')
      .build();
    try {
      // Issued in one turn of the event loop: the worker hands the first invoke to this (busy)
      // thread and waits, one more waits in the queue, the rest find the queue full.
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => busyApp.invokeAsync(tauriRequest(busyApp, 'noop', {}))),
      );
      const busy = responses.filter((response) => response.code === Status.BUSY);
      const done = responses.filter((response) => response.ok);
      assert.equal(busy.length + done.length, 6);
      assert.ok(busy.length >= 4, `at most two invokes fit, got ${done.length} answered`);
      assert.ok(done.length >= 1);
    } finally {
      await busyApp.close();
    }
  });

  it('rejects executor options it does not know', () => {
    assert.throws(() => new AppBuilder().executor({ threads: 2 }), /unknown executor option field "threads"/);
    assert.throws(() => new AppBuilder().executor({ workers: -1 }), RangeError);
  });
});

describe('cancellation', () => {
  let app;
  const seen = [];

  before(() => {
    app = new GrantingAppBuilder({ grant: ['core:default'] })
      .asyncCommand('wait_async', (args, ctx) => waitForCancel('async', ctx))
      .command('wait_sync', (args, ctx) => waitForCancel('sync', ctx))
      .build();
  });

  after(() => app.close());

  /** A handler that answers only when cancelled (then its answer is dropped). */
  function waitForCancel(kind, ctx) {
    const record = { kind, webview: ctx.webview, abortedWith: null, cancelled: ctx.cancelled };
    seen.push(record);
    return new Promise((resolve) => {
      ctx.signal.addEventListener('abort', () => {
        record.abortedWith = ctx.signal.reason;
        record.cancelled = ctx.cancelled;
        resolve('too late');
      });
    });
  }

  for (const command of ['wait_async', 'wait_sync']) {
    it(`cancels ${command} when the page asks (plugin:ward|cancel with its Tauri-Callback id)`, async () => {
      seen.length = 0;
      const pending = app.invokeAsync(tauriRequest(app, command, {}, { callback: '4242' }));
      await until(() => seen.length === 1, 5000, 'the handler to start');
      assert.equal(seen[0].cancelled, false);

      const wrongId = await app.invokeAsync(tauriRequest(app, 'plugin:ward|cancel', { callback: 1 }));
      assert.equal(wrongId.json(), false, 'nothing in flight has that id');
      const cancel = await app.invokeAsync(tauriRequest(app, 'plugin:ward|cancel', { callback: 4242 }));
      assert.equal(cancel.ok, true, cancel.text());
      assert.equal(cancel.json(), true);

      const response = await pending;
      assert.equal(response.ok, false);
      assert.equal(response.code, Status.CANCELLED);
      await until(() => seen[0].abortedWith !== null, 5000, 'ctx.signal to abort');
      assert.ok(seen[0].abortedWith instanceof WardError);
      assert.equal(seen[0].abortedWith.code, Status.CANCELLED);
      assert.equal(seen[0].cancelled, true);
    });
  }

  it('cancels the in-flight invokes of a webview that navigates, not the others', async () => {
    seen.length = 0;
    const onMain = app.invokeAsync(tauriRequest(app, 'wait_async', {}, { window: 'main' }));
    const onOther = app.invokeAsync(tauriRequest(app, 'wait_sync', {}, { window: 'other' }));
    await until(() => seen.length >= 2, 5000, 'both handlers to start');
    app.webviewNavigated('main');
    assert.equal((await onMain).code, Status.CANCELLED);
    await until(() => seen.find((record) => record.webview === 'main').abortedWith !== null);
    assert.equal(seen.find((record) => record.webview === 'other').abortedWith, null);
    app.webviewDestroyed('other');
    assert.equal((await onOther).code, Status.CANCELLED);
  });

  it('cancels everything in flight on shutdown, then answers CLOSED', async () => {
    seen.length = 0;
    const closing = new GrantingAppBuilder({ grant: ['core:default'] })
      .asyncCommand('wait_async', (args, ctx) => waitForCancel('async', ctx))
      .command('wait_sync', (args, ctx) => waitForCancel('sync', ctx))
      .command('ping', () => 'pong')
      .build();
    const pending = [
      closing.invokeAsync(tauriRequest(closing, 'wait_async', {})),
      closing.invokeAsync(tauriRequest(closing, 'wait_sync', {})),
    ];
    await until(() => seen.length === 2, 5000, 'both handlers to start');
    await closing.shutdown();
    for (const response of await Promise.all(pending)) assert.equal(response.code, Status.CANCELLED);
    assert.ok(seen.every((record) => record.cancelled));
    const late = await closing.invokeAsync(tauriRequest(closing, 'ping', {}));
    assert.equal(late.code, Status.CLOSED);
    assert.equal(closing.shutdown(), closing.shutdown(), 'shutdown() is idempotent');
    await closing.close();
  });
});

describe('deliveries and events', () => {
  let app;
  const deliveries = collector();
  const backend = [];

  before(() => {
    app = new GrantingAppBuilder({ grant: ['core:default'] })
      .delivery(deliveries)
      .command('add', ({ a, b }) => a + b)
      .command('fail', () => {
        throw new CommandError('no way');
      })
      .build();
  });

  after(() => app.close());

  /** Registers a page listener the way @tauri-apps/api's listen() does; returns its event id. */
  async function pageListen(event, handler, target = { kind: 'Any' }, webview = 'main') {
    const response = await app.invokeAsync(
      tauriRequest(app, 'plugin:event|listen', { event, target, handler }, { window: webview }),
    );
    assert.equal(response.ok, true, response.text());
    return response.json();
  }

  it('delivers emits to page listeners as event deliveries', async () => {
    deliveries.got.length = 0;
    const eventId = await pageListen('greeting', 5);
    await app.emit('greeting', { hello: 'page' });
    await until(() => deliveries.got.length === 1, 5000, 'the event delivery');
    const [webview, delivery] = deliveries.got[0];
    assert.equal(webview, 'main');
    assert.ok(delivery instanceof Delivery);
    assert.equal(delivery.kind, 'event');
    assert.equal(delivery.callback, 5);
    assert.equal(delivery.raw, false);
    assert.equal(typeof delivery.body, 'string');
    assert.deepEqual(delivery.json(), { event: 'greeting', id: eventId, payload: { hello: 'page' } });
    assert.deepEqual(delivery.value(), { event: 'greeting', id: eventId, payload: { hello: 'page' } });
    const script = delivery.renderScript();
    const rendered = /^window\.__TAURI_INTERNALS__\.runCallback\(5,(.*)\)$/.exec(script);
    assert.ok(rendered, script);
    assert.deepEqual(JSON.parse(rendered[1]), { event: 'greeting', id: eventId, payload: { hello: 'page' } });
    const unlisten = await app.invokeAsync(tauriRequest(app, 'plugin:event|unlisten', { event: 'greeting', eventId }));
    assert.equal(unlisten.ok, true, unlisten.text());
  });

  it('routes emitTo by target, as Tauri does', async () => {
    deliveries.got.length = 0;
    await pageListen('to', 11, { kind: 'Webview', label: 'main' }, 'main');
    await pageListen('to', 12, { kind: 'Window', label: 'second' }, 'second');
    await pageListen('to', 13, { kind: 'Any' }, 'third');

    await app.emitTo({ kind: 'Webview', label: 'main' }, 'to', 1);
    await app.emitTo('second', 'to', 2); // a label: AnyLabel
    await app.emitTo({ kind: 'App' }, 'to', 3);
    await until(() => deliveries.got.length >= 5, 5000, 'the deliveries');
    await sleep(20);
    const received = deliveries.got.map(([webview, delivery]) => [webview, delivery.callback, delivery.json().payload]);
    assert.deepEqual(
      received.sort(),
      [
        ['main', 11, 1],
        ['second', 12, 2],
        ['third', 13, 1],
        ['third', 13, 2],
        ['third', 13, 3],
      ].sort(),
    );
  });

  it('lets a filter choose the targets of emitFilter (listeners on Any hear every emit)', async () => {
    deliveries.got.length = 0;
    const targets = [];
    await app.emitFilter('to', 'filtered', (target) => {
      targets.push(target);
      return target.kind === 'Window';
    });
    await until(() => deliveries.got.length >= 2, 5000, 'the filtered deliveries');
    await sleep(20);
    assert.deepEqual(
      deliveries.got.map(([webview, delivery]) => [webview, delivery.callback]).sort(),
      [['second', 12], ['third', 13]],
    );
    assert.ok(targets.some((target) => target.kind === 'Webview' && target.label === 'main'), JSON.stringify(targets));
    assert.ok(!targets.some((target) => target.kind === 'Window' && target.label !== 'second'));
    await assert.rejects(app.emitFilter('to', 1, 'not a function'), TypeError);
  });

  it('calls backend listeners: targets, once, unlisten, and emits from pages', async () => {
    backend.length = 0;
    const all = app.listen('backend', (event) => backend.push(['all', event.event, event.payload, event.id]));
    const once = app.listen('backend', (event) => backend.push(['once', event.payload]), { once: true });
    const onApp = app.listen('backend', (event) => backend.push(['app', event.payload]), { target: { kind: 'App' } });
    assert.equal(new Set([all, once, onApp]).size, 3);
    assert.ok([all, once, onApp].every(Number.isSafeInteger));

    await app.emit('backend', 1); // to everyone, whatever they listen on
    await app.emitTo({ kind: 'App' }, 'backend', 2);
    // A page's emit (plugin:event|emit) reaches backend listeners too.
    const fromPage = await app.invokeAsync(tauriRequest(app, 'plugin:event|emit', { event: 'backend', payload: 3 }));
    assert.equal(fromPage.ok, true, fromPage.text());
    await app.emitTo({ kind: 'Window', label: 'main' }, 'backend', 4); // not the App listener's target
    app.unlisten(all);
    await app.emit('backend', 5);
    await until(() => backend.filter((entry) => entry[0] === 'app').length === 4, 5000, 'the App listener');
    assert.deepEqual(backend.filter((entry) => entry[0] === 'once'), [['once', 1]]);
    assert.deepEqual(
      backend.filter((entry) => entry[0] === 'all').map((entry) => entry.slice(1)),
      [['backend', 1, all], ['backend', 2, all], ['backend', 3, all], ['backend', 4, all]],
    );
    assert.deepEqual(backend.filter((entry) => entry[0] === 'app').map((entry) => entry[1]), [1, 2, 3, 5]);
    assert.throws(() => app.unlisten(all), (err) => err.code === Status.INVALID_ARGUMENT);
    app.unlisten(onApp);
  });

  it('refuses bad event names and targets', async () => {
    await assert.rejects(app.emit('bad name!', 1), (err) => err.code === Status.INVALID_NAME);
    await assert.rejects(app.emitTo({ kind: 'Window' }, 'x', 1), /needs a label/);
    await assert.rejects(app.emitTo({ kind: 'Nowhere' }, 'x', 1), TypeError);
    assert.throws(() => app.listen('', () => {}), (err) => err.code === Status.INVALID_NAME);
  });

  it('posts requests whose replies come back as deliveries', async () => {
    deliveries.got.length = 0;
    app.post(tauriRequest(app, 'add', { a: 2, b: 3 }, { callback: '101', error: '102' }));
    app.post(tauriRequest(app, 'fail', {}, { callback: '201', error: '202' }));
    app.postMessage({
      origin: 'tauri://localhost',
      window: 'main',
      webview: 'main',
      message: JSON.stringify({
        cmd: 'add', callback: 301, error: 302, payload: { a: 1, b: 1 }, options: {},
        __TAURI_INVOKE_KEY__: app.invokeKey,
      }),
    });
    await until(() => deliveries.got.length === 3, 5000, 'three replies');
    const replies = deliveries.got.map(([webview, delivery]) => [webview, delivery.kind, delivery.callback, delivery.ok, delivery.json()]);
    assert.deepEqual(replies, [
      ['main', 'reply', 101, true, 5],
      ['main', 'reply', 202, false, 'no way'],
      ['main', 'reply', 301, true, 2],
    ]);
  });

  it('emits on a worker thread, in order, when the delivery queue is bounded', async () => {
    const bounded = collector();
    const small = new GrantingAppBuilder({ grant: ['core:default'] })
      .delivery(bounded)
      .deliveryOptions({ queueCapacity: 4 })
      .build();
    try {
      await small.invokeAsync(
        tauriRequest(small, 'plugin:event|listen', { event: 'n', target: { kind: 'Any' }, handler: 1 }),
      );
      const heard = [];
      small.listen('n', (event) => heard.push(event.payload));
      // 200 emits into a queue of 4: ward waits for room, which only the (main-thread) delivery
      // callback makes; the emits wait on a worker thread instead of this one.
      await Promise.all(Array.from({ length: 200 }, (_, i) => small.emitTo({ kind: 'Any' }, 'n', i)));
      await until(() => bounded.got.length === 200, 10000, 'the deliveries');
      assert.deepEqual(bounded.got.map(([, delivery]) => delivery.json().payload), [...Array(200).keys()]);
      assert.deepEqual(heard, [...Array(200).keys()]);
      await assert.rejects(small.emit('bad name!', 1), (err) => err.code === Status.INVALID_NAME);
    } finally {
      await small.close();
    }
  });

  it('refuses to post without a delivery callback', () => {
    const plain = new GrantingAppBuilder().command('add', ({ a, b }) => a + b).build();
    try {
      assert.throws(() => plain.post(tauriRequest(plain, 'add', { a: 1, b: 2 })), (err) => err.code === Status.INVALID_ARGUMENT);
    } finally {
      plain.close();
    }
  });

  it('drops what the old page queued when its webview navigates, instead of handing it to the new page', async () => {
    const got = [];
    const during = { held: null, errors: [] };
    let app;
    const listenFrom = (webview, handler) => {
      const response = app.invoke(
        tauriRequest(app, 'plugin:event|listen', { event: 'tick', target: { kind: 'Any' }, handler }, { window: webview }),
      );
      assert.equal(response.ok, true, response.text());
      return response.json();
    };
    // ward's delivery thread waits until this callback returns (it runs on the main thread), so
    // while the first delivery is in it the others stay queued: what the C++ test does while its
    // sink is held happens here, and returning releases it.
    const sink = (webview, delivery) => {
      if (during.held === null) {
        during.held = [webview, delivery.callback, delivery.json().payload];
        try {
          // Queued for the old page of "main": an event, channel messages and the reply of a
          // posted request.
          app.emit('tick', 1).catch((err) => during.errors.push(err));
          during.streamed = app.invoke(tauriRequest(app, 'stream', { channel: '__CHANNEL__:50' })).json();
          app.post(tauriRequest(app, 'stream', { channel: '__CHANNEL__:51' }, { callback: '61', error: '62' }));
          app.webviewNavigated('main');
          // The new page listens, and gets what is emitted from now on.
          during.newMain = listenFrom('main', 9);
          app.emit('tick', 2).catch((err) => during.errors.push(err));
        } catch (err) {
          during.errors.push(err);
        }
      }
      got.push([webview, delivery]);
    };
    app = new GrantingAppBuilder({ grant: ['core:default'] })
      .delivery(sink)
      .command('stream', (args, ctx) => {
        const channel = ctx.channel('channel');
        let sent = 0;
        try {
          for (let i = 0; i < 3; i++) if (channel.trySend(i)) sent += 1;
        } catch (err) {
          if (err.code !== Status.CLOSED) throw err; // run after the navigation: closed
        }
        channel.close().catch(() => {});
        return sent;
      })
      .build();
    let oldMain;
    let side;
    try {
      oldMain = listenFrom('main', 7);
      side = listenFrom('side', 8);
      await app.emit('tick', 0); // main's copy is delivered first, side's waits behind it
      await until(() => got.length >= 5, 5000, 'five deliveries');
    } finally {
      // Closing delivers whatever is still queued: anything wrongly kept shows up below.
      await app.close();
    }
    assert.deepEqual(during.errors, []);
    assert.deepEqual(during.held, ['main', 7, 0]);
    assert.equal(during.streamed, 3);
    const to = (label) =>
      got.filter(([webview]) => webview === label).map(([, delivery]) => [delivery.kind, delivery.callback, delivery.json()]);
    assert.deepEqual(to('side'), [0, 1, 2].map((payload) => ['event', 8, { event: 'tick', payload, id: side }]));
    assert.deepEqual(to('main'), [
      ['event', 7, { event: 'tick', payload: 0, id: oldMain }],
      ['event', 9, { event: 'tick', payload: 2, id: during.newMain }],
    ]);
    assert.deepEqual(new Set(got.map(([webview]) => webview)), new Set(['main', 'side']));
  });
});

describe('channels', () => {
  let app;
  const deliveries = collector();
  const results = [];

  before(() => {
    app = new GrantingAppBuilder({ grant: ['core:default'] })
      .delivery(deliveries, { channelCapacity: 8 })
      .asyncCommand('count', async ({ to }, ctx) => {
        const channel = ctx.channel('onEvent');
        for (let i = 0; i < to; i++) channel.send(i); // not awaited: order is kept anyway
        await channel.close();
        return channel.id;
      })
      .command('bytes', (args, ctx) => {
        const channel = ctx.channel('onEvent');
        return channel.sendBytes(Buffer.from([1, 2, 3])).then(() => channel.close()).then(() => 'sent');
      })
      .command('try_fill', (args, ctx) => {
        const channel = ctx.channel('onEvent');
        const accepted = [];
        for (let i = 0; i < 12; i++) accepted.push(channel.trySend(i));
        results.push(accepted);
        return channel.close().then(() => accepted.filter(Boolean).length);
      })
      .command('not_a_channel', (args, ctx) => {
        try {
          ctx.channel('onEvent');
          return 'accepted';
        } catch (err) {
          return [err.code, err.message];
        }
      })
      .asyncCommand('keep', (args, ctx) => {
        results.push(ctx.channel('onEvent'));
        return 'kept';
      })
      .build();
  });

  after(() => app.close());

  function channelDeliveries(id) {
    return deliveries.got.filter(([, delivery]) => delivery.kind === 'channel' && delivery.callback === id);
  }

  it('streams ordered messages and an end through a full channel', async () => {
    const response = await app.invokeAsync(tauriRequest(app, 'count', { to: 5000, onEvent: '__CHANNEL__:77' }));
    assert.equal(response.json(), 77);
    await until(() => channelDeliveries(77).some(([, delivery]) => delivery.end), 20000, 'the end message');
    const got = channelDeliveries(77).map(([, delivery]) => delivery);
    assert.equal(got.length, 5001);
    got.slice(0, 5000).forEach((delivery, i) => {
      assert.equal(delivery.index, i);
      assert.equal(delivery.json(), i);
    });
    assert.deepEqual(got[5000].value(), { index: 5000, end: true });
  });

  it('sends raw bytes', async () => {
    const response = await app.invokeAsync(tauriRequest(app, 'bytes', { onEvent: '__CHANNEL__:78' }));
    assert.equal(response.json(), 'sent');
    await until(() => channelDeliveries(78).length === 2);
    const [[, message], [, end]] = channelDeliveries(78);
    assert.equal(message.raw, true);
    assert.deepEqual([...message.body], [1, 2, 3]);
    assert.deepEqual(new Uint8Array(message.value().message), new Uint8Array([1, 2, 3]));
    assert.equal(end.end, true);
    assert.equal(
      message.renderScript(),
      'window.__TAURI_INTERNALS__.runCallback(78,{"index":0,"message":' +
        'Uint8Array.from(atob("AQID"),function(c){return c.charCodeAt(0)}).buffer})',
    );
  });

  it('trySend reports a full channel instead of waiting', async () => {
    results.length = 0;
    const response = await app.invokeAsync(tauriRequest(app, 'try_fill', { onEvent: '__CHANNEL__:79' }));
    // The delivery callback cannot take anything while this thread runs the handler.
    assert.equal(response.json(), 8);
    assert.deepEqual(results[0], [...Array(8).fill(true), ...Array(4).fill(false)]);
  });

  it('names the argument that is not a channel', async () => {
    const response = await app.invokeAsync(tauriRequest(app, 'not_a_channel', { onEvent: 'nope' }));
    const [code, message] = response.json();
    assert.equal(code, Status.INVALID_ARGS);
    assert.match(message, /onEvent/);
  });

  it('is closed once its webview navigates', async () => {
    results.length = 0;
    await app.invokeAsync(tauriRequest(app, 'keep', { onEvent: '__CHANNEL__:80' }));
    const channel = results[0];
    assert.equal(await channel.trySend('before'), true);
    app.webviewNavigated('main');
    assert.throws(() => channel.trySend('after'), (err) => err.code === Status.CLOSED);
    await assert.rejects(channel.send('after'), (err) => err.code === Status.CLOSED);
    await channel.close();
    assert.equal(channel.closed, true);
  });
});

describe('resources', () => {
  let app;
  const closed = [];

  before(() => {
    app = new GrantingAppBuilder({ grant: ['core:default'] })
      .delivery(() => {})
      .command('open', ({ name }, ctx) =>
        ctx.addResource({ name, reads: 0 }, { onClose: (value) => closed.push(value.name) }))
      .command('read', ({ rid }, ctx) => {
        const resource = ctx.resource(rid);
        resource.reads += 1;
        return resource;
      })
      .command('close_here', ({ rid }, ctx) => {
        ctx.closeResource(rid);
        return null;
      })
      .command('open_closable', (args, ctx) => ctx.addResource({ close: () => closed.push('closable') }))
      .build();
  });

  after(() => app.close());

  const call = async (command, args, options) => app.invokeAsync(tauriRequest(app, command, args, options));

  it('keeps a value per webview under an id the page can close', async () => {
    closed.length = 0;
    const rid = (await call('open', { name: 'first' })).json();
    assert.ok(Number.isSafeInteger(rid) && rid > 0);
    assert.deepEqual((await call('read', { rid })).json(), { name: 'first', reads: 1 });
    assert.deepEqual((await call('read', { rid })).json(), { name: 'first', reads: 2 });

    // Another webview does not see it.
    const elsewhere = await call('read', { rid }, { window: 'other' });
    assert.equal(elsewhere.code, Status.INTERNAL);

    const close = await call('plugin:resources|close', { rid });
    assert.equal(close.ok, true, close.text());
    assert.deepEqual(closed, ['first']);
    const again = await call('plugin:resources|close', { rid });
    assert.equal(again.ok, false);
    assert.equal((await call('read', { rid })).ok, false);
  });

  it('closes from a handler, and on webview destruction (calling close())', async () => {
    closed.length = 0;
    const rid = (await call('open', { name: 'second' })).json();
    assert.equal((await call('close_here', { rid })).ok, true);
    assert.deepEqual(closed, ['second']);
    assert.equal((await call('close_here', { rid })).ok, false);

    await call('open', { name: 'third' }, { window: 'gone' });
    await call('open_closable', {}, { window: 'gone' });
    app.webviewDestroyed('gone');
    assert.deepEqual(closed.sort(), ['closable', 'second', 'third']);
  });

  it('refuses a resource to a handler whose webview was destroyed meanwhile, and hides the next webview\'s', async () => {
    // A handler touches resources only in its synchronous part, which runs on the main thread,
    // the thread that also reports the webviews' lives: so the destruction (and a new webview
    // under the same label) is reported from inside the handler, as when a command closes its
    // own window and the host reports it at once.
    const before = handles.liveCount();
    const gone = [];
    const outcome = {};
    const attempt = (fn) => {
      try {
        return { value: fn() };
      } catch (err) {
        return { code: err.code, message: err.message };
      }
    };
    const own = new GrantingAppBuilder({ grant: ['core:default'] })
      .command('open', ({ name }, ctx) => ctx.addResource({ name }, { onClose: (value) => gone.push(value.name) }))
      .command('read', ({ rid }, ctx) => ctx.resource(rid).name)
      .asyncCommand('outlive', (args, ctx) => {
        own.webviewDestroyed('main');
        own.webviewCreated('main', 'main');
        outcome.aborted = ctx.signal.aborted;
        const opened = own.invoke(tauriRequest(own, 'open', { name: 'new' })); // the new webview's
        outcome.rid = opened.ok ? opened.json() : opened.text();
        outcome.add = attempt(() => ctx.addResource({ name: 'late' }, { onClose: (value) => gone.push(value.name) }));
        outcome.goneAfterAdd = [...gone];
        outcome.found = attempt(() => ctx.resource(outcome.rid));
        outcome.closed = attempt(() => ctx.closeResource(outcome.rid));
        return null;
      })
      .build();
    try {
      own.webviewCreated('main', 'main');
      const response = await own.invokeAsync(tauriRequest(own, 'outlive', {}));
      assert.equal(response.code, Status.CANCELLED); // by the destruction
      assert.equal(outcome.aborted, true);
      assert.ok(Number.isSafeInteger(outcome.rid), String(outcome.rid));
      // Refused (CLOSED), so the value stays the handler's: as the C ABI documents, a refused
      // resource's free callback (here onClose) is not called, and nothing of it is left in the
      // table to be closed later.
      assert.equal(outcome.add.code, Status.CLOSED, JSON.stringify(outcome.add));
      assert.deepEqual(outcome.goneAfterAdd, []);
      // The new webview's resource is not the old handler's to see or close.
      assert.equal(outcome.found.code, Status.INVALID_ARGUMENT, JSON.stringify(outcome.found));
      assert.equal(outcome.closed.code, Status.INVALID_ARGUMENT, JSON.stringify(outcome.closed));
      assert.deepEqual(gone, []);
      assert.equal((await own.invokeAsync(tauriRequest(own, 'read', { rid: outcome.rid }))).json(), 'new');
      own.webviewDestroyed('main');
      assert.deepEqual(gone, ['new']);
    } finally {
      await own.close();
    }
    assert.deepEqual(gone, ['new']); // shutdown found nothing left: "late" was never kept
    assert.equal(handles.liveCount(), before);
  });
});

describe('lifetime of a live app', () => {
  it('closes (on a worker thread) and releases every handle', async () => {
    const before = handles.liveCount();
    const deliveries = collector();
    const app = new GrantingAppBuilder({ log: () => {}, grant: ['core:default'] })
      .delivery(deliveries)
      .asyncCommand('slow', async (args, ctx) => {
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        return 'late';
      })
      .build();
    const listener = app.listen('x', () => {});
    assert.ok(Number.isSafeInteger(listener));
    const pending = app.invokeAsync(tauriRequest(app, 'slow', {}));
    await sleep(10);
    const closing = app.close();
    assert.equal(app.closed, true);
    assert.equal(app.close(), closing, 'close() is idempotent');
    await closing;
    assert.equal((await pending).code, Status.CANCELLED);
    assert.equal(handles.liveCount(), before);
    await assert.rejects(app.emit('x', 1), /closed/);
    assert.throws(() => app.listen('x', () => {}), /closed/);
  });

  it('delivers everything queued when it closes, without deadlocking on its own event loop', async () => {
    const deliveries = collector();
    const app = new GrantingAppBuilder({ grant: ['core:default'] }).delivery(deliveries).build();
    const listen = await app.invokeAsync(
      tauriRequest(app, 'plugin:event|listen', { event: 'burst', target: { kind: 'Any' }, handler: 9 }),
    );
    assert.equal(listen.ok, true, listen.text());
    for (let i = 0; i < 3000; i++) app.emit('burst', i);
    // The delivery thread waits for this thread's event loop for each of them: close() must not
    // block it while ward drains the queue.
    await app.close();
    assert.equal(deliveries.got.length, 3000);
    assert.deepEqual(deliveries.got.map(([, delivery]) => delivery.json().payload), [...Array(3000).keys()]);
  });

  it('gives up a channel send after its timeout when the consumer is slow', async () => {
    const slowly = (webview, delivery) => {
      if (delivery.kind === 'channel') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    };
    let channel;
    const app = new GrantingAppBuilder({ grant: ['core:default'] })
      .delivery(slowly, { channelCapacity: 1 })
      .command('keep', (args, ctx) => {
        channel = ctx.channel('onEvent');
        return null;
      })
      .build();
    try {
      await app.invokeAsync(tauriRequest(app, 'keep', { onEvent: '__CHANNEL__:3' }));
      assert.equal(channel.trySend(1), true);
      assert.equal(channel.trySend(2), false, 'full');
      const started = Date.now();
      await assert.rejects(channel.send(2, { timeout: 20 }), (err) => err.code === Status.BUSY);
      assert.ok(Date.now() - started >= 20);
      await channel.close();
    } finally {
      await app.close();
    }
  });

  it('still frees a plain app before close() returns', () => {
    const before = handles.liveCount();
    const app = new GrantingAppBuilder().command('a', () => 1).build();
    app.close();
    assert.equal(handles.liveCount(), before);
  });
});
