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

/** A capability granting `commands` to every window and webview of the app's own pages. */
function grantingCapability(commands) {
  return {
    identifier: 'test-grants',
    windows: ['*'],
    webviews: ['*'],
    local: true,
    permissions: commands.map(allowPermission),
  };
}

/**
 * An AppBuilder that grants every command registered on it (ward denies everything no
 * capability grants), for tests about something other than access control.
 */
class GrantingAppBuilder extends AppBuilder {
  #commands = [];

  command(name, fn, options) {
    super.command(name, fn, options);
    this.#commands.push(String(name));
    return this;
  }

  build() {
    if (this.#commands.length > 0) this.capability(grantingCapability(this.#commands));
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
    window: 'main',
    webview: 'main',
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

module.exports = { tauriRequest, tauriMessage, allowPermission, grantingCapability, GrantingAppBuilder };
