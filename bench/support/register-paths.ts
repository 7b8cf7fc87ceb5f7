import { join } from 'node:path';
import { register } from 'tsconfig-paths';

// The bench is compiled with plain tsc, which leaves `@cask/*` imports as written: map them to the
// compiled libs beside it (dist/bench/libs/...). Import this first in every entry that reaches the apps.
register({
  baseUrl: join(__dirname, '..', '..'),
  paths: {
    '@cask/contracts': ['libs/contracts/src'],
    '@cask/amqp': ['libs/amqp/src'],
    '@cask/config': ['libs/config/src'],
  },
});
