'use strict';

// The built app: encoding requests for ward and invoking it synchronously or asynchronously.

const native = require('./native');
const handles = require('./handles');
const { Status } = require('./status');
const { callbacks } = require('./callbacks');
const { invokeScope } = require('./command');
const { takeResponse, PendingInvoke } = require('./response');
const { aclSource, capabilityName, takeJson } = require('./acl');
const { readString, toBytes, toText, span, lastError, check } = require('./convert');
const { normalizeTarget, encodeTarget, checkEventName, encodePayload } = require('./events');
const { WardError } = require('./errors');

const { koffi } = native;

// Requests

function normalizeHeaders(headers) {
  if (headers === undefined || headers === null) return [];
  const entries = headers instanceof Map || Array.isArray(headers) ? [...headers] : Object.entries(headers);
  return entries.map(([name, value]) => {
    const [namePtr, nameLen] = span(toText(name, 'header name'));
    const [valuePtr, valueLen] = span(toText(value, `header "${name}"`));
    return { name: namePtr, name_len: nameLen, value: valuePtr, value_len: valueLen };
  });
}

function labelFields(request) {
  const [origin, originLen] = span(toText(request.origin, 'origin'));
  const [window, windowLen] = span(toText(request.window, 'window'));
  const [webview, webviewLen] = span(toText(request.webview, 'webview'));
  return {
    origin,
    origin_len: originLen,
    window,
    window_len: windowLen,
    webview,
    webview_len: webviewLen,
  };
}

function encodeRequest(n, request) {
  if (request === null || typeof request !== 'object') throw new TypeError('ward: request must be an object');
  const [url, urlLen] = span(toText(request.url, 'url'));
  const headers = normalizeHeaders(request.headers);
  const [body, bodyLen] = span(toBytes(request.body, 'body'));
  return {
    struct_size: koffi.sizeof(n.types.request),
    url,
    url_len: urlLen,
    ...labelFields(request),
    headers: headers.length === 0 ? null : headers,
    header_count: headers.length,
    body,
    body_len: bodyLen,
  };
}

function encodeMessageRequest(n, request) {
  if (request === null || typeof request !== 'object') throw new TypeError('ward: request must be an object');
  const [message, messageLen] = span(toBytes(request.message, 'message'));
  return {
    struct_size: koffi.sizeof(n.types.messageRequest),
    ...labelFields(request),
    message,
    message_len: messageLen,
  };
}

/**
 * The command a request names, as ward reads it (the URL-decoded path of the URL, or the
 * message's cmd), or null if it cannot tell; only used to refuse a synchronous invoke of an
 * async command before it could deadlock.
 */
function commandOfUrl(url) {
  if (typeof url !== 'string') return null;
  const path = url.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*/, '').replace(/^\//, '').split(/[?#]/)[0];
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

function commandOfMessage(message) {
  try {
    const text = typeof message === 'string' ? message : toBytes(message, 'message').toString('utf8');
    const cmd = JSON.parse(text).cmd;
    return typeof cmd === 'string' ? cmd : null;
  } catch {
    return null;
  }
}

function labelBytes(label, what) {
  if (typeof label !== 'string' || label === '') throw new TypeError(`ward: ${what} must be a non-empty label`);
  return Buffer.from(label, 'utf8');
}

// ---------------------------------------------------------------------------------------
// App

// Apps dropped without close() are freed when collected. Only the pointer (and the app's event
// loop handle) is held, so the registry never keeps an app alive. A live app (one whose threads
// call back into JS) is freed on a worker thread, for the reasons close() explains.
const appFinalizer = new FinalizationRegistry(({ ptr, live, keepAlive }) => {
  const n = native.load();
  if (keepAlive) clearInterval(keepAlive);
  if (live) n.appFree.async(ptr, () => {});
  else n.appFree(ptr);
});

/**
 * A built app: hand it requests, get responses. Create with AppBuilder.build(). Its commands
 * and state are fixed; its access-control policy can grow (addCapability).
 */
class App {
  #n;
  #ptr;
  #invokeKey;
  #addedCapabilities = 0;
  #lifecycle;
  #asyncCommands;
  #deliveryFn;
  #log;
  /** Emits may wait for room in ward's delivery queue (the caller bounded it): run them on a worker. */
  #emitOnWorker;
  /** True if ward's own threads call into JS (async commands, deliveries). */
  #live;
  /** Keeps the event loop alive while a live app is open (see ref()/unref()). */
  #keepAlive = null;
  /** Calls that run on a worker thread, one at a time, in call order (emits, shutdown). */
  #workerQueue = Promise.resolve();
  #pendingWorkerCalls = 0;
  #shutdown = null;
  #closing = null;

  /** @internal use AppBuilder.build() */
  constructor(n, ptr, options = {}) {
    this.#n = n;
    this.#ptr = ptr;
    this.#invokeKey = readString(n.appInvokeKey, ptr);
    this.#lifecycle = options.lifecycle ?? { handlerDepth: 0, shuttingDown: false, deferredAnswers: [] };
    this.#asyncCommands = options.asyncCommands ?? new Set();
    this.#deliveryFn = options.deliveryFn ?? null;
    this.#log = options.log ?? null;
    this.#emitOnWorker = options.boundedDeliveryQueue === true;
    this.#live = this.#deliveryFn !== null || this.#asyncCommands.size > 0;
    if (this.#live) {
      // ward's threads reach JS through koffi's relay, which does not keep the event loop alive
      // by itself: without this, node could exit while an async command or a delivery is on its
      // way (like a listening server, a live app keeps the process running until it is closed).
      this.#keepAlive = setInterval(() => {}, 2 ** 31 - 1);
    }
    appFinalizer.register(this, { ptr, live: this.#live, keepAlive: this.#keepAlive }, this);
  }

  /** @internal the delivery callback the app was built with (the harness finds its host through it). */
  get [Symbol.for('ward.deliveryFn')]() {
    return this.#deliveryFn;
  }

  /** The per-app secret a host injects into its pages (window.__TAURI_INVOKE_KEY__). */
  get invokeKey() {
    return this.#invokeKey;
  }

  /** True once close() was called. */
  get closed() {
    return this.#ptr === null;
  }

  #livePtr() {
    if (this.#ptr === null) throw new Error('ward: the app is closed');
    return this.#ptr;
  }

  /**
   * A live app (one with async commands or a delivery callback) keeps node's event loop alive
   * until it is closed or shut down; unref() lets the process exit without closing it (as
   * server.unref()), ref() undoes that. No effect on other apps.
   * @returns {this}
   */
  unref() {
    if (this.#keepAlive) this.#keepAlive.unref();
    return this;
  }

  /** @returns {this} */
  ref() {
    if (this.#keepAlive) this.#keepAlive.ref();
    return this;
  }

  /**
   * Runs `call(ptr, done)`, which makes an asynchronous koffi call (on a worker thread), after
   * the worker calls before it, so that they keep their order.
   */
  #onWorker(call, ptr = this.#ptr) {
    this.#pendingWorkerCalls += 1;
    const run = () =>
      new Promise((resolve, reject) => {
        call(ptr, (err, status) => (err ? reject(err) : resolve(status)));
      });
    const result = this.#workerQueue.then(run, run);
    const settled = () => {
      this.#pendingWorkerCalls -= 1;
    };
    result.then(settled, settled);
    this.#workerQueue = result.catch(() => {});
    return result;
  }

  /**
   * Handles one request synchronously. Handlers must answer synchronously (no Promise):
   * use invokeAsync() for async handlers.
   */
  invoke(request) {
    this.#refuseAsyncCommand(request && commandOfUrl(request.url));
    return this.#invokeSync(this.#n.appInvoke, encodeRequest(this.#n, request));
  }

  /** Handles one request; resolves with its Response once the handler (sync or async) answered. */
  invokeAsync(request) {
    return this.#invokeAsync(this.#n.appInvokeAsync, () => encodeRequest(this.#n, request));
  }

  /** Handles one postMessage-form request ({cmd, callback, error, payload, options, __TAURI_INVOKE_KEY__}). */
  invokeMessage(request) {
    this.#refuseAsyncCommand(request && commandOfMessage(request.message));
    return this.#invokeSync(this.#n.appInvokeMessage, encodeMessageRequest(this.#n, request));
  }

  /**
   * ward runs an async command on an executor thread that hands it to the event loop, while a
   * synchronous invoke blocks the event loop until the answer: that would never end.
   */
  #refuseAsyncCommand(command) {
    if (command !== null && this.#asyncCommands.has(command)) {
      throw new Error(
        `ward: "${command}" is an async command; app.invoke() is synchronous and would wait forever ` +
          'for a handler that runs on the event loop it blocks. Use app.invokeAsync().',
      );
    }
  }

  /** The asynchronous counterpart of invokeMessage(). */
  invokeMessageAsync(request) {
    return this.#invokeAsync(this.#n.appInvokeMessageAsync, () => encodeMessageRequest(this.#n, request));
  }

  #invokeSync(fn, encoded) {
    const n = this.#n;
    const ptr = this.#livePtr();
    const out = [null];
    const invoke = { sync: true, asyncHandler: null };
    const outer = invokeScope.current;
    invokeScope.current = invoke;
    let status;
    try {
      status = fn(ptr, encoded, out);
    } finally {
      invokeScope.current = outer;
    }
    check(n, status);
    const response = takeResponse(n, out[0]);
    if (invoke.asyncHandler !== null) {
      throw new Error(
        `ward: command "${invoke.asyncHandler}" returned a Promise; app.invoke() is synchronous and ` +
          'cannot wait for it (it would block the event loop the Promise needs). Use app.invokeAsync().',
      );
    }
    return response;
  }

  #invokeAsync(fn, encode) {
    let encoded;
    let ptr;
    try {
      encoded = encode();
      ptr = this.#livePtr();
    } catch (err) {
      return Promise.reject(err);
    }
    const n = this.#n;
    const cb = callbacks(n);
    const pending = new PendingInvoke();
    const key = handles.put(pending);
    const outer = invokeScope.current;
    invokeScope.current = { sync: false, asyncHandler: null };
    let status;
    try {
      status = fn(ptr, encoded, cb.response, key, cb.freeUserData);
    } catch (err) {
      status = null;
      handles.take(key);
      pending.settle(null, err);
    } finally {
      invokeScope.current = outer;
    }
    if (status !== null && status !== Status.OK) {
      // On a failed call ward calls neither done nor free_user_data.
      const error = lastError(n, status);
      handles.take(key);
      pending.settle(null, error);
    }
    return pending.promise;
  }

  /**
   * Adds a capability to the running app (same arguments as AppBuilder.capability()). The new
   * policy applies to the next request as a whole; if the capability is invalid this throws a
   * WardError naming the file and the policy in force is unchanged.
   * @returns {this}
   */
  addCapability(capability, options = {}) {
    const ptr = this.#livePtr();
    const n = this.#n;
    this.#addedCapabilities += 1;
    const count = this.#addedCapabilities;
    const source = aclSource(capability, options, 'capability', (format, object) =>
      capabilityName(format, object, `added capability #${count}`),
    );
    check(n, n.appAddCapability(ptr, ...span(source.name), ...span(source.text), source.format));
    return this;
  }

  /**
   * Why a request would be allowed or denied, without running anything: ward's explanation
   * (decision, reason, the grants that matched or nearly did, scopes, and what would allow it).
   * `webview` defaults to `window` (a window's own webview carries the window's label).
   * @param {{command: string, window: string, webview?: string, origin: string}} request
   */
  explain(request) {
    const ptr = this.#livePtr();
    const n = this.#n;
    if (request === null || typeof request !== 'object') throw new TypeError('ward: explain() needs a request object');
    if (typeof request.command !== 'string') throw new TypeError('ward: explain() needs request.command');
    const fields = labelFields({ ...request, webview: request.webview ?? request.window });
    return takeJson(
      n,
      n.appExplain,
      ptr,
      ...span(toText(request.command, 'command')),
      fields.window,
      fields.window_len,
      fields.webview,
      fields.webview_len,
      fields.origin,
      fields.origin_len,
    );
  }

  /** The resolved policy in force, as the neutral JSON of Tauri's ACL conformance suite. */
  resolvedAcl() {
    const ptr = this.#livePtr();
    return takeJson(this.#n, this.#n.appResolvedAcl, ptr);
  }

  // ---------------------------------------------------------------------------------------
  // The live half: posting, events, webviews, shutdown

  /**
   * Handles a request whose reply goes to the delivery callback (a 'reply' delivery to the
   * request's webview, in order with its events and channel messages) instead of a Response.
   * Throws WardError INVALID_ARGUMENT if the app has no delivery callback.
   */
  post(request) {
    this.#post(this.#n.appPost, encodeRequest(this.#n, request));
  }

  /** The postMessage form of post(). */
  postMessage(request) {
    this.#post(this.#n.appPostMessage, encodeMessageRequest(this.#n, request));
  }

  #post(fn, encoded) {
    const ptr = this.#livePtr();
    const outer = invokeScope.current;
    invokeScope.current = { sync: false, asyncHandler: null };
    try {
      check(this.#n, fn(ptr, encoded));
    } finally {
      invokeScope.current = outer;
    }
  }

  /**
   * Emits an event to every listener: backend listeners (listen()) and pages'
   * (@tauri-apps/api `listen`). The payload is sent as JSON (undefined is null). Resolves once
   * ward queued it (pages get it through the delivery callback); rejects with a WardError
   * (e.g. INVALID_NAME).
   */
  emit(event, payload) {
    return this.#emit('emit', event, payload, (ptr, name, json, done) =>
      done === null
        ? this.#n.appEmit(ptr, ...span(name), ...span(json))
        : this.#n.appEmit.async(ptr, ...span(name), ...span(json), done),
    );
  }

  /**
   * Emits to the listeners whose target matches `target` (Tauri's rules): a label string
   * (AnyLabel: any window or webview with that label) or { kind, label? } with kind 'Any',
   * 'AnyLabel', 'App', 'Window', 'Webview' or 'WebviewWindow'.
   */
  emitTo(target, event, payload) {
    let encodedTarget;
    try {
      encodedTarget = encodeTarget(this.#n, normalizeTarget(target));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#emit('emitTo', event, payload, (ptr, name, json, done) =>
      done === null
        ? this.#n.appEmitTo(ptr, encodedTarget, ...span(name), ...span(json))
        : this.#n.appEmitTo.async(ptr, encodedTarget, ...span(name), ...span(json), done),
    );
  }

  /**
   * Emits to the listeners whose target `filter(target)` accepts; `target` is { kind, label? }
   * as in emitTo(). The filter runs during the call, once per listener target.
   */
  emitFilter(event, payload, filter) {
    if (typeof filter !== 'function') return Promise.reject(new TypeError('ward: emitFilter() needs a filter function'));
    const n = this.#n;
    const cb = callbacks(n);
    const key = handles.put({ fn: filter, log: this.#log });
    const result = this.#emit('emitFilter', event, payload, (ptr, name, json, done) =>
      done === null
        ? n.appEmitFilter(ptr, ...span(name), ...span(json), cb.eventFilter, key)
        : n.appEmitFilter.async(ptr, ...span(name), ...span(json), cb.eventFilter, key, done),
    );
    const release = () => handles.take(key);
    result.then(release, release);
    return result;
  }

  /**
   * Runs an emit: synchronously when ward never waits in it (the binding's default, unbounded
   * delivery queue), else on a worker thread (see AppBuilder.deliveryOptions()).
   */
  #emit(what, event, payload, call) {
    let name;
    let json;
    try {
      this.#livePtr();
      name = this.#emitOnWorker ? checkEventName(event) : toText(event, 'event name');
      json = encodePayload(payload);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.#emitOnWorker) {
      try {
        check(this.#n, call(this.#ptr, name, json, null));
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.#onWorker((ptr, done) => call(ptr, name, json, done)).then((status) => {
      // ward's message is in the worker thread's last error, out of reach here.
      if (status !== Status.OK) throw new WardError(status, `ward: ${what} of event "${event}" failed`);
    });
  }

  /**
   * Adds a backend listener: `fn({ event, id, payload })` runs for every matching event, on the
   * main thread. `target` (a label or { kind, label? }, default Any) is what it listens on;
   * `once` removes it after the first event. Returns its id (for unlisten()).
   */
  listen(event, fn, options = {}) {
    const ptr = this.#livePtr();
    if (typeof fn !== 'function') throw new TypeError('ward: a listener must be a function');
    const n = this.#n;
    const cb = callbacks(n);
    const { target, once } = options ?? {};
    const encodedTarget =
      target === undefined || target === null ? null : encodeTarget(n, normalizeTarget(target, 'listener target'));
    const name = toText(event, 'event name');
    const key = handles.put({ fn, log: this.#log });
    const out = [0];
    const status = n.appListen(ptr, ...span(name), encodedTarget, once ? 1 : 0, cb.event, key, cb.freeUserData, out);
    if (status !== Status.OK) {
      const error = lastError(n, status);
      handles.take(key); // on failure ward does not call free_user_data
      throw error;
    }
    return Number(out[0]);
  }

  /** Removes a backend or page listener (WardError INVALID_ARGUMENT if there is none). */
  unlisten(id) {
    const ptr = this.#livePtr();
    if (!(Number.isSafeInteger(id) && id >= 0) && typeof id !== 'bigint') {
      throw new TypeError(`ward: a listener id is an integer >= 0, got ${String(id)}`);
    }
    check(this.#n, this.#n.appUnlisten(ptr, id));
  }

  /** The host created a webview (labels as in its requests). */
  webviewCreated(webview, window) {
    const ptr = this.#livePtr();
    const webviewBytes = labelBytes(webview, 'webview');
    const windowBytes = labelBytes(window ?? webview, 'window');
    check(this.#n, this.#n.appWebviewCreated(ptr, ...span(webviewBytes), ...span(windowBytes)));
  }

  /**
   * The webview navigated: its in-flight invokes are cancelled (answered CANCELLED; their
   * handlers' ctx.signal aborts), its page listeners removed and its channels closed; what the
   * old page's work queued for delivery is dropped, not delivered to the new page.
   */
  webviewNavigated(webview) {
    const ptr = this.#livePtr();
    check(this.#n, this.#n.appWebviewNavigated(ptr, ...span(labelBytes(webview, 'webview'))));
  }

  /** The webview was destroyed: as webviewNavigated(), and its resources are closed too (its handlers can add no more). */
  webviewDestroyed(webview) {
    const ptr = this.#livePtr();
    check(this.#n, this.#n.appWebviewDestroyed(ptr, ...span(labelBytes(webview, 'webview'))));
  }

  /**
   * Shuts the app down: new requests are answered CLOSED, in-flight invokes are cancelled
   * (answered CANCELLED), running handlers are waited for, queued deliveries reach the delivery
   * callback, channels and resources are closed. Resolves when done; idempotent. The app's
   * handle stays valid until close().
   */
  shutdown() {
    if (this.#shutdown) return this.#shutdown;
    let ptr;
    try {
      ptr = this.#livePtr();
    } catch (err) {
      return Promise.reject(err);
    }
    this.#shutdown = this.#finish(ptr, this.#n.appShutdown);
    return this.#shutdown;
  }

  /**
   * Shuts the app down (as shutdown()) and frees it; idempotent. Pending invokes are answered
   * CANCELLED. Resolves once the app is freed:
   *  - a plain app (no async commands, no delivery callback) is freed before close() returns,
   *    unless called from inside a handler (then right after the handler);
   *  - a live app is shut down and freed on a worker thread: ward then waits for its own
   *    threads, which may themselves be waiting for this thread's event loop (koffi relays
   *    their calls into JS there).
   */
  close() {
    if (this.#closing) return this.#closing;
    const ptr = this.#ptr;
    if (ptr === null) return Promise.resolve();
    this.#ptr = null;
    appFinalizer.unregister(this);
    this.#closing = this.#finish(ptr, this.#n.appFree);
    return this.#closing;
  }

  /**
   * Runs ward_app_shutdown or ward_app_free: here and now for a plain app, else on a worker
   * thread after the worker calls before it. While it runs on a worker, answers of handlers wait
   * (see Answer in command.js) and are given once it returned.
   */
  #finish(ptr, fn) {
    const lifecycle = this.#lifecycle;
    if (!this.#live && this.#pendingWorkerCalls === 0) {
      if (lifecycle.handlerDepth > 0) {
        // Inside a handler, ward's invoke of it is still on the stack.
        return new Promise((resolve) => setImmediate(resolve)).then(() => this.#finish(ptr, fn));
      }
      fn(ptr);
      this.#stopKeepAlive();
      return Promise.resolve();
    }
    const flushAnswers = () => {
      lifecycle.shuttingDown = false;
      for (const answer of lifecycle.deferredAnswers.splice(0)) answer();
    };
    return this.#onWorker((ignored, done) => {
      lifecycle.shuttingDown = true;
      fn.async(ptr, done);
    }, ptr).then(
      () => {
        flushAnswers();
        this.#stopKeepAlive();
      },
      (err) => {
        flushAnswers();
        throw err;
      },
    );
  }

  #stopKeepAlive() {
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    this.#keepAlive = null;
  }
}

module.exports = { App };
