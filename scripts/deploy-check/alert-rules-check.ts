import { parser } from '@prometheus-io/lezer-promql';
import { parseDocument } from 'yaml';
import { isRecord } from './compose-model';
import type { RepoFiles } from './repo-files';

export const ALERT_RULES = 'deploy/prometheus/alerts.yml';

/**
 * Every metric the apps export (README "Metrics"); alert rules may name no other `cask_` metric, so a
 * renamed metric cannot leave an alert silently watching nothing.
 */
export const CASK_METRICS: readonly string[] = [
  'cask_jobs_dispatched_total',
  'cask_jobs_succeeded_total',
  'cask_jobs_failed_total',
  'cask_jobs_retried_total',
  'cask_jobs_cancelled_total',
  'cask_outbox_backlog',
  'cask_event_apply_lag_seconds',
  'cask_forged_messages_total',
  'cask_queue_messages',
  'cask_queue_consumers',
  'cask_http_requests_total',
  'cask_http_request_duration_seconds',
  'cask_job_duration_seconds',
  'cask_job_queue_wait_seconds',
  'cask_jobs_in_flight',
  'cask_job_executions_total',
  'cask_dead_lettered_total',
  'cask_dead_letters',
  'cask_broker_connected',
  'cask_broker_reconnects_total',
];
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** Checks that the alert rules file is Prometheus rules YAML whose every rule is complete and parses. */
export function checkAlertRules(repo: RepoFiles, problems: string[]): void {
  const report = (problem: string): void => void problems.push(`${ALERT_RULES}: ${problem}`);
  const text = repo.read(ALERT_RULES);
  if (text === undefined) return report('missing');
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) return report(`not valid YAML: ${document.errors[0].message}`);
  const root: unknown = document.toJS();
  if (!isRecord(root) || !Array.isArray(root.groups) || root.groups.length === 0) return report('no groups');
  const names = new Set<string>();
  for (const [g, group] of root.groups.entries()) {
    if (!isRecord(group) || typeof group.name !== 'string' || !Array.isArray(group.rules) || group.rules.length === 0) {
      report(`group ${g + 1}: needs a name and rules`);
      continue;
    }
    for (const [r, rule] of group.rules.entries()) {
      const label = isRecord(rule) && typeof rule.alert === 'string' ? rule.alert : `${group.name} rule ${r + 1}`;
      checkRule(label, rule, report);
      if (names.has(label)) report(`${label}: two rules by that name`);
      names.add(label);
    }
  }
}

function checkRule(label: string, rule: unknown, report: (problem: string) => void): void {
  if (!isRecord(rule) || typeof rule.alert !== 'string' || rule.alert === '') return report(`${label}: no alert name`);
  if (typeof rule.expr !== 'string' || rule.expr.trim() === '') report(`${label}: no expr`);
  else {
    const error = promqlError(rule.expr);
    if (error !== undefined) report(`${label}: expr is not valid PromQL near "${error}"`);
    for (const metric of rule.expr.match(/\bcask_[a-z0-9_]+/g) ?? []) {
      const base = HISTOGRAM_SUFFIXES.reduce(
        (name, suffix) => (name.endsWith(suffix) && !CASK_METRICS.includes(name) ? name.slice(0, -suffix.length) : name),
        metric,
      );
      if (!CASK_METRICS.includes(base)) report(`${label}: ${metric} is not a metric Cask exports`);
    }
  }
  if (typeof rule.for !== 'string' || !/^(\d+(ms|s|m|h|d|w|y))+$/.test(rule.for))
    report(`${label}: "for" is missing or not a duration such as 5m`);
  if (!isRecord(rule.labels) || typeof rule.labels.severity !== 'string' || rule.labels.severity === '')
    report(`${label}: no labels.severity`);
  if (!isRecord(rule.annotations) || typeof rule.annotations.summary !== 'string' || rule.annotations.summary === '')
    report(`${label}: no annotations.summary`);
}

/** The text around the first syntax error in a PromQL expression; undefined when it parses. */
function promqlError(expr: string): string | undefined {
  let at: number | undefined;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (at === undefined && node.type.isError) at = node.from;
      return at === undefined;
    },
  });
  return at === undefined ? undefined : expr.slice(Math.max(0, at - 20), at + 20).trim();
}
