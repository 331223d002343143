// Type declarations of the `ward` Node.js binding (index.js).

/** Stable status codes of ward's C ABI (`enum ward_status`). */
export declare const Status: Readonly<{
  OK: 0;
  INVALID_ARGUMENT: 1;
  ABI_MISMATCH: 2;
  UNKNOWN_COMMAND: 3;
  INVALID_ARGS: 4;
  INVALID_REQUEST: 5;
  INVALID_INVOKE_KEY: 6;
  LIMIT_EXCEEDED: 7;
  COMMAND_REJECTED: 8;
  INTERNAL: 9;
  DUPLICATE_COMMAND: 10;
  STATE_NOT_MANAGED: 11;
  STATE_ALREADY_MANAGED: 12;
  INVALID_NAME: 13;
  ALREADY_ANSWERED: 14;
  NOT_ALLOWED: 15;
  CANCELLED: 16;
  BUSY: 17;
  OUT_OF_MEMORY: 18;
  CLOSED: 19;
}>;
export type Status = (typeof Status)[keyof typeof Status];

export declare const LogLevel: Readonly<{ DEBUG: 0; INFO: 1; WARN: 2; ERROR: 3 }>;

/** The ABI version this binding implements (WARD_ABI_VERSION). */
export declare const ABI_VERSION: 1;

/** The lower_snake_case name of a status ("unknown_command"). */
export declare function statusName(code: number): string;

/** The ABI version of the loaded library (loads it). */
export declare function abiVersion(): number;
/** The loaded library's version, "MAJOR.MINOR.PATCH" (loads it). */
export declare function version(): string;
/** Where the library was loaded from (loads it). */
export declare function libraryPath(): string;

/** A failed call into the ward C library. */
export declare class WardError extends Error {
  constructor(code: number, message?: string);
  readonly name: 'WardError';
  /** The Status value. */
  readonly code: Status;
  /** The lower_snake_case status name. */
  readonly status: string;
}

/** Throw from a handler to reject the invoke with your own JSON-serialisable value. */
export declare class CommandError<T = unknown> extends Error {
  constructor(value: T);
  readonly name: 'CommandError';
  readonly value: T;
}

/** One diagnostic from ward or from the binding, including details never sent to a page. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  code: Status;
  status: string;
  message: string;
  detail: string;
}

/** Zero (or absent) means ward's default, shown in brackets. */
export interface Limits {
  /** Request body size [64 MiB]. */
  maxBodyBytes?: number | bigint;
  /** JSON nesting depth [128]. */
  maxDepth?: number;
  /** One JSON string, in bytes [16 MiB]. */
  maxStringBytes?: number | bigint;
  /** Elements of one JSON array [8,388,608]. */
  maxArrayLength?: number | bigint;
  /** Keys of one JSON object [65,536]. */
  maxObjectKeys?: number | bigint;
}

/** A request ward denied because no capability grants it (see AppBuilderOptions.audit). */
export interface AuditRecord {
  command: string;
  window: string;
  webview: string;
  origin: string;
  /** The per-app id the invoke would have had (never 0). */
  invokeId: number;
}

/** A platform a capability's `platforms` can name. */
export type AclPlatform = 'linux' | 'macos' | 'windows' | 'android' | 'ios';

export interface AppBuilderOptions {
  limits?: Limits;
  /** Receives diagnostics (on the main thread). Exceptions it throws are ignored. */
  log?: (entry: LogEntry) => void;
  /**
   * Receives every request the access-control policy denies, before the denial is answered (on
   * the main thread). Exceptions it throws go to `log`; the denial stands.
   */
  audit?: (denial: AuditRecord) => void;
  /**
   * The origins that count as the app's own pages ("scheme://host[:port]"), matched exactly;
   * they replace the defaults "tauri://localhost" and "http://tauri.localhost".
   */
  appOrigins?: readonly string[];
  /** The platform capability files are resolved for [the one the library was built for]. */
  aclPlatform?: AclPlatform | (string & {});
  /**
   * true [default]: an unknown field in a capability or permission file fails build();
   * false: it is ignored, as Tauri does, and logged as a warning.
   */
  aclStrict?: boolean;
}

/** Options of a capability or permission file. */
export interface AclFileOptions {
  /**
   * The file's name, quoted by every error about it [for an object, its identifier + ".json";
   * otherwise a numbered placeholder].
   */
  name?: string;
  /** [the extension of `name`, else JSON if the text starts with `{`, else TOML; always JSON for an object] */
  format?: 'json' | 'toml';
}

/** A Tauri v2 capability as JSON (https://v2.tauri.app/security/capabilities/). */
export interface Capability {
  $schema?: string;
  identifier: string;
  description?: string;
  /** Local (the app's own origins) pages get the grants [true]. */
  local?: boolean;
  /** Remote pages matching one of these URL patterns get the grants. */
  remote?: { urls: readonly string[] };
  /** Window label globs ("main", "*"). */
  windows?: readonly string[];
  /** Webview label globs. */
  webviews?: readonly string[];
  /** Permission identifiers ("allow-greet", "fs:allow-read-file"), optionally with extra scope entries. */
  permissions: ReadonlyArray<string | { identifier: string; allow?: readonly unknown[]; deny?: readonly unknown[] }>;
  platforms?: readonly string[];
}

/** A capability or permission file: its text (JSON or TOML) or, for JSON, the parsed object. */
export type AclFile = string | Buffer | Uint8Array | ArrayBuffer | object;

/** The scopes that let a request in (ctx.scopes): scope entries as the files spell them. */
export interface Scopes<Entry = unknown> {
  /** Command scope of the grants that matched: the capability entry's own entries first. */
  allow: Entry[];
  deny: Entry[];
  /** The plugin's global scope, from the capabilities that matched the request. */
  global_allow: Entry[];
  global_deny: Entry[];
}

/** What app.explain() is asked about. */
export interface ExplainRequest {
  command: string;
  window: string;
  /** [window] */
  webview?: string;
  /** The page's URL, e.g. "tauri://localhost". */
  origin: string;
}

/** One grant in an explanation: where it comes from and to whom it applies. */
export interface ExplainedGrant {
  capability: string;
  /** The capability's permission entry that produced it. */
  entry: string;
  permission: string;
  /** The file (its name) and the position in it. */
  file: string;
  position: string;
  context: 'local' | { remote: string };
  windows: string[];
  webviews: string[];
  scope: { allow: unknown[]; deny: unknown[] } | null;
  /** Near misses only: what did not match. */
  mismatch?: Array<'context' | 'window_or_webview'>;
}

/** ward's explanation of one access-control decision (documented in README.md, "Explaining a decision"). */
export interface Explanation {
  command: string;
  window: string;
  webview: string;
  origin: string;
  origin_kind: 'local' | 'remote' | 'invalid';
  decision: 'allowed' | 'denied';
  reason: string;
  allowed_by: ExplainedGrant[];
  denied_by: ExplainedGrant[];
  /** Allow grants of this command that did not match the request. */
  near_misses: ExplainedGrant[];
  scope: { allow: unknown[]; deny: unknown[] };
  global_scope: { allow: unknown[]; deny: unknown[] };
  /** For a denial: what would allow it, in words. */
  to_allow: string[];
  [more: string]: unknown;
}

/** The resolved policy, in the neutral JSON of Tauri's ACL conformance suite. */
export interface ResolvedAcl {
  allowed_commands: Record<string, ResolvedGrant[]>;
  denied_commands: Record<string, ResolvedGrant[]>;
  global_scope: Record<string, { allow: unknown[]; deny: unknown[] }>;
}

export interface ResolvedGrant {
  context: 'local' | { remote: string };
  windows: string[];
  webviews: string[];
  scope: { allow: unknown[]; deny: unknown[] } | null;
}

export interface CommandOptions {
  /** Names of managed state the command reads; build() fails if one was never managed. */
  requiredState?: readonly string[];
}

/** Options of ctx.addResource(). */
export interface ResourceOptions<T = unknown> {
  /** Runs once when the resource is closed [else `value.close()` if the value has one]. */
  onClose?: (value: T) => void;
}

/** Options of Channel.send() / sendBytes(). */
export interface SendOptions {
  /** Milliseconds to wait for room in a full channel [5000]; Infinity waits as long as needed. */
  timeout?: number;
}

/** A stream of messages to one page: the `Channel` a @tauri-apps/api page passed (ctx.channel(key)). */
export declare class Channel {
  private constructor();
  /** The page's id of the channel. */
  readonly id: number;
  /** True once close() was called (or ward closed it). */
  readonly closed: boolean;
  /** Messages ward holds that the delivery callback has not taken yet. */
  readonly queued: number;
  /** Sends a JSON message if there is room now: false when full; throws WardError CLOSED once closed. */
  trySend(value: unknown): boolean;
  /** trySend() for raw bytes (an ArrayBuffer in the page). */
  trySendBytes(bytes: Buffer | Uint8Array | ArrayBuffer | string): boolean;
  /**
   * Sends a JSON message, waiting for room (on a worker thread, never blocking the event loop).
   * Messages keep their order whether awaited or not. Rejects with WardError BUSY (timeout) or CLOSED.
   */
  send(value: unknown, options?: SendOptions): Promise<void>;
  /** send() for raw bytes (an ArrayBuffer in the page). */
  sendBytes(bytes: Buffer | Uint8Array | ArrayBuffer | string, options?: SendOptions): Promise<void>;
  /** Ends the channel after what was sent; resolves once the end message is queued. Idempotent. */
  close(): Promise<void>;
}

/** What a handler learns about its invoke. */
export interface InvocationContext {
  readonly command: string;
  readonly window: string;
  readonly webview: string;
  readonly origin: string;
  /** A per-app unique id of this invoke (never 0). */
  readonly id: number;
  /** True if the body was raw bytes (application/octet-stream). */
  readonly isRaw: boolean;
  /** The request body: raw bytes, or the JSON text of a JSON body. */
  readonly body: Buffer;
  /** The access-control scopes that let this request in (copied for async handlers: readable after an await). */
  readonly scopes: Scopes;
  /** A request header (case-insensitive), or null. Only before the handler's first await. */
  header(name: string): string | null;
  /** Managed state; throws WardError(STATE_NOT_MANAGED) if `name` was never managed. */
  state<T = unknown>(name: string): T;
  /**
   * Aborts (reason: a WardError CANCELLED) when the invoke is cancelled: by the page
   * (plugin:ward|cancel), its webview navigating or being destroyed, or the app shutting down.
   * ward has then answered the page already; a later answer is dropped.
   */
  readonly signal: AbortSignal;
  /** True once the invoke was cancelled. */
  readonly cancelled: boolean;
  /**
   * The channel the argument `key` names ("__CHANNEL__:<id>", a @tauri-apps/api Channel).
   * Throws WardError INVALID_ARGS naming the key otherwise. Only before the handler's first await.
   */
  channel(key: string): Channel;
  /**
   * Keeps `value` for the invoking webview; returns its id (a @tauri-apps/api Resource's rid).
   * Only before the handler's first await. Throws WardError CLOSED if the app is shut down or the
   * webview was destroyed since the request arrived (onClose does not run; the value is still yours).
   */
  addResource<T>(value: T, options?: ResourceOptions<T>): number;
  /** The invoking webview's resource `rid`; throws WardError INVALID_ARGUMENT if there is none. Only before the first await. */
  resource<T = unknown>(rid: number): T;
  /** Closes the invoking webview's resource `rid` (WardError INVALID_ARGUMENT if none). Only before the first await. */
  closeResource(rid: number): void;
}

/** Raw bytes answer with application/octet-stream; anything else is sent as JSON. */
export type CommandResult = unknown;

export type CommandHandler<Args = any> = (
  args: Args,
  ctx: InvocationContext,
) => CommandResult | Promise<CommandResult>;

/** Headers as an object, a Map or [name, value] pairs. */
export type Headers =
  | Record<string, string | number>
  | ReadonlyMap<string, string | number>
  | ReadonlyArray<readonly [string, string | number]>;

/** A request as the custom-protocol (ipc://) path of a Tauri v2 page sends it. */
export interface Request {
  /** "ipc://localhost/<command>" or "/<command>" (percent-encoded). */
  url: string;
  /** The page's origin, e.g. "tauri://localhost". */
  origin?: string;
  /** Window label. */
  window?: string;
  /** Webview label. */
  webview?: string;
  /** Content-Type, Tauri-Callback, Tauri-Error, Tauri-Invoke-Key, ... */
  headers?: Headers;
  /** JSON text, or raw bytes with Content-Type application/octet-stream. */
  body?: string | Buffer | Uint8Array | ArrayBuffer;
}

/** The postMessage form: `message` is one JSON text {cmd, callback, error, payload, options, __TAURI_INVOKE_KEY__}. */
export interface MessageRequest {
  origin?: string;
  window?: string;
  webview?: string;
  message: string | Buffer | Uint8Array;
}

/** The answer to one request. */
export declare class Response {
  private constructor();
  readonly ok: boolean;
  readonly code: Status;
  /** The lower_snake_case status name ("ok", "unknown_command", ...). */
  readonly status: string;
  readonly contentType: 'application/json' | 'application/octet-stream';
  readonly isRaw: boolean;
  /** JSON text of the value or rejection value, or raw bytes. */
  readonly body: Buffer;
  /** Tauri-Callback / Tauri-Error ids of the request (0 if absent). */
  readonly callbackId: number;
  readonly errorId: number;
  text(): string;
  json<T = unknown>(): T;
}

/** What a delivery is: the reply to a posted request, an event, or a channel message. */
export type DeliveryKind = 'reply' | 'event' | 'channel';

/**
 * One delivery to a page: for a Tauri page, `window.__TAURI_INTERNALS__.runCallback(callback, value)`
 * with value the body (reply, event) or {index, message} / {index, end: true} (channel).
 */
export declare class Delivery {
  private constructor();
  readonly kind: DeliveryKind;
  /** The page callback id: for a reply, the Tauri-Callback id if ok, else the Tauri-Error id. */
  readonly callback: number;
  /** reply: resolved (true) or rejected. */
  readonly ok: boolean;
  /** True if body holds raw bytes. */
  readonly raw: boolean;
  /** JSON text, or raw bytes (a Buffer) when `raw`; '' for a channel's end. */
  readonly body: string | Buffer;
  /** channel: the message index (0, 1, 2, ...); for the end, the number of messages. */
  readonly index: number;
  /** channel: the end message. */
  readonly end: boolean;
  /** The body parsed as JSON (a raw body as it is). */
  json<T = unknown>(): T;
  /** The value runCallback gets (raw bytes as an ArrayBuffer). */
  value<T = unknown>(): T;
  /** The script a Tauri page expects for it: `window.__TAURI_INTERNALS__.runCallback(...)`. */
  renderScript(): string;
}

/** Receives every delivery with its webview's label, on the main thread, one at a time, in order. */
export type DeliveryCallback = (webview: string, delivery: Delivery) => void;

/** Executor of async commands; zero or absent means the default. */
export interface ExecutorOptions {
  /** Worker threads [2]. */
  workers?: number;
  /** Invokes waiting for a worker; beyond it BUSY at once [1024]. */
  queueCapacity?: number;
}

/** Bounds on queued deliveries; zero or absent means the default. */
export interface DeliveryOptions {
  /** Messages one channel may have queued [1024]. */
  channelCapacity?: number;
  /**
   * Deliveries queued in all [unbounded in this binding; ward's own default is 65536]. With a bound,
   * emits from JS run on a worker thread (they may wait for room).
   */
  queueCapacity?: number;
}

/** Tauri's EventTarget kinds (`enum ward_event_target_kind`). */
export declare const TargetKind: Readonly<{
  Any: 0;
  AnyLabel: 1;
  App: 2;
  Window: 3;
  Webview: 4;
  WebviewWindow: 5;
}>;

/** Where an event goes or what a listener listens on (Tauri's EventTarget). A string is AnyLabel. */
export type EventTarget =
  | string
  | { kind: 'Any' }
  | { kind: 'App' }
  | { kind: 'AnyLabel' | 'Window' | 'Webview' | 'WebviewWindow'; label: string };

/** A target as emitFilter's filter sees it. */
export type ResolvedEventTarget = Exclude<EventTarget, string>;

/** An event as a backend listener receives it (the page's Event<T>). */
export interface Event<T = unknown> {
  event: string;
  /** The listener's id (what listen() returned). */
  id: number;
  payload: T;
}

export interface ListenOptions {
  /** What the listener listens on [Any]. */
  target?: EventTarget;
  /** Removed after the first event. */
  once?: boolean;
}

/** A built app: its commands and state are fixed, its access-control policy can grow. */
export declare class App {
  private constructor();
  /** The per-app secret pages must send (Tauri-Invoke-Key / __TAURI_INVOKE_KEY__). */
  readonly invokeKey: string;
  readonly closed: boolean;
  /**
   * Handles a request synchronously; handlers must not return a Promise, and async commands
   * cannot be invoked this way (use invokeAsync).
   */
  invoke(request: Request): Response;
  /** Handles a request; resolves once the handler (sync or async) answered. */
  invokeAsync(request: Request): Promise<Response>;
  invokeMessage(request: MessageRequest): Response;
  invokeMessageAsync(request: MessageRequest): Promise<Response>;
  /**
   * Adds a capability at run time; it applies from the next request. Throws WardError naming
   * the file if it is invalid, and then the policy in force is unchanged.
   */
  addCapability(capability: AclFile | Capability, options?: AclFileOptions): this;
  /** Why a request would be allowed or denied (nothing runs). */
  explain(request: ExplainRequest): Explanation;
  /** The resolved policy in force. */
  resolvedAcl(): ResolvedAcl;
  /** Handles a request whose reply becomes a 'reply' delivery; needs a delivery callback. */
  post(request: Request): void;
  postMessage(request: MessageRequest): void;
  /** Emits to every listener, backend and pages'. Resolves once queued. */
  emit(event: string, payload?: unknown): Promise<void>;
  /** Emits to the listeners whose target matches (Tauri's rules). */
  emitTo(target: EventTarget, event: string, payload?: unknown): Promise<void>;
  /** Emits to the listeners whose target `filter` accepts. */
  emitFilter(event: string, payload: unknown, filter: (target: ResolvedEventTarget) => boolean): Promise<void>;
  /** Adds a backend listener (runs on the main thread); returns its id. */
  listen<T = unknown>(event: string, listener: (event: Event<T>) => void, options?: ListenOptions): number;
  /** Removes a backend or page listener; throws WardError INVALID_ARGUMENT if there is none. */
  unlisten(id: number): void;
  /** The host created a webview (window defaults to the webview's label). */
  webviewCreated(webview: string, window?: string): void;
  /**
   * The webview navigated: its invokes are cancelled, its page listeners removed, its channels
   * closed; what the old page's work queued for delivery is dropped, not delivered to the new page.
   */
  webviewNavigated(webview: string): void;
  /** The webview is gone: as webviewNavigated, and its resources are closed; its handlers can add no more. */
  webviewDestroyed(webview: string): void;
  /**
   * Shuts the app down: new requests are answered CLOSED, in-flight invokes CANCELLED, handlers
   * waited for, queued deliveries delivered, channels and resources closed. Idempotent.
   */
  shutdown(): Promise<void>;
  /**
   * Shuts down and frees the app; idempotent. A plain app is freed before close() returns; an
   * app with async commands or a delivery callback is freed on a worker thread.
   */
  close(): Promise<void>;
  /** An app with async commands or a delivery callback keeps the event loop alive until closed; unref() lets the process exit. */
  unref(): this;
  ref(): this;
}

/** Collects commands and state, then builds an App. */
export declare class AppBuilder {
  constructor(options?: AppBuilderOptions);
  command<Args = any>(name: string, handler: CommandHandler<Args>, options?: CommandOptions): this;
  /**
   * Registers a command dispatched by ward's executor (BUSY when its queue is full; cancellable).
   * The handler runs on the event loop like any other. Invoke it with invokeAsync, post, or a page.
   */
  asyncCommand<Args = any>(name: string, handler: CommandHandler<Args>, options?: CommandOptions): this;
  /** The executor of async commands. */
  executor(options: ExecutorOptions): this;
  /** Sets the delivery callback (replacing an earlier one); `options` as deliveryOptions(). */
  delivery(callback: DeliveryCallback, options?: DeliveryOptions): this;
  /** Bounds on queued deliveries. */
  deliveryOptions(options: DeliveryOptions): this;
  /** Keeps `value` as state under `name` (it stays a JS value; mutate it freely). */
  manage<T>(name: string, value: T): this;
  /**
   * Adds a capability (Tauri v2 capability file). Every command is denied unless one grants it.
   * Problems in the file make build() throw a WardError naming `options.name`.
   */
  capability(capability: AclFile | Capability, options?: AclFileOptions): this;
  /** Adds a permission manifest of `plugin` ("fs"), or of the app itself for '' or null. */
  permissions(plugin: string | null, manifest: AclFile, options?: AclFileOptions): this;
  /** Loads DIR/capabilities/ and DIR/permissions/<plugin>/ (the app's own under permissions/app/). */
  loadAclDirectory(directory: string): this;
  /** Consumes the builder, whether it succeeds or throws. */
  build(): App;
}

/** The page harness (also `require('ward/harness')`); needs bindings/js's dependencies. */
export declare const harness: typeof import('./harness');
