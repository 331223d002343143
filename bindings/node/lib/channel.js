'use strict';

// A channel to a page (@tauri-apps/api's `Channel`), as a handler gets it from ctx.channel().
//
// ward bounds each channel: at most `channelCapacity` messages wait for the delivery callback.
// The delivery callback of this binding runs on the main thread (koffi relays it there), so the
// main thread must never wait for room itself: it would wait for its own event loop. Hence
// trySend never waits, and send() tries without waiting first and, when the channel is full,
// waits for room on a koffi worker thread (an asynchronous call) while the event loop goes on
// delivering. Messages of one channel keep their order: once one waits, later ones queue
// behind it in JS.

const { Status } = require('./status');
const { WardError } = require('./errors');
const { toBytes, lastError } = require('./convert');

/** How long send() waits for room by default (ward's C++ Channel::default_timeout). */
const DEFAULT_TIMEOUT_MS = 5000;
const WAIT_FOREVER = 0xffffffffffffffffn;

// Channels dropped without close() are released when collected: ward then sends the end message.
const channelFinalizer = new FinalizationRegistry(({ n, ptr }) => n.channelFree(ptr));

function timeoutOf(options) {
  const timeout = options && options.timeout !== undefined ? options.timeout : DEFAULT_TIMEOUT_MS;
  if (timeout === Infinity) return Infinity;
  if (typeof timeout !== 'number' || !(timeout >= 0) || !Number.isFinite(timeout)) {
    throw new RangeError(`ward: a send timeout is a number of milliseconds >= 0 or Infinity, got ${timeout}`);
  }
  return Math.ceil(timeout);
}

function encodeJson(value) {
  const json = JSON.stringify(value);
  return Buffer.from(json === undefined ? 'null' : json, 'utf8');
}

/** A stream of messages to one page. */
class Channel {
  #n;
  #ptr;
  #id;
  /** Messages waiting (in order) for room: { raw, bytes, deadline, resolve, reject }. */
  #waiting = [];
  /** True while a send waits for room on a worker thread. */
  #waitingOnWorker = false;
  #closing = false;
  #released = false;
  #closed = null;

  /** @internal use ctx.channel(key) */
  constructor(n, ptr) {
    this.#n = n;
    this.#ptr = ptr;
    this.#id = n.channelId(ptr);
    channelFinalizer.register(this, { n, ptr }, this);
  }

  /** The page's id of the channel. */
  get id() {
    return this.#id;
  }

  /** True once close() was called (or ward reported the channel closed). */
  get closed() {
    return this.#closing;
  }

  /** Messages ward holds that the delivery callback has not taken yet (not counting those waiting in JS). */
  get queued() {
    return this.#released ? 0 : Number(this.#n.channelQueued(this.#ptr));
  }

  /**
   * Sends a JSON message if there is room now. Returns false if the channel is full (a slow
   * consumer); throws WardError CLOSED once the channel or its webview is closed.
   */
  trySend(value) {
    return this.#trySend(false, encodeJson(value));
  }

  /** trySend for raw bytes (an ArrayBuffer in the page). */
  trySendBytes(bytes) {
    return this.#trySend(true, toBytes(bytes, 'channel message'));
  }

  /**
   * Sends a JSON message, waiting up to `timeout` ms (default 5000, Infinity: no limit) for room.
   * Resolves once ward queued it; rejects with WardError BUSY when the time ran out or CLOSED.
   */
  send(value, options) {
    try {
      return this.#send(false, encodeJson(value), timeoutOf(options));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** send() for raw bytes (an ArrayBuffer in the page). */
  sendBytes(bytes, options) {
    try {
      return this.#send(true, toBytes(bytes, 'channel message'), timeoutOf(options));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Ends the channel: messages already sent still go out, then the page gets the end message.
   * Later sends fail with CLOSED. Resolves once the end message is queued. Idempotent.
   */
  close() {
    if (!this.#closing) {
      this.#closing = true;
      this.#closed = new Promise((resolve) => {
        this.#onDrained = resolve;
      });
      this.#releaseIfDrained();
    }
    return this.#closed;
  }

  #onDrained = null;

  #checkOpen() {
    if (this.#closing) throw new WardError(Status.CLOSED, 'the channel is closed');
  }

  #rawSend(raw, bytes, timeoutMs) {
    const n = this.#n;
    const fn = raw ? n.channelSendBytes : n.channelSendJson;
    return fn(this.#ptr, bytes, bytes.length, timeoutMs);
  }

  #trySend(raw, bytes) {
    this.#checkOpen();
    if (this.#waiting.length > 0) return false; // earlier messages wait: this one would overtake them
    const status = this.#rawSend(raw, bytes, 0);
    if (status === Status.OK) return true;
    if (status === Status.BUSY) return false;
    throw lastError(this.#n, status);
  }

  #send(raw, bytes, timeoutMs) {
    this.#checkOpen();
    if (this.#waiting.length === 0) {
      const status = this.#rawSend(raw, bytes, 0);
      if (status === Status.OK) return Promise.resolve();
      if (status !== Status.BUSY) return Promise.reject(lastError(this.#n, status));
    }
    return new Promise((resolve, reject) => {
      const deadline = timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
      this.#waiting.push({ raw, bytes, deadline, resolve, reject });
      this.#pump();
    });
  }

  /** Sends what waits, in order: without waiting while there is room, else on a worker thread. */
  #pump() {
    while (this.#waiting.length > 0 && !this.#waitingOnWorker) {
      const head = this.#waiting[0];
      const status = this.#rawSend(head.raw, head.bytes, 0);
      if (status === Status.BUSY) {
        this.#waitOnWorker(head);
        return;
      }
      this.#waiting.shift();
      if (status === Status.OK) head.resolve();
      else head.reject(lastError(this.#n, status));
    }
    this.#releaseIfDrained();
  }

  #waitOnWorker(head) {
    const left = head.deadline === Infinity ? Infinity : Math.floor(head.deadline - performance.now());
    if (left <= 0) {
      this.#waiting.shift();
      head.reject(new WardError(Status.BUSY, 'the channel stayed full until the timeout: its consumer is slow'));
      queueMicrotask(() => this.#pump());
      return;
    }
    const n = this.#n;
    const fn = head.raw ? n.channelSendBytes : n.channelSendJson;
    this.#waitingOnWorker = true;
    fn.async(this.#ptr, head.bytes, head.bytes.length, left === Infinity ? WAIT_FOREVER : left, (err, status) => {
      this.#waitingOnWorker = false;
      this.#waiting.shift();
      if (err) head.reject(err);
      else if (status === Status.OK) head.resolve();
      // ward's message is in the worker thread's last error; these are the only two outcomes left.
      else if (status === Status.BUSY) {
        head.reject(new WardError(status, 'the channel stayed full until the timeout: its consumer is slow'));
      } else if (status === Status.CLOSED) {
        head.reject(new WardError(status, 'the channel is closed'));
        for (const waiting of this.#waiting.splice(0)) waiting.reject(new WardError(status, 'the channel is closed'));
      } else head.reject(new WardError(status, 'sending on the channel failed'));
      this.#pump();
    });
  }

  /** Once closing and nothing waits any more: the end message, and ward's handle goes. */
  #releaseIfDrained() {
    if (!this.#closing || this.#released || this.#waiting.length > 0 || this.#waitingOnWorker) return;
    this.#released = true;
    channelFinalizer.unregister(this);
    this.#n.channelClose(this.#ptr);
    this.#n.channelFree(this.#ptr);
    if (this.#onDrained) this.#onDrained();
  }

  get [Symbol.toStringTag]() {
    return 'Channel';
  }
}

module.exports = { Channel, DEFAULT_TIMEOUT_MS };
