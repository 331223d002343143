'use strict';

// Shared test helpers (not a test file: node --test only runs *.test.js here).

const { AppBuilder } = require('..');

/**
 * The permission ward generates to allow a registered command: `allow-<cmd>` for an app
 * command, `<plugin>:allow-<cmd>` for "plugin:<plugin>|<cmd>", with `_` written as `-`.
 */
function allowPermission(command) {
  const plugin = /^plugin:([^|]+)\|(.+)$/.exec(command);
  const [prefix, name] = plugin ? [`${plugin[1]}:`, plugin[2]] : ['', command];
  return `${prefix}allow-${name.replaceAll('_', '-')}`;
}

/**
 * A capability granting `commands` to every window and webview of the app's own pages, plus
 * `extra` permissions (e.g. 'core:default' for the built-in event, resources and cancel commands).
 */
function grantingCapability(commands, extra = []) {
  return {
    identifier: 'test-grants',
    windows: ['*'],
    webviews: ['*'],
    local: true,
    permissions: [...extra, ...commands.map(allowPermission)],
  };
}

/**
 * An AppBuilder that grants every command registered on it (ward denies everything no
 * capability grants), for tests about something other than access control.
 */
class GrantingAppBuilder extends AppBuilder {
  #commands = [];
  #extra;

  /** `options.grant`: permissions granted besides the commands' own (e.g. ['core:default']). */
  constructor(options = {}) {
    const { grant, ...rest } = options ?? {};
    super(rest);
    this.#extra = grant ?? [];
  }

  command(name, fn, options) {
    super.command(name, fn, options);
    this.#commands.push(String(name));
    return this;
  }

  asyncCommand(name, fn, options) {
    super.asyncCommand(name, fn, options);
    this.#commands.push(String(name));
    return this;
  }

  build() {
    if (this.#commands.length > 0 || this.#extra.length > 0) {
      this.capability(grantingCapability(this.#commands, this.#extra));
    }
    return super.build();
  }
}

/** Headers and labels exactly as a Tauri v2 page sends an invoke over the ipc:// protocol. */
function tauriRequest(app, command, payload, options = {}) {
  const raw = ArrayBuffer.isView(payload);
  const headers = {
    'Content-Type': raw ? 'application/octet-stream' : 'application/json',
    'Tauri-Callback': options.callback ?? '3735928559',
    'Tauri-Error': options.error ?? '3134065149',
  };
  if (options.key !== null) headers['Tauri-Invoke-Key'] = options.key ?? app.invokeKey;
  Object.assign(headers, options.headers);
  return {
    url: `ipc://localhost/${encodeURIComponent(command)}`,
    origin: 'tauri://localhost',
    window: options.window ?? 'main',
    webview: options.webview ?? options.window ?? 'main',
    headers,
    body: raw ? payload : JSON.stringify(payload ?? {}),
  };
}

/** The postMessage form of the same invoke. */
function tauriMessage(app, command, payload, options = {}) {
  return {
    origin: 'tauri://localhost',
    window: 'main',
    webview: 'main',
    message: JSON.stringify({
      cmd: command,
      callback: 1,
      error: 2,
      payload: payload ?? {},
      options: {},
      __TAURI_INVOKE_KEY__: options.key ?? app.invokeKey,
    }),
  };
}

/** Resolves once `predicate()` holds, checking after every turn of the event loop; rejects after `ms`. */
async function until(predicate, ms = 10000, what = 'the condition') {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

module.exports = { tauriRequest, tauriMessage, allowPermission, grantingCapability, GrantingAppBuilder, until };
