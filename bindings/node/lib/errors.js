'use strict';

const { statusName } = require('./status');

/** A failed call into the ward C library (or a misuse the binding detected before making one). */
class WardError extends Error {
  /**
   * @param {number} code a Status value
   * @param {string} message
   */
  constructor(code, message) {
    super(message || statusName(code));
    this.name = 'WardError';
    /** The numeric Status value (compare with `Status.X`). */
    this.code = code;
    /** The lower_snake_case status name ("duplicate_command"). */
    this.status = statusName(code);
  }
}

/**
 * Thrown (or used to reject a Promise) by a command handler to reject the invoke with
 * its own error value: the page's promise rejects with exactly `value` (sent as JSON).
 * Any other exception becomes an internal error whose details only reach the log sink.
 */
class CommandError extends Error {
  /** @param {unknown} value the rejection value, must be JSON-serialisable */
  constructor(value) {
    super(typeof value === 'string' ? value : 'command rejected');
    this.name = 'CommandError';
    this.value = value;
  }
}

module.exports = { WardError, CommandError };
