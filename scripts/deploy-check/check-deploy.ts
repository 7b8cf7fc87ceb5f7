import { checkAlertRules } from './alert-rules-check';
import { buildOutputs } from './app-settings';
import { checkCompose } from './compose-check';
import { checkDockerfile } from './dockerfile-check';
import type { RepoFiles } from './repo-files';

/**
 * Checks the deployment files without Docker: the Dockerfile, docker-compose.yml (against the image,
 * the apps' settings and .env.example) and the Prometheus alert rules. Returns every problem found,
 * each naming its file; none means the files agree with each other and with the code.
 */
export function checkDeploy(repo: RepoFiles): string[] {
  const problems: string[] = [];
  const outputs = buildOutputs(repo, problems);
  for (const output of outputs) {
    if (!repo.exists(output.source)) problems.push(`nest-cli.json: the entry file of "${output.app}", ${output.source}, does not exist`);
  }
  const image = checkDockerfile(repo, outputs, problems);
  checkCompose(repo, image, outputs, problems);
  checkAlertRules(repo, problems);
  return problems;
}
