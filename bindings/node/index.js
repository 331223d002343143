'use strict';

// Node.js binding of ward (capi/include/ward.h) over koffi.
//
// Threading model (see README.md, "Threads"): JS runs on the main thread only. koffi calls a
// registered callback directly when ward calls it on the main thread, which is where every
// ward call of this binding is made: ward runs a handler on the invoking thread and calls
// `done` on the answering thread, and handlers answer from JS, so handlers, log lines and
// async completions all arrive there, synchronously, inside a call into ward. (Were ward to
// call back from another thread, koffi would queue the call to the main thread's event loop
// and block that thread until JS has run it.) Hence app.invoke(), which blocks the main thread
// until the response exists, only suits handlers that answer synchronously: a handler returning
// a Promise needs app.invokeAsync(), and app.invoke() refuses one with a clear Error instead of
// deadlocking.
//
// The code lives in lib/: native.js (finding and declaring libward), builder.js, app.js,
// command.js (running a handler), response.js, acl.js (capability and permission files, the
// audit sink, explain), callbacks.js (the koffi trampolines),
// handles.js (what C's user_data pointers stand for), convert.js, log.js, status.js, errors.js.

const native = require('./lib/native');
const { Status, statusName } = require('./lib/status');
const { WardError, CommandError } = require('./lib/errors');
const { LogLevel } = require('./lib/log');
const { Response } = require('./lib/response');
const { App } = require('./lib/app');
const { AppBuilder } = require('./lib/builder');

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
