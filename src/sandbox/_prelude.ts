// The guest-side half of the sandbox: JavaScript evaluated in every fresh
// QuickJS context before user code. It is a function expression called with
// the raw host functions; they stay in its closure and never appear on
// `globalThis`. It installs `console` and the mcpx host hook, and returns the
// helpers the worker uses to start a run, settle the entry module and
// describe errors. Everything that crosses the boundary is JSON text or a
// string produced here, inside the guest.

/** Console levels, indexed as the raw log function receives them. */
export const LOG_LEVELS = ["log", "info", "warn", "error", "debug"] as const;

/** Source of the prelude; evaluates to `(hostLog, hostCall) => helpers`. */
export const PRELUDE_SOURCE = String.raw`(function (hostLog, hostCall) {
  "use strict";
  const G = globalThis;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const apply = Reflect.apply;
  const keysOf = Object.keys;
  const isArray = Array.isArray;
  const getProto = Object.getPrototypeOf;
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const Str = String;
  const PromiseCtor = Promise;
  const promiseThen = Promise.prototype.then;
  const promiseReject = (e) => new PromiseCtor((_, reject) => reject(e));
  const ErrorCtor = Error;
  const MapCtor = Map;
  const SetCtor = Set;
  const DateCtor = Date;
  const strSlice = String.prototype.slice;
  const arrJoin = Array.prototype.join;
  const arrPush = Array.prototype.push;
  const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  const MAX_ITEMS = 100;
  const MAX_DEPTH = 4;

  let budget = 0;

  function ctorName(v) {
    try {
      const p = getProto(v);
      if (p === null) return "[Object: null prototype]";
      const c = p.constructor;
      const n = typeof c === "function" ? c.name : "";
      return typeof n === "string" ? n : "";
    } catch (_) {
      return "";
    }
  }

  function inspect(v, depth, seen) {
    switch (typeof v) {
      case "string": return depth === 0 ? v : stringify(v);
      case "number": return Object.is(v, -0) ? "-0" : Str(v);
      case "boolean":
      case "undefined": return Str(v);
      case "bigint": return Str(v) + "n";
      case "symbol": return v.toString();
      case "function": return "[Function: " + (v.name || "(anonymous)") + "]";
    }
    if (v === null) return "null";
    for (let i = 0; i < seen.length; i++) if (seen[i] === v) return "[Circular]";
    if (v instanceof ErrorCtor) {
      const head = Str(v.name) + ": " + Str(v.message);
      return typeof v.stack === "string" && v.stack !== "" ? head + "\n" + v.stack.replace(/\n$/, "") : head;
    }
    if (v instanceof DateCtor) return isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
    if (depth >= MAX_DEPTH) return isArray(v) ? "[Array]" : "[Object]";
    apply(arrPush, seen, [v]);
    try {
      const parts = [];
      if (isArray(v)) {
        const n = v.length < MAX_ITEMS ? v.length : MAX_ITEMS;
        for (let i = 0; i < n; i++) parts[parts.length] = inspect(v[i], depth + 1, seen);
        if (v.length > MAX_ITEMS) parts[parts.length] = "... " + (v.length - MAX_ITEMS) + " more items";
        return parts.length === 0 ? "[]" : "[ " + apply(arrJoin, parts, [", "]) + " ]";
      }
      if (v instanceof MapCtor) {
        for (const [k, x] of v) {
          if (parts.length >= MAX_ITEMS) { parts[parts.length] = "..."; break; }
          parts[parts.length] = inspect(k, depth + 1, seen) + " => " + inspect(x, depth + 1, seen);
        }
        return "Map(" + v.size + ") {" + (parts.length ? " " + apply(arrJoin, parts, [", "]) + " " : "") + "}";
      }
      if (v instanceof SetCtor) {
        for (const x of v) {
          if (parts.length >= MAX_ITEMS) { parts[parts.length] = "..."; break; }
          parts[parts.length] = inspect(x, depth + 1, seen);
        }
        return "Set(" + v.size + ") {" + (parts.length ? " " + apply(arrJoin, parts, [", "]) + " " : "") + "}";
      }
      const keys = keysOf(v);
      const n = keys.length < MAX_ITEMS ? keys.length : MAX_ITEMS;
      for (let i = 0; i < n; i++) {
        const k = keys[i];
        parts[parts.length] = (IDENT.test(k) ? k : stringify(k)) + ": " + inspect(v[k], depth + 1, seen);
      }
      if (keys.length > MAX_ITEMS) parts[parts.length] = "...";
      const name = ctorName(v);
      const prefix = name === "Object" || name === "" ? "" : name + " ";
      return prefix + (parts.length === 0 ? "{}" : "{ " + apply(arrJoin, parts, [", "]) + " }");
    } finally {
      seen.length = seen.length - 1;
    }
  }

  function format(args) {
    const parts = [];
    for (let i = 0; i < args.length; i++) {
      try {
        parts[i] = inspect(args[i], 0, []);
      } catch (_) {
        parts[i] = "[Uninspectable]";
      }
    }
    return apply(arrJoin, parts, [" "]);
  }

  function emit(level, args) {
    const text = format(args);
    const n = text.length;
    budget = hostLog(level, n > budget ? apply(strSlice, text, [0, budget > 0 ? budget : 0]) : text, n);
  }

  const console = {
    log(...args) { emit(0, args); },
    info(...args) { emit(1, args); },
    warn(...args) { emit(2, args); },
    error(...args) { emit(3, args); },
    debug(...args) { emit(4, args); },
  };
  defineProperty(G, "console", { value: freeze(console), writable: true, configurable: true, enumerable: false });

  const hook = freeze({
    callTool(server, tool, args) {
      let json;
      try {
        json = stringify(args === undefined ? {} : args);
      } catch (e) {
        return promiseReject(e);
      }
      if (typeof json !== "string") {
        return promiseReject(new TypeError("Tool arguments must be JSON-serializable, got " + typeof args));
      }
      return apply(promiseThen, hostCall(Str(server), Str(tool), json), [parse]);
    },
  });
  defineProperty(G, Symbol.for("mcpx.host"), { value: hook, writable: false, configurable: false, enumerable: false });

  function describe(e) {
    try {
      if (e !== null && (typeof e === "object" || typeof e === "function")) {
        const name = e.name, message = e.message, stack = e.stack, code = e.code;
        return stringify({
          name: typeof name === "string" && name !== "" ? name : "Error",
          message: typeof message === "string" ? message : Str(e),
          stack: typeof stack === "string" ? stack : undefined,
          code: typeof code === "string" ? code : undefined,
        });
      }
      return stringify({ name: "Error", message: "Uncaught " + inspect(e, 1, []) });
    } catch (_) {
      return '{"name":"Error","message":"Uncaught exception that could not be described"}';
    }
  }

  function serialize(v) {
    if (v === undefined) return undefined;
    let json;
    try {
      json = stringify(v);
    } catch (e) {
      throw new TypeError("The default export is not JSON-serializable: " + (e && e.message));
    }
    if (json === undefined) {
      throw new TypeError("The default export is not JSON-serializable: it is a " + typeof v);
    }
    return json;
  }

  return {
    begin(outputBudget) {
      budget = outputBudget;
    },
    async run(entry) {
      const ns = entry instanceof PromiseCtor ? await entry : entry;
      return serialize(await ns.default);
    },
    describe,
    head(text, n) {
      return apply(strSlice, text, [0, n]);
    },
  };
})`;
