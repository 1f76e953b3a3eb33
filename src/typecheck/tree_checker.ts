/**
 * A warm TypeScript language service over the sandbox's virtual tree. It
 * resolves imports exactly as the sandbox does (`src/sandbox/_module_paths.ts`),
 * sees only ECMAScript 2023 and the sandbox's `console`, and keeps parsed
 * files across checks: a file is parsed again only when its text changes.
 *
 * It is handed the `typescript` module rather than importing it, so that
 * only the checker's process loads the compiler.
 *
 * @module
 */
import type ts from "typescript";
import { type FileLookup, resolveSpecifier } from "../sandbox/_module_paths.ts";
import type { TypeCheckResult, TypeDiagnostic } from "./diagnostics.ts";
import { GUEST_GLOBALS, GUEST_GLOBALS_PATH } from "./_guest_lib.ts";

/** The `typescript` module. */
export type TypeScriptApi = typeof ts;

/** One program to check. */
export interface TreeCheckRequest {
  /** Identity of the generated tree; the same id means the same files. */
  treeId: number;
  /** The tree (absolute paths → source), when it differs from the last one seen. */
  tree?: ReadonlyMap<string, string>;
  /** Files of this execution only, such as skills and workspace modules; they shadow the tree. */
  extra?: ReadonlyMap<string, string>;
  /** Path of the program (default `/main.ts`). */
  entry?: string;
  /** The program's TypeScript source. */
  code: string;
  /** Most diagnostics to return (default 5). */
  max?: number;
}

/** Where the checker keeps the ECMAScript declaration files. */
const LIB_DIR = "/__lib__/";

/**
 * Errors that are left to the sandbox or that would refuse programs that
 * run fine: unresolved imports (the sandbox names the missing file better),
 * values that are possibly `null`/`undefined`, and uses of `unknown`.
 */
const IGNORED_CODES: ReadonlySet<number> = new Set([
  2307, // Cannot find module
  2792, // Cannot find module (moduleResolution hint)
  2531, // Object is possibly 'null'
  2532, // Object is possibly 'undefined'
  2533, // Object is possibly 'null' or 'undefined'
  18046, // 'x' is of type 'unknown'
  18047, // 'x' is possibly 'null'
  18048, // 'x' is possibly 'undefined'
  18049, // 'x' is possibly 'null' or 'undefined'
]);

const MAX_MESSAGE = 400;
const MAX_SOURCE = 160;

/** Type-checks programs against a tree, keeping its work between checks. */
export class TreeChecker {
  readonly #ts: TypeScriptApi;
  readonly #libs: ReadonlyMap<string, string>;
  readonly #service: ts.LanguageService;
  #tree: ReadonlyMap<string, string> = new Map();
  #treeId = Number.NaN;
  #extra: ReadonlyMap<string, string> = new Map();
  #entry = "/main.ts";
  #code = "";
  readonly #versions = new Map<string, { text: string; version: number }>();
  #nextVersion = 1;

  /**
   * @param tsApi The `typescript` module (5.x).
   * @param libs ECMAScript declaration files by name (`lib.es2023.d.ts` → text),
   *   from the `lib` folder of that package.
   */
  constructor(tsApi: TypeScriptApi, libs: ReadonlyMap<string, string>) {
    this.#ts = tsApi;
    this.#libs = libs;
    const t = tsApi;
    const options: ts.CompilerOptions = {
      target: t.ScriptTarget.ES2022,
      module: t.ModuleKind.ESNext,
      moduleResolution: t.ModuleResolutionKind.Bundler,
      moduleDetection: t.ModuleDetectionKind.Force,
      allowImportingTsExtensions: true,
      allowJs: true,
      checkJs: false,
      noEmit: true,
      lib: ["lib.es2023.d.ts"],
      types: [],
      skipLibCheck: true,
      strict: true,
      noImplicitAny: false,
      useUnknownInCatchVariables: false,
    };
    const lookup: FileLookup = {
      get: (p) => this.#text(p),
      has: (p) => this.#text(p) !== undefined,
    };
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => options,
      getScriptFileNames: () => [GUEST_GLOBALS_PATH, this.#entry],
      getScriptVersion: (path) => this.#version(path),
      getScriptSnapshot: (path) => {
        const text = this.#text(path);
        return text === undefined ? undefined : t.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => "/",
      getDefaultLibFileName: () => `${LIB_DIR}lib.es2023.d.ts`,
      fileExists: (path) => this.#text(path) !== undefined,
      readFile: (path) => this.#text(path),
      directoryExists: () => true,
      getDirectories: () => [],
      useCaseSensitiveFileNames: () => true,
      resolveModuleNameLiterals: (literals, containingFile) =>
        literals.map((literal) => {
          const r = resolveSpecifier(containingFile, literal.text, lookup);
          if ("error" in r) return { resolvedModule: undefined };
          return {
            resolvedModule: {
              resolvedFileName: r.path,
              extension: extensionOf(t, r.path),
              isExternalLibraryImport: false,
            },
          };
        }),
    };
    this.#service = t.createLanguageService(host, t.createDocumentRegistry(true, "/"));
  }

  /**
   * Checks one program. Syntax errors are not reported here: the program is
   * then passed as checked, and the sandbox's compiler reports them.
   */
  check(req: TreeCheckRequest): TypeCheckResult {
    const t0 = performance.now();
    const newTree = req.tree !== undefined || req.treeId !== this.#treeId;
    if (newTree) {
      this.#tree = req.tree ?? new Map();
      this.#treeId = req.treeId;
    }
    this.#extra = req.extra ?? new Map();
    this.#entry = req.entry ?? "/main.ts";
    this.#code = req.code;
    if (newTree || this.#versions.size > 10_000) {
      // Forget files that are gone; unchanged ones keep their version and their parse.
      for (const path of this.#versions.keys()) {
        if (this.#text(path) === undefined) this.#versions.delete(path);
      }
    }
    const done = (diagnostics: TypeDiagnostic[], total: number): TypeCheckResult => ({
      ok: total === 0,
      diagnostics,
      total,
      durationMs: performance.now() - t0,
    });
    if (this.#service.getSyntacticDiagnostics(this.#entry).length > 0) return done([], 0);
    const errors = this.#service.getSemanticDiagnostics(this.#entry).filter((d) =>
      d.category === this.#ts.DiagnosticCategory.Error && !IGNORED_CODES.has(d.code)
    );
    const max = req.max ?? 5;
    return done(errors.slice(0, max).map((d) => this.#describe(d)), errors.length);
  }

  /** Frees the language service. */
  dispose(): void {
    this.#service.dispose();
  }

  #text(path: string): string | undefined {
    if (path === this.#entry) return this.#code;
    if (path === GUEST_GLOBALS_PATH) return GUEST_GLOBALS;
    if (path.startsWith(LIB_DIR)) return this.#libs.get(path.slice(LIB_DIR.length));
    return this.#extra.get(path) ?? this.#tree.get(path);
  }

  #version(path: string): string {
    const text = this.#text(path) ?? "";
    const seen = this.#versions.get(path);
    if (seen !== undefined && seen.text === text) return String(seen.version);
    const version = this.#nextVersion++;
    this.#versions.set(path, { text, version });
    return String(version);
  }

  #describe(d: ts.Diagnostic): TypeDiagnostic {
    const t = this.#ts;
    let message = t.flattenDiagnosticMessageText(d.messageText, " ");
    const related = d.relatedInformation?.find((r) => r.code === 6500 || r.code === 2728);
    if (related !== undefined) {
      message += ` (${
        t.flattenDiagnosticMessageText(related.messageText, " ").replace(/\.$/, "")
      })`;
    }
    message = oneLine(message, MAX_MESSAGE);
    if (d.file === undefined || d.start === undefined) {
      return { file: this.#entry, line: 0, column: 0, code: d.code, message, source: "" };
    }
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const starts = d.file.getLineStarts();
    const end = line + 1 < starts.length ? starts[line + 1] : d.file.text.length;
    return {
      file: d.file.fileName,
      line: line + 1,
      column: character + 1,
      code: d.code,
      message,
      source: oneLine(d.file.text.slice(starts[line], end), MAX_SOURCE),
    };
  }
}

function oneLine(text: string, max: number): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function extensionOf(t: TypeScriptApi, path: string): ts.Extension {
  if (path.endsWith(".d.ts")) return t.Extension.Dts;
  if (path.endsWith(".mts")) return t.Extension.Mts;
  if (path.endsWith(".mjs")) return t.Extension.Mjs;
  if (path.endsWith(".js")) return t.Extension.Js;
  return t.Extension.Ts;
}
