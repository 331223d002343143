// ward's frontend bridge: the window.__TAURI_INTERNALS__ that the unmodified @tauri-apps/api v2
// package expects, talking to a ward backend through the host's chosen transport.
//
// This file is one function expression and nothing after it: a host injects
//   (<this file>)(config)
// into every page before any page script runs (see README.md for config and injection).
//
// The invoke key stays in this closure. Everything the key-carrying code calls was captured at
// install time, and the objects that carry the key have no prototype, so a page that later
// replaces fetch, JSON.stringify or a prototype method never runs code that can see it.
(function installWardBridge(config) {
  'use strict';

  const window = globalThis;
  if (Object.prototype.hasOwnProperty.call(window, '__TAURI_INTERNALS__')) {
    // A second install (a re-injected script) could not replace the first one's non-configurable
    // members anyway; keep the first.
    console.warn('[ward] the bridge is already installed in this page');
    return;
  }

  // --- intrinsics captured before any page script can replace them ---------------------------
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const objectCreate = Object.create;
  /** A prototype-less object: no inherited setter, getter or toJSON of the page applies to it. */
  const createRecord = () => objectCreate(null);
  const stringify = JSON.stringify;
  const parseJson = JSON.parse;
  const isView = ArrayBuffer.isView;
  const encodeComponent = encodeURIComponent;
  const NativeArrayBuffer = ArrayBuffer;
  const NativeUint8Array = Uint8Array;
  const NativeUint32Array = Uint32Array;
  const NativeMap = Map;
  const NativeSet = Set;
  const NativePromise = Promise;
  const NativeTypeError = TypeError;
  const objectFromEntries = Object.fromEntries;
  const objectKeys = Object.keys;
  const arrayFrom = Array.from;
  const warn = console.warn.bind(console);
  const getRandomValues = window.crypto.getRandomValues.bind(window.crypto);
  const utf8Decoder = new TextDecoder();
  const utf8Encoder = new TextEncoder();
  const decodeBase64 = typeof window.atob === 'function' ? window.atob.bind(window) : undefined;

  // --- configuration --------------------------------------------------------------------------
  if (!config || typeof config.invokeKey !== 'string' || config.invokeKey === '') {
    throw new NativeTypeError('ward bridge: config.invokeKey must be a non-empty string');
  }
  // Serialised once, now, so no page-reachable function ever runs on the key.
  const invokeKeyJson = stringify(config.invokeKey);
  const invokeKey = config.invokeKey;

  const fileSrc = config.convertFileSrc || {};
  const windowsStyleUrls = fileSrc.windowsStyle === true;
  const defaultFileProtocol = typeof fileSrc.scheme === 'string' ? fileSrc.scheme : 'asset';
  // Tauri's rule: WebView2 (and Android) serve custom schemes as http://<scheme>.localhost/.
  const ipcUrl = typeof config.ipcUrl === 'string' ? config.ipcUrl
    : windowsStyleUrls ? 'http://ipc.localhost' : 'ipc://localhost';

  const transportKind = typeof config.transport === 'function' ? 'function' : config.transport || 'fetch';
  if (transportKind !== 'fetch' && transportKind !== 'postMessage' && transportKind !== 'function') {
    throw new NativeTypeError("ward bridge: config.transport must be 'fetch', 'postMessage' or a function");
  }
  const hostTransport = transportKind === 'function' ? config.transport : undefined;
  const nativeFetch = transportKind === 'fetch' ? window.fetch.bind(window) : undefined;
  const hostPostMessage = transportKind === 'function' ? undefined
    : typeof config.postMessage === 'function' ? config.postMessage : findHostPostMessage();
  if (transportKind === 'postMessage' && !hostPostMessage) {
    throw new NativeTypeError('ward bridge: no postMessage function (config.postMessage) for the postMessage transport');
  }
  // Tauri's behaviour: when the custom protocol fails (blocked scheme, CSP), use postMessage from then on.
  let useFetch = transportKind === 'fetch';

  /** The message handler the webview provides, bound now (wry, WKWebView, WebView2). */
  function findHostPostMessage() {
    const wry = window.ipc;
    if (wry && typeof wry.postMessage === 'function') return wry.postMessage.bind(wry);
    const webkit = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.ipc;
    if (webkit && typeof webkit.postMessage === 'function') return webkit.postMessage.bind(webkit);
    const webview2 = window.chrome && window.chrome.webview;
    if (webview2 && typeof webview2.postMessage === 'function') return webview2.postMessage.bind(webview2);
    return undefined;
  }

  // --- callbacks: every backend -> page message is runCallback(id, value) ----------------------
  const callbacks = new NativeMap();

  /** A random non-zero uint32 not in use, as Tauri's ids (0 means "absent" to ward). */
  function newCallbackId() {
    const random = new NativeUint32Array(1);
    for (;;) {
      getRandomValues(random);
      if (random[0] !== 0 && !callbacks.has(random[0])) return random[0];
    }
  }

  function transformCallback(callback, once = false) {
    const id = newCallbackId();
    callbacks.set(id, (data) => {
      if (once) unregisterCallback(id);
      return callback && callback(data);
    });
    return id;
  }

  function unregisterCallback(id) {
    callbacks.delete(id);
  }

  function runCallback(id, data) {
    const callback = callbacks.get(id);
    if (callback) {
      callback(data);
    } else {
      warn(`[TAURI] Couldn't find callback id ${id}. This might happen when the app is reloaded while Rust is running an asynchronous operation.`);
    }
  }

  // --- event listeners: the eventId `plugin:event|listen` answered -> the handler's callback id
  const listenerHandlers = new NativeMap(); // event name -> Map(eventId -> handler callback id)

  function rememberListener(event, eventId, handlerId) {
    let byId = listenerHandlers.get(event);
    if (!byId) listenerHandlers.set(event, (byId = new NativeMap()));
    byId.set(eventId, handlerId);
  }

  function unregisterListener(event, eventId) {
    const byId = listenerHandlers.get(event);
    if (!byId || !byId.has(eventId)) return;
    unregisterCallback(byId.get(eventId));
    byId.delete(eventId);
    if (byId.size === 0) listenerHandlers.delete(event);
  }

  // --- payload encoding (Tauri's process-ipc-message-fn) ----------------------------------------
  const SERIALIZE_TO_IPC_FN = '__TAURI_TO_IPC_KEY__';

  function ipcReplacer(_key, value) {
    if (value instanceof NativeMap) return objectFromEntries(value.entries());
    if (value instanceof NativeUint8Array) return arrayFrom(value);
    if (value instanceof NativeArrayBuffer) return arrayFrom(new NativeUint8Array(value));
    if (typeof value === 'object' && value !== null && SERIALIZE_TO_IPC_FN in value) return value[SERIALIZE_TO_IPC_FN]();
    return value;
  }

  function toJson(value) {
    return stringify(value, ipcReplacer);
  }

  /** Raw payloads are ArrayBuffers and typed views; they travel as bytes (Uint8Array over them). */
  function rawBytes(payload) {
    if (isView(payload)) return new NativeUint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    if (payload instanceof NativeArrayBuffer) return new NativeUint8Array(payload);
    return undefined;
  }

  /** A fresh ArrayBuffer of this page holding a copy of bytes from any realm (host or page). */
  function copyToArrayBuffer(bytes) {
    const source = isView(bytes) ? new NativeUint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : new NativeUint8Array(bytes);
    const copy = new NativeUint8Array(source.length);
    copy.set(source);
    return copy.buffer;
  }

  function base64ToArrayBuffer(base64) {
    if (!decodeBase64) throw new NativeTypeError('ward bridge: this page has no atob to decode base64 bytes');
    const binary = decodeBase64(base64);
    const bytes = new NativeUint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  const RESERVED_HEADERS = new NativeSet(['tauri-callback', 'tauri-error', 'tauri-invoke-key']);

  /**
   * options.headers (a Headers or a plain record) as [name, value] string pairs. The ids and the
   * key are ward's to set: a duplicate would make the request ambiguous.
   */
  function userHeaders(options) {
    const headers = options && options.headers;
    const pairs = [];
    if (!headers) return pairs;
    const add = (value, name) => {
      if (!RESERVED_HEADERS.has(String(name).toLowerCase())) pairs.push([String(name), String(value)]);
    };
    if (typeof headers.forEach === 'function' && typeof headers.get === 'function') {
      headers.forEach(add); // a Headers instance
    } else {
      for (const name of objectKeys(headers)) add(headers[name], name);
    }
    return pairs;
  }

  /**
   * The pieces every transport needs, computed from page data before the key is involved.
   * `headers` lists Content-Type and the user's headers, never the ids or the key.
   */
  function encodeRequest(cmd, payload, options) {
    const bytes = rawBytes(payload);
    const headers = [['Content-Type', bytes ? 'application/octet-stream' : 'application/json']];
    for (const [name, value] of userHeaders(options)) {
      if (name.toLowerCase() === 'content-type') headers[0] = [name, value];
      else headers.push([name, value]);
    }
    return { cmd: String(cmd), bytes, json: bytes ? undefined : toJson(payload), headers };
  }

  /** The fetch-form headers as a prototype-less record, where the key goes. */
  function protocolHeaders(request, callback, error) {
    const headers = createRecord();
    for (const [name, value] of request.headers) headers[name] = value;
    headers['Tauri-Callback'] = '' + callback;
    headers['Tauri-Error'] = '' + error;
    headers['Tauri-Invoke-Key'] = invokeKey;
    return headers;
  }

  /**
   * The postMessage form, built by concatenation so that no page-replaceable toJSON, replacer or
   * prototype getter runs while the key is part of the value. A raw payload is an array of bytes
   * and says so in options.headers, which is where ward reads the Content-Type of a message.
   */
  function postMessageBody(request, callback, error) {
    const headers = createRecord();
    for (const [name, value] of request.headers) headers[name] = value;
    const payloadJson = request.bytes ? stringify(arrayFrom(request.bytes)) : request.json;
    return '{"cmd":' + stringify(request.cmd)
      + ',"callback":' + callback
      + ',"error":' + error
      + ',"payload":' + (payloadJson === undefined ? 'null' : payloadJson)
      + ',"options":{"headers":' + stringify(headers) + '}'
      + ',"__TAURI_INVOKE_KEY__":' + invokeKeyJson + '}';
  }

  // --- responses --------------------------------------------------------------------------------
  function mediaType(contentType) {
    // Android duplicates the header ("a, a"); parameters follow ';'.
    return String(contentType || '').split(',')[0].split(';')[0].trim().toLowerCase();
  }

  /** A transport's answer as the value the promise settles with, like Tauri's ipc-protocol.js. */
  function decodeBody(contentType, body) {
    switch (mediaType(contentType)) {
      case 'application/json':
        return parseJson(typeof body === 'string' ? body : utf8Decoder.decode(body));
      case 'text/plain':
        return typeof body === 'string' ? body : utf8Decoder.decode(body);
      default:
        return copyToArrayBuffer(typeof body === 'string' ? utf8Encoder.encode(body) : body);
    }
  }

  // --- transports ---------------------------------------------------------------------------------
  function send(request, callback, error) {
    if (transportKind === 'function') return sendToFunction(request, callback, error);
    if (useFetch) return sendWithFetch(request, callback, error);
    return sendWithPostMessage(request, callback, error);
  }

  function sendToFunction(request, callback, error) {
    const message = createRecord();
    message.cmd = request.cmd;
    message.url = ipcUrl + '/' + encodeComponent(request.cmd);
    message.headers = protocolHeaders(request, callback, error);
    message.body = request.bytes ? new NativeUint8Array(request.bytes) : request.json;
    message.callback = callback;
    message.error = error;
    new NativePromise((resolve) => resolve(hostTransport(message))).then(
      (answer) => runCallback(answer.ok ? callback : error, decodeBody(answer.contentType, answer.body)),
      (failure) => runCallback(error, failure));
  }

  function sendWithFetch(request, callback, error) {
    const init = createRecord();
    init.method = 'POST';
    init.body = request.bytes || request.json;
    init.headers = protocolHeaders(request, callback, error);
    nativeFetch(ipcUrl + '/' + encodeComponent(request.cmd), init).then(
      (response) => {
        const answerId = response.headers.get('Tauri-Response') === 'ok' ? callback : error;
        const contentType = response.headers.get('Content-Type');
        const type = mediaType(contentType);
        const body = type === 'application/json' || type === 'text/plain' ? response.text() : response.arrayBuffer();
        return body.then((data) => runCallback(answerId, decodeBody(contentType, data)));
      },
      (failure) => {
        if (!hostPostMessage) {
          runCallback(error, failure);
          return;
        }
        warn('IPC custom protocol failed, Tauri will now use the postMessage interface instead', failure);
        useFetch = false;
        sendWithPostMessage(request, callback, error);
      })
      .catch((failure) => runCallback(error, failure));
  }

  function sendWithPostMessage(request, callback, error) {
    try {
      hostPostMessage(postMessageBody(request, callback, error));
    } catch (failure) {
      runCallback(error, failure);
    }
  }

  // --- invoke ---------------------------------------------------------------------------------
  function invoke(cmd, payload = {}, options) {
    return new NativePromise((resolve, reject) => {
      const signal = options && options.signal;
      if (signal && signal.aborted) {
        reject(signal.reason);
        return;
      }
      const request = encodeRequest(cmd, payload, options);
      const onAbort = () => {
        cancel(callback).catch((failure) => warn(`[ward] could not cancel ${request.cmd}`, failure));
      };
      const stopWatchingSignal = () => {
        if (signal) signal.removeEventListener('abort', onAbort);
      };
      const callback = transformCallback((value) => {
        unregisterCallback(error);
        stopWatchingSignal();
        // Recorded before the promise resolves: an event may arrive (and be unlistened by `once`)
        // before the page's continuation runs.
        if (request.cmd === 'plugin:event|listen' && payload && typeof payload.handler === 'number') {
          rememberListener(payload.event, value, payload.handler);
        }
        resolve(value);
      }, true);
      const error = transformCallback((reason) => {
        unregisterCallback(callback);
        stopWatchingSignal();
        reject(reason);
      }, true);
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
      send(request, callback, error);
    });
  }

  /** Asks ward to cancel the invoke whose Tauri-Callback id is `callbackId`; it then rejects. */
  function cancel(callbackId) {
    return invoke('plugin:ward|cancel', { callback: callbackId });
  }

  function convertFileSrc(filePath, protocol = defaultFileProtocol) {
    const path = encodeComponent(filePath);
    return windowsStyleUrls ? `http://${protocol}.localhost/${path}` : `${protocol}://localhost/${path}`;
  }

  // --- structured deliveries (ward::Delivery) ---------------------------------------------------
  function deliveryBody(delivery) {
    if (delivery.json !== undefined) return parseJson(delivery.json);
    if (delivery.bytes !== undefined) return copyToArrayBuffer(delivery.bytes);
    if (delivery.base64 !== undefined) return base64ToArrayBuffer(delivery.base64);
    throw new NativeTypeError('ward bridge: a delivery needs json, bytes or base64');
  }

  /**
   * {kind: 'reply'|'event'|'channel', callback, ok, json | bytes | base64, index, end}: the
   * backend's message as runCallback(callback, value). For a reply, `callback` is already the
   * Tauri-Callback id (ok) or the Tauri-Error id (rejected), as ward picks it.
   */
  function deliver(delivery) {
    switch (delivery.kind) {
      case 'reply':
      case 'event':
        runCallback(delivery.callback, deliveryBody(delivery));
        return;
      case 'channel': {
        runCallback(delivery.callback, delivery.end
          ? { index: delivery.index, end: true }
          : { index: delivery.index, message: deliveryBody(delivery) });
        return;
      }
      default:
        throw new NativeTypeError(`ward bridge: unknown delivery kind ${delivery.kind}`);
    }
  }

  // --- installation -------------------------------------------------------------------------------
  function defineConstant(target, name, value) {
    defineProperty(target, name, { value, writable: false, enumerable: false, configurable: false });
  }

  /** The labels @tauri-apps/api's getCurrentWindow()/getCurrentWebview() read; "main" by default. */
  function labels(metadata) {
    const currentWindow = (metadata && metadata.currentWindow) || {};
    const currentWebview = (metadata && metadata.currentWebview) || {};
    const windowLabel = String(currentWindow.label || 'main');
    return freeze({
      currentWindow: freeze({ label: windowLabel }),
      currentWebview: freeze({
        windowLabel: String(currentWebview.windowLabel || windowLabel),
        label: String(currentWebview.label || windowLabel),
      }),
    });
  }

  // Plugins add their own members here (the path plugin's separators are what @tauri-apps/api/path reads).
  const plugins = { path: { sep: '/', delimiter: ':' } };
  for (const name of objectKeys(config.plugins || {})) plugins[name] = config.plugins[name];

  const internals = {};
  defineConstant(internals, 'invoke', invoke);
  defineConstant(internals, 'transformCallback', transformCallback);
  defineConstant(internals, 'unregisterCallback', unregisterCallback);
  defineConstant(internals, 'runCallback', runCallback);
  defineConstant(internals, 'callbacks', callbacks);
  defineConstant(internals, 'convertFileSrc', convertFileSrc);
  defineConstant(internals, 'metadata', labels(config.metadata));
  defineConstant(internals, 'plugins', plugins);
  defineConstant(window, '__TAURI_INTERNALS__', internals);
  defineConstant(window, '__TAURI_EVENT_PLUGIN_INTERNALS__', freeze({ unregisterListener }));
  defineConstant(window, '__WARD__', freeze({ deliver, cancel }));
  defineConstant(window, 'isTauri', true);
})
