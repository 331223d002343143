'use strict';

// Node.js binding of ward (capi/include/ward.h) over koffi.
//
// Threading model (see README.md, "Threads"): JS runs on the main thread only. koffi calls a
// registered callback directly when ward calls it on the main thread; when ward calls it from
// one of its own threads (async command handlers on the executor, deliveries on the delivery
// thread), koffi queues the call to the main thread's event loop and blocks the calling thread
// until JS has run it. So the main thread must never wait in a ward call for one of ward's
// threads: calls that could (shutting a live app down, a channel send that waits for room, an
// emit into a bounded delivery queue) run on koffi worker threads and return Promises.
// app.invoke(), which blocks the main thread until the response exists, only suits handlers
// that answer synchronously: a handler returning a Promise or an async command needs
// app.invokeAsync(), and app.invoke() refuses them with a clear Error instead of deadlocking.
//
// The code lives in lib/: native.js (finding and declaring libward), builder.js, app.js,
// command.js (running a handler: ctx, cancellation, resources), response.js, acl.js (capability
// and permission files, the audit sink, explain), channel.js, delivery.js, events.js,
// harness.js (the page harness), callbacks.js (the koffi trampolines),
// handles.js (what C's user_data pointers stand for), convert.js, log.js, status.js, errors.js.

const native = require('./lib/native');
const { Status, statusName } = require('./lib/status');
const { WardError, CommandError } = require('./lib/errors');
const { LogLevel } = require('./lib/log');
const { Response } = require('./lib/response');
const { App } = require('./lib/app');
const { AppBuilder } = require('./lib/builder');
const { Channel } = require('./lib/channel');
const { Delivery } = require('./lib/delivery');
const { TargetKind } = require('./lib/events');

/** The ABI version of the loaded library (loads it). */
function abiVersion() {
  return native.load().abiVersion();
}

/** The version of the loaded library, "MAJOR.MINOR.PATCH" (loads it). */
function version() {
  return native.load().versionString();
}

/** The path or name the library was loaded from (loads it). */
function libraryPath() {
  return native.load().file;
}

module.exports = {
  AppBuilder,
  App,
  Response,
  Channel,
  Delivery,
  TargetKind,
  WardError,
  CommandError,
  Status,
  LogLevel,
  statusName,
  abiVersion,
  version,
  libraryPath,
  ABI_VERSION: native.EXPECTED_ABI_VERSION,
};

// The page harness loads bindings/js (esbuild, @tauri-apps/api) only when asked for.
Object.defineProperty(module.exports, 'harness', {
  enumerable: true,
  get: () => require('./lib/harness'),
});
