'use strict';

// Deliveries: what ward sends to pages (replies to posted requests, events, channel messages),
// copied out of ward's borrowed struct for the host's delivery callback.

const { koffi } = require('./native');
const handles = require('./handles');
const { Status, statusName } = require('./status');
const { emit } = require('./log');
const { decodeString, decodeBytes, toBytes, span, check } = require('./convert');

/** `enum ward_delivery_kind`. */
const DELIVERY_KINDS = ['reply', 'event', 'channel'];
const KIND_VALUES = Object.freeze({ reply: 0, event: 1, channel: 2 });

/**
 * One delivery to a page. For a Tauri page it means
 * `window.__TAURI_INTERNALS__.runCallback(callback, value)` where value is
 *  - reply:   the body (the result if ok, else the rejection value);
 *  - event:   the body, {"event":name,"id":listener id,"payload":payload};
 *  - channel: {"index":index,"message":body} (a raw body is an ArrayBuffer), or
 *             {"index":index,"end":true} when `end`.
 */
class Delivery {
  /** @internal */
  constructor(fields) {
    /** 'reply', 'event' or 'channel'. */
    this.kind = fields.kind;
    /** The page callback id to run. */
    this.callback = fields.callback;
    /** reply: resolved (true) or rejected. */
    this.ok = fields.ok;
    /** True if body holds raw bytes (a Buffer), false if JSON text (a string). */
    this.raw = fields.raw;
    /** JSON text or raw bytes; '' for a channel's end. */
    this.body = fields.body;
    /** channel: the message index (0, 1, 2, ...). */
    this.index = fields.index;
    /** channel: true for the end message. */
    this.end = fields.end;
  }

  /** The body parsed as JSON (raw bodies are returned as the Buffer itself). */
  json() {
    if (this.raw) return this.body;
    return this.body === '' ? null : JSON.parse(this.body);
  }

  /**
   * What a page's runCallback receives as its value: the body for replies and events, the
   * {index, message} / {index, end} object for channels (raw bytes as an ArrayBuffer).
   */
  value() {
    if (this.kind !== 'channel') return this.raw ? toArrayBuffer(this.body) : this.json();
    if (this.end) return { index: this.index, end: true };
    return { index: this.index, message: this.raw ? toArrayBuffer(this.body) : this.json() };
  }

  /** The script a Tauri page expects for this delivery (ward_delivery_render_script). */
  renderScript() {
    const n = require('./native').load();
    const body = this.raw ? toBytes(this.body, 'delivery body') : Buffer.from(this.body ?? '', 'utf8');
    const [bodyPtr, bodyLen] = span(body);
    const out = [null];
    const len = [0];
    check(
      n,
      n.deliveryRenderScript(
        {
          struct_size: koffi.sizeof(n.types.delivery),
          kind: KIND_VALUES[this.kind],
          callback: this.callback,
          ok: this.ok ? 1 : 0,
          raw: this.raw ? 1 : 0,
          body: bodyPtr,
          body_len: bodyLen,
          index: this.index,
          end: this.end ? 1 : 0,
        },
        out,
        len,
      ),
    );
    try {
      return decodeString(out[0], Number(len[0]));
    } finally {
      n.stringFree(out[0]);
    }
  }
}

function toArrayBuffer(bytes) {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

function decodeDelivery(n, ptr) {
  const raw = koffi.decode(ptr, n.types.delivery);
  const isRaw = raw.raw !== 0;
  const bodyLen = Number(raw.body_len);
  return new Delivery({
    kind: DELIVERY_KINDS[raw.kind] ?? `unknown(${raw.kind})`,
    callback: raw.callback,
    ok: raw.ok !== 0,
    raw: isRaw,
    body: isRaw ? decodeBytes(raw.body, bodyLen) : decodeString(raw.body, bodyLen),
    index: Number(raw.index),
    end: raw.end !== 0,
  });
}

/**
 * The ward_delivery_fn of every app with a delivery callback; `key` is the handle of
 * { fn, log }. ward calls it on its delivery thread, one call at a time; koffi relays each call
 * to the main thread's event loop and the delivery thread waits until it returned, so the
 * host's callback sees deliveries one at a time, in order, and a slow callback pushes back on
 * senders.
 */
function onDelivery(webviewPtr, webviewLen, deliveryPtr, key) {
  const sink = handles.get(key);
  if (!sink) return;
  try {
    const n = require('./native').load();
    const webview = decodeString(webviewPtr, Number(webviewLen));
    sink.fn(webview, decodeDelivery(n, deliveryPtr));
  } catch (err) {
    emit(sink.log, {
      level: 'error',
      code: Status.INTERNAL,
      status: statusName(Status.INTERNAL),
      message: 'the delivery callback threw (the delivery is lost)',
      detail: err && err.stack ? String(err.stack) : String(err),
    });
  }
}

module.exports = { Delivery, onDelivery, DELIVERY_KINDS };
