'use strict';

// Log entries for the host's sink: ward's own (through the log trampoline) and the binding's.

const { statusName } = require('./status');
const handles = require('./handles');
const { decodeString } = require('./convert');

const LogLevel = Object.freeze({ DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 });
const LOG_LEVEL_NAMES = ['debug', 'info', 'warn', 'error'];

/** The ward_log_fn of every builder with a sink; `key` is the handle of { fn }. */
function onLog(level, code, messagePtr, messageLen, detailPtr, detailLen, key) {
  const sink = handles.get(key);
  if (!sink) return;
  emit(sink.fn, {
    level: LOG_LEVEL_NAMES[level] ?? String(level),
    code,
    status: statusName(code),
    message: decodeString(messagePtr, Number(messageLen)),
    detail: decodeString(detailPtr, Number(detailLen)),
  });
}

/** Hands one entry to a host's sink (if any), never letting the sink's failure escape. */
function emit(logFn, entry) {
  if (!logFn) return;
  try {
    logFn(entry);
  } catch {
    // A failing log sink must not turn into a failed request.
  }
}

function reportBindingBug(err) {
  process.emitWarning(`ward: unexpected error in a native callback: ${err && err.stack ? err.stack : err}`);
}

module.exports = { LogLevel, onLog, emit, reportBindingBug };
