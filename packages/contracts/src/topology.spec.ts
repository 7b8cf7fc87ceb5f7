import { DeadLetterHeader, topologyFor } from './topology';

describe('topologyFor', () => {
  it('names every exchange and queue under the namespace', () => {
    const topology = topologyFor('acme.prod');

    expect({
      ...topology,
      jobQueue: topology.jobQueue('video'),
      suspectQueue: topology.suspectQueue('video'),
      rescueQueue: topology.rescueQueue('video'),
      delayQueue: topology.delayQueue('video', 1200),
      holdQueue: topology.holdQueue('video', 'worker-1.ab12'),
    }).toEqual({
      namespace: 'acme.prod',
      jobsExchange: 'acme.prod.jobs',
      eventsExchange: 'acme.prod.events',
      eventsQueue: 'acme.prod.events',
      eventsRoutingKey: 'event',
      deadLetterExchange: 'acme.prod.dlx',
      deadLetterQueue: 'acme.prod.dead',
      controlStream: 'acme.prod.control',
      workersQueue: 'acme.prod.workers',
      heartbeatRoutingKey: 'heartbeat',
      maxPriority: 9,
      jobQueueType: 'classic',
      jobQueue: 'acme.prod.jobs.video',
      suspectQueue: 'acme.prod.suspect.video',
      rescueQueue: 'acme.prod.rescue.video',
      delayQueue: 'acme.prod.delay.video.1200',
      holdQueue: 'acme.prod.held.video.worker-1.ab12',
      holdQueuePrefix: 'acme.prod.held.',
    });
  });

  it('gives each job queue its own suspect queue and each delay its own delay queue', () => {
    const topology = topologyFor();
    const names = [
      topology.jobQueue('default'),
      topology.jobQueue('video'),
      topology.suspectQueue('default'),
      topology.suspectQueue('video'),
      topology.delayQueue('default', 1000),
      topology.delayQueue('default', 2000),
      topology.delayQueue('video', 1000),
      topology.holdQueue('default', 'w1'),
      topology.holdQueue('video', 'w1'),
      topology.holdQueue('video', 'w2'),
    ];

    expect(new Set(names).size).toBe(names.length);
  });

  it('makes classic job queues unless told quorum, and refuses any other kind', () => {
    expect(topologyFor('acme', 'quorum').jobQueueType).toBe('quorum');
    expect(() => topologyFor('acme', 'stream' as never)).toThrow('Job queue type "stream" must be classic or quorum');
  });

  it('uses the namespace "cask" when none is given', () => {
    const topology = topologyFor();

    expect([topology.namespace, topology.jobsExchange, topology.jobQueue('default')]).toEqual(['cask', 'cask.jobs', 'cask.jobs.default']);
  });

  it('gives two namespaces no name in common', () => {
    const names = (namespace: string) => {
      const t = topologyFor(namespace);
      return [
        t.jobsExchange,
        t.eventsExchange,
        t.eventsQueue,
        t.deadLetterExchange,
        t.deadLetterQueue,
        t.jobQueue('default'),
        t.suspectQueue('default'),
        t.delayQueue('default', 1000),
        t.holdQueue('default', 'w1'),
      ];
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
    expect(() => topologyFor(namespace)).toThrow(
      new TypeError(`Namespace "${namespace}" must be lower-case letters, digits, ".", "-" or "_"`),
    );
  });
});

describe('DeadLetterHeader', () => {
  it('names every header under x-cask-, each once', () => {
    const headers = Object.values(DeadLetterHeader);

    expect(headers.every((header) => header.startsWith('x-cask-'))).toBe(true);
    expect(new Set(headers).size).toBe(headers.length);
    expect(DeadLetterHeader.Crashes).toBe('x-cask-crashes');
  });
});
