'use strict';

// The builder: limits, the log sink, commands and managed state, then build().

const native = require('./native');
const handles = require('./handles');
const { Status } = require('./status');
const { callbacks } = require('./callbacks');
const { App } = require('./app');
const { toText, span, lastError, check } = require('./convert');

const { koffi } = native;

// Builders dropped without build() are freed when collected. Only the pointer is held, so the
// registry never keeps a builder alive.
const builderFinalizer = new FinalizationRegistry((ptr) => native.load().builderFree(ptr));

const LIMIT_FIELDS = {
  maxBodyBytes: 'max_body_bytes',
  maxDepth: 'max_depth',
  maxStringBytes: 'max_string_bytes',
  maxArrayLength: 'max_array_length',
  maxObjectKeys: 'max_object_keys',
};

function encodeLimits(n, limits) {
  if (limits === undefined || limits === null) return null;
  const encoded = { struct_size: koffi.sizeof(n.types.limits) };
  for (const field of Object.values(LIMIT_FIELDS)) encoded[field] = 0;
  for (const [name, value] of Object.entries(limits)) {
    const field = LIMIT_FIELDS[name];
    if (!field) {
      throw new TypeError(`ward: unknown limit "${name}" (known: ${Object.keys(LIMIT_FIELDS).join(', ')})`);
    }
    const max = field === 'max_depth' ? 0xffffffffn : 0xffffffffffffffffn;
    const valid = (typeof value === 'number' && Number.isSafeInteger(value)) || typeof value === 'bigint';
    if (!valid || BigInt(value) < 0n || BigInt(value) > max) {
      throw new RangeError(`ward: limit ${name} must be an integer from 0 (default) to ${max}, got ${value}`);
    }
    encoded[field] = value;
  }
  return encoded;
}

/** Collects commands and state, then builds an App. Not reusable after build(). */
class AppBuilder {
  #n;
  #ptr;
  #log;
  /** state name -> handle key of its { value } (shared with the built app's handlers). */
  #states = new Map();

  /**
   * @param {{limits?: object, log?: (entry: object) => void}} [options]
   */
  constructor(options = {}) {
    const { limits, log } = options ?? {};
    if (log !== undefined && log !== null && typeof log !== 'function') {
      throw new TypeError('ward: options.log must be a function');
    }
    const n = native.load();
    const cb = callbacks(n);
    this.#n = n;
    this.#log = log ?? null;
    const encodedLimits = encodeLimits(n, limits);
    const sinkKey = this.#log ? handles.put({ fn: this.#log }) : null;
    const out = [null];
    const status = n.builderNew(
      {
        struct_size: koffi.sizeof(n.types.builderOptions),
        abi_version: native.EXPECTED_ABI_VERSION,
        limits: encodedLimits,
        log: sinkKey === null ? null : cb.log,
        log_user_data: sinkKey,
        log_free_user_data: sinkKey === null ? null : cb.freeUserData,
      },
      out,
    );
    if (status !== Status.OK) {
      const error = lastError(n, status);
      if (sinkKey !== null) handles.take(sinkKey);
      throw error;
    }
    this.#ptr = out[0];
    builderFinalizer.register(this, this.#ptr, this);
  }

  #live() {
    if (this.#ptr === null) throw new Error('ward: this AppBuilder was already built');
    return this.#ptr;
  }

  /**
   * Registers a command. `fn(args, ctx)` returns a JSON-serialisable value, raw bytes
   * (Buffer/Uint8Array), or a Promise of either; it rejects with `throw new CommandError(value)`.
   * @returns {this}
   */
  command(name, fn, options = {}) {
    const ptr = this.#live();
    if (typeof fn !== 'function') throw new TypeError('ward: a command handler must be a function');
    const n = this.#n;
    const cb = callbacks(n);
    const nameBytes = toText(name, 'command name');
    const required = (options && options.requiredState) ?? [];
    if (!Array.isArray(required)) throw new TypeError('ward: options.requiredState must be an array of names');
    const requiredBytes = required.map((stateName) => toText(stateName, 'state name'));
    const commandOptions =
      requiredBytes.length === 0
        ? null
        : {
            struct_size: koffi.sizeof(n.types.commandOptions),
            required_state: requiredBytes,
            required_state_lens: requiredBytes.map((bytes) => bytes.length),
            required_state_count: requiredBytes.length,
          };
    const key = handles.put({ name: String(name), fn, log: this.#log, states: this.#states });
    const status = n.builderCommand(ptr, ...span(nameBytes), commandOptions, cb.command, key, cb.freeUserData);
    if (status !== Status.OK) {
      const error = lastError(n, status);
      handles.take(key); // on failure ward does not call free_user_data
      throw error;
    }
    return this;
  }

  /**
   * Manages a JS value as state under `name`; handlers read it with ctx.state(name).
   * The value itself stays in JS (C holds only a handle), so mutate it as you like:
   * handlers run on the main thread.
   * @returns {this}
   */
  manage(name, value) {
    const ptr = this.#live();
    const n = this.#n;
    const cb = callbacks(n);
    const nameBytes = toText(name, 'state name');
    const key = handles.put({ value });
    const status = n.builderManage(ptr, ...span(nameBytes), key, cb.freeUserData);
    if (status !== Status.OK) {
      const error = lastError(n, status);
      handles.take(key); // on failure ward does not call free_state
      throw error;
    }
    this.#states.set(String(name), key);
    return this;
  }

  /** Builds the app. Consumes the builder whether it succeeds or throws. */
  build() {
    const ptr = this.#live();
    const n = this.#n;
    this.#ptr = null;
    builderFinalizer.unregister(this);
    const out = [null];
    check(n, n.builderBuild(ptr, out));
    return new App(n, out[0]);
  }
}

module.exports = { AppBuilder };
