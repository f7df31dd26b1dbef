/**
 * The import boundaries in eslint.config.js must really fail a planted violation: a rule that never
 * fires looks the same in CI as a codebase that obeys it. Lint does not depend on the database or
 * kv adapter, so it is a `once` suite (scripts/test-scopes.mjs): sqlite only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, testRedis } from '../helpers/app.js';

const root = path.resolve(import.meta.dirname, '../..');

/** Files with a violation (or deliberately without one), planted in the tree for the run. */
const PLANTED = {
  platformImportsModule: [
    'src/platform/zz-planted-boundary.ts',
    "import { NAME_MAX } from '../modules/users/user.rules.js';\nexport const planted = NAME_MAX;\n",
  ],
  moduleUsesRepository: [
    'src/modules/feed/zz-planted-boundary.ts',
    "import { createUserRepository } from '../users/user.repository.js';\n" +
      "import { usersModule } from '../users/users.module.js';\n" +
      'export const planted = [createUserRepository, usersModule];\n',
  ],
  moduleUsesService: [
    'src/modules/feed/zz-planted-clean.ts',
    "import type { UserRow } from '../users/user.tables.js';\n" +
      "import type { RelationService } from '../relations/relation.service.js';\n" +
      'export type Planted = [UserRow, RelationService];\n',
  ],
  providerAtBoot: [
    'src/modules/oauth/zz-planted-provider.ts',
    "import { errors } from 'oidc-provider';\n" +
      "import { createProvider } from './oauth.provider.js';\n" +
      'export const planted = [errors, createProvider];\n',
  ],
  floatingPromise: [
    'src/platform/zz-planted-floating.ts',
    'export function planted(work: () => Promise<void>): void {\n  work();\n}\n',
  ],
  awaitedPromise: [
    'src/platform/zz-planted-clean.ts',
    'export function planted(work: () => Promise<void>): Promise<void> {\n  return work();\n}\n',
  ],
} as const;
type Case = keyof typeof PLANTED;

let found: Record<Case, string[]>;

describe.skipIf(testDb !== 'sqlite' || testRedis)('lint rules', () => {
  // One ESLint run over every planted file: the type-aware rules build the TypeScript program
  // once (tens of seconds on a loaded machine), not once per case.
  beforeAll(async () => {
    const files = Object.values(PLANTED).map(([relative, text]) => {
      const file = path.join(root, relative);
      fs.writeFileSync(file, text);
      return file;
    });
    const results = await new ESLint({ cwd: root }).lintFiles(files);
    const messages = new Map(
      results.map((r) => [r.filePath, r.messages.map((m) => `${m.ruleId}: ${m.message}`)] as const),
    );
    found = Object.fromEntries(
      Object.entries(PLANTED).map(([name, [relative]]) => [name, messages.get(path.join(root, relative)) ?? []]),
    ) as Record<Case, string[]>;
  }, 180_000);
  afterAll(() => {
    for (const [relative] of Object.values(PLANTED)) fs.rmSync(path.join(root, relative), { force: true });
  });

  it('refuses platform code that imports a feature module', () => {
    expect(
      found.platformImportsModule.some((m) => m.startsWith('no-restricted-imports') && m.includes('platform/')),
    ).toBe(true);
  });

  it("refuses a module that uses another module's repository, or wires another module", () => {
    const restricted = found.moduleUsesRepository.filter((m) => m.startsWith('no-restricted-imports'));
    expect(restricted.some((m) => m.includes('use its service or read model'))).toBe(true);
    expect(restricted.some((m) => m.includes('composition root only'))).toBe(true);
  });

  it("accepts another module's service and row types", () => {
    expect(found.moduleUsesService).toEqual([]);
  });

  it('refuses a value import of oidc-provider, or of the files built on its first use, in any other module file', () => {
    const restricted = found.providerAtBoot.filter((m) => m.startsWith('no-restricted-imports'));
    expect(restricted.filter((m) => m.includes('loaded on first use of the OAuth provider'))).toHaveLength(2);
  });

  it('refuses a promise left floating', () => {
    expect(found.floatingPromise.some((m) => m.startsWith('@typescript-eslint/no-floating-promises'))).toBe(true);
  });

  it('accepts the same platform code without the violation', () => {
    expect(found.awaitedPromise).toEqual([]);
  });
});
