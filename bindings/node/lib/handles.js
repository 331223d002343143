'use strict';

// C keeps `void *user_data` pointers for command handlers, managed state, log sinks and
// pending async invokes. JS objects cannot be handed to C, so each one lives in this table
// and C gets its small integer key (as a pointer-sized BigInt). The matching free_* callback
// removes the entry, which is what releases the JS object to the garbage collector.

const table = new Map();
let nextKey = 1n;

/** Stores a value and returns the key to give to C as `void *user_data` (never 0/NULL). */
function put(value) {
  const key = nextKey;
  nextKey += 1n;
  table.set(key, value);
  return key;
}

/** The value stored under a key C handed back (a BigInt, or null for NULL). */
function get(key) {
  return key === null ? undefined : table.get(BigInt(key));
}

/** Removes a key; returns the value it held (undefined if none). */
function take(key) {
  if (key === null) return undefined;
  const k = BigInt(key);
  const value = table.get(k);
  table.delete(k);
  return value;
}

/** How many values C currently keeps alive (for leak tests). */
function liveCount() {
  return table.size;
}

module.exports = { put, get, take, liveCount };
