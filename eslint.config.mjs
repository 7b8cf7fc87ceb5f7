// ESLint (typescript-eslint) for the whole repository; Prettier owns formatting (eslint-config-prettier turns
// off the rules it covers). `npm run lint` runs both; CI runs it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** What a package may never import: the apps, or the apps' own libs. */
const packageBoundaries = {
  patterns: [
    { group: ['@cask/host', '@cask/examples'], message: "Packages never import the reference apps' libs (libs/)." },
    { group: ['**/apps/**'], message: 'Packages never import apps.' },
  ],
};

/** What an app may never import: another app, or a package other than through its public entry point. */
const appBoundaries = {
  patterns: [
    { group: ['@cask/*/*'], message: 'Import a package through its public entry point (`@cask/nestjs`), never a file inside it.' },
    { group: ['**/packages/**', '**/libs/**'], message: 'Apps import packages and libs by name (`@cask/nestjs`), never by path.' },
    { group: ['../../api/**', '../../worker/**', '**/apps/api/**', '**/apps/worker/**'], message: 'Apps never import from apps.' },
  ],
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'bench/results/**',
      '**/*.js',
      '!packages/nestjs/src/dashboard/assets/*.js',
      '!packages/nestjs/src/store/sqlite-thread/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused parameters named with a leading underscore are intended (interfaces, callbacks).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Nest's DI needs classes that are only types (abstract ports, option classes); empty ones are rare and deliberate.
      '@typescript-eslint/no-extraneous-class': 'off',
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use a const object and a union type.' }],
    },
  },
  { files: ['packages/**/*.ts'], ignores: ['**/*.spec.ts'], rules: { 'no-restricted-imports': ['error', packageBoundaries] } },
  { files: ['apps/*/src/**/*.ts'], ignores: ['**/*.spec.ts'], rules: { 'no-restricted-imports': ['error', appBoundaries] } },
  {
    // The dashboard's browser scripts: plain ES2020 modules, type-checked by tsc with checkJs.
    files: ['packages/nestjs/src/dashboard/assets/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    // The SQLite thread's script: plain CommonJS, so that Node starts it from the sources and from dist alike.
    files: ['packages/nestjs/src/store/sqlite-thread/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Browser tests reach into the page's own objects (window.__cask...), which have no types on this side.
  { files: ['test/browser/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  prettier,
);
