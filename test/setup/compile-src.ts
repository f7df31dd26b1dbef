/**
 * vitest globalSetup: transpiles src/ (and the child-process fixtures) once per run with esbuild into `.test-build/<run>/`, so the
 * suites that spawn the real `inkstone` command start plain `node` on JavaScript instead of paying
 * tsx's transform in every child process (tens of seconds per spawn on a loaded 2-core machine).
 * Transpiling only (no bundling, no type check: `npm run typecheck` does that); the output sits
 * inside the repository so that the packages resolve from node_modules as they do for src/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The transpiled src/main.ts: `node <serverEntry> serve`. */
    serverEntry: string;
    /** Where the transpiled tree is: `<buildRoot>/src/…` and `<buildRoot>/test/cluster/fixtures/…`. */
    buildRoot: string;
  }
}

const root = path.resolve(import.meta.dirname, '../..');

export default async function setup(project: TestProject) {
  const parent = path.join(root, '.test-build');
  fs.mkdirSync(parent, { recursive: true });
  const outdir = fs.mkdtempSync(path.join(parent, 'run-'));
  // The fixtures that child processes run, beside src/ so their relative imports resolve.
  const entryPoints = ['src', 'test/cluster/fixtures'].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(root, dir, f)),
  );
  await build({
    entryPoints,
    outdir,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  project.provide('serverEntry', path.join(outdir, 'src', 'main.js'));
  project.provide('buildRoot', outdir);
  return () => fs.rmSync(outdir, { recursive: true, force: true });
}
