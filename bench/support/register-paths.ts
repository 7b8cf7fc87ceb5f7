import { join } from 'node:path';
import { loadConfig, register } from 'tsconfig-paths';

// The bench is compiled with plain tsc, which leaves `@cask/*` imports as written: map them, as the
// repository's tsconfig.json does, to the compiled libs beside it (dist/bench/libs/...). Import this first in
// every entry that reaches the apps.
const repository = loadConfig(join(__dirname, '..', '..', '..', '..'));
if (repository.resultType === 'failed') throw new Error(`Cannot read the repository's tsconfig.json: ${repository.message}`);
register({ baseUrl: join(__dirname, '..', '..'), paths: repository.paths });
