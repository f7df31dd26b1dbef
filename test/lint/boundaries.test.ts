/**
 * The import boundaries in eslint.config.js must really fail a planted violation: a rule that never
 * fires looks the same in CI as a codebase that obeys it. Lint does not depend on the database or
 * kv adapter, so it is a `once` suite (scripts/test-scopes.mjs): sqlite only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { testDb, testRedis } from '../helpers/app.js';

const root = path.resolve(import.meta.dirname, '../..');
const planted: string[] = [];

function plant(relative: string, text: string): string {
  const file = path.join(root, relative);
  fs.writeFileSync(file, text);
  planted.push(file);
  return file;
}

async function ruleIds(file: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintFiles([file]);
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe.skipIf(testDb !== 'sqlite' || testRedis)('lint rules', () => {
  afterAll(() => {
    for (const file of planted) fs.rmSync(file, { force: true });
  });

  it('refuses platform code that imports a feature module', async () => {
    const file = plant(
      'src/platform/zz-planted-boundary.ts',
      "import { NAME_MAX } from '../modules/users/user.rules.js';\nexport const planted = NAME_MAX;\n",
    );
    const found = await ruleIds(file);
    expect(found.some((m) => m.startsWith('no-restricted-imports') && m.includes('platform/'))).toBe(true);
  }, 120_000);

  it("refuses a module that uses another module's repository, or wires another module", async () => {
    const file = plant(
      'src/modules/feed/zz-planted-boundary.ts',
      "import { createUserRepository } from '../users/user.repository.js';\n" +
        "import { usersModule } from '../users/users.module.js';\n" +
        'export const planted = [createUserRepository, usersModule];\n',
    );
    const found = (await ruleIds(file)).filter((m) => m.startsWith('no-restricted-imports'));
    expect(found.some((m) => m.includes('use its service or read model'))).toBe(true);
    expect(found.some((m) => m.includes('composition root only'))).toBe(true);
  }, 120_000);

  it("accepts another module's service and row types", async () => {
    const file = plant(
      'src/modules/feed/zz-planted-clean.ts',
      "import type { UserRow } from '../users/user.tables.js';\n" +
        "import type { RelationService } from '../relations/relation.service.js';\n" +
        'export type Planted = [UserRow, RelationService];\n',
    );
    expect(await ruleIds(file)).toEqual([]);
  }, 120_000);

  it('refuses a promise left floating', async () => {
    const file = plant(
      'src/platform/zz-planted-floating.ts',
      'export function planted(work: () => Promise<void>): void {\n  work();\n}\n',
    );
    const found = await ruleIds(file);
    expect(found.some((m) => m.startsWith('@typescript-eslint/no-floating-promises'))).toBe(true);
  }, 120_000);

  it('accepts the same platform code without the violation', async () => {
    const file = plant(
      'src/platform/zz-planted-clean.ts',
      'export function planted(work: () => Promise<void>): Promise<void> {\n  return work();\n}\n',
    );
    expect(await ruleIds(file)).toEqual([]);
  }, 120_000);
});
