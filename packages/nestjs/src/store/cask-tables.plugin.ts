import {
  CreateIndexNode,
  IdentifierNode,
  KyselyPlugin,
  OperationNodeTransformer,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  SchemableIdentifierNode,
  UnknownRow,
} from 'kysely';

/** Every table and index Cask's migrations create: the names a prefix applies to. */
export const CASK_TABLES = [
  'jobs',
  'job_transitions',
  'outbox',
  'idempotency_keys',
  'job_tombstones',
  'schedules',
  'leases',
  'workers',
  'unique_keys',
  'queue_states',
  'job_groups',
  'group_jobs',
  'flows',
  'flow_nodes',
  'flow_edges',
  'dead_letters',
  'rate_limits',
] as const;
export const CASK_INDEXES = [
  'jobs_status_id',
  'jobs_type_id',
  'job_transitions_job',
  'outbox_available',
  'idempotency_keys_expiry',
  'jobs_finished',
  'jobs_tenant_status_id',
  'jobs_tenant_id',
  'jobs_tenant_finished',
  'unique_keys_job',
  'job_groups_queue',
  'group_jobs_waiting',
  'group_jobs_released',
  'jobs_tenant_group_id',
  'flow_nodes_flow',
  'flow_nodes_waiting',
  'flow_edges_child',
  'flow_edges_parent',
  'flow_edges_flow',
  'dead_letters_message',
  'dead_letters_reason',
  'dead_letters_job',
] as const;

const PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,30}$/;

/** @throws TypeError for a prefix that is not letters, digits and `_` (not starting with a digit), at most 31 long */
export function checkTablePrefix(prefix: string): void {
  if (prefix !== '' && !PREFIX.test(prefix)) {
    throw new TypeError(
      `store.tablePrefix must be letters, digits and "_", not starting with a digit, at most 31 characters; got ${JSON.stringify(prefix)}`,
    );
  }
}

class NamingTransformer extends OperationNodeTransformer {
  constructor(
    private readonly prefix: string,
    private readonly schema: string | undefined,
    private readonly names: ReadonlySet<string>,
  ) {
    super();
  }

  private renamed(identifier: IdentifierNode): IdentifierNode {
    return this.names.has(identifier.name) ? IdentifierNode.create(this.prefix + identifier.name) : identifier;
  }

  /** Tables (in every query, raw `sql.table` and `sql.ref` included) and dropped indexes. */
  protected override transformSchemableIdentifier(node: SchemableIdentifierNode): SchemableIdentifierNode {
    const transformed = super.transformSchemableIdentifier(node);
    if (!this.names.has(transformed.identifier.name)) return transformed;
    const schema = this.schema !== undefined && transformed.schema === undefined ? IdentifierNode.create(this.schema) : transformed.schema;
    return { ...transformed, identifier: this.renamed(transformed.identifier), ...(schema ? { schema } : {}) };
  }

  protected override transformCreateIndex(node: CreateIndexNode): CreateIndexNode {
    const transformed = super.transformCreateIndex(node);
    return { ...transformed, name: this.renamed(transformed.name) };
  }
}

/**
 * Puts a prefix before the name of each of Cask's tables and indexes, and (PostgreSQL) Cask's tables in a schema,
 * and only those: the host's own tables in the same database (even one called `jobs`) are never touched. Queries
 * name tables as usual (`'jobs'`); raw SQL must name them with `sql.table(...)` or `sql.ref(...)` to be reached.
 * Unlike Kysely's WithSchemaPlugin, it reaches raw SQL too.
 */
export class CaskTablesPlugin implements KyselyPlugin {
  private readonly transformer: NamingTransformer;

  constructor(naming: { tablePrefix: string; schema?: string }) {
    checkTablePrefix(naming.tablePrefix);
    this.transformer = new NamingTransformer(naming.tablePrefix, naming.schema, new Set<string>([...CASK_TABLES, ...CASK_INDEXES]));
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.transformer.transformNode(args.node);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
