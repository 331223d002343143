'use strict';

// Conversions between JS values and the (pointer, length) pairs of ward's C ABI.

const { koffi } = require('./native');
const { WardError } = require('./errors');
const { Status } = require('./status');

const EMPTY = Buffer.alloc(0);

function decodeString(ptr, len) {
  return ptr === null || len === 0 ? '' : koffi.decode.string(ptr, len);
}

/** Copies `len` bytes at `ptr` into a Buffer owned by JS. */
function decodeBytes(ptr, len) {
  if (ptr === null || len === 0) return Buffer.alloc(0);
  const bytes = koffi.decode(ptr, 'uint8_t', len);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Calls `fn(...args, &len)` for a ward accessor returning (pointer, length) and decodes it. */
function readString(fn, ...args) {
  const len = [0];
  const ptr = fn(...args, len);
  return decodeString(ptr, len[0]);
}

function readBytes(fn, ...args) {
  const len = [0];
  const ptr = fn(...args, len);
  return decodeBytes(ptr, len[0]);
}

/** A string or byte value as a Buffer (no copy for byte views). */
function toBytes(value, what) {
  if (value === undefined || value === null) return EMPTY;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  throw new TypeError(`ward: ${what} must be a string, Buffer or Uint8Array, got ${typeof value}`);
}

function toText(value, what) {
  if (value === undefined || value === null) return EMPTY;
  if (typeof value === 'string' || typeof value === 'number') return Buffer.from(String(value), 'utf8');
  throw new TypeError(`ward: ${what} must be a string, got ${typeof value}`);
}

/** (pointer, length) fields for a struct: ward reads a NULL pointer with length 0 as "". */
function span(bytes) {
  return bytes.length === 0 ? [null, 0] : [bytes, bytes.length];
}

function isBytes(value) {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

function isThenable(value) {
  return value !== null && (typeof value === 'object' || typeof value === 'function') &&
    typeof value.then === 'function';
}

/** The WardError for a failed call, read from the thread's last error right after the call. */
function lastError(n, status) {
  const message = readString(n.lastErrorMessage);
  return new WardError(status, message);
}

function check(n, status) {
  if (status !== Status.OK) throw lastError(n, status);
}

module.exports = {
  decodeString,
  decodeBytes,
  readString,
  readBytes,
  toBytes,
  toText,
  span,
  isBytes,
  isThenable,
  lastError,
  check,
};
