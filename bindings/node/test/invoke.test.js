'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { AppBuilder, App, Response, WardError, CommandError, Status } = require('..');
const handles = require('../lib/handles');
const { tauriRequest, tauriMessage, GrantingAppBuilder } = require('./helpers');

const SECRET = 'db password is hunter2';

describe('a built app', () => {
  let app;
  const logs = [];
  const seen = [];

  before(() => {
    app = new GrantingAppBuilder({ log: (entry) => logs.push(entry) })
      .manage('counter', { value: 0 })
      .manage('nothing', null)
      .command('greet', ({ name }) => `Hello, ${name}!`)
      .command('echo', (args) => args)
      .command('add', ({ a, b }) => a + b)
      .command('nothing', () => undefined)
      .command('increment', (args, ctx) => ++ctx.state('counter').value, { requiredState: ['counter'] })
      .command('read_nothing', (args, ctx) => ctx.state('nothing'), { requiredState: ['nothing'] })
      .command('unmanaged', (args, ctx) => ctx.state('not-there'))
      .command('checksum', (args, ctx) => {
        const sum = ctx.body.reduce((acc, byte) => (acc + byte) & 0xff, 0);
        return Buffer.from([sum, ctx.body.length & 0xff]);
      })
      .command('bytes_of', (args) => new Uint8Array(args.bytes))
      .command('context', (args, ctx) => {
        seen.push(ctx);
        return {
          command: ctx.command,
          window: ctx.window,
          webview: ctx.webview,
          origin: ctx.origin,
          id: ctx.id,
          isRaw: ctx.isRaw,
          contentType: ctx.header('content-type'),
          custom: ctx.header('X-Custom'),
          absent: ctx.header('X-Absent'),
          body: ctx.body.toString('utf8'),
        };
      })
      .command('reject', ({ value }) => {
        throw new CommandError(value);
      })
      .command('explode', () => {
        throw new Error(SECRET);
      })
      .command('explode_with_string', () => {
        // eslint-disable-next-line no-throw-literal
        throw SECRET;
      })
      .command('unserialisable', () => ({ big: 1n }))
      .command('separators', () => 'line\u2028paragraph\u2029end')
      .command('plugin:fs|read_file', ({ path }) => `reading ${path}`)
      .build();
  });

  after(() => app.close());

  it('is an App with a non-empty invoke key', () => {
    assert.ok(app instanceof App);
    assert.equal(typeof app.invokeKey, 'string');
    assert.ok(app.invokeKey.length >= 16, `invoke key too short: ${app.invokeKey}`);
  });

  it('round-trips JSON arguments and results', () => {
    const response = app.invoke(tauriRequest(app, 'greet', { name: 'Ward' }));
    assert.ok(response instanceof Response);
    assert.equal(response.ok, true);
    assert.equal(response.code, Status.OK);
    assert.equal(response.status, 'ok');
    assert.equal(response.contentType, 'application/json');
    assert.equal(response.isRaw, false);
    assert.equal(response.json(), 'Hello, Ward!');
    assert.equal(response.text(), '"Hello, Ward!"');

    const value = {
      text: 'zürich ✓ 🚀',
      n: -12.5,
      big: 9007199254740991,
      flags: [true, false, null],
      nested: { deeper: { list: [1, [2, [3]]] } },
      empty: {},
    };
    assert.deepEqual(app.invoke(tauriRequest(app, 'echo', value)).json(), value);
    assert.equal(app.invoke(tauriRequest(app, 'add', { a: 40, b: 2 })).json(), 42);
  });

  it('sends undefined as null', () => {
    const response = app.invoke(tauriRequest(app, 'nothing', {}));
    assert.equal(response.ok, true);
    assert.equal(response.text(), 'null');
  });

  it('treats an empty body as no arguments', () => {
    const request = tauriRequest(app, 'echo', {});
    request.body = undefined;
    assert.deepEqual(app.invoke(request).json(), {});
  });

  it('passes raw bytes in and raw bytes out', () => {
    const input = Buffer.from([0, 1, 2, 250, 255, 0x0a, 0x00]);
    const response = app.invoke(tauriRequest(app, 'checksum', input));
    assert.equal(response.ok, true);
    assert.equal(response.isRaw, true);
    assert.equal(response.contentType, 'application/octet-stream');
    const expected = [...input].reduce((acc, byte) => (acc + byte) & 0xff, 0);
    assert.deepEqual([...response.body], [expected, input.length]);

    const fromUint8Array = app.invoke(tauriRequest(app, 'checksum', new Uint8Array([1, 2, 3])));
    assert.deepEqual([...fromUint8Array.body], [6, 3]);
  });

  it('returns a Uint8Array result as raw bytes, embedded NULs included', () => {
    const response = app.invoke(tauriRequest(app, 'bytes_of', { bytes: [0, 0, 7, 0] }));
    assert.equal(response.isRaw, true);
    assert.deepEqual([...response.body], [0, 0, 7, 0]);
  });

  it('keeps managed state across invokes', () => {
    const first = app.invoke(tauriRequest(app, 'increment', {})).json();
    const second = app.invoke(tauriRequest(app, 'increment', {})).json();
    assert.equal(second, first + 1);
    assert.equal(app.invoke(tauriRequest(app, 'read_nothing', {})).json(), null);
  });

  it('turns a lookup of state that was never managed into an internal error', () => {
    const response = app.invoke(tauriRequest(app, 'unmanaged', {}));
    assert.equal(response.ok, false);
    assert.equal(response.code, Status.INTERNAL);
    const logged = logs.find((entry) => entry.detail.includes('not-there'));
    assert.ok(logged, 'the failed state lookup reaches the log sink');
  });

  it('describes the invocation to the handler', () => {
    const request = tauriRequest(app, 'context', { x: 1 }, { headers: { 'X-Custom': 'yes' } });
    request.window = 'settings';
    request.webview = 'settings-view';
    const result = app.invoke(request).json();
    assert.equal(result.command, 'context');
    assert.equal(result.window, 'settings');
    assert.equal(result.webview, 'settings-view');
    assert.equal(result.origin, 'tauri://localhost');
    assert.equal(result.isRaw, false);
    assert.equal(result.contentType, 'application/json');
    assert.equal(result.custom, 'yes');
    assert.equal(result.absent, null);
    assert.deepEqual(JSON.parse(result.body), { x: 1 });
    assert.ok(Number.isSafeInteger(result.id) && result.id > 0);

    const again = app.invoke(request).json();
    assert.notEqual(again.id, result.id, 'each invoke has its own id');
  });

  it('refuses ctx.header() once the handler returned', () => {
    const ctx = seen.at(-1);
    assert.throws(() => ctx.header('Content-Type'), /only available while the handler runs synchronously/);
  });

  it('reports the Tauri callback and error ids', () => {
    const response = app.invoke(tauriRequest(app, 'greet', { name: 'ids' }, { callback: '17', error: '4294967295' }));
    assert.equal(response.callbackId, 17);
    assert.equal(response.errorId, 4294967295);
  });

  it('decodes percent-encoded command names', () => {
    const response = app.invoke(tauriRequest(app, 'plugin:fs|read_file', { path: 'tick' }));
    assert.equal(response.ok, true, response.text());
    assert.equal(response.json(), 'reading tick');
  });

  it('accepts a path-only URL', () => {
    const request = tauriRequest(app, 'greet', { name: 'path' });
    request.url = '/greet';
    assert.equal(app.invoke(request).json(), 'Hello, path!');
  });

  it('answers an unknown command with "Command nope not found"', () => {
    const response = app.invoke(tauriRequest(app, 'nope', {}));
    assert.equal(response.ok, false);
    assert.equal(response.code, Status.UNKNOWN_COMMAND);
    assert.equal(response.status, 'unknown_command');
    assert.equal(response.contentType, 'application/json');
    assert.equal(response.json(), 'Command nope not found');
  });

  it('refuses a request without the invoke key', () => {
    const response = app.invoke(tauriRequest(app, 'greet', { name: 'x' }, { key: null }));
    assert.equal(response.ok, false);
    assert.equal(response.code, Status.INVALID_INVOKE_KEY);
  });

  it('refuses a request with a wrong invoke key', () => {
    const wrong = app.invokeKey.slice(0, -1) + (app.invokeKey.endsWith('a') ? 'b' : 'a');
    const response = app.invoke(tauriRequest(app, 'greet', { name: 'x' }, { key: wrong }));
    assert.equal(response.ok, false);
    assert.equal(response.code, Status.INVALID_INVOKE_KEY);
    assert.ok(!response.text().includes(app.invokeKey), 'the real key is not revealed');
  });

  it("passes ward's own diagnostics to the log sink", () => {
    logs.length = 0;
    app.invoke(tauriRequest(app, 'greet', { name: 'x' }, { key: 'wrong' }));
    const entry = logs.find((e) => e.code === Status.INVALID_INVOKE_KEY);
    assert.ok(entry, `no invalid_invoke_key entry in ${JSON.stringify(logs)}`);
    assert.equal(entry.status, 'invalid_invoke_key');
    assert.ok(['debug', 'info', 'warn', 'error'].includes(entry.level));
    assert.equal(typeof entry.message, 'string');
    assert.ok(entry.message.length > 0);
    assert.ok(!entry.message.includes('\0'));
  });

  it('rejects with exactly the CommandError value', () => {
    const value = { kind: 'NotFound', path: '/tmp/x', codes: [1, 2], note: 'ünïcode' };
    const response = app.invoke(tauriRequest(app, 'reject', { value }));
    assert.equal(response.ok, false);
    assert.equal(response.code, Status.COMMAND_REJECTED);
    assert.equal(response.contentType, 'application/json');
    assert.equal(response.text(), JSON.stringify(value));
    assert.deepEqual(response.json(), value);

    const message = app.invoke(tauriRequest(app, 'reject', { value: 'plain message' }));
    assert.equal(message.code, Status.COMMAND_REJECTED);
    assert.equal(message.text(), '"plain message"');
  });

  it('turns a thrown Error into an internal error that does not leak its message', () => {
    for (const command of ['explode', 'explode_with_string']) {
      logs.length = 0;
      const response = app.invoke(tauriRequest(app, command, {}));
      assert.equal(response.ok, false);
      assert.equal(response.code, Status.INTERNAL);
      assert.equal(response.status, 'internal');
      assert.ok(!response.text().includes('hunter2'), `leaked: ${response.text()}`);
      assert.equal(typeof response.json(), 'string');
      const logged = logs.find((entry) => entry.detail.includes(SECRET));
      assert.ok(logged, `the details reach the log sink: ${JSON.stringify(logs)}`);
      assert.equal(logged.level, 'error');
      assert.equal(logged.code, Status.INTERNAL);
      assert.match(logged.message, new RegExp(command));
    }
  });

  it('turns an unserialisable result into an internal error', () => {
    const response = app.invoke(tauriRequest(app, 'unserialisable', {}));
    assert.equal(response.code, Status.INTERNAL);
    assert.ok(!/BigInt/i.test(response.text()));
  });

  it('escapes U+2028 and U+2029 in JSON it sends', () => {
    const response = app.invoke(tauriRequest(app, 'separators', {}));
    assert.equal(response.ok, true);
    const text = response.text();
    assert.ok(!text.includes('\u2028') && !text.includes('\u2029'), `raw separators in ${JSON.stringify(text)}`);
    assert.ok(text.includes('\\u2028') && text.includes('\\u2029'), text);
    assert.equal(response.json(), 'line\u2028paragraph\u2029end');

    const echoed = app.invoke(tauriRequest(app, 'echo', { s: '\u2028' }));
    assert.equal(echoed.text(), '{"s":"\\u2028"}');
  });

  it('handles the postMessage form', () => {
    const response = app.invokeMessage(tauriMessage(app, 'greet', { name: 'message' }));
    assert.equal(response.ok, true, response.text());
    assert.equal(response.json(), 'Hello, message!');
    assert.equal(response.callbackId, 1);
    assert.equal(response.errorId, 2);

    const unknown = app.invokeMessage(tauriMessage(app, 'nope', {}));
    assert.equal(unknown.code, Status.UNKNOWN_COMMAND);
    assert.equal(unknown.json(), 'Command nope not found');

    const wrongKey = app.invokeMessage(tauriMessage(app, 'greet', { name: 'x' }, { key: 'not-the-key' }));
    assert.equal(wrongKey.code, Status.INVALID_INVOKE_KEY);

    const garbage = app.invokeMessage({ origin: 'tauri://localhost', window: 'main', webview: 'main', message: '{' });
    assert.equal(garbage.ok, false);
    assert.equal(garbage.code, Status.INVALID_REQUEST);
  });

  it('answers a malformed JSON body with an error response', () => {
    const request = tauriRequest(app, 'echo', {});
    request.body = '{"unterminated": ';
    const response = app.invoke(request);
    assert.equal(response.ok, false);
    assert.ok([Status.INVALID_ARGS, Status.INVALID_REQUEST].includes(response.code), response.status);
  });

  it('accepts headers as an object, a Map or [name, value] pairs', () => {
    const base = tauriRequest(app, 'greet', { name: 'h' });
    const asMap = { ...base, headers: new Map(Object.entries(base.headers)) };
    const asPairs = { ...base, headers: Object.entries(base.headers) };
    assert.equal(app.invoke(asMap).json(), 'Hello, h!');
    assert.equal(app.invoke(asPairs).json(), 'Hello, h!');
  });

  it('rejects request fields of the wrong type', () => {
    assert.throws(() => app.invoke(null), TypeError);
    assert.throws(() => app.invoke({ ...tauriRequest(app, 'greet', {}), body: 42 }), TypeError);
  });
});

describe('builder errors', () => {
  it('throws DUPLICATE_COMMAND when a command is registered twice', () => {
    const builder = new AppBuilder().command('greet', () => 1);
    assert.throws(
      () => builder.command('greet', () => 2),
      (err) => {
        assert.ok(err instanceof WardError);
        assert.equal(err.code, Status.DUPLICATE_COMMAND);
        assert.equal(err.status, 'duplicate_command');
        assert.match(err.message, /greet/);
        return true;
      },
    );
    builder.build().close();
  });

  it('throws STATE_NOT_MANAGED from build() when required state is missing', () => {
    const builder = new AppBuilder().command('needs', () => 1, { requiredState: ['database'] });
    assert.throws(
      () => builder.build(),
      (err) => err instanceof WardError && err.code === Status.STATE_NOT_MANAGED && /database/.test(err.message),
    );
    assert.throws(() => builder.build(), /already built/, 'build() consumed the builder');
  });

  it('throws STATE_ALREADY_MANAGED when state is managed twice', () => {
    const builder = new AppBuilder().manage('db', 1);
    assert.throws(() => builder.manage('db', 2), (err) => err.code === Status.STATE_ALREADY_MANAGED);
    builder.build().close();
  });

  it('throws INVALID_NAME for an empty command name', () => {
    assert.throws(() => new AppBuilder().command('', () => 1), (err) => err.code === Status.INVALID_NAME);
  });

  it('validates its arguments', () => {
    assert.throws(() => new AppBuilder().command('x', 'not a function'), TypeError);
    assert.throws(() => new AppBuilder({ log: 'no' }), TypeError);
    assert.throws(() => new AppBuilder({ limits: { maxBodyByte: 1 } }), /unknown limit "maxBodyByte"/);
    assert.throws(() => new AppBuilder({ limits: { maxBodyBytes: -1 } }), RangeError);
    assert.throws(() => new AppBuilder({ limits: { maxDepth: 2 ** 32 } }), RangeError);
  });
});

describe('limits', () => {
  it('refuses a body over max_body_bytes, naming the limit', () => {
    const app = new GrantingAppBuilder({ limits: { maxBodyBytes: 64 } }).command('echo', (args) => args).build();
    try {
      assert.equal(app.invoke(tauriRequest(app, 'echo', { s: 'short' })).ok, true);
      const response = app.invoke(tauriRequest(app, 'echo', { s: 'x'.repeat(100) }));
      assert.equal(response.ok, false);
      assert.equal(response.code, Status.LIMIT_EXCEEDED);
      assert.match(response.text(), /max_body_bytes/);

      const raw = app.invoke(tauriRequest(app, 'echo', Buffer.alloc(65)));
      assert.equal(raw.code, Status.LIMIT_EXCEEDED);
    } finally {
      app.close();
    }
  });

  it('refuses JSON nested deeper than max_depth', () => {
    const app = new GrantingAppBuilder({ limits: { maxDepth: 4 } }).command('echo', (args) => args).build();
    try {
      assert.equal(app.invoke(tauriRequest(app, 'echo', { a: [1] })).ok, true);
      const response = app.invoke(tauriRequest(app, 'echo', { a: [[[[[1]]]]] }));
      assert.equal(response.code, Status.LIMIT_EXCEEDED);
      assert.match(response.text(), /max_depth/);
    } finally {
      app.close();
    }
  });
});

describe('lifetime', () => {
  it('releases every handle it gave to C once the app is closed', () => {
    const before = handles.liveCount();
    const app = new GrantingAppBuilder({ log: () => {} })
      .manage('s', { big: 'x'.repeat(10) })
      .command('a', () => 1, { requiredState: ['s'] })
      .command('b', () => 2)
      .build();
    assert.ok(handles.liveCount() > before);
    assert.equal(app.invoke(tauriRequest(app, 'a', {})).json(), 1);
    app.close();
    assert.equal(handles.liveCount(), before);
  });

  it('releases the handles of a builder whose build() failed', () => {
    const before = handles.liveCount();
    const builder = new AppBuilder({ log: () => {} }).command('a', () => 1, { requiredState: ['missing'] });
    assert.throws(() => builder.build());
    assert.equal(handles.liveCount(), before);
  });

  it('close() is idempotent and a closed app refuses invokes', async () => {
    const app = new AppBuilder().command('a', () => 1).build();
    const key = app.invokeKey;
    app.close();
    app.close();
    assert.equal(app.closed, true);
    assert.throws(() => app.invoke(tauriRequest({ invokeKey: key }, 'a', {})), /closed/);
    await assert.rejects(app.invokeAsync(tauriRequest({ invokeKey: key }, 'a', {})), /closed/);
  });

  it('gives every app its own invoke key', () => {
    const first = new AppBuilder().build();
    const second = new AppBuilder().build();
    assert.notEqual(first.invokeKey, second.invokeKey);
    const response = first.invoke({ ...tauriRequest(second, 'x', {}) });
    assert.equal(response.code, Status.INVALID_INVOKE_KEY);
    first.close();
    second.close();
  });
});
