'use strict';

// Mirrors `enum ward_status` in capi/include/ward.h. The values are part of the
// stable ABI, so they are spelled out here instead of being queried at runtime:
// that keeps `Status` usable before (and without) loading the native library.
const Status = Object.freeze({
  OK: 0,
  INVALID_ARGUMENT: 1,
  ABI_MISMATCH: 2,
  UNKNOWN_COMMAND: 3,
  INVALID_ARGS: 4,
  INVALID_REQUEST: 5,
  INVALID_INVOKE_KEY: 6,
  LIMIT_EXCEEDED: 7,
  COMMAND_REJECTED: 8,
  INTERNAL: 9,
  DUPLICATE_COMMAND: 10,
  STATE_NOT_MANAGED: 11,
  STATE_ALREADY_MANAGED: 12,
  INVALID_NAME: 13,
  ALREADY_ANSWERED: 14,
  NOT_ALLOWED: 15,
  CANCELLED: 16,
  BUSY: 17,
  OUT_OF_MEMORY: 18,
  CLOSED: 19,
});

const namesByCode = new Map(Object.entries(Status).map(([name, code]) => [code, name.toLowerCase()]));

/** The lower_snake_case name of a status, as ward_status_name() spells it ("unknown_command"). */
function statusName(code) {
  return namesByCode.get(code) ?? `unknown_status_${code}`;
}

module.exports = { Status, statusName };
