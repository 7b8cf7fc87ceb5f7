// Files the build needs in dist beside tsc's output: the dashboard's page assets, and the SQLite thread's
// plain-JavaScript script (Node starts it from a file, in the sources for tests and in dist for apps).
const { cpSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
cpSync(join(root, 'src/dashboard/assets'), join(root, 'dist/dashboard/assets'), { recursive: true });
for (const file of ['sqlite-thread.worker.js', 'statement-cache.js']) {
  cpSync(join(root, 'src/store/sqlite-thread', file), join(root, 'dist/store/sqlite-thread', file));
}
