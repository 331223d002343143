'use strict';

// The native callbacks. Five trampolines are registered once per process and shared by every
// builder, command, state, audit sink and invoke: C gets a handle key (lib/handles.js) as
// user_data, and the free_* callback drops the handle when C lets go of it. A fixed set of
// registrations means no koffi slot is ever leaked and the 8192-slot limit cannot be reached
// however many commands or concurrent invokes exist; it also avoids unregistering a trampoline
// that C might still call (e.g. free_user_data running from inside the done callback). They are
// never unregistered: C may call them until the last app is freed, i.e. until exit.

const { koffi } = require('./native');
const handles = require('./handles');
const { onLog, reportBindingBug } = require('./log');
const { onCommand } = require('./command');
const { onResponse } = require('./response');
const { onAudit } = require('./acl');

let trampolines;

function callbacks(n) {
  if (trampolines) return trampolines;
  const t = n.types;
  trampolines = {
    freeUserData: koffi.register(onFreeUserData, koffi.pointer(t.freeFn)),
    log: koffi.register(onLog, koffi.pointer(t.logFn)),
    command: koffi.register(onCommand, koffi.pointer(t.commandFn)),
    response: koffi.register(onResponse, koffi.pointer(t.responseFn)),
    audit: koffi.register(onAudit, koffi.pointer(t.auditFn)),
  };
  return trampolines;
}

// Each callback catches everything: an exception escaping a koffi callback would unwind
// through nothing in C, but resurface from whatever JS call into ward is on the stack.

/** free_user_data / free_state: C no longer needs the handle. */
function onFreeUserData(key) {
  try {
    const value = handles.take(key);
    if (value && typeof value.release === 'function') value.release();
  } catch (err) {
    reportBindingBug(err);
  }
}

module.exports = { callbacks };
