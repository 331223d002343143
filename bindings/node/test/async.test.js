'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { setTimeout: sleep } = require('node:timers/promises');
const { AppBuilder, CommandError, Status } = require('..');
const handles = require('../lib/handles');
const { tauriRequest, tauriMessage, GrantingAppBuilder } = require('./helpers');

describe('promise-returning handlers', () => {
  let app;
  const logs = [];

  before(() => {
    app = new GrantingAppBuilder({ log: (entry) => logs.push(entry) })
      .manage('visits', { count: 0 })
      .command('slow_greet', async ({ name }) => {
        await sleep(20);
        return `Hello later, ${name}!`;
      })
      .command('slow_bytes', async (args, ctx) => {
        await sleep(5);
        return Buffer.from(ctx.body).reverse(); // ctx.body stays readable after an await
      })
      .command('slow_state', async (args, ctx) => {
        await sleep(5);
        return ++ctx.state('visits').count; // state too
      }, { requiredState: ['visits'] })
      .command('slow_reject', async ({ value }) => {
        await sleep(5);
        throw new CommandError(value);
      })
      .command('slow_explode', async () => {
        await sleep(5);
        throw new Error('async secret 42');
      })
      .command('rejected_promise', () => Promise.reject(new Error('plain rejected secret')))
      .command('sync_add', ({ a, b }) => a + b)
      .command('header_after_await', async (args, ctx) => {
        await sleep(1);
        return ctx.header('Content-Type');
      })
      .build();
  });

  after(() => app.close());

  it('resolves when the promise settles', async () => {
    const response = await app.invokeAsync(tauriRequest(app, 'slow_greet', { name: 'Ward' }));
    assert.equal(response.ok, true);
    assert.equal(response.json(), 'Hello later, Ward!');
    assert.equal(response.callbackId, 3735928559);
  });

  it('serves many concurrent invokes, each with its own answer', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `n${i}`);
    const responses = await Promise.all(names.map((name) => app.invokeAsync(tauriRequest(app, 'slow_greet', { name }))));
    assert.deepEqual(
      responses.map((response) => response.json()),
      names.map((name) => `Hello later, ${name}!`),
    );
  });

  it('keeps raw bytes and state usable after an await', async () => {
    const response = await app.invokeAsync(tauriRequest(app, 'slow_bytes', Buffer.from([1, 2, 3, 0])));
    assert.equal(response.isRaw, true);
    assert.deepEqual([...response.body], [0, 3, 2, 1]);

    const first = (await app.invokeAsync(tauriRequest(app, 'slow_state', {}))).json();
    const second = (await app.invokeAsync(tauriRequest(app, 'slow_state', {}))).json();
    assert.equal(second, first + 1);
  });

  it('rejects with the CommandError value of a rejected promise', async () => {
    const value = { reason: 'quota', left: 0 };
    const response = await app.invokeAsync(tauriRequest(app, 'slow_reject', { value }));
    assert.equal(response.ok, false);
    assert.equal(response.code, Status.COMMAND_REJECTED);
    assert.equal(response.text(), JSON.stringify(value));
  });

  it('turns any other rejection into an internal error without leaking it', async () => {
    for (const [command, secret] of [['slow_explode', 'async secret 42'], ['rejected_promise', 'plain rejected secret']]) {
      const response = await app.invokeAsync(tauriRequest(app, command, {}));
      assert.equal(response.code, Status.INTERNAL);
      assert.ok(!response.text().includes(secret), response.text());
      assert.ok(logs.some((entry) => entry.detail.includes(secret)), 'the details reach the log sink');
    }
  });

  it('refuses ctx.header() after an await, as an internal error', async () => {
    const response = await app.invokeAsync(tauriRequest(app, 'header_after_await', {}));
    assert.equal(response.code, Status.INTERNAL);
    assert.ok(logs.some((entry) => /read it before the first await/.test(entry.detail)));
  });

  it('also serves synchronous handlers and ward errors', async () => {
    assert.equal((await app.invokeAsync(tauriRequest(app, 'sync_add', { a: 2, b: 3 }))).json(), 5);
    const unknown = await app.invokeAsync(tauriRequest(app, 'nope', {}));
    assert.equal(unknown.json(), 'Command nope not found');
    const noKey = await app.invokeAsync(tauriRequest(app, 'sync_add', {}, { key: null }));
    assert.equal(noKey.code, Status.INVALID_INVOKE_KEY);
  });

  it('handles the postMessage form asynchronously', async () => {
    const response = await app.invokeMessageAsync(tauriMessage(app, 'slow_greet', { name: 'msg' }));
    assert.equal(response.json(), 'Hello later, msg!');
  });

  it('refuses a promise-returning handler in the synchronous invoke, clearly', () => {
    assert.throws(() => app.invoke(tauriRequest(app, 'slow_greet', { name: 'x' })), /returned a Promise.*invokeAsync/s);
    // The app is still usable afterwards.
    assert.equal(app.invoke(tauriRequest(app, 'sync_add', { a: 1, b: 1 })).json(), 2);
  });

  it('answers CANCELLED to an invoke that is pending when its app is closed', async () => {
    const before = handles.liveCount();
    let answered = false;
    const closing = new GrantingAppBuilder()
      .manage('greeting', 'Hello')
      .command('slow', async ({ name }, ctx) => {
        await sleep(20);
        answered = true;
        return `${ctx.state('greeting')}, ${name}!`;
      })
      .build();
    const pending = closing.invokeAsync(tauriRequest(closing, 'slow', { name: 'closed app' }));
    closing.close(); // shuts down: cancels what is in flight
    const response = await pending;
    assert.equal(response.ok, false);
    assert.equal(response.code, Status.CANCELLED);
    // The handler still runs to its end; its late answer is dropped.
    while (!answered) await sleep(5);
    await sleep(5);
    assert.equal(handles.liveCount(), before, 'the app let go of everything once the handler answered');
  });

  it('leaves no pending-invoke handles behind', async () => {
    const before = handles.liveCount();
    await Promise.all([1, 2, 3].map((i) => app.invokeAsync(tauriRequest(app, 'slow_greet', { name: `${i}` }))));
    assert.equal(handles.liveCount(), before);
  });
});
