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

// ---------------------------------------------------------------------------------------
// App

// Apps dropped without close() are freed when collected. Only the pointer is held, so the
// registry never keeps an app alive.
const appFinalizer = new FinalizationRegistry((ptr) => native.load().appFree(ptr));

/**
 * A built app: hand it requests, get responses. Create with AppBuilder.build(). Its commands
 * and state are fixed; its access-control policy can grow (addCapability).
 */
class App {
  #n;
  #ptr;
  #invokeKey;
  #addedCapabilities = 0;

  /** @internal use AppBuilder.build() */
  constructor(n, ptr) {
    this.#n = n;
    this.#ptr = ptr;
    this.#invokeKey = readString(n.appInvokeKey, ptr);
    appFinalizer.register(this, ptr, this);
  }

  /** The per-app secret a host injects into its pages (window.__TAURI_INVOKE_KEY__). */
  get invokeKey() {
    return this.#invokeKey;
  }

  /** True once close() ran. */
  get closed() {
    return this.#ptr === null;
  }

  #live() {
    if (this.#ptr === null) throw new Error('ward: the app is closed');
    return this.#ptr;
  }

  /**
   * Handles one request synchronously. Handlers must answer synchronously (no Promise):
   * use invokeAsync() for async handlers.
   */
  invoke(request) {
    return this.#invokeSync(this.#n.appInvoke, encodeRequest(this.#n, request));
  }

  /** Handles one request; resolves with its Response once the handler (sync or async) answered. */
  invokeAsync(request) {
    return this.#invokeAsync(this.#n.appInvokeAsync, () => encodeRequest(this.#n, request));
  }

  /** Handles one postMessage-form request ({cmd, callback, error, payload, options, __TAURI_INVOKE_KEY__}). */
  invokeMessage(request) {
    return this.#invokeSync(this.#n.appInvokeMessage, encodeMessageRequest(this.#n, request));
  }

  /** The asynchronous counterpart of invokeMessage(). */
  invokeMessageAsync(request) {
    return this.#invokeAsync(this.#n.appInvokeMessageAsync, () => encodeMessageRequest(this.#n, request));
  }

  #invokeSync(fn, encoded) {
    const n = this.#n;
    const ptr = this.#live();
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
      ptr = this.#live();
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
    const ptr = this.#live();
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
    const ptr = this.#live();
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
    const ptr = this.#live();
    return takeJson(this.#n, this.#n.appResolvedAcl, ptr);
  }

  /**
   * Frees the app (idempotent). Must not race with invokes on it; pending replies are
   * delivered or dropped (a dropped invokeAsync rejects with Status.CANCELLED).
   */
  close() {
    if (this.#ptr === null) return;
    const ptr = this.#ptr;
    this.#ptr = null;
    appFinalizer.unregister(this);
    this.#n.appFree(ptr);
  }
}

module.exports = { App };
