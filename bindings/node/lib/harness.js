'use strict';

// A test harness that plays a page: ward's bridge and the unmodified @tauri-apps/api run in a
// page-like vm context in this process (bindings/js/harness/page.js), their invokes go to a ward
// app through this binding as a webview's custom-protocol requests would, and the app's
// deliveries (events, channel messages, replies to posted requests) reach the page of the
// webview they are for. Frontend code and backend commands can so be tested together, without a
// webview.
//
//   const { AppBuilder, harness } = require('ward');
//   const builder = new AppBuilder().command('greet', ({ name }) => `Hello, ${name}!`)
//     .capability({ identifier: 'main', windows: ['main'], permissions: ['core:default', 'allow-greet'] });
//   const host = harness.createHost(builder);   // installs the delivery callback
//   const app = builder.build();
//   const page = harness.openPage(app, { window: 'main' });
//   const { invoke } = page.load(`export { invoke } from '@tauri-apps/api/core';`);
//   await invoke('greet', { name: 'ward' });  // 'Hello, ward!'

const fs = require('node:fs');
const path = require('node:path');

/** Where bindings/js/harness/page.js is: $WARD_JS_HARNESS, else next to this package in ward's tree. */
function pageModulePath() {
  if (process.env.WARD_JS_HARNESS) return path.resolve(process.env.WARD_JS_HARNESS);
  return path.resolve(__dirname, '..', '..', 'js', 'harness', 'page.js');
}

let createPage;

function loadCreatePage() {
  if (createPage) return createPage;
  const file = pageModulePath();
  if (!fs.existsSync(file)) {
    throw new Error(
      `ward harness: the page harness ${file} is missing; it is part of ward's bindings/js ` +
        '(set WARD_JS_HARNESS to its harness/page.js if it lives elsewhere)',
    );
  }
  try {
    ({ createPage } = require(file));
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      throw new Error(
        `ward harness: ${file} cannot load its dependencies (esbuild, @tauri-apps/api); run ` +
          `\`npm ci --prefix ${path.dirname(path.dirname(file))}\``,
        { cause: err },
      );
    }
    throw err;
  }
  return createPage;
}

/** Marks a delivery callback as a host's, so that openPage(app) finds the host of an app. */
const HOST = Symbol('ward.harness.host');
const DELIVERY_FN = Symbol.for('ward.deliveryFn');

/**
 * The delivery side of a set of pages: installed on a builder (as its delivery callback), it
 * routes each delivery to the page of the webview it is for.
 */
class Host {
  /** webview label -> open page */
  #pages = new Map();
  #app = null;
  #onUnrouted;

  /** @internal use createHost(builder) */
  constructor(builder, options = {}) {
    const { deliveryOptions, onUnrouted } = options ?? {};
    this.#onUnrouted = typeof onUnrouted === 'function' ? onUnrouted : null;
    const deliver = (webview, delivery) => this.#route(webview, delivery);
    deliver[HOST] = this;
    builder.delivery(deliver, deliveryOptions);
  }

  /** The open pages, by webview label. */
  get pages() {
    return new Map(this.#pages);
  }

  /**
   * Opens a page as webview `webview` (default: `window`) of window `window` (default 'main'),
   * loaded from `origin` (default 'tauri://localhost', an app origin) and reports the webview to
   * the app (webviewCreated). Options `console` and `globals` go to the page as they are.
   */
  openPage(app, options = {}) {
    const {
      window = 'main',
      webview = window,
      origin = 'tauri://localhost',
      console: pageConsole,
      globals,
    } = options ?? {};
    if (this.#app !== null && this.#app !== app) {
      throw new Error('ward harness: a host serves one app (create one host per builder)');
    }
    if (app[DELIVERY_FN] === undefined || !app[DELIVERY_FN] || app[DELIVERY_FN][HOST] !== this) {
      throw new Error('ward harness: this app was not built from the builder given to this host');
    }
    if (this.#pages.has(webview)) throw new Error(`ward harness: webview "${webview}" already has an open page`);
    this.#app = app;

    app.webviewCreated(webview, window);
    const page = loadCreatePage()({
      bridgeConfig: {
        invokeKey: app.invokeKey,
        metadata: { currentWindow: { label: window }, currentWebview: { windowLabel: window, label: webview } },
      },
      transport: (request) => this.#send(app, { origin, window, webview }, request),
      url: `${origin}/`,
      console: pageConsole,
      globals,
    });
    const opened = new HarnessPage(this, app, page, { window, webview, origin });
    this.#pages.set(webview, opened);
    return opened;
  }

  /** The bridge's function transport: one custom-protocol request, as a webview would pass it. */
  async #send(app, labels, request) {
    const response = await app.invokeAsync({
      url: request.url,
      origin: labels.origin,
      window: labels.window,
      webview: labels.webview,
      headers: request.headers,
      body: request.body,
    });
    return {
      ok: response.ok,
      contentType: response.contentType,
      body: response.isRaw ? new Uint8Array(response.body) : response.text(),
    };
  }

  #route(webview, delivery) {
    const page = this.#pages.get(webview);
    if (!page) {
      if (this.#onUnrouted) this.#onUnrouted(webview, delivery);
      return;
    }
    page._deliver(delivery);
  }

  /** @internal */
  _forget(page) {
    if (this.#pages.get(page.webview) === page) this.#pages.delete(page.webview);
  }
}

/** An open page: the vm page of bindings/js/harness/page.js, plus its labels and lifecycle. */
class HarnessPage {
  #host;
  #app;
  #page;
  #closed = false;
  /** Deliveries this page received, counted by kind (for tests of the harness itself). */
  received = { reply: 0, event: 0, channel: 0 };

  constructor(host, app, page, labels) {
    this.#host = host;
    this.#app = app;
    this.#page = page;
    this.window = labels.window;
    this.webview = labels.webview;
    this.origin = labels.origin;
  }

  /** The page's global object (window === globalThis inside it). */
  get global() {
    return this.#page.window;
  }

  /** Evaluates a classic script in the page and returns its completion value. */
  run(code, filename) {
    return this.#page.run(code, filename);
  }

  /**
   * Bundles frontend code (a file path, or module source that may import @tauri-apps/api/*)
   * with esbuild and runs it in the page; returns the entry module's exports.
   */
  load(entry, options) {
    return this.#page.load(entry, options);
  }

  /** Hands the page one delivery (what the host does for every delivery to this webview). */
  deliver(delivery) {
    this._deliver(delivery);
  }

  /** @internal */
  _deliver(delivery) {
    if (this.#closed) return;
    this.received[delivery.kind] = (this.received[delivery.kind] ?? 0) + 1;
    const forPage = {
      kind: delivery.kind,
      callback: delivery.callback,
      ok: delivery.ok,
      index: delivery.index,
      end: delivery.end,
    };
    if (!(delivery.kind === 'channel' && delivery.end)) {
      if (delivery.raw) forPage.bytes = delivery.body;
      else forPage.json = delivery.body;
    }
    this.#page.deliver(forPage);
  }

  /**
   * The page navigates away (ward cancels its in-flight invokes, drops its listeners and closes
   * its channels). The same vm context stays; load new code into it as a new page would.
   */
  navigated() {
    this.#app.webviewNavigated(this.webview);
  }

  /** Closes the page: the app learns that the webview was destroyed (closing its resources). */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#host._forget(this);
    if (!this.#app.closed) this.#app.webviewDestroyed(this.webview);
  }
}

/**
 * Makes `builder`'s delivery callback a harness host's: build the app afterwards, then open
 * pages with host.openPage(app, ...) or openPage(app, ...). `options.deliveryOptions` as
 * AppBuilder.deliveryOptions(); `options.onUnrouted(webview, delivery)` sees deliveries for
 * webviews without an open page (dropped otherwise).
 */
function createHost(builder, options) {
  return new Host(builder, options);
}

/** Opens a page on an app built from a builder given to createHost() (see Host.openPage). */
function openPage(app, options) {
  const deliver = app && app[DELIVERY_FN];
  const host = deliver && deliver[HOST];
  if (!host) {
    throw new Error(
      'ward harness: openPage() needs an app built from a builder given to harness.createHost(builder) ' +
        'first (the host installs the delivery callback that feeds the pages)',
    );
  }
  return host.openPage(app, options);
}

module.exports = { createHost, openPage, Host, HarnessPage, pageModulePath };
