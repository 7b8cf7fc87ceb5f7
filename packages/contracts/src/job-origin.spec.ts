import { REQUEST_ID_HEADER } from './request-id';
import {
  REQUEST_IDS_HEADER,
  TRACES_HEADER,
  isTraceCarrier,
  originHeaders,
  originOf,
  originsOf,
  packOriginHeaders,
  traceOf,
  withOrigin,
} from './job-origin';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('job origins', () => {
  it("writes a lone job's request id and trace context as headers of their own, and nothing without them", () => {
    expect(originHeaders({ requestId: 'req-1', trace: { traceparent: PARENT, tracestate: 'k=v' } })).toEqual({
      [REQUEST_ID_HEADER]: 'req-1',
      traceparent: PARENT,
      tracestate: 'k=v',
    });
    expect(originHeaders({ trace: { traceparent: PARENT } })).toEqual({ traceparent: PARENT });
    expect(originHeaders({})).toBeUndefined();
    expect(originHeaders(undefined)).toBeUndefined();
  });

  it('reads them back, taking the W3C headers (or the fields given) and a Buffer as its text', () => {
    expect(originOf({ [REQUEST_ID_HEADER]: 'req-1', traceparent: Buffer.from(PARENT), other: 'x' })).toEqual({
      requestId: 'req-1',
      trace: { traceparent: PARENT },
    });
    expect(originOf({ 'x-b3': 'abc' }, ['x-b3'])).toEqual({ requestId: undefined, trace: { 'x-b3': 'abc' } });
    expect(originOf(undefined)).toEqual({ requestId: undefined, trace: undefined });
    expect(traceOf({ traceparent: '' })).toBeUndefined();
    expect(traceOf({ traceparent: 'x'.repeat(2000) })).toBeUndefined();
    expect(traceOf({ traceparent: 42 })).toBeUndefined();
  });

  it("carries each job of a pack's origin in lists, in order, and drops malformed entries", () => {
    const headers = packOriginHeaders([{ requestId: 'req-1', trace: { traceparent: PARENT } }, undefined, { requestId: 'bad id!' }]);
    expect(headers).toEqual({
      [REQUEST_IDS_HEADER]: ['req-1', null, 'bad id!'],
      [TRACES_HEADER]: [{ traceparent: PARENT }, null, null],
    });
    expect(originsOf(headers, 3)).toEqual([
      { requestId: 'req-1', trace: { traceparent: PARENT } },
      { requestId: undefined, trace: undefined },
      { requestId: undefined, trace: undefined },
    ]);
    expect(originsOf({ [TRACES_HEADER]: ['not a carrier', { traceparent: 7 }] }, 2)).toEqual([
      { requestId: undefined, trace: undefined },
      { requestId: undefined, trace: undefined },
    ]);
    expect(packOriginHeaders([undefined, {}])).toBeUndefined();
    expect(packOriginHeaders([{ requestId: 'req-1' }])).toEqual({ [REQUEST_IDS_HEADER]: ['req-1'] });
  });

  it("reads a lone job's headers for every job of a message without lists", () => {
    expect(originsOf({ [REQUEST_ID_HEADER]: 'req-9', traceparent: PARENT }, 2)).toEqual([
      { requestId: 'req-9', trace: { traceparent: PARENT } },
      { requestId: 'req-9', trace: { traceparent: PARENT } },
    ]);
  });

  it("gives a job taken out of a pack its own origin in place of the pack's lists", () => {
    const pack = { 'x-other': 1, ...packOriginHeaders([{ requestId: 'req-1' }, { trace: { traceparent: PARENT } }]) };
    expect(withOrigin(pack, { trace: { traceparent: PARENT } })).toEqual({ 'x-other': 1, traceparent: PARENT });
    expect(withOrigin({ ...pack, traceparent: 'stale', [REQUEST_ID_HEADER]: 'stale' }, {})).toEqual({ 'x-other': 1 });
  });

  it('knows a carrier: a few short string fields', () => {
    expect(isTraceCarrier({ traceparent: PARENT })).toBe(true);
    for (const value of [null, [], 'x', {}, { a: 1 }, Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']))]) {
      expect(isTraceCarrier(value)).toBe(false);
    }
  });
});
