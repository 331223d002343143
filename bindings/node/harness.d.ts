// Type declarations of `ward/harness` (lib/harness.js): pages that run the unmodified
// @tauri-apps/api against a ward app, without a webview.

import type { App, AppBuilder, Delivery, DeliveryOptions } from './index';

export interface HostOptions {
  /** As AppBuilder.deliveryOptions(). */
  deliveryOptions?: DeliveryOptions;
  /** Sees deliveries for webviews without an open page (dropped otherwise). */
  onUnrouted?: (webview: string, delivery: Delivery) => void;
}

export interface OpenPageOptions {
  /** Window label ['main']. */
  window?: string;
  /** Webview label [the window's]. */
  webview?: string;
  /** The page's origin, sent with every request ['tauri://localhost']. */
  origin?: string;
  /** The page's console [this process's]. */
  console?: Console;
  /** More page globals, installed before the bridge. */
  globals?: Record<string, unknown>;
}

/** An open page: a vm context with ward's bridge, wired to the app. */
export declare class HarnessPage {
  private constructor();
  readonly window: string;
  readonly webview: string;
  readonly origin: string;
  /** Deliveries received, by kind. */
  readonly received: { reply: number; event: number; channel: number };
  /** The page's global object (window === globalThis inside it). */
  readonly global: any;
  /** Evaluates a classic script in the page; returns its completion value. */
  run(code: string, filename?: string): any;
  /** Bundles frontend code (a file path or module source importing @tauri-apps/api) and runs it; returns its exports. */
  load(entry: string, options?: { resolveDir?: string }): any;
  /** Hands the page one delivery. */
  deliver(delivery: Delivery): void;
  /** The page navigated (webviewNavigated). */
  navigated(): void;
  /** Closes the page: the webview is destroyed (webviewDestroyed). Idempotent. */
  close(): void;
}

/** Routes an app's deliveries to the pages of their webviews. */
export declare class Host {
  private constructor();
  readonly pages: Map<string, HarnessPage>;
  openPage(app: App, options?: OpenPageOptions): HarnessPage;
}

/** Installs a host's delivery callback on `builder` (before build()). */
export declare function createHost(builder: AppBuilder, options?: HostOptions): Host;
/** Opens a page on an app built from a builder given to createHost(). */
export declare function openPage(app: App, options?: OpenPageOptions): HarnessPage;
/** Where bindings/js/harness/page.js is looked for ($WARD_JS_HARNESS overrides). */
export declare function pageModulePath(): string;
