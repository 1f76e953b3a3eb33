// A Javy plugin for tests, written in WAT and compiled with the npm `wabt`
// package. It has the plugin ABI of a real Javy plugin (the exports
// `initialize-runtime`, `compile-src`, `invoke`, `cabi_realloc`, `memory`,
// the custom section `import_namespace`, WASI preview 1 imports and one host
// import of its own, `env.fixture_host_call`), but it does not run
// JavaScript: `invoke` interprets the lines of the source that start with
// `//! `, a fixed protocol of operations:
//
//   //! out TEXT      write TEXT and a newline to stdout (fd 1)
//   //! err TEXT      … to stderr (fd 2)
//   //! bridge TEXT   write a bridge frame: "\0mcpx:" TEXT and a newline to stdout
//   //! read          read one line from stdin, the bridge's replies (blocking), and
//                     echo it to stdout
//   //! grow N        grow the memory by N pages; when it cannot, print Rust's
//                     "memory allocation … failed" to stderr and trap, as Rust aborts
//   //! spin          loop forever
//   //! host          call the plugin's own host import `env.fixture_host_call`
//   //! exit N        proc_exit(N)
//   //! trap          unreachable
//   //! recurse       recurse without end, until the native stack overflows
//   //! config        print "event-loop on" when `initialize-runtime` read a
//                     configuration from stdin (as Javy's default plugin does), else "… off"
//   //! wasi          check clocks, random, args, environ, preopens, stdin and
//                     bad descriptors; print "wasi ok" or "wasi fail N"
//
// Like a plugin that `javy init-plugin` did not initialize, `compile-src`
// fails until `initialize-runtime` ran. A source containing
// "@@compile-error" fails to compile with a SyntaxError message.

import wabtInit from "wabt";

/** The plugin's import namespace. */
export const FIXTURE_NAMESPACE = "mcpx-fixture-v1";

const STRINGS = {
  notInit: "Javy runtime not initialized. Ensure `javy init-plugin` has been invoked.",
  magic: "FXBC",
  compileMarker: "@@compile-error",
  syntaxError: "SyntaxError: unexpected token in the fixture source (@@compile-error)",
  notBytecode: "fixture: the bytecode is not fixture bytecode",
  prefix: "//! ",
  out: "out ",
  err: "err ",
  bridge: "bridge ",
  read: "read",
  grow: "grow ",
  spin: "spin",
  host: "host",
  exit: "exit ",
  trap: "trap",
  wasi: "wasi",
  nl: "\n",
  framePrefix: "\u0000mcpx:",
  eof: "eof",
  wasiOk: "wasi ok",
  wasiFail: "wasi fail ",
  path: "etc/passwd",
  allocFailed: "memory allocation failed",
  config: "config",
  recurse: "recurse",
  loopOn: "event-loop on",
  loopOff: "event-loop off",
  schema: JSON.stringify({
    supportedProperties: [{ name: "event-loop", doc: "Whether to enable the event loop.\n" }],
  }),
};

const enc = new TextEncoder();
const A: Record<string, number> = {};
const L: Record<string, number> = {};
let at = 1024;
const data: string[] = [];
for (const [k, v] of Object.entries(STRINGS)) {
  const bytes = enc.encode(v);
  A[k] = at;
  L[k] = bytes.length;
  data.push(
    `(data (i32.const ${at}) "${
      [...bytes].map((b) => "\\" + b.toString(16).padStart(2, "0")).join("")
    }")`,
  );
  at += bytes.length + 8;
}
const s = (k: keyof typeof STRINGS) => `(i32.const ${A[k]}) (i32.const ${L[k]})`;

/** The fixture's WAT text. */
export const FIXTURE_WAT = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "env" "fixture_host_call" (func $host (result i32)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (global $init (mut i32) (i32.const 0))
  (global $rbuf (mut i32) (i32.const 0))
  ${data.join("\n  ")}

  (func $cabi_realloc (export "cabi_realloc") (param $orig i32) (param $olen i32) (param $align i32) (param $len i32) (result i32)
    (local $p i32) (local $need i32)
    (local.set $p (i32.and
      (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $len)))
    (local.set $need (i32.sub
      (i32.shr_u (i32.add (global.get $heap) (i32.const 65535)) (i32.const 16))
      (memory.size)))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then (if (i32.eq (memory.grow (local.get $need)) (i32.const -1)) (then unreachable))))
    (if (i32.ne (local.get $orig) (i32.const 0))
      (then (memory.copy (local.get $p) (local.get $orig) (local.get $olen))))
    (local.get $p))

  (global $evloop (mut i32) (i32.const 0))

  ;; Like Javy's default plugin: the runtime configuration comes in on stdin.
  (func (export "initialize-runtime")
    (global.set $init (i32.const 1))
    (i32.store (i32.const 200) (i32.const 400))
    (i32.store (i32.const 204) (i32.const 64))
    (i32.store (i32.const 208) (i32.const 0))
    (drop (call $fd_read (i32.const 0) (i32.const 200) (i32.const 1) (i32.const 208)))
    (global.set $evloop (i32.ne (i32.load (i32.const 208)) (i32.const 0))))

  (func (export "config-schema") (result i32)
    (i32.store (i32.const 500) (i32.const ${A.schema}))
    (i32.store (i32.const 504) (i32.const ${L.schema}))
    (i32.const 500))

  (func $write (param $fd i32) (param $p i32) (param $n i32)
    (i32.store (i32.const 0) (local.get $p))
    (i32.store (i32.const 4) (local.get $n))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 16))))

  (func $writeln (param $fd i32) (param $p i32) (param $n i32)
    (i32.store (i32.const 0) (local.get $p))
    (i32.store (i32.const 4) (local.get $n))
    (i32.store (i32.const 8) (i32.const ${A.nl}))
    (i32.store (i32.const 12) (i32.const 1))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 2) (i32.const 16))))

  (func $eq (param $p i32) (param $e i32) (param $q i32) (param $n i32) (result i32)
    (local $i i32)
    (if (i32.gt_u (i32.add (local.get $p) (local.get $n)) (local.get $e)) (then (return (i32.const 0))))
    (block $no (loop $l
      (br_if $no (i32.ge_u (local.get $i) (local.get $n)))
      (if (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $i)))
                  (i32.load8_u (i32.add (local.get $q) (local.get $i))))
        (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.const 1))

  (func $atoi (param $p i32) (param $e i32) (result i32)
    (local $n i32) (local $c i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $e)))
      (local.set $c (i32.load8_u (local.get $p)))
      (br_if $done (i32.lt_u (local.get $c) (i32.const 48)))
      (br_if $done (i32.gt_u (local.get $c) (i32.const 57)))
      (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10)) (i32.sub (local.get $c) (i32.const 48))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $l)))
    (local.get $n))

  (func (export "compile-src") (param $src i32) (param $len i32) (result i32)
    (local $p i32) (local $e i32) (local $out i32)
    (if (i32.eqz (global.get $init)) (then
      (i32.store (i32.const 32) (i32.const 1))
      (i32.store (i32.const 36) (i32.const ${A.notInit}))
      (i32.store (i32.const 40) (i32.const ${L.notInit}))
      (return (i32.const 32))))
    (local.set $p (local.get $src))
    (local.set $e (i32.add (local.get $src) (local.get $len)))
    (block $clean (loop $l
      (br_if $clean (i32.ge_u (local.get $p) (local.get $e)))
      (if (call $eq (local.get $p) (local.get $e) ${s("compileMarker")}) (then
        (i32.store (i32.const 32) (i32.const 1))
        (i32.store (i32.const 36) (i32.const ${A.syntaxError}))
        (i32.store (i32.const 40) (i32.const ${L.syntaxError}))
        (return (i32.const 32))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $l)))
    (local.set $out (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.add (local.get $len) (i32.const 4))))
    (memory.copy (local.get $out) (i32.const ${A.magic}) (i32.const 4))
    (memory.copy (i32.add (local.get $out) (i32.const 4)) (local.get $src) (local.get $len))
    (i32.store (i32.const 32) (i32.const 0))
    (i32.store (i32.const 36) (local.get $out))
    (i32.store (i32.const 40) (i32.add (local.get $len) (i32.const 4)))
    (i32.const 32))

  (func $readline
    (local $n i32)
    (if (i32.eqz (global.get $rbuf)) (then
      (global.set $rbuf (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 65536)))))
    (block $done (loop $l
      (i32.store (i32.const 200) (i32.add (global.get $rbuf) (local.get $n)))
      (i32.store (i32.const 204) (i32.const 1))
      (i32.store (i32.const 208) (i32.const 0))
      (drop (call $fd_read (i32.const 0) (i32.const 200) (i32.const 1) (i32.const 208)))
      (if (i32.eqz (i32.load (i32.const 208))) (then
        (call $writeln (i32.const 1) ${s("eof")})
        (return)))
      (if (i32.eq (i32.load8_u (i32.add (global.get $rbuf) (local.get $n))) (i32.const 10)) (then
        (call $write (i32.const 1) (global.get $rbuf) (i32.add (local.get $n) (i32.const 1)))
        (return)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $n) (i32.const 65535)))))
    (call $write (i32.const 1) (global.get $rbuf) (local.get $n)))

  (func $recurse (param $n i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))

  (func $fail (param $n i32)
    (i32.store8 (i32.const 300) (i32.add (i32.const 48) (local.get $n)))
    (call $write (i32.const 1) ${s("wasiFail")})
    (call $writeln (i32.const 1) (i32.const 300) (i32.const 1)))

  (func $wasi
    (if (call $clock (i32.const 0) (i64.const 1000) (i32.const 48)) (then (return (call $fail (i32.const 1)))))
    (if (i64.lt_u (i64.load (i32.const 48)) (i64.const 1600000000000000000)) (then (return (call $fail (i32.const 2)))))
    (i64.store (i32.const 64) (i64.const 0))
    (i64.store (i32.const 72) (i64.const 0))
    (if (call $random (i32.const 64) (i32.const 16)) (then (return (call $fail (i32.const 3)))))
    (if (i64.eqz (i64.or (i64.load (i32.const 64)) (i64.load (i32.const 72)))) (then (return (call $fail (i32.const 3)))))
    (i32.store (i32.const 80) (i32.const 99))
    (if (call $args_sizes (i32.const 80) (i32.const 84)) (then (return (call $fail (i32.const 4)))))
    (if (i32.load (i32.const 80)) (then (return (call $fail (i32.const 4)))))
    (i32.store (i32.const 88) (i32.const 99))
    (if (call $env_sizes (i32.const 88) (i32.const 92)) (then (return (call $fail (i32.const 5)))))
    (if (i32.load (i32.const 88)) (then (return (call $fail (i32.const 5)))))
    (if (i32.ne (call $prestat (i32.const 3) (i32.const 96)) (i32.const 8)) (then (return (call $fail (i32.const 6)))))
    (if (i32.ne (call $path_open (i32.const 3) (i32.const 0) ${
  s("path")
} (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 104)) (i32.const 76))
      (then (return (call $fail (i32.const 7)))))
    (i32.store (i32.const 200) (i32.const 400))
    (i32.store (i32.const 204) (i32.const 16))
    (i32.store (i32.const 208) (i32.const 99))
    (if (call $fd_read (i32.const 0) (i32.const 200) (i32.const 1) (i32.const 208)) (then (return (call $fail (i32.const 8)))))
    (if (i32.load (i32.const 208)) (then (return (call $fail (i32.const 8)))))
    (i32.store (i32.const 0) (i32.const ${A.nl}))
    (i32.store (i32.const 4) (i32.const 1))
    (if (i32.ne (call $fd_write (i32.const 9) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 8))
      (then (return (call $fail (i32.const 9)))))
    (call $writeln (i32.const 1) ${s("wasiOk")}))

  (func $op (param $p i32) (param $e i32)
    (if (call $eq (local.get $p) (local.get $e) ${s("out")}) (then
      (return (call $writeln (i32.const 1) (i32.add (local.get $p) (i32.const 4)) (i32.sub (local.get $e) (i32.add (local.get $p) (i32.const 4)))))))
    (if (call $eq (local.get $p) (local.get $e) ${s("err")}) (then
      (return (call $writeln (i32.const 2) (i32.add (local.get $p) (i32.const 4)) (i32.sub (local.get $e) (i32.add (local.get $p) (i32.const 4)))))))
    (if (call $eq (local.get $p) (local.get $e) ${s("bridge")}) (then
      (call $write (i32.const 1) ${s("framePrefix")})
      (return (call $writeln (i32.const 1) (i32.add (local.get $p) (i32.const 7)) (i32.sub (local.get $e) (i32.add (local.get $p) (i32.const 7)))))))
    (if (call $eq (local.get $p) (local.get $e) ${s("read")}) (then (return (call $readline))))
    (if (call $eq (local.get $p) (local.get $e) ${s("grow")}) (then
      (if (i32.eq (memory.grow (call $atoi (i32.add (local.get $p) (i32.const 5)) (local.get $e))) (i32.const -1))
        (then (call $writeln (i32.const 2) ${s("allocFailed")}) unreachable))
      (return)))
    (if (call $eq (local.get $p) (local.get $e) ${s("spin")}) (then (loop $forever (br $forever))))
    (if (call $eq (local.get $p) (local.get $e) ${s("host")}) (then (drop (call $host)) (return)))
    (if (call $eq (local.get $p) (local.get $e) ${s("exit")}) (then
      (call $proc_exit (call $atoi (i32.add (local.get $p) (i32.const 5)) (local.get $e)))
      (return)))
    (if (call $eq (local.get $p) (local.get $e) ${s("trap")}) (then unreachable))
    (if (call $eq (local.get $p) (local.get $e) ${s("recurse")}) (then
      (drop (call $recurse (i32.const 0)))
      (return)))
    (if (call $eq (local.get $p) (local.get $e) ${s("config")}) (then
      (if (global.get $evloop)
        (then (call $writeln (i32.const 1) ${s("loopOn")}))
        (else (call $writeln (i32.const 1) ${s("loopOff")})))
      (return)))
    (if (call $eq (local.get $p) (local.get $e) ${s("wasi")}) (then (return (call $wasi)))))

  (func (export "invoke") (param $bc i32) (param $len i32) (param $tag i32) (param $fn i32) (param $fnlen i32)
    (local $p i32) (local $e i32) (local $le i32)
    (if (i32.eqz (global.get $init)) (then
      (call $writeln (i32.const 2) ${s("notInit")})
      unreachable))
    (local.set $e (i32.add (local.get $bc) (local.get $len)))
    (if (i32.eqz (call $eq (local.get $bc) (local.get $e) ${s("magic")})) (then
      (call $writeln (i32.const 2) ${s("notBytecode")})
      unreachable))
    (local.set $p (i32.add (local.get $bc) (i32.const 4)))
    (block $done (loop $lines
      (br_if $done (i32.ge_u (local.get $p) (local.get $e)))
      (local.set $le (local.get $p))
      (block $eol (loop $scan
        (br_if $eol (i32.ge_u (local.get $le) (local.get $e)))
        (br_if $eol (i32.eq (i32.load8_u (local.get $le)) (i32.const 10)))
        (local.set $le (i32.add (local.get $le) (i32.const 1)))
        (br $scan)))
      ;; skip leading blanks
      (block $nb (loop $sp
        (br_if $nb (i32.ge_u (local.get $p) (local.get $le)))
        (br_if $nb (i32.ne (i32.load8_u (local.get $p)) (i32.const 32)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $sp)))
      (if (call $eq (local.get $p) (local.get $le) ${s("prefix")})
        (then (call $op (i32.add (local.get $p) (i32.const 4)) (local.get $le))))
      (local.set $p (i32.add (local.get $le) (i32.const 1)))
      (br $lines))))
)`;

let cached: Promise<Uint8Array> | undefined;

/**
 * The fixture plugin's bytes: the WAT compiled with wabt, then the
 * `import_namespace` custom section appended.
 */
export function fixturePluginBytes(): Promise<Uint8Array> {
  cached ??= (async () => {
    const wabt = await wabtInit();
    const parsed = wabt.parseWat("fixture_plugin.wat", FIXTURE_WAT, { bulk_memory: true });
    parsed.validate();
    const { buffer } = parsed.toBinary({});
    parsed.destroy();
    return appendCustomSection(buffer, "import_namespace", enc.encode(FIXTURE_NAMESPACE));
  })();
  return cached;
}

/** `bytes` with a custom section `name` holding `content` appended. */
export function appendCustomSection(
  bytes: Uint8Array,
  name: string,
  content: Uint8Array,
): Uint8Array {
  const n = enc.encode(name);
  const body = [...leb(n.length), ...n, ...content];
  return new Uint8Array([...bytes, 0, ...leb(body.length), ...body]);
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
