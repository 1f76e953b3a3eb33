// The guest's object formatter for `console.*`, evaluated lazily inside the
// guest the first time a program logs something other than a primitive, so
// programs that never do pay nothing for it. It runs as guest code: getters
// and proxies it meets run inside the sandbox, under its limits.

/** Source that evaluates to `(value) => string`. */
export const INSPECT_SOURCE = String.raw`(function () {
  "use strict";
  const stringify = JSON.stringify;
  const keysOf = Object.keys;
  const isArray = Array.isArray;
  const getProto = Object.getPrototypeOf;
  const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  const MAX_ITEMS = 100;
  const MAX_DEPTH = 4;
  function ctorName(v) {
    try {
      const p = getProto(v);
      if (p === null) return "[Object: null prototype]";
      const n = typeof p.constructor === "function" ? p.constructor.name : "";
      return typeof n === "string" ? n : "";
    } catch (_) {
      return "";
    }
  }
  function list(parts, open, close) {
    return parts.length === 0 ? open + close : open + " " + parts.join(", ") + " " + close;
  }
  function inspect(v, depth, seen) {
    switch (typeof v) {
      case "string": return depth === 0 ? v : stringify(v);
      case "number": return Object.is(v, -0) ? "-0" : String(v);
      case "bigint": return String(v) + "n";
      case "symbol": return v.toString();
      case "function": return "[Function: " + (v.name || "(anonymous)") + "]";
      case "object": break;
      default: return String(v);
    }
    if (v === null) return "null";
    if (seen.indexOf(v) >= 0) return "[Circular]";
    if (v instanceof Error) {
      const head = String(v.name) + ": " + String(v.message);
      return typeof v.stack === "string" && v.stack !== "" ? head + "\n" + v.stack.replace(/\n$/, "") : head;
    }
    if (v instanceof Date) return isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
    if (depth >= MAX_DEPTH) return isArray(v) ? "[Array]" : "[Object]";
    seen.push(v);
    try {
      const parts = [];
      if (isArray(v)) {
        const n = Math.min(v.length, MAX_ITEMS);
        for (let i = 0; i < n; i++) parts.push(inspect(v[i], depth + 1, seen));
        if (v.length > MAX_ITEMS) parts.push("... " + (v.length - MAX_ITEMS) + " more items");
        return list(parts, "[", "]");
      }
      if (v instanceof Map || v instanceof Set) {
        for (const e of v) {
          if (parts.length >= MAX_ITEMS) { parts.push("..."); break; }
          parts.push(v instanceof Map ? inspect(e[0], depth + 1, seen) + " => " + inspect(e[1], depth + 1, seen) : inspect(e, depth + 1, seen));
        }
        return (v instanceof Map ? "Map(" : "Set(") + v.size + ") " + list(parts, "{", "}");
      }
      const keys = keysOf(v);
      const n = Math.min(keys.length, MAX_ITEMS);
      for (let i = 0; i < n; i++) {
        const k = keys[i];
        parts.push((IDENT.test(k) ? k : stringify(k)) + ": " + inspect(v[k], depth + 1, seen));
      }
      if (keys.length > MAX_ITEMS) parts.push("...");
      const name = ctorName(v);
      return (name === "Object" || name === "" ? "" : name + " ") + list(parts, "{", "}");
    } finally {
      seen.pop();
    }
  }
  return (v) => inspect(v, 0, []);
})()`;
