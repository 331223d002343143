'use strict';

// Running a JS command handler for ward: the handler trampoline, the ctx it gets, and the
// translation of its outcome into exactly one answer of ward's responder.

const native = require('./native');
const handles = require('./handles');
const { Status, statusName } = require('./status');
const { WardError, CommandError } = require('./errors');
const { emit } = require('./log');
const {
  decodeString, readString, readBytes, toBytes, toText, span, isBytes, isThenable, lastError, check,
} = require('./convert');
const { Channel } = require('./channel');

/** The trampolines; required lazily because callbacks.js requires this module for its own. */
function trampolines(n) {
  return require('./callbacks').callbacks(n);
}

/**
 * The invoke call into C that is on the stack, if any: ward runs a handler synchronously on the
 * thread that invokes, so a handler can tell whether the main thread is blocked waiting for it
 * (app.invoke) or not (app.invokeAsync). `current` is { sync, asyncHandler } or null.
 */
const invokeScope = { current: null };

/** Ends a ctx's access to ward's invocation (module-private, so not part of ctx's surface). */
const EXPIRE = Symbol('expire');

/**
 * The ward_command_fn of every command, synchronous or async; `key` is the handle of
 * { name, fn, log, states, lifecycle }. A synchronous command is called on the invoking thread
 * (the main thread here); an async command on one of ward's executor threads, and then koffi
 * relays this call to the main thread's event loop while the executor thread waits for it.
 */
function onCommand(invocation, responder, key) {
  const n = native.load();
  const command = handles.get(key);
  if (!command) {
    n.responderFree(responder);
    return;
  }
  const answer = new Answer(n, responder, command);
  let ctx;
  let result;
  command.lifecycle.handlerDepth += 1;
  try {
    ctx = new InvocationContext(n, invocation, command.states, answer);
    const args = JSON.parse(readString(n.invocationArgsJson, invocation));
    result = command.fn(args, ctx);
  } catch (err) {
    if (ctx) ctx[EXPIRE](false);
    answer.fail(err);
    return;
  } finally {
    command.lifecycle.handlerDepth -= 1;
  }

  if (!isThenable(result)) {
    ctx[EXPIRE](false);
    answer.succeed(result);
    return;
  }

  if (invokeScope.current && invokeScope.current.sync) {
    // The main thread is blocked inside ward_app_invoke: the promise could never settle.
    ctx[EXPIRE](false);
    Promise.resolve(result).catch(() => {});
    invokeScope.current.asyncHandler = command.name;
    answer.internalError(
      new Error('app.invoke() cannot wait for a Promise; use app.invokeAsync()'),
      'returned a Promise during a synchronous invoke',
    );
    return;
  }
  try {
    ctx[EXPIRE](true); // copies what the handler may still read after an await
  } catch (err) {
    Promise.resolve(result).catch(() => {});
    answer.internalError(err, 'could not keep its request data past the synchronous call');
    return;
  }
  Promise.resolve(result).then(
    (value) => answer.succeed(value),
    (err) => answer.fail(err),
  );
}

/** The reason a handler's ctx.signal aborts with. */
function cancelledError() {
  return new WardError(Status.CANCELLED, 'the invoke was cancelled');
}

/**
 * Answers one responder exactly once, translating a handler's outcome. Answering a cancelled
 * invoke is harmless: ward already answered the page and drops the late answer.
 */
class Answer {
  /** Set when ward ran this invoke's on_cancel callback (ctx.signal), or seen when answering. */
  cancelled = false;

  constructor(n, responder, command) {
    this.n = n;
    this.responder = responder;
    this.command = command;
  }

  /** True once the invoke was cancelled (ward answered the page WARD_ERR_CANCELLED). */
  isCancelled() {
    if (!this.cancelled && this.responder !== null) this.cancelled = this.n.responderIsCancelled(this.responder) === 1;
    return this.cancelled;
  }

  /**
   * Aborts `controller` when the invoke is cancelled: at once if it already is, else from ward's
   * on_cancel callback. After the answer nothing can cancel the invoke any more.
   */
  watchCancel(controller) {
    if (this.responder === null) {
      if (this.cancelled) controller.abort(cancelledError());
      return;
    }
    if (this.isCancelled()) {
      controller.abort(cancelledError());
      return;
    }
    const n = this.n;
    const cb = trampolines(n);
    const key = handles.put({ answer: this, controller });
    const status = n.responderOnCancel(this.responder, cb.cancel, key, cb.freeUserData);
    if (status !== Status.OK) handles.take(key); // on failure ward does not call free_user_data
  }

  /**
   * Hands the responder to `use`, which consumes it. While the app shuts down on a worker
   * thread, ward may be running on_cancel callbacks there that koffi relays to this thread;
   * answering now would make ward wait for them on this very thread, so the answer (which ward
   * would drop anyway: shutdown cancels every invoke in flight) waits for the shutdown to end.
   */
  #consume(use) {
    const responder = this.responder;
    if (responder === null) return;
    this.responder = null;
    if (!this.cancelled) this.cancelled = this.n.responderIsCancelled(responder) === 1;
    const lifecycle = this.command.lifecycle;
    if (lifecycle.shuttingDown) lifecycle.deferredAnswers.push(() => use(responder));
    else use(responder);
  }

  succeed(value) {
    if (this.responder === null) return;
    const n = this.n;
    let encoded;
    try {
      if (isBytes(value)) {
        encoded = { raw: true, bytes: toBytes(value, 'result') };
      } else {
        const json = JSON.stringify(value);
        // undefined (a handler returning nothing) is `null` to the page, as a Tauri `()` command.
        encoded = { raw: false, bytes: Buffer.from(json === undefined ? 'null' : json, 'utf8') };
      }
    } catch (err) {
      this.internalError(err, 'returned a value that cannot be sent');
      return;
    }
    this.#consume((responder) => {
      const status = encoded.raw
        ? n.responderResolveBytes(responder, ...span(encoded.bytes))
        : n.responderResolveJson(responder, encoded.bytes, encoded.bytes.length);
      this.#reportInvalidAnswer(status);
    });
  }

  fail(err) {
    if (this.responder === null) return;
    if (!(err instanceof CommandError)) {
      this.internalError(err, 'threw');
      return;
    }
    let json;
    try {
      json = JSON.stringify(err.value);
    } catch (stringifyError) {
      this.internalError(stringifyError, 'rejected with a value that cannot be sent');
      return;
    }
    const text = Buffer.from(json === undefined ? 'null' : json, 'utf8');
    this.#consume((responder) => this.#reportInvalidAnswer(this.n.responderRejectJson(responder, text, text.length)));
  }

  /** ALREADY_ANSWERED (a cancelled invoke) is expected; anything else is worth a log line. */
  #reportInvalidAnswer(status) {
    if (status === Status.OK || status === Status.ALREADY_ANSWERED) return;
    emit(this.command.log, {
      level: 'error',
      code: status,
      status: statusName(status),
      message: `command "${this.command.name}" answered with a value ward refused`,
      detail: '',
    });
  }

  /**
   * Answers an internal error; `what` completes "command <name> ..." in the log entry. The page
   * learns only that it failed (ward's internal error); the log sink learns why.
   */
  internalError(err, what) {
    if (this.responder === null) return;
    emit(this.command.log, {
      level: 'error',
      code: Status.INTERNAL,
      status: statusName(Status.INTERNAL),
      message: `command "${this.command.name}" ${what}`,
      detail: err && err.stack ? String(err.stack) : String(err),
    });
    this.#consume((responder) => this.n.responderFree(responder));
  }
}

/** The ward on_cancel callback of ctx.signal; `key` is the handle of { answer, controller }. */
function onCancel(key) {
  const watch = handles.get(key);
  if (!watch) return;
  watch.answer.cancelled = true;
  // Aborting runs the handler's abort listeners, which may call into ward: not from inside
  // ward's cancellation (possibly a call on this very thread), but right after it.
  queueMicrotask(() => watch.controller.abort(cancelledError()));
}

/** What a handler learns about its invoke (the `ctx` argument). */
class InvocationContext {
  #n;
  #invocation;
  #states;
  #answer;
  #body;
  #scopes;
  #controller;
  /** key -> Channel, so that asking twice gives the same channel. */
  #channels = new Map();

  constructor(n, invocation, states, answer) {
    this.#n = n;
    this.#invocation = invocation;
    this.#states = states;
    this.#answer = answer;
    /** The command name. */
    this.command = readString(n.invocationCommand, invocation);
    /** The window label. */
    this.window = readString(n.invocationWindow, invocation);
    /** The webview label. */
    this.webview = readString(n.invocationWebview, invocation);
    /** The origin URL of the page. */
    this.origin = readString(n.invocationOrigin, invocation);
    /** A per-app unique id of this invoke (ward's uint64, exact as a Number below 2^53). */
    this.id = Number(n.invocationId(invocation));
    /** True if the body was raw bytes (application/octet-stream). */
    this.isRaw = n.invocationIsRaw(invocation) === 1;
  }

  /**
   * The request body (raw bytes, or the JSON text for a JSON body), copied on first access
   * because ward's view of it ends with the handler call.
   */
  get body() {
    if (this.#body === undefined) {
      if (this.#invocation === null) throw expired('ctx.body');
      this.#body = readBytes(this.#n.invocationBody, this.#invocation);
    }
    return this.#body;
  }

  /**
   * The access-control scopes that let this request in, as ward gives them:
   * { allow, deny, global_allow, global_deny }, each an array of the scope entries (objects
   * such as { path: '$HOME/*' }) of the grants that matched this request and of the plugin's
   * global scope. Enforcing them is the handler's job. Parsed on first access; for a handler
   * that returns a Promise it is copied before the first await, so it stays readable.
   */
  get scopes() {
    if (this.#scopes === undefined) {
      if (this.#invocation === null) throw expired('ctx.scopes');
      this.#scopes = JSON.parse(readString(this.#n.invocationScopesJson, this.#invocation));
    }
    return this.#scopes;
  }

  /** A request header (case-insensitive name), or null. Only during the synchronous part. */
  header(name) {
    if (this.#invocation === null) throw expired('ctx.header()');
    const bytes = toText(name, 'header name');
    const len = [0];
    const ptr = this.#n.invocationHeader(this.#invocation, ...span(bytes), len);
    return ptr === null ? null : decodeString(ptr, len[0]);
  }

  /**
   * The value managed under `name` (AppBuilder.manage). Throws WardError STATE_NOT_MANAGED.
   * While the handler runs synchronously ward resolves it; after an `await` (when ward's
   * invocation is gone) the binding resolves it from the same registry.
   */
  state(name) {
    const bytes = toText(name, 'state name');
    if (this.#invocation !== null) {
      const out = [null];
      check(this.#n, this.#n.invocationState(this.#invocation, ...span(bytes), out));
      const held = handles.get(out[0]);
      return held ? held.value : undefined;
    }
    const key = this.#states.get(String(name));
    const held = key === undefined ? undefined : handles.get(key);
    if (!held) throw new WardError(Status.STATE_NOT_MANAGED, `state "${name}" is not managed`);
    return held.value;
  }

  /**
   * An AbortSignal that aborts (with a WardError CANCELLED as its reason) when the invoke is
   * cancelled: the page cancelled it (plugin:ward|cancel), its webview navigated or was
   * destroyed, or the app shuts down. ward has then already answered the page; whatever the
   * handler answers later is dropped. Usable at any time until the handler answers.
   */
  get signal() {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      this.#answer.watchCancel(this.#controller);
    }
    return this.#controller.signal;
  }

  /** True once the invoke was cancelled (asks ward, so it is exact even before ctx.signal aborts). */
  get cancelled() {
    return this.#answer.isCancelled();
  }

  /**
   * The channel the argument `key` names (a @tauri-apps/api `Channel` the page passed, which
   * arrives as "__CHANNEL__:<id>"). Throws WardError INVALID_ARGS naming the key if it is not
   * one. Only during the synchronous part of the handler (before the first await); the Channel
   * itself can be used at any time after.
   */
  channel(key) {
    const name = String(key);
    const known = this.#channels.get(name);
    if (known) return known;
    if (this.#invocation === null) throw expired('ctx.channel()');
    const out = [null];
    check(this.#n, this.#n.invocationChannel(this.#invocation, ...span(toText(name, 'channel key')), out));
    const channel = new Channel(this.#n, out[0]);
    this.#channels.set(name, channel);
    return channel;
  }

  /**
   * Keeps `value` in ward's resource table on behalf of the invoking webview and returns its id
   * (a number the page can hold exactly; @tauri-apps/api's `Resource` takes it). The resource
   * is closed when the page closes it (plugin:resources|close, `Resource.close()`), when the
   * handler calls ctx.closeResource(rid), when its webview is destroyed, or when the app shuts
   * down; then `onClose(value)` runs if given, else `value.close()` if it has one.
   * Only during the synchronous part of the handler.
   */
  addResource(value, options = {}) {
    if (this.#invocation === null) throw expired('ctx.addResource()');
    const onClose = options && options.onClose;
    if (onClose !== undefined && onClose !== null && typeof onClose !== 'function') {
      throw new TypeError('ward: addResource() options.onClose must be a function');
    }
    const n = this.#n;
    const cb = trampolines(n);
    const log = this.#answer.command.log;
    const key = handles.put({
      value,
      release() {
        try {
          if (onClose) onClose(value);
          else if (value !== null && typeof value === 'object' && typeof value.close === 'function') value.close();
        } catch (err) {
          emit(log, {
            level: 'error',
            code: Status.INTERNAL,
            status: statusName(Status.INTERNAL),
            message: 'closing a resource threw',
            detail: err && err.stack ? String(err.stack) : String(err),
          });
        }
      },
    });
    const out = [0];
    const status = n.invocationAddResource(this.#invocation, key, cb.freeUserData, out);
    if (status !== Status.OK) {
      const error = lastError(n, status);
      handles.take(key); // on failure ward does not call free_resource
      throw error;
    }
    return Number(out[0]);
  }

  /**
   * The value of the invoking webview's resource `rid` (added with ctx.addResource by any
   * command). Throws WardError INVALID_ARGUMENT if this webview has no such resource.
   * Only during the synchronous part of the handler.
   */
  resource(rid) {
    if (this.#invocation === null) throw expired('ctx.resource()');
    const out = [null];
    check(this.#n, this.#n.invocationResource(this.#invocation, resourceId(rid), out));
    const held = handles.get(out[0]);
    if (!held) throw new WardError(Status.INVALID_ARGUMENT, `resource ${rid} was not added by this binding`);
    return held.value;
  }

  /** Closes the invoking webview's resource `rid` (WardError INVALID_ARGUMENT if there is none). */
  closeResource(rid) {
    if (this.#invocation === null) throw expired('ctx.closeResource()');
    check(this.#n, this.#n.invocationCloseResource(this.#invocation, resourceId(rid)));
  }

  get [Symbol.toStringTag]() {
    return 'InvocationContext';
  }

  /** Called when the handler's synchronous part ends: ward's invocation is no longer valid. */
  [EXPIRE](keepCopies) {
    try {
      if (keepCopies) {
        // The getters cache a copy on first read, which then outlives ward's invocation.
        void this.body;
        void this.scopes;
      }
    } finally {
      this.#invocation = null;
    }
  }
}

/** A resource id as ward's uint64 (ids are below 2^53, so a Number holds them exactly). */
function resourceId(rid) {
  if (typeof rid === 'bigint' && rid > 0n) return rid;
  if (Number.isSafeInteger(rid) && rid > 0) return rid;
  throw new TypeError(`ward: a resource id is a positive integer, got ${String(rid)}`);
}

function expired(what) {
  return new Error(
    `ward: ${what} is only available while the handler runs synchronously; read it before the first await`,
  );
}

module.exports = { invokeScope, onCommand, onCancel, InvocationContext };
