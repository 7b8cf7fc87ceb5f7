import { REQUEST_ID_HEADER, isRequestId, requestIdOf } from './request-id';

describe('request ids', () => {
  it('accepts 1 to 128 letters, digits and . _ : -', () => {
    for (const id of ['a', '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'trace:span.01_x-y', 'x'.repeat(128)])
      expect(isRequestId(id)).toBe(true);
  });

  it('refuses empty, too long, or anything that could break a header or a log line', () => {
    for (const id of ['', 'x'.repeat(129), 'has space', 'line\nbreak', 'quote"', 'semi;colon', 'ünïcode', '{"json":1}'])
      expect(isRequestId(id)).toBe(false);
    for (const value of [undefined, null, 42, ['abc'], Buffer.from('abc')]) expect(isRequestId(value)).toBe(false);
  });

  it('reads a well-formed id from message headers and ignores a malformed one', () => {
    expect(requestIdOf({ [REQUEST_ID_HEADER]: 'req-1' })).toBe('req-1');
    expect(requestIdOf({ [REQUEST_ID_HEADER]: 'req 1\n' })).toBeUndefined();
    expect(requestIdOf({})).toBeUndefined();
    expect(requestIdOf(undefined)).toBeUndefined();
  });
});
