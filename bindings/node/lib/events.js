'use strict';

// Events: Tauri's targets as ward's C struct, and the trampolines of backend listeners and of
// emitFilter's filter.

const { koffi } = require('./native');
const handles = require('./handles');
const { Status, statusName } = require('./status');
const { emit } = require('./log');
const { decodeString, toText, span } = require('./convert');

/** `enum ward_event_target_kind`, under the names @tauri-apps/api gives EventTarget kinds. */
const TargetKind = Object.freeze({ Any: 0, AnyLabel: 1, App: 2, Window: 3, Webview: 4, WebviewWindow: 5 });
const KIND_NAMES = Object.keys(TargetKind);
const LABELLED = new Set(['AnyLabel', 'Window', 'Webview', 'WebviewWindow']);

/**
 * A target as { kind, label? } (Tauri's EventTarget), from what a caller wrote: a string is a
 * label (AnyLabel, as Tauri's emitTo(string)), an object names its kind.
 */
function normalizeTarget(target, what = 'target') {
  if (typeof target === 'string') return { kind: 'AnyLabel', label: target };
  if (target === null || typeof target !== 'object' || !Object.hasOwn(TargetKind, target.kind)) {
    throw new TypeError(
      `ward: an event ${what} is a label or { kind, label? } with kind one of ${KIND_NAMES.join(', ')}`,
    );
  }
  if (LABELLED.has(target.kind)) {
    if (typeof target.label !== 'string' || target.label === '') {
      throw new TypeError(`ward: an event ${what} of kind ${target.kind} needs a label`);
    }
    return { kind: target.kind, label: target.label };
  }
  return { kind: target.kind };
}

/** The ward_event_target struct of a normalized target (label bytes kept alive by the caller's reference). */
function encodeTarget(n, target) {
  const [label, labelLen] = span(toText(target.label, 'target label'));
  return { struct_size: koffi.sizeof(n.types.eventTarget), kind: TargetKind[target.kind], label, label_len: labelLen };
}

function decodeTarget(n, ptr) {
  const raw = koffi.decode(ptr, n.types.eventTarget);
  const kind = KIND_NAMES[raw.kind] ?? `Unknown${raw.kind}`;
  const target = { kind };
  if (LABELLED.has(kind)) target.label = decodeString(raw.label, Number(raw.label_len));
  return target;
}

/**
 * An event name as ward checks it (1..256 bytes of letters, digits and - / : _), checked here
 * too for calls that run on a worker thread, where ward's own message cannot be read.
 */
function checkEventName(name) {
  if (typeof name !== 'string') throw new TypeError('ward: an event name must be a string');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > 256 || !/^[\p{L}\p{N}\-/:_]+$/u.test(name)) {
    const { WardError } = require('./errors');
    throw new WardError(
      Status.INVALID_NAME,
      `invalid event name ${JSON.stringify(name)}: use 1..256 bytes of letters, digits and - / : _`,
    );
  }
  return Buffer.from(name, 'utf8');
}

function encodePayload(payload) {
  const json = JSON.stringify(payload);
  return Buffer.from(json === undefined ? 'null' : json, 'utf8');
}

function reportListenerError(log, what, err) {
  emit(log, {
    level: 'error',
    code: Status.INTERNAL,
    status: statusName(Status.INTERNAL),
    message: what,
    detail: err && err.stack ? String(err.stack) : String(err),
  });
}

/**
 * The ward_event_fn of every backend listener; `key` is the handle of { fn, log }. ward calls
 * it on the emitting thread: the main thread for the binding's own emits and the page's
 * (plugin:event|emit), else koffi relays it there.
 */
function onEvent(eventPtr, key) {
  const listener = handles.get(key);
  if (!listener) return;
  try {
    const n = require('./native').load();
    const raw = koffi.decode(eventPtr, n.types.event);
    const payloadText = decodeString(raw.payload_json, Number(raw.payload_len));
    listener.fn({
      event: decodeString(raw.name, Number(raw.name_len)),
      id: Number(raw.listener),
      payload: payloadText === '' ? null : JSON.parse(payloadText),
    });
  } catch (err) {
    reportListenerError(listener.log, 'an event listener threw', err);
  }
}

/** The ward_event_filter_fn of emitFilter; `key` is the handle of { fn, log }. */
function onEventFilter(targetPtr, key) {
  const filter = handles.get(key);
  if (!filter) return 0;
  try {
    const n = require('./native').load();
    return filter.fn(decodeTarget(n, targetPtr)) ? 1 : 0;
  } catch (err) {
    reportListenerError(filter.log, 'an emitFilter filter threw (the target was skipped)', err);
    return 0;
  }
}

module.exports = {
  TargetKind,
  normalizeTarget,
  encodeTarget,
  checkEventName,
  encodePayload,
  onEvent,
  onEventFilter,
};
