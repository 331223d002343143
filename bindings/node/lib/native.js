'use strict';

// Finds, loads and declares libward (the C ABI of capi/include/ward.h) through koffi.
// Loading is lazy: requiring the package never fails, the first AppBuilder does.

const fs = require('node:fs');
const path = require('node:path');
const { Status } = require('./status');
const { WardError } = require('./errors');

/** The ABI this binding is written against (WARD_ABI_VERSION of ward.h). */
const EXPECTED_ABI_VERSION = 1;

const SONAME = {
  linux: 'libward.so.1',
  darwin: 'libward.1.dylib',
  win32: 'ward.dll',
}[process.platform] ?? 'libward.so.1';

const PACKAGE_DIR = path.resolve(__dirname, '..');

function requireKoffi() {
  try {
    return require('koffi');
  } catch (err) {
    if (err.code === 'MODULE_NOT_FOUND' && err.message.includes("'koffi'")) {
      throw new Error(`ward: the npm package koffi is not installed; run \`npm ci\` in ${PACKAGE_DIR}`, {
        cause: err,
      });
    }
    throw err;
  }
}

const koffi = requireKoffi();

/**
 * Where to look for the library, best first:
 *  1. $WARD_LIBRARY, exactly (when set, nothing else is tried: an explicit choice must not
 *     silently fall back to another copy);
 *  2. a CMake build tree: build/<preset-or-name>/capi/<soname> in the nearest ancestor of
 *     this package that has one (the newest file first, if there are several build dirs;
 *     sanitizer builds are skipped, see isSanitizerBuild);
 *  3. the plain soname, resolved by the system loader (installed library).
 */
function candidateLibraries() {
  const fromEnv = process.env.WARD_LIBRARY;
  if (fromEnv) return [fromEnv];

  const candidates = [];
  for (let dir = PACKAGE_DIR; ; dir = path.dirname(dir)) {
    const found = builtLibrariesUnder(path.join(dir, 'build'));
    if (found.length > 0) {
      candidates.push(...found);
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  candidates.push(SONAME);
  return candidates;
}

function builtLibrariesUnder(buildDir) {
  let entries;
  try {
    entries = fs.readdirSync(buildDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory() && !isSanitizerBuild(path.join(buildDir, entry.name)))
    .map((entry) => path.join(buildDir, entry.name, 'capi', SONAME))
    .flatMap((file) => {
      try {
        return [{ file, mtime: fs.statSync(file).mtimeMs }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => b.mtime - a.mtime)
    .map((found) => found.file);
}

/**
 * A sanitizer-instrumented libward cannot be loaded into a plain node: the ASan runtime aborts
 * the process (uncatchably) unless it was preloaded, and TSan's never works. So the automatic
 * lookup skips build trees configured with -fsanitize; use one through $WARD_LIBRARY (with
 * LD_PRELOAD, as CTest does).
 */
function isSanitizerBuild(buildTree) {
  try {
    return /-fsanitize=/.test(fs.readFileSync(path.join(buildTree, 'CMakeCache.txt'), 'utf8'));
  } catch {
    return false;
  }
}

function openLibrary() {
  const failures = [];
  for (const candidate of candidateLibraries()) {
    try {
      return { lib: koffi.load(candidate), file: candidate };
    } catch (err) {
      failures.push(`  ${candidate}: ${err.message}`);
    }
  }
  throw new Error(
    'ward: cannot load the ward C library. Set WARD_LIBRARY to the path of ' +
      `${SONAME}, build it (cmake --build build/<dir>), or install it. Tried:\n${failures.join('\n')}`,
  );
}

// ---------------------------------------------------------------------------------------
// Types. koffi type names are process-global, so they are declared exactly once.

let types;

function declareTypes() {
  if (types) return types;
  for (const name of ['ward_builder', 'ward_app', 'ward_invocation', 'ward_responder', 'ward_response', 'ward_channel']) {
    koffi.opaque(name);
  }
  // Pointers handed to callbacks arrive as BigInt addresses (koffi cannot know their
  // length), so string parameters of callbacks are `const void *` and decoded with their
  // explicit length; ward only promises NUL termination for strings it returns.
  const t = {
    limits: koffi.struct('ward_limits', {
      struct_size: 'size_t',
      max_body_bytes: 'uint64_t',
      max_depth: 'uint32_t',
      max_string_bytes: 'uint64_t',
      max_array_length: 'uint64_t',
      max_object_keys: 'uint64_t',
    }),
    freeFn: koffi.proto('void ward_free_fn(void *user_data)'),
    logFn: koffi.proto(
      'void ward_log_fn(int level, int code, const void *message, size_t message_len, ' +
        'const void *detail, size_t detail_len, void *user_data)',
    ),
    commandFn: koffi.proto('void ward_command_fn(void *invocation, void *responder, void *user_data)'),
    responseFn: koffi.proto('void ward_response_fn(void *response, void *user_data)'),
    auditFn: koffi.proto(
      'void ward_audit_fn(const void *command, size_t command_len, const void *window, size_t window_len, ' +
        'const void *webview, size_t webview_len, const void *origin, size_t origin_len, ' +
        'uint64_t invoke_id, void *user_data)',
    ),
  };
  // The live half: executor, deliveries, events, cancellation.
  t.executorOptions = koffi.struct('ward_executor_options', {
    struct_size: 'size_t',
    workers: 'uint32_t',
    queue_capacity: 'uint32_t',
  });
  t.deliveryOptions = koffi.struct('ward_delivery_options', {
    struct_size: 'size_t',
    channel_capacity: 'uint32_t',
    queue_capacity: 'uint32_t',
  });
  // `body` is not NUL-terminated (and may be raw bytes): read with body_len.
  t.delivery = koffi.struct('ward_delivery', {
    struct_size: 'size_t',
    kind: 'int',
    callback: 'uint32_t',
    ok: 'int',
    raw: 'int',
    body: 'const void *',
    body_len: 'size_t',
    index: 'uint64_t',
    end: 'int',
  });
  t.eventTarget = koffi.struct('ward_event_target', {
    struct_size: 'size_t',
    kind: 'int',
    label: 'const void *',
    label_len: 'size_t',
  });
  t.event = koffi.struct('ward_event', {
    struct_size: 'size_t',
    name: 'const void *',
    name_len: 'size_t',
    payload_json: 'const void *',
    payload_len: 'size_t',
    listener: 'uint64_t',
  });
  t.deliveryFn = koffi.proto(
    'void ward_delivery_fn(const void *webview, size_t webview_len, const void *delivery, void *user_data)',
  );
  t.eventFn = koffi.proto('void ward_event_fn(const void *event, void *user_data)');
  t.eventFilterFn = koffi.proto('int ward_event_filter_fn(const void *target, void *user_data)');
  t.cancelFn = koffi.proto('void ward_cancel_fn(void *user_data)');
  t.builderOptions = koffi.struct('ward_builder_options', {
    struct_size: 'size_t',
    abi_version: 'uint32_t',
    limits: 'const ward_limits *',
    log: 'ward_log_fn *',
    log_user_data: 'void *',
    log_free_user_data: 'ward_free_fn *',
  });
  t.commandOptions = koffi.struct('ward_command_options', {
    struct_size: 'size_t',
    required_state: 'const char **',
    required_state_lens: 'const size_t *',
    required_state_count: 'size_t',
  });
  t.header = koffi.struct('ward_header', {
    name: 'const char *',
    name_len: 'size_t',
    value: 'const char *',
    value_len: 'size_t',
  });
  t.request = koffi.struct('ward_request', {
    struct_size: 'size_t',
    url: 'const char *',
    url_len: 'size_t',
    origin: 'const char *',
    origin_len: 'size_t',
    window: 'const char *',
    window_len: 'size_t',
    webview: 'const char *',
    webview_len: 'size_t',
    headers: 'const ward_header *',
    header_count: 'size_t',
    body: 'const uint8_t *',
    body_len: 'size_t',
  });
  t.messageRequest = koffi.struct('ward_message_request', {
    struct_size: 'size_t',
    origin: 'const char *',
    origin_len: 'size_t',
    window: 'const char *',
    window_len: 'size_t',
    webview: 'const char *',
    webview_len: 'size_t',
    message: 'const char *',
    message_len: 'size_t',
  });
  types = t;
  return t;
}

// ---------------------------------------------------------------------------------------

const SIGNATURES = {
  abiVersion: 'uint32_t ward_abi_version()',
  versionString: 'const char *ward_version_string()',
  lastErrorCode: 'int ward_last_error_code()',
  lastErrorMessage: 'const void *ward_last_error_message(_Out_ size_t *len)',

  builderNew: 'int ward_builder_new(const ward_builder_options *options, _Out_ ward_builder **out)',
  builderFree: 'void ward_builder_free(ward_builder *builder)',
  builderCommand:
    'int ward_builder_command(ward_builder *builder, const char *name, size_t name_len, ' +
    'const ward_command_options *options, ward_command_fn *handler, void *user_data, ' +
    'ward_free_fn *free_user_data)',
  builderManage:
    'int ward_builder_manage(ward_builder *builder, const char *name, size_t name_len, ' +
    'void *state, ward_free_fn *free_state)',
  builderBuild: 'int ward_builder_build(ward_builder *builder, _Out_ ward_app **out)',
  appFree: 'void ward_app_free(ward_app *app)',
  appInvokeKey: 'const void *ward_app_invoke_key(const ward_app *app, _Out_ size_t *len)',

  // Access control. `enum ward_acl_format` is passed as an int (AclFormat in lib/acl.js).
  builderAddCapability:
    'int ward_builder_add_capability(ward_builder *builder, const char *name, size_t name_len, ' +
    'const char *text, size_t text_len, int format)',
  builderAddPermissions:
    'int ward_builder_add_permissions(ward_builder *builder, const char *plugin, size_t plugin_len, ' +
    'const char *name, size_t name_len, const char *text, size_t text_len, int format)',
  builderLoadAclDirectory:
    'int ward_builder_load_acl_directory(ward_builder *builder, const char *path, size_t path_len)',
  builderSetAppOrigins:
    'int ward_builder_set_app_origins(ward_builder *builder, const char **origins, const size_t *origin_lens, ' +
    'size_t count)',
  builderSetAclPlatform:
    'int ward_builder_set_acl_platform(ward_builder *builder, const char *platform, size_t platform_len)',
  builderSetAclStrict: 'int ward_builder_set_acl_strict(ward_builder *builder, int strict)',
  builderSetAudit:
    'int ward_builder_set_audit(ward_builder *builder, ward_audit_fn *audit, void *user_data, ' +
    'ward_free_fn *free_user_data)',
  appAddCapability:
    'int ward_app_add_capability(ward_app *app, const char *name, size_t name_len, const char *text, ' +
    'size_t text_len, int format)',
  // The JSON strings below are allocated by ward: taken as raw pointers so they can be freed.
  appExplain:
    'int ward_app_explain(ward_app *app, const char *command, size_t command_len, const char *window, ' +
    'size_t window_len, const char *webview, size_t webview_len, const char *origin, size_t origin_len, ' +
    '_Out_ void **out_json, _Out_ size_t *out_len)',
  appResolvedAcl: 'int ward_app_resolved_acl(ward_app *app, _Out_ void **out_json, _Out_ size_t *out_len)',
  stringFree: 'void ward_string_free(void *string)',

  appInvoke: 'int ward_app_invoke(ward_app *app, const ward_request *request, _Out_ ward_response **out)',
  appInvokeAsync:
    'int ward_app_invoke_async(ward_app *app, const ward_request *request, ward_response_fn *done, ' +
    'void *user_data, ward_free_fn *free_user_data)',
  appInvokeMessage:
    'int ward_app_invoke_message(ward_app *app, const ward_message_request *request, _Out_ ward_response **out)',
  appInvokeMessageAsync:
    'int ward_app_invoke_message_async(ward_app *app, const ward_message_request *request, ' +
    'ward_response_fn *done, void *user_data, ward_free_fn *free_user_data)',

  responseIsOk: 'int ward_response_is_ok(const ward_response *response)',
  responseCode: 'int ward_response_code(const ward_response *response)',
  responseIsRaw: 'int ward_response_is_raw(const ward_response *response)',
  responseContentType: 'const char *ward_response_content_type(const ward_response *response)',
  responseBody: 'const void *ward_response_body(const ward_response *response, _Out_ size_t *len)',
  responseCallbackId: 'uint32_t ward_response_callback_id(const ward_response *response)',
  responseErrorId: 'uint32_t ward_response_error_id(const ward_response *response)',
  responseFree: 'void ward_response_free(ward_response *response)',

  invocationCommand: 'const void *ward_invocation_command(const ward_invocation *inv, _Out_ size_t *len)',
  invocationWindow: 'const void *ward_invocation_window(const ward_invocation *inv, _Out_ size_t *len)',
  invocationWebview: 'const void *ward_invocation_webview(const ward_invocation *inv, _Out_ size_t *len)',
  invocationOrigin: 'const void *ward_invocation_origin(const ward_invocation *inv, _Out_ size_t *len)',
  invocationId: 'uint64_t ward_invocation_id(const ward_invocation *inv)',
  invocationIsRaw: 'int ward_invocation_is_raw(const ward_invocation *inv)',
  invocationArgsJson: 'const void *ward_invocation_args_json(const ward_invocation *inv, _Out_ size_t *len)',
  invocationBody: 'const void *ward_invocation_body(const ward_invocation *inv, _Out_ size_t *len)',
  invocationHeader:
    'const void *ward_invocation_header(const ward_invocation *inv, const char *name, size_t name_len, ' +
    '_Out_ size_t *len)',
  invocationScopesJson:
    'const void *ward_invocation_scopes_json(const ward_invocation *inv, _Out_ size_t *len)',
  invocationState:
    'int ward_invocation_state(const ward_invocation *inv, const char *name, size_t name_len, _Out_ void **out)',

  responderResolveJson: 'int ward_responder_resolve_json(ward_responder *responder, const char *json, size_t len)',
  responderResolveBytes:
    'int ward_responder_resolve_bytes(ward_responder *responder, const uint8_t *data, size_t len)',
  responderRejectJson: 'int ward_responder_reject_json(ward_responder *responder, const char *json, size_t len)',
  responderRejectMessage:
    'int ward_responder_reject_message(ward_responder *responder, const char *message, size_t len)',
  responderFree: 'void ward_responder_free(ward_responder *responder)',

  // The live half. Enums (ward_delivery_kind, ward_event_target_kind) are passed as ints.
  builderSetExecutor: 'int ward_builder_set_executor(ward_builder *builder, const ward_executor_options *options)',
  builderAsyncCommand:
    'int ward_builder_async_command(ward_builder *builder, const char *name, size_t name_len, ' +
    'const ward_command_options *options, ward_command_fn *handler, void *user_data, ' +
    'ward_free_fn *free_user_data)',
  builderSetDelivery:
    'int ward_builder_set_delivery(ward_builder *builder, ward_delivery_fn *deliver, void *user_data, ' +
    'ward_free_fn *free_user_data)',
  builderSetDeliveryOptions:
    'int ward_builder_set_delivery_options(ward_builder *builder, const ward_delivery_options *options)',
  deliveryRenderScript:
    'int ward_delivery_render_script(const ward_delivery *delivery, _Out_ void **out, _Out_ size_t *out_len)',
  appShutdown: 'void ward_app_shutdown(ward_app *app)',
  appWebviewCreated:
    'int ward_app_webview_created(ward_app *app, const char *webview, size_t webview_len, ' +
    'const char *window, size_t window_len)',
  appWebviewNavigated: 'int ward_app_webview_navigated(ward_app *app, const char *webview, size_t webview_len)',
  appWebviewDestroyed: 'int ward_app_webview_destroyed(ward_app *app, const char *webview, size_t webview_len)',
  appEmit:
    'int ward_app_emit(ward_app *app, const char *event, size_t event_len, const char *payload_json, ' +
    'size_t payload_len)',
  appEmitTo:
    'int ward_app_emit_to(ward_app *app, const ward_event_target *target, const char *event, size_t event_len, ' +
    'const char *payload_json, size_t payload_len)',
  appEmitFilter:
    'int ward_app_emit_filter(ward_app *app, const char *event, size_t event_len, const char *payload_json, ' +
    'size_t payload_len, ward_event_filter_fn *filter, void *user_data)',
  appListen:
    'int ward_app_listen(ward_app *app, const char *event, size_t event_len, const ward_event_target *target, ' +
    'int once, ward_event_fn *listener, void *user_data, ward_free_fn *free_user_data, _Out_ uint64_t *out_id)',
  appUnlisten: 'int ward_app_unlisten(ward_app *app, uint64_t listener)',
  appPost: 'int ward_app_post(ward_app *app, const ward_request *request)',
  appPostMessage: 'int ward_app_post_message(ward_app *app, const ward_message_request *request)',

  responderIsCancelled: 'int ward_responder_is_cancelled(const ward_responder *responder)',
  responderOnCancel:
    'int ward_responder_on_cancel(ward_responder *responder, ward_cancel_fn *on_cancel, void *user_data, ' +
    'ward_free_fn *free_user_data)',

  invocationChannel:
    'int ward_invocation_channel(const ward_invocation *inv, const char *key, size_t key_len, ' +
    '_Out_ ward_channel **out)',
  channelId: 'uint32_t ward_channel_id(const ward_channel *channel)',
  channelSendJson:
    'int ward_channel_send_json(ward_channel *channel, const char *json, size_t len, uint64_t timeout_ms)',
  channelSendBytes:
    'int ward_channel_send_bytes(ward_channel *channel, const uint8_t *data, size_t len, uint64_t timeout_ms)',
  channelQueued: 'size_t ward_channel_queued(const ward_channel *channel)',
  channelClose: 'void ward_channel_close(ward_channel *channel)',
  channelFree: 'void ward_channel_free(ward_channel *channel)',

  invocationAddResource:
    'int ward_invocation_add_resource(const ward_invocation *inv, void *resource, ward_free_fn *free_resource, ' +
    '_Out_ uint64_t *out_rid)',
  invocationResource:
    'int ward_invocation_resource(const ward_invocation *inv, uint64_t rid, _Out_ void **out)',
  invocationCloseResource: 'int ward_invocation_close_resource(const ward_invocation *inv, uint64_t rid)',
};

let native;

/**
 * The loaded library: { file, types, <function per SIGNATURES key> }.
 * Throws a clear Error if it cannot be found, and a WardError(ABI_MISMATCH) if it implements
 * another ABI than this binding.
 */
function load() {
  if (native) return native;
  const { lib, file } = openLibrary();

  let abiVersion;
  try {
    abiVersion = lib.func(SIGNATURES.abiVersion)();
  } catch (err) {
    throw new Error(`ward: ${file} is not a ward library (no ward_abi_version): ${err.message}`);
  }
  if (abiVersion !== EXPECTED_ABI_VERSION) {
    throw new WardError(
      Status.ABI_MISMATCH,
      `ward: ${file} implements ABI version ${abiVersion}, but this binding needs ABI version ` +
        `${EXPECTED_ABI_VERSION}; use a matching ward library (set WARD_LIBRARY) or binding`,
    );
  }

  const t = declareTypes();
  const loaded = { file, types: t };
  for (const [key, signature] of Object.entries(SIGNATURES)) {
    loaded[key] = lib.func(signature);
  }
  native = loaded;
  return native;
}

module.exports = { koffi, load, EXPECTED_ABI_VERSION, SONAME, candidateLibraries };
