// The engine: CaskModule and what code calls.
export { CaskModule } from './cask.module';
export type {
  CaskBrokerOptions,
  CaskGroupsOptions,
  CaskKyselyStoreOptions,
  CaskLimitsOptions,
  CaskModuleOptions,
  CaskOutboxOptions,
  CaskPostgresStoreOptions,
  CaskRetentionOptions,
  CaskSqliteStoreOptions,
  CaskStoreCommonOptions,
  CaskStoreOptions,
  CaskWorkersOptions,
} from './cask-options';
export { CaskBroker } from './broker/cask-broker';
export {
  AsyncDispatcher,
  type BatchCallback,
  type BatchItem,
  type DispatchOptions,
  type DispatchOutcome,
  type DispatchUnique,
  type DispatchedBatch,
  type DispatchedFlow,
  type FlowJobOptions,
  type FlowNode,
  type FlowOptions,
  type FlowParent,
} from './dispatcher/async-dispatcher';
export { InMemoryAsyncDispatcher } from './dispatcher/in-memory-async-dispatcher';
export {
  BacklogFullError,
  BatchValidationError,
  FlowValidationError,
  IdempotencyConflictError,
  PayloadTooLargeError,
} from './dispatcher/dispatch-errors';
export { InvalidPayloadError } from './dispatcher/invalid-payload.error';
export { JobCanceller, NotCancellableError } from './dispatcher/job-canceller';
export { QueueControls, UnknownQueueError, type QueueView } from './queues/queue-controls';
export { GroupStore, type GroupInfo, type GroupQuery } from './store/group-store';
export { FlowStore, type FlowInfo, type FlowNodeInfo } from './store/flow-store';
export { FlowCanceller } from './flows/flow-canceller';
export { DeadLetterStore, DEAD_LETTER_BODY_LIMIT, type DeadLetter, type DeadLetterFilter } from './store/dead-letter-store';
export { DeadLetterActions, NotRedrivableError, type BulkRedrive } from './dead-letters/dead-letter-actions';
export { DeadLetterConsumer } from './dead-letters/dead-letter.consumer';
export { JobRedriver, NotRetryableStateError } from './dispatcher/job-redriver';
export { JobEventBus, type JobUpdate } from './events/job-event-bus';
export { BatchOverRateLimitError, DispatchQuota } from './limits/dispatch-quota';
export { RateLimitedError } from './limits/rate-limited.error';

// Opt-in: HTTP routes and what the host's own routes may borrow from them.
export { CaskHttpModule, type CaskHttpOptions } from './http/cask-http.module';
export { CASK_VALIDATION_PIPE, CaskController } from './http/cask-controller.decorator';
export { CaskHttpErrorFilter } from './http/http-error.filter';
export { AcceptsJob, queued } from './http/accepted';
export { RequestId } from './http/request-id.decorator';
export { errorBody, type ErrorBody } from './http/error-body';
export { addCaskToDocument } from './openapi/api-document';
export { ApiErrors, BODY_ERRORS, ERROR_EXAMPLES } from './openapi/api-errors.decorator';

// Opt-in: the dashboard, API keys, metrics, health.
export { CaskDashboardModule, type CaskDashboardOptions } from './dashboard/cask-dashboard.module';
export { CaskAuthModule } from './auth/cask-auth.module';
export type { CaskAuthOptions } from './auth/cask-auth.options';
export { CaskAccessGuard } from './auth/cask-access.guard';
export { type ApiKey, type Principal, type Scope, digestOf, parseApiKeys } from './auth/api-keys';
export { CurrentPrincipal } from './auth/principal.decorator';
export { Public } from './auth/public-route';
export { CaskMetricsModule, type CaskMetricsOptions } from './metrics/cask-metrics.module';
export { CaskHealthModule } from './health/cask-health.module';
export { CaskHealthIndicator } from './health/cask-health.indicator';
