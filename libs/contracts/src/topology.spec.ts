import { topologyFor } from './topology';

describe('topologyFor', () => {
  it('names every exchange and queue under the namespace', () => {
    const topology = topologyFor('acme.prod');

    expect({ ...topology, jobQueue: topology.jobQueue('video') }).toEqual({
      namespace: 'acme.prod',
      jobsExchange: 'acme.prod.jobs',
      eventsExchange: 'acme.prod.events',
      eventsQueue: 'acme.prod.events',
      eventsRoutingKey: 'event',
      deadLetterExchange: 'acme.prod.dlx',
      deadLetterQueue: 'acme.prod.dead',
      maxPriority: 9,
      jobQueue: 'acme.prod.jobs.video',
    });
  });

  it('uses the namespace "cask" when none is given', () => {
    const topology = topologyFor();

    expect([topology.namespace, topology.jobsExchange, topology.jobQueue('default')]).toEqual(['cask', 'cask.jobs', 'cask.jobs.default']);
  });

  it('gives two namespaces no name in common', () => {
    const names = (namespace: string) => {
      const t = topologyFor(namespace);
      return [t.jobsExchange, t.eventsExchange, t.eventsQueue, t.deadLetterExchange, t.deadLetterQueue, t.jobQueue('default')];
    };
    const first = names('tenant-a');

    expect(names('tenant-b').filter((name) => first.includes(name))).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['upper-case', 'Cask'],
    ['starting with a dot', '.cask'],
    ['with a slash', 'cask/prod'],
    ['with a space', 'cask prod'],
  ])('rejects a namespace that is %s, quoting it', (_label, namespace) => {
    expect(() => topologyFor(namespace)).toThrow(new TypeError(`Namespace "${namespace}" must be lower-case letters, digits, ".", "-" or "_"`));
  });
});
