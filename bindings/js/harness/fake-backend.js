'use strict';
// A stand-in for ward in the bridge's own tests: it checks the invoke key, decodes requests the
// way ward does (command from the URL path, JSON or raw body), runs the event plugin, records what
// it received, and answers through the function transport and page deliveries.

const { createPage } = require('./page.js');

/** Thrown (or returned) by a command to reject the invoke with `value`. */
class Rejection {
  constructor(value) {
    this.value = value;
  }
}

/** Returned by a command to answer with raw bytes (application/octet-stream). */
class RawReply {
  constructor(bytes) {
    this.bytes = Uint8Array.from(bytes);
  }
}

function headerValue(headers, name) {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return headers[key];
  return undefined;
}

function jsonAnswer(ok, value) {
  return { ok, contentType: 'application/json', body: JSON.stringify(value) };
}

class FakeBackend {
  constructor({ invokeKey }) {
    this.invokeKey = invokeKey;
    this.commands = new Map();
    /** Every decoded request: {webview, cmd, args, bytes, headers, callback, error, url}. */
    this.requests = [];
    this.pages = new Map(); // webview label -> page
    this.listeners = new Map(); // listener id -> {event, target, handler, webview}
    this.inFlight = new Map(); // Tauri-Callback id -> settle(answer), while a command runs
    this.nextListenerId = 1;
    this.installPlugins();
  }

  command(name, handler) {
    this.commands.set(name, handler);
  }

  /** The function transport of the page in `webview`. */
  transport(webview) {
    return (request) => this.handle(webview, request);
  }

  /** A harness page in webview `label` (window of the same label), wired to this backend. */
  openPage(label = 'main', { console: pageConsole, globals } = {}) {
    const page = createPage({
      bridgeConfig: {
        invokeKey: this.invokeKey,
        metadata: { currentWindow: { label }, currentWebview: { windowLabel: label, label } },
      },
      transport: this.transport(label),
      console: pageConsole,
      globals,
    });
    this.pages.set(label, page);
    return page;
  }

  requestsFor(cmd) {
    return this.requests.filter((request) => request.cmd === cmd);
  }

  handle(webview, request) {
    const headers = request.headers;
    if (headerValue(headers, 'Tauri-Invoke-Key') !== this.invokeKey) {
      return Promise.resolve(jsonAnswer(false, 'invalid invoke key'));
    }
    const cmd = decodeURIComponent(new URL(request.url).pathname.slice(1));
    const raw = headerValue(headers, 'Content-Type') === 'application/octet-stream';
    const decoded = {
      webview,
      cmd,
      url: request.url,
      headers: { ...headers },
      callback: Number(headerValue(headers, 'Tauri-Callback')),
      error: Number(headerValue(headers, 'Tauri-Error')),
      args: raw ? {} : JSON.parse(request.body || '{}'),
      bytes: raw ? Uint8Array.from(request.body) : undefined,
    };
    this.requests.push(decoded);
    const handler = this.commands.get(cmd);
    if (!handler) return Promise.resolve(jsonAnswer(false, `Command ${cmd} not found`));
    return new Promise((settle) => {
      this.inFlight.set(decoded.callback, settle);
      Promise.resolve()
        .then(() => handler(decoded.args, decoded))
        .then((value) => settle(this.answerOf(value)), (failure) => settle(this.answerOf(failure)));
    }).finally(() => this.inFlight.delete(decoded.callback));
  }

  answerOf(value) {
    if (value instanceof Rejection) return jsonAnswer(false, value.value);
    if (value instanceof RawReply) return { ok: true, contentType: 'application/octet-stream', body: value.bytes };
    if (value instanceof Error) return jsonAnswer(false, 'internal error');
    return jsonAnswer(true, value === undefined ? null : value);
  }

  /** Answers an in-flight invoke from outside its handler (as ward does for a cancelled one). */
  answerInFlight(callback, answer) {
    const settle = this.inFlight.get(callback);
    if (!settle) return false;
    settle(answer);
    return true;
  }

  installPlugins() {
    this.command('plugin:event|listen', ({ event, target, handler }, request) => {
      const id = this.nextListenerId++;
      this.listeners.set(id, { event, target, handler, webview: request.webview });
      return id;
    });
    this.command('plugin:event|unlisten', ({ eventId }) => {
      this.listeners.delete(eventId);
      return null;
    });
    this.command('plugin:event|emit', ({ event, payload }) => {
      this.emit(event, payload);
      return null;
    });
    this.command('plugin:event|emit_to', ({ target, event, payload }) => {
      this.emitTo(target.label, event, payload);
      return null;
    });
    this.command('plugin:ward|cancel', ({ callback }) => {
      this.answerInFlight(callback, jsonAnswer(false, 'cancelled'));
      return null;
    });
  }

  /** Tauri's emit_to matching: Any hears everything; AnyLabel{l} and equal targets hear emits to l. */
  emitTo(targetLabel, event, payload) {
    for (const [id, listener] of this.listeners) {
      if (listener.event !== event) continue;
      const target = listener.target || { kind: 'Any' };
      const hears = targetLabel === undefined || target.kind === 'Any' || target.label === targetLabel;
      if (!hears) continue;
      this.pages.get(listener.webview).deliver({
        kind: 'event',
        callback: listener.handler,
        json: JSON.stringify({ event, id, payload }),
      });
    }
  }

  emit(event, payload) {
    this.emitTo(undefined, event, payload);
  }
}

module.exports = { FakeBackend, Rejection, RawReply };
