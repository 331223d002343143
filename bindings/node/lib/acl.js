'use strict';

// Access control: capability and permission files as ward takes them, the audit trampoline,
// and the JSON documents ward hands out (explain, resolved policy).

const handles = require('./handles');
const { Status, statusName } = require('./status');
const { emit } = require('./log');
const { decodeString, toBytes, check } = require('./convert');

/** `enum ward_acl_format` of ward.h. */
const AclFormat = Object.freeze({ toml: 0, json: 1 });

function formatFromName(name) {
  const match = /\.(json|toml)$/i.exec(name ?? '');
  return match ? match[1].toLowerCase() : null;
}

/** Text that opens with `{` is JSON (a TOML document cannot), anything else TOML. */
function formatFromText(text) {
  return /^\uFEFF?\s*\{/.test(text) ? 'json' : 'toml';
}

/**
 * A capability or permission file for ward: { name, text, format } as bytes and the C enum.
 * `value` is the file's text (string or bytes) or, for JSON, the parsed object. The format is
 * `options.format`, else the extension of `options.name`, else guessed from the text (objects
 * are JSON). `defaultName(format, value)` names files the caller did not name: the name is
 * what ward's error messages quote.
 */
function aclSource(value, options, what, defaultName) {
  const { name, format } = options ?? {};
  if (name !== undefined && name !== null && typeof name !== 'string') {
    throw new TypeError(`ward: the ${what}'s options.name must be a string`);
  }
  if (format !== undefined && format !== null && !Object.hasOwn(AclFormat, format)) {
    throw new TypeError(`ward: the ${what}'s options.format must be 'json' or 'toml', got ${JSON.stringify(format)}`);
  }
  const isText = typeof value === 'string' || ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
  if (!isText && (value === null || typeof value !== 'object')) {
    throw new TypeError(`ward: a ${what} must be its file's text (string or bytes) or a JSON object`);
  }
  let text;
  let chosen;
  if (isText) {
    text = toBytes(value, what);
    chosen = format ?? formatFromName(name) ?? formatFromText(text.toString('utf8'));
  } else {
    if (format === 'toml') throw new TypeError(`ward: a ${what} given as an object is JSON, not TOML`);
    text = Buffer.from(JSON.stringify(value), 'utf8');
    chosen = 'json';
  }
  const fileName = name ?? defaultName(chosen, isText ? null : value);
  return { name: Buffer.from(fileName, 'utf8'), text, format: AclFormat[chosen] };
}

/** A capability nobody named: by its identifier, as Tauri names its files, else `placeholder`. */
function capabilityName(format, object, placeholder) {
  const identifier = object && typeof object.identifier === 'string' ? object.identifier : null;
  return `${identifier ?? placeholder}.${format}`;
}

/**
 * Calls a ward function that hands out a JSON document it allocated (`..., char **out_json,
 * size_t *out_len`), parses it and frees ward's copy.
 */
function takeJson(n, fn, ...args) {
  const out = [null];
  const len = [0];
  check(n, fn(...args, out, len));
  try {
    return JSON.parse(decodeString(out[0], len[0]));
  } finally {
    n.stringFree(out[0]);
  }
}

/**
 * The ward_audit_fn of every builder with an audit callback; `key` is the handle of { fn, log }.
 * ward calls it on the invoking thread (here always the main thread) before it answers the
 * denial, so the callback sees denials in order.
 */
function onAudit(commandPtr, commandLen, windowPtr, windowLen, webviewPtr, webviewLen, originPtr, originLen,
  invokeId, key) {
  const sink = handles.get(key);
  if (!sink) return;
  try {
    sink.fn({
      command: decodeString(commandPtr, Number(commandLen)),
      window: decodeString(windowPtr, Number(windowLen)),
      webview: decodeString(webviewPtr, Number(webviewLen)),
      origin: decodeString(originPtr, Number(originLen)),
      invokeId: Number(invokeId),
    });
  } catch (err) {
    // The denial stands whatever the callback does; its failure is the host's to see.
    emit(sink.log, {
      level: 'error',
      code: Status.INTERNAL,
      status: statusName(Status.INTERNAL),
      message: 'the audit callback threw',
      detail: err && err.stack ? String(err.stack) : String(err),
    });
  }
}

module.exports = { AclFormat, aclSource, capabilityName, takeJson, onAudit };
