// Lint: type-aware rules from typescript-eslint, plus the import boundaries CONTRIBUTING describes.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const MODULE_BOUNDARIES = [
  {
    group: ['../*/*.repository.js', '../*/*.tables.js'],
    allowTypeImports: true,
    message: "another module's repository and tables are its own: use its service or read model.",
  },
  {
    group: ['../*/*.routes.js', '../*/*.module.js', '../*/migrations/*'],
    message: "another module's routes, manifest and migrations are wired by the composition root only.",
  },
  { group: ['../../app.js', '../../services.js', '../index.js'], message: 'modules never import the root.' },
];

// oidc-provider and Koa load with the OAuth provider's first use, not at boot: only the files imported then may
// import them (or be imported) for their values.
const LOADED_ON_DEMAND = {
  group: ['oidc-provider', 'oidc-provider/*', 'koa', '**/oauth.provider.js', '**/oauth.adapter.js'],
  allowTypeImports: true,
  message: 'loaded on first use of the OAuth provider: import types only, or import() it where the provider is built.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.test-results/**',
      '.test-build/**',
      'bench/results/**',
      'data/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      // Port implementations are async by contract even when an adapter answers synchronously.
      '@typescript-eslint/require-await': 'off',
      // Services are closures returned by factories and never use `this`, so passing a method along is safe.
      '@typescript-eslint/unbound-method': 'off',
      // On TypeScript 6 this rule calls assertions "unnecessary" that tsc needs (its autofix broke the typecheck).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The platform is the layer below features: it never imports a module.
    files: ['src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/modules/**'], message: 'platform/ never imports a feature module.' }] },
      ],
    },
  },
  {
    // Modules meet through services and declared read models (CONTRIBUTING, "Shape of a feature"): another
    // module's repository and tables are off limits except for their row types; its routes, manifest and
    // migrations belong to the composition root.
    files: ['src/modules/*/**/*.ts'],
    ignores: ['src/modules/demo/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...MODULE_BOUNDARIES, LOADED_ON_DEMAND] }] },
  },
  {
    // The two files the OAuth module imports on the provider's first use (oauth.live-provider.ts).
    files: ['src/modules/oauth/oauth.provider.ts', 'src/modules/oauth/oauth.adapter.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: MODULE_BOUNDARIES }] },
  },
  {
    // Tests, benchmarks and scripts read JSON bodies as untyped data and assert on their shape.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{ts,mjs,js}'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Messages built for humans from values of any shape; a failing test prints them, nothing parses them.
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      'preserve-caught-error': 'off',
      'no-useless-assignment': 'off',
    },
  },
  {
    // Dialect helpers, schema plumbing and the Socket.IO codec work on builders and packets of any table or
    // shape (Kysely's and socket.io-parser's own signatures use `any` there).
    files: [
      'src/platform/db/**/*.ts',
      'src/platform/realtime/codec.ts',
      'src/modules/engagement/engagement.repository.ts',
    ],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs}'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    // The reader site's browser script runs in the page, not in Node.
    files: ['src/modules/web/assets/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Kysely migrations are written against `Kysely<any>`: they must not depend on today's schema types.
    files: ['src/platform/db/migrations/**/*.ts', 'src/**/migrations/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
