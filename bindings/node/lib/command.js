'use strict';

// Running a JS command handler for ward: the handler trampoline, the ctx it gets, and the
// translation of its outcome into exactly one answer of ward's responder.

const native = require('./native');
const handles = require('./handles');
const { Status, statusName } = require('./status');
const { WardError, CommandError } = require('./errors');
const { emit } = require('./log');
const { decodeString, readString, readBytes, toBytes, toText, span, isBytes, isThenable, check } = require('./convert');

/**
 * The invoke call into C that is on the stack, if any: ward runs a handler synchronously on the
 * thread that invokes, so a handler can tell whether the main thread is blocked waiting for it
 * (app.invoke) or not (app.invokeAsync). `current` is { sync, asyncHandler } or null.
 */
const invokeScope = { current: null };

/** Ends a ctx's access to ward's invocation (module-private, so not part of ctx's surface). */
const EXPIRE = Symbol('expire');

/** The ward_command_fn of every command; `key` is the handle of { name, fn, log, states }. */
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
  try {
    ctx = new InvocationContext(n, invocation, command.states);
    const args = JSON.parse(readString(n.invocationArgsJson, invocation));
    result = command.fn(args, ctx);
  } catch (err) {
    if (ctx) ctx[EXPIRE](false);
    answer.fail(err);
    return;
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

/** Answers one responder exactly once, translating a handler's outcome. */
class Answer {
  constructor(n, responder, command) {
    this.n = n;
    this.responder = responder;
    this.command = command;
  }

  #take() {
    const responder = this.responder;
    this.responder = null;
    return responder;
  }

  succeed(value) {
    const responder = this.#take();
    if (responder === null) return;
    const n = this.n;
    try {
      if (isBytes(value)) {
        const bytes = toBytes(value, 'result');
        n.responderResolveBytes(responder, ...span(bytes));
        return;
      }
      const json = JSON.stringify(value);
      // undefined (a handler returning nothing) is `null` to the page, as a Tauri `()` command.
      const text = Buffer.from(json === undefined ? 'null' : json, 'utf8');
      n.responderResolveJson(responder, text, text.length);
    } catch (err) {
      this.#internalError(responder, err, 'returned a value that cannot be sent');
    }
  }

  fail(err) {
    const responder = this.#take();
    if (responder === null) return;
    if (!(err instanceof CommandError)) {
      this.#internalError(responder, err, 'threw');
      return;
    }
    let json;
    try {
      json = JSON.stringify(err.value);
    } catch (stringifyError) {
      this.#internalError(responder, stringifyError, 'rejected with a value that cannot be sent');
      return;
    }
    const text = Buffer.from(json === undefined ? 'null' : json, 'utf8');
    this.n.responderRejectJson(responder, text, text.length);
  }

  /** Answers an internal error; `what` completes "command <name> ..." in the log entry. */
  internalError(err, what) {
    const responder = this.#take();
    if (responder !== null) this.#internalError(responder, err, what);
  }

  /** The page learns only that it failed (ward's internal error); the log sink learns why. */
  #internalError(responder, err, what) {
    emit(this.command.log, {
      level: 'error',
      code: Status.INTERNAL,
      status: statusName(Status.INTERNAL),
      message: `command "${this.command.name}" ${what}`,
      detail: err && err.stack ? String(err.stack) : String(err),
    });
    this.n.responderFree(responder);
  }
}

/** What a handler learns about its invoke (the `ctx` argument). */
class InvocationContext {
  #n;
  #invocation;
  #states;
  #body;
  #scopes;

  constructor(n, invocation, states) {
    this.#n = n;
    this.#invocation = invocation;
    this.#states = states;
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

function expired(what) {
  return new Error(
    `ward: ${what} is only available while the handler runs synchronously; read it before the first await`,
  );
}

module.exports = { invokeScope, onCommand, InvocationContext };
