'use strict';

// Shared test helpers (not a test file: node --test only runs *.test.js here).

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

module.exports = { tauriRequest, tauriMessage };
