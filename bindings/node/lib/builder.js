'use strict';

// The builder: limits, the log sink, the access-control policy, commands and managed state,
// then build().

const native = require('./native');
const handles = require('./handles');
const { Status } = require('./status');
const { callbacks } = require('./callbacks');
const { App } = require('./app');
const { aclSource, capabilityName } = require('./acl');
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

/** Option fields of ward_executor_options / ward_delivery_options: JS name -> C field. */
const EXECUTOR_FIELDS = { workers: 'workers', queueCapacity: 'queue_capacity' };
const DELIVERY_FIELDS = { channelCapacity: 'channel_capacity', queueCapacity: 'queue_capacity' };
const UINT32_MAX = 0xffffffff;

function encodeUint32Options(fields, options, what) {
  if (options === null || typeof options !== 'object') throw new TypeError(`ward: ${what} must be an object`);
  const encoded = {};
  for (const field of Object.values(fields)) encoded[field] = 0;
  for (const [name, value] of Object.entries(options)) {
    const field = fields[name];
    if (!field) throw new TypeError(`ward: unknown ${what} field "${name}" (known: ${Object.keys(fields).join(', ')})`);
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
      throw new RangeError(`ward: ${what} ${name} must be an integer from 0 (default) to ${UINT32_MAX}, got ${value}`);
    }
    encoded[field] = value;
  }
  return encoded;
}

/**
 * State a builder shares with its app and its commands' handles:
 *  - handlerDepth: > 0 while a JS handler runs synchronously (shutting down then must wait);
 *  - shuttingDown / deferredAnswers: see Answer in command.js.
 */
function newLifecycle() {
  return { handlerDepth: 0, shuttingDown: false, deferredAnswers: [] };
}

/** Collects commands and state, then builds an App. Not reusable after build(). */
class AppBuilder {
  #n;
  #ptr;
  #log;
  /** state name -> handle key of its { value } (shared with the built app's handlers). */
  #states = new Map();
  #lifecycle = newLifecycle();
  /** Names of async commands: a synchronous app.invoke() of one could never be answered. */
  #asyncCommands = new Set();
  #deliveryFn = null;
  /** ward's delivery queue_capacity as set by the caller, or null (the binding's unbounded default). */
  #deliveryQueueCapacity = null;
  #deliveryOptions = {};

  /** How many capability / permission files were added, to name the ones the caller did not. */
  #capabilityCount = 0;
  #permissionsCount = 0;

  /**
   * @param {{limits?: object, log?: (entry: object) => void, audit?: (denial: object) => void,
   *   appOrigins?: string[], aclPlatform?: string, aclStrict?: boolean}} [options]
   */
  constructor(options = {}) {
    const { limits, log, audit, appOrigins, aclPlatform, aclStrict } = options ?? {};
    if (log !== undefined && log !== null && typeof log !== 'function') {
      throw new TypeError('ward: options.log must be a function');
    }
    if (audit !== undefined && audit !== null && typeof audit !== 'function') {
      throw new TypeError('ward: options.audit must be a function');
    }
    if (appOrigins !== undefined && appOrigins !== null && !Array.isArray(appOrigins)) {
      throw new TypeError('ward: options.appOrigins must be an array of origins ("scheme://host[:port]")');
    }
    if (aclPlatform !== undefined && aclPlatform !== null && typeof aclPlatform !== 'string') {
      throw new TypeError('ward: options.aclPlatform must be a string ("linux", "macos", "windows", "android", "ios")');
    }
    if (aclStrict !== undefined && aclStrict !== null && typeof aclStrict !== 'boolean') {
      throw new TypeError('ward: options.aclStrict must be a boolean');
    }
    const originBytes = (appOrigins ?? []).map((origin) => toText(origin, 'app origin'));
    const platformBytes = aclPlatform === undefined || aclPlatform === null ? null : toText(aclPlatform, 'aclPlatform');

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
    const ptr = out[0];
    try {
      if (appOrigins !== undefined && appOrigins !== null) {
        const lengths = originBytes.map((bytes) => bytes.length);
        check(n, n.builderSetAppOrigins(ptr, originBytes, lengths, originBytes.length));
      }
      if (platformBytes !== null) check(n, n.builderSetAclPlatform(ptr, ...span(platformBytes)));
      if (aclStrict !== undefined && aclStrict !== null) check(n, n.builderSetAclStrict(ptr, aclStrict ? 1 : 0));
      if (audit) {
        const auditKey = handles.put({ fn: audit, log: this.#log });
        const auditStatus = n.builderSetAudit(ptr, cb.audit, auditKey, cb.freeUserData);
        if (auditStatus !== Status.OK) {
          const error = lastError(n, auditStatus);
          handles.take(auditKey); // on failure ward does not call free_user_data
          throw error;
        }
      }
    } catch (err) {
      n.builderFree(ptr); // releases the log sink's handle through free_user_data
      throw err;
    }
    this.#ptr = ptr;
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
    return this.#register('builderCommand', name, fn, options);
  }

  /**
   * Registers an async command: ward dispatches it on its executor (see executor()), so a full
   * executor queue answers WARD_ERR_BUSY at once, and the invoke is cancellable (ctx.signal).
   * The handler itself runs on the main thread's event loop like any other: ward's executor
   * thread hands the invoke to it. Invoke it with invokeAsync(), post() or a page.
   * @returns {this}
   */
  asyncCommand(name, fn, options = {}) {
    this.#register('builderAsyncCommand', name, fn, options);
    this.#asyncCommands.add(String(name));
    return this;
  }

  #register(register, name, fn, options) {
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
    const key = handles.put({ name: String(name), fn, log: this.#log, states: this.#states, lifecycle: this.#lifecycle });
    const status = n[register](ptr, ...span(nameBytes), commandOptions, cb.command, key, cb.freeUserData);
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

  /**
   * Adds a capability (Tauri v2 capability file): its text (JSON or TOML) or the parsed JSON
   * object. Nothing is granted without one: every command is denied by default. Problems in
   * the file are reported by build(), naming `options.name`.
   * @param {string|Uint8Array|object} capability
   * @param {{name?: string, format?: 'json'|'toml'}} [options]
   * @returns {this}
   */
  capability(capability, options = {}) {
    const ptr = this.#live();
    const n = this.#n;
    this.#capabilityCount += 1;
    const count = this.#capabilityCount;
    const source = aclSource(capability, options, 'capability', (format, object) =>
      capabilityName(format, object, `capability #${count}`),
    );
    check(n, n.builderAddCapability(ptr, ...span(source.name), ...span(source.text), source.format));
    return this;
  }

  /**
   * Adds a permission manifest (Tauri v2 permission file) of `plugin` ("fs"), or of the app
   * itself when `plugin` is '' or null.
   * @param {string|null} plugin
   * @param {string|Uint8Array|object} manifest
   * @param {{name?: string, format?: 'json'|'toml'}} [options]
   * @returns {this}
   */
  permissions(plugin, manifest, options = {}) {
    const ptr = this.#live();
    const n = this.#n;
    const pluginBytes = toText(plugin, 'plugin name');
    this.#permissionsCount += 1;
    const count = this.#permissionsCount;
    const owner = pluginBytes.length === 0 ? 'app' : pluginBytes.toString('utf8');
    const source = aclSource(manifest, options, 'permission manifest', (format) =>
      `${owner} permissions #${count}.${format}`,
    );
    check(
      n,
      n.builderAddPermissions(ptr, ...span(pluginBytes), ...span(source.name), ...span(source.text), source.format),
    );
    return this;
  }

  /**
   * Loads an app's ACL files as Tauri lays them out: DIR/capabilities/*.{json,toml} and
   * DIR/permissions/<plugin>/ (the app's own under permissions/app/). Throws at once if the
   * directory or a file cannot be read; their contents are checked by build().
   * @returns {this}
   */
  loadAclDirectory(directory) {
    const ptr = this.#live();
    const n = this.#n;
    if (typeof directory !== 'string' || directory.length === 0) {
      throw new TypeError('ward: loadAclDirectory() needs a directory path');
    }
    check(n, n.builderLoadAclDirectory(ptr, ...span(Buffer.from(directory, 'utf8'))));
    return this;
  }

  /**
   * The executor of async commands: `workers` threads [2] and `queueCapacity` invokes waiting
   * for one [1024], beyond which an invoke is answered BUSY at once. 0 or absent: the default.
   * @returns {this}
   */
  executor(options) {
    const ptr = this.#live();
    const n = this.#n;
    const encoded = encodeUint32Options(EXECUTOR_FIELDS, options, 'executor option');
    check(n, n.builderSetExecutor(ptr, { struct_size: koffi.sizeof(n.types.executorOptions), ...encoded }));
    return this;
  }

  /**
   * Sets the delivery callback: `fn(webview, delivery)` receives everything ward sends to pages
   * (replies to posted requests, events, channel messages) with the label of the webview it is
   * for, one at a time and in order, on the main thread. Replaces an earlier one.
   * `options` as deliveryOptions().
   * @returns {this}
   */
  delivery(fn, options) {
    const ptr = this.#live();
    if (typeof fn !== 'function') throw new TypeError('ward: a delivery callback must be a function');
    const n = this.#n;
    const cb = callbacks(n);
    if (options !== undefined && options !== null) this.deliveryOptions(options);
    const key = handles.put({ fn, log: this.#log });
    const status = n.builderSetDelivery(ptr, cb.delivery, key, cb.freeUserData);
    if (status !== Status.OK) {
      const error = lastError(n, status);
      handles.take(key); // on failure ward does not call free_user_data
      throw error;
    }
    this.#deliveryFn = fn;
    return this;
  }

  /**
   * Bounds on queued deliveries: `channelCapacity` messages one channel may have queued [1024]
   * (then channel.send() waits for room and trySend() returns false), and `queueCapacity`
   * deliveries queued in all. ward's default for the latter is 65536, beyond which emits and
   * replies wait for room; this binding makes it unbounded unless you set it, because its
   * delivery callback runs on the main thread, which must never wait for its own event loop
   * (with a bound, emits from JS go through a worker thread; see README.md, "Threads").
   * @returns {this}
   */
  deliveryOptions(options) {
    this.#live();
    const encoded = encodeUint32Options(DELIVERY_FIELDS, options, 'delivery option');
    this.#deliveryOptions = { ...this.#deliveryOptions, ...encoded };
    if (options.queueCapacity !== undefined) {
      this.#deliveryQueueCapacity = options.queueCapacity === 0 ? null : options.queueCapacity;
    }
    return this;
  }

  /** Builds the app. Consumes the builder whether it succeeds or throws. */
  build() {
    const ptr = this.#live();
    const n = this.#n;
    this.#ptr = null;
    builderFinalizer.unregister(this);
    try {
      check(
        n,
        n.builderSetDeliveryOptions(ptr, {
          struct_size: koffi.sizeof(n.types.deliveryOptions),
          channel_capacity: this.#deliveryOptions.channel_capacity ?? 0,
          queue_capacity: this.#deliveryQueueCapacity ?? UINT32_MAX,
        }),
      );
    } catch (err) {
      n.builderFree(ptr);
      throw err;
    }
    const out = [null];
    check(n, n.builderBuild(ptr, out));
    return new App(n, out[0], {
      lifecycle: this.#lifecycle,
      asyncCommands: this.#asyncCommands,
      deliveryFn: this.#deliveryFn,
      boundedDeliveryQueue: this.#deliveryQueueCapacity !== null,
      log: this.#log,
    });
  }
}

module.exports = { AppBuilder };
