#!/usr/bin/env node
// ward example app in Node.js: the same small app as the other languages' examples.
//
// Commands: greet (name -> "Hello, <name>!"), add (a, b -> a + b), increment (a counter kept as
// managed state -> the new value) and checksum (raw application/octet-stream body -> its CRC-32
// as 4 raw big-endian bytes, as zlib computes it). It feeds requests shaped exactly as a Tauri v2
// frontend sends them, prints each response, and exits non-zero if any response is not the
// expected one.
//
// ward denies every command that no capability grants. Like a Tauri app, this one ships its
// capabilities in capabilities/ next to it: capabilities/main.json grants the four commands to the
// pages of window "main", so a request from any other window is "Command ... not allowed by ACL".
//
// Run from a build tree (after `npm ci` in bindings/node):
//   WARD_LIBRARY=build/dev/capi/libward.so.1 node examples/node/app.js
'use strict';

const path = require('node:path');

function loadWard() {
  try {
    return require('ward');
  } catch (err) {
    if (err.code !== 'MODULE_NOT_FOUND') throw err;
    // Run straight from a source checkout: use the binding next door.
    return require(path.resolve(__dirname, '..', '..', 'bindings', 'node'));
  }
}

const ward = loadWard();
const { AppBuilder, CommandError, Status } = ward;

const ORIGIN = 'tauri://localhost'; // the origin of a Tauri v2 app's pages on Linux and macOS
const APP_DIRECTORY = __dirname; // holds capabilities/, as src-tauri/ does

function buildApp() {
  return new AppBuilder({ limits: { maxBodyBytes: 1 << 20 } })
    .loadAclDirectory(APP_DIRECTORY) // capabilities/main.json
    .manage('counter', { value: 0 }) // handlers run on the main thread: no lock needed
    .command('greet', ({ name }) => {
      if (typeof name !== 'string') throw new CommandError('greet needs a string argument `name`');
      return `Hello, ${name}!`;
    })
    .command('add', ({ a, b }) => {
      if (!Number.isInteger(a) || !Number.isInteger(b)) {
        throw new CommandError('add needs integer arguments `a` and `b`');
      }
      return a + b;
    })
    .command('increment', (args, ctx) => ++ctx.state('counter').value, { requiredState: ['counter'] })
    .command('checksum', (args, ctx) => {
      if (!ctx.isRaw) throw new CommandError('checksum takes an application/octet-stream body');
      return checksumBytes(ctx.body);
    })
    .build();
}

/** CRC-32 (IEEE 802.3, as zlib), bit by bit: small beats fast in an example. */
function checksumBytes(data) {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out;
}

/** Sends requests the way @tauri-apps/api's invoke() does over the ipc:// custom protocol. */
class Frontend {
  constructor(app, window = 'main') {
    this.app = app;
    this.window = window; // the label of the window (and webview) the page lives in
    this.nextCallback = 1;
  }

  invoke(command, payload, { raw = false, invokeKey } = {}) {
    const callback = this.nextCallback;
    const error = this.nextCallback + 1;
    this.nextCallback += 2;
    const response = this.app.invoke({
      url: `ipc://localhost/${encodeURIComponent(command)}`,
      origin: ORIGIN,
      window: this.window,
      webview: this.window,
      headers: {
        'Content-Type': raw ? 'application/octet-stream' : 'application/json',
        'Tauri-Callback': String(callback),
        'Tauri-Error': String(error),
        'Tauri-Invoke-Key': invokeKey ?? this.app.invokeKey,
      },
      body: raw ? payload : JSON.stringify(payload ?? {}),
    });
    if (response.callbackId !== callback || response.errorId !== error) {
      throw new Error(`callback ids not echoed: ${response.callbackId}/${response.errorId}`);
    }
    return response;
  }

  /** The fallback transport: the whole invoke as one postMessage JSON string. */
  postMessage(command, payload) {
    const message = JSON.stringify({
      cmd: command,
      callback: 101,
      error: 102,
      payload,
      options: {},
      __TAURI_INVOKE_KEY__: this.app.invokeKey,
    });
    return this.app.invokeMessage({ origin: ORIGIN, window: this.window, webview: this.window, message });
  }
}

function show(label, response) {
  const body = response.isRaw ? response.body.toString('hex') : response.text();
  console.log(
    `${label.padEnd(28)} -> ${response.ok ? 'ok   ' : 'error'} ${response.status.padEnd(20)} ` +
      `${response.contentType.padEnd(24)} ${body}`,
  );
}

function main() {
  const failures = [];
  const expect = (label, response, ok, code, body) => {
    show(label, response);
    const expectedBody = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    if (response.ok !== ok || response.code !== code || !response.body.equals(expectedBody)) {
      failures.push(
        `${label}: expected ${JSON.stringify([ok, code, expectedBody.toString('hex')])}, got ` +
          `${JSON.stringify([response.ok, response.code, response.body.toString('hex')])}`,
      );
    }
  };

  console.log(`libward ${ward.version()} (ABI ${ward.abiVersion()}) from ${ward.libraryPath()}`);
  const app = buildApp();
  try {
    const page = new Frontend(app);
    const settings = new Frontend(app, 'settings'); // no capability grants window "settings"
    expect("greet {name: 'Tauri'}", page.invoke('greet', { name: 'Tauri' }), true, Status.OK, '"Hello, Tauri!"');
    expect('add {a: 2, b: 40}', page.invoke('add', { a: 2, b: 40 }), true, Status.OK, '42');
    for (const expected of ['1', '2', '3']) {
      expect('increment', page.invoke('increment'), true, Status.OK, expected);
    }
    // "123456789" is CRC-32's check input: its checksum is cb f4 39 26 in every implementation.
    expect("checksum <'123456789'>", page.invoke('checksum', Buffer.from('123456789'), { raw: true }), true,
      Status.OK, Buffer.from('cbf43926', 'hex'));
    expect('postMessage greet', page.postMessage('greet', { name: 'IPC' }), true, Status.OK, '"Hello, IPC!"');
    expect("add {a: 'x'}", page.invoke('add', { a: 'x', b: 1 }), false, Status.COMMAND_REJECTED,
      '"add needs integer arguments `a` and `b`"');
    expect('nope', page.invoke('nope'), false, Status.UNKNOWN_COMMAND, '"Command nope not found"');
    const wrongKey = page.invoke('greet', { name: 'Mallory' }, { invokeKey: 'not-the-key' });
    show('greet with a wrong key', wrongKey);
    if (wrongKey.ok || wrongKey.code !== Status.INVALID_INVOKE_KEY) {
      failures.push(`wrong invoke key: expected invalid_invoke_key, got ${wrongKey.status}`);
    }
    expect("greet (window 'settings')", settings.invoke('greet', { name: 'Eve' }), false, Status.NOT_ALLOWED,
      '"Command greet not allowed by ACL"');
  } finally {
    app.close();
  }

  for (const failure of failures) console.error(`FAIL: ${failure}`);
  if (failures.length > 0) return 1;
  console.log('example_node: all responses as expected');
  return 0;
}

process.exitCode = main();
