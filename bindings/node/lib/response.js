'use strict';

// Responses: copying ward's into JS, and the promises of asynchronous invokes.

const native = require('./native');
const handles = require('./handles');
const { Status, statusName } = require('./status');
const { WardError } = require('./errors');
const { readBytes } = require('./convert');
const { reportBindingBug } = require('./log');

/** The answer to one request. */
class Response {
  constructor(fields) {
    /** True for a successful response. */
    this.ok = fields.ok;
    /** Status.OK or the error status. */
    this.code = fields.code;
    /** The lower_snake_case status name ("ok", "unknown_command", ...). */
    this.status = statusName(fields.code);
    /** "application/json" or "application/octet-stream". */
    this.contentType = fields.contentType;
    /** True if body holds raw bytes instead of JSON. */
    this.isRaw = fields.isRaw;
    /** JSON text of the value or of the rejection value, or raw bytes. */
    this.body = fields.body;
    /** Tauri-Callback / Tauri-Error ids of the request (0 if absent). */
    this.callbackId = fields.callbackId;
    this.errorId = fields.errorId;
  }

  /** The body as text. */
  text() {
    return this.body.toString('utf8');
  }

  /** The body parsed as JSON (the value, or the rejection value). */
  json() {
    return JSON.parse(this.text());
  }
}

/** Copies a ward_response into a Response and frees it. */
function takeResponse(n, ptr) {
  try {
    return new Response({
      ok: n.responseIsOk(ptr) === 1,
      code: n.responseCode(ptr),
      isRaw: n.responseIsRaw(ptr) === 1,
      contentType: n.responseContentType(ptr), // static and NUL-terminated per ward.h
      body: readBytes(n.responseBody, ptr),
      callbackId: n.responseCallbackId(ptr),
      errorId: n.responseErrorId(ptr),
    });
  } finally {
    n.responseFree(ptr);
  }
}

/** The ward_response_fn of every invokeAsync; `key` is the handle of its PendingInvoke. */
function onResponse(responsePtr, key) {
  try {
    const pending = handles.get(key);
    const n = native.load();
    if (!pending) {
      n.responseFree(responsePtr);
      return;
    }
    let response;
    try {
      response = takeResponse(n, responsePtr);
    } catch (err) {
      pending.settle(null, err);
      return;
    }
    pending.settle(response, null);
  } catch (err) {
    reportBindingBug(err);
  }
}

/**
 * One invokeAsync waiting for ward's done callback; lives in the handle table meanwhile.
 * It holds no event-loop handle: ward calls `done` on the thread that answers, which in this
 * binding is always the main thread (handlers answer from JS), inside that answering call. So
 * whatever keeps the handler's own work alive (a timer, a socket) keeps the invoke alive, and a
 * handler whose Promise never settles does not keep the process from exiting.
 */
class PendingInvoke {
  constructor() {
    this.settled = false;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  settle(response, error) {
    if (this.settled) return;
    this.settled = true;
    if (error) this.reject(error);
    else this.resolve(response);
  }

  /** free_user_data: ward let go; if it never answered, say so instead of hanging forever. */
  release() {
    this.settle(null, new WardError(Status.CANCELLED, 'ward dropped the invoke without a response (app closed?)'));
  }
}

module.exports = { Response, takeResponse, onResponse, PendingInvoke };
