'use strict';

// The native callbacks. A fixed set of trampolines is registered once per process and shared by
// every builder, command, state, audit sink, invoke, delivery sink, listener and cancel watch: C gets a handle key (lib/handles.js) as
// user_data, and the free_* callback drops the handle when C lets go of it. A fixed set of
// registrations means no koffi slot is ever leaked and the 8192-slot limit cannot be reached
// however many commands or concurrent invokes exist; it also avoids unregistering a trampoline
// that C might still call (e.g. free_user_data running from inside the done callback). They are
// never unregistered: C may call them until the last app is freed, i.e. until exit.

const { koffi } = require('./native');
const handles = require('./handles');
const { onLog, reportBindingBug } = require('./log');
const { onCommand, onCancel } = require('./command');
const { onResponse } = require('./response');
const { onAudit } = require('./acl');
const { onDelivery } = require('./delivery');
const { onEvent, onEventFilter } = require('./events');

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
    delivery: koffi.register(onDelivery, koffi.pointer(t.deliveryFn)),
    event: koffi.register(onEvent, koffi.pointer(t.eventFn)),
    eventFilter: koffi.register(onEventFilter, koffi.pointer(t.eventFilterFn)),
    cancel: koffi.register(onCancel, koffi.pointer(t.cancelFn)),
  };
  return trampolines;
}

// Each callback catches everything: an exception escaping a koffi callback would unwind
// through nothing in C, but resurface from whatever JS call into ward is on the stack.
//
// ward calls some of them on its own threads (async command handlers on executor threads,
// deliveries on its delivery thread, and anything during a shutdown, which this binding runs on
// a worker thread). koffi then relays the call to the main thread's event loop and the calling
// thread waits for it; see README.md, "Threads", for why the main thread never waits for them.

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
