/**
 * `npm run check:deploy`: checks the Dockerfile, docker-compose.yml and deploy/prometheus/alerts.yml
 * statically (no Docker engine needed) and exits 1, listing every problem, when one is wrong.
 */
import { resolve } from 'node:path';
import { checkDeploy } from './deploy-check/check-deploy';
import { diskRepo } from './deploy-check/repo-files';

const problems = checkDeploy(diskRepo(resolve(__dirname, '..')));
if (problems.length > 0) {
  console.error(`Deployment files: ${problems.length} problem(s)\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.log('Deployment files: Dockerfile, docker-compose.yml and deploy/prometheus/alerts.yml check out');
