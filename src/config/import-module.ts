import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Imports a module of the user's project: the config, and the plug-in modules it names (reporters,
 * graders). A plain `.mjs` file that does not import promptgate is imported by Node itself (jiti
 * costs 20-60 ms of start-up); anything else goes through jiti, which compiles TypeScript and
 * resolves `promptgate` to this very package, so a project file imports defineConfig and the
 * define* helpers even where promptgate is not installed in the project (our own repo, a temp dir,
 * a global install).
 */
export async function importProjectModule(file: string, source: string): Promise<Record<string, unknown>> {
  if (file.endsWith('.mjs') && !/['"]promptgate['"]/.test(source)) {
    // The query makes an edited file a new module (Node caches modules by URL).
    const { mtimeMs, size } = statSync(file);
    try {
      return (await import(`${pathToFileURL(file).href}?v=${mtimeMs}-${size}`)) as Record<string, unknown>;
    } catch (error) {
      // Node's parse errors carry no line; jiti parses the file again and tells where.
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  return (await projectJiti()).import<Record<string, unknown>>(file);
}

/**
 * The file a package name resolves to from `rootDir` (ESM conditions, as `import` would), or
 * undefined when it is not installed there.
 */
export async function resolveProjectPackage(name: string, rootDir: string): Promise<string | undefined> {
  const resolved = (await projectJiti()).esmResolve(name, { parentURL: pathToFileURL(`${rootDir}/`), try: true });
  return resolved === undefined ? undefined : resolved.startsWith('file:') ? fileURLToPath(resolved) : resolved;
}

async function projectJiti() {
  // jiti's CommonJS entry: importing its ES module entry makes Node scan the 190 KB module it
  // wraps for its exports, ~50 ms of every start-up that loads a config.
  const { createJiti } = createRequire(import.meta.url)('jiti') as typeof import('jiti');
  return createJiti(import.meta.url, { interopDefault: true, moduleCache: false, alias: { promptgate: ownEntry() } });
}

/**
 * This package's entry: dist/index.js when built. Running from source (tests), the build next to
 * src/ when there is one (jiti would otherwise compile src/index.ts and all it imports on every
 * load: seconds per config), else src/index.ts.
 */
function ownEntry(): string {
  const built = fileURLToPath(new URL('../index.js', import.meta.url));
  if (existsSync(built)) return built;
  const beside = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
  return import.meta.url.endsWith('.ts') && existsSync(beside) ? beside : fileURLToPath(new URL('../index.ts', import.meta.url));
}
