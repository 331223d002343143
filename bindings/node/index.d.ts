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

export interface AppBuilderOptions {
  limits?: Limits;
  /** Receives diagnostics (on the main thread). Exceptions it throws are ignored. */
  log?: (entry: LogEntry) => void;
}

export interface CommandOptions {
  /** Names of managed state the command reads; build() fails if one was never managed. */
  requiredState?: readonly string[];
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
  /** A request header (case-insensitive), or null. Only before the handler's first await. */
  header(name: string): string | null;
  /** Managed state; throws WardError(STATE_NOT_MANAGED) if `name` was never managed. */
  state<T = unknown>(name: string): T;
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

/** A built, immutable app. */
export declare class App {
  private constructor();
  /** The per-app secret pages must send (Tauri-Invoke-Key / __TAURI_INVOKE_KEY__). */
  readonly invokeKey: string;
  readonly closed: boolean;
  /** Handles a request synchronously; handlers must not return a Promise (use invokeAsync). */
  invoke(request: Request): Response;
  /** Handles a request; resolves once the handler (sync or async) answered. */
  invokeAsync(request: Request): Promise<Response>;
  invokeMessage(request: MessageRequest): Response;
  invokeMessageAsync(request: MessageRequest): Promise<Response>;
  /** Frees the app; idempotent. */
  close(): void;
}

/** Collects commands and state, then builds an App. */
export declare class AppBuilder {
  constructor(options?: AppBuilderOptions);
  command<Args = any>(name: string, handler: CommandHandler<Args>, options?: CommandOptions): this;
  /** Keeps `value` as state under `name` (it stays a JS value; mutate it freely). */
  manage<T>(name: string, value: T): this;
  /** Consumes the builder, whether it succeeds or throws. */
  build(): App;
}
