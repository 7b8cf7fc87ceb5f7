import { Bindings, matchOutput, substitute } from './output-match';

const PAGE_ID = '01a223ac-1aa4-737c-872e-138b48a9009b';
const RUN_ID = '019af0c2-5d11-7a3e-9c41-0b6f2a8e4d17';

describe('matchOutput', () => {
  it('binds a page id to the run id on a match, and substitutes it into later commands', () => {
    const bindings: Bindings = new Map();
    const expected = `HTTP/1.1 202 Accepted\nLocation: /jobs/${PAGE_ID}\nContent-Type: application/json; charset=utf-8\n\n{"status":"queued","job_id":"${PAGE_ID}"}`;
    const actual = `HTTP/1.1 202 Accepted\r\nX-Request-Id: abc\r\nLocation: /jobs/${RUN_ID}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n{"status":"queued","job_id":"${RUN_ID}"}`;

    expect(matchOutput(expected, actual, bindings)).toBeUndefined();
    expect(substitute(`curl localhost:3000/jobs/${PAGE_ID}`, bindings)).toBe(`curl localhost:3000/jobs/${RUN_ID}`);
  });

  it('takes times and volatile fields by kind, and everything else by value', () => {
    const bindings: Bindings = new Map();
    const expected = '{"status":"running","progress":40,"started_at":"2026-11-28T19:40:11.303Z","worker":"devbox-1"}';

    expect(
      matchOutput(expected, '{"status":"running","progress":70,"started_at":"2026-12-06T10:00:00.000Z","worker":"vm-9"}', bindings),
    ).toBeUndefined();
    expect(
      matchOutput(expected, '{"status":"queued","progress":40,"started_at":"2026-12-06T10:00:00.000Z","worker":"vm-9"}', bindings),
    ).toEqual({
      path: 'status',
      expected: 'running',
      actual: 'queued',
    });
    expect(matchOutput(expected, '{"status":"running","progress":null,"started_at":null,"worker":null}', bindings)?.path).toBe('progress');
  });

  it('refuses a field the page does not show, or one it shows that is missing', () => {
    const mismatch = matchOutput('{"status":"queued"}', '{"status":"queued","job_id":"x"}', new Map());
    expect(mismatch).toEqual({ path: '(object) fields', expected: ['status'], actual: ['job_id', 'status'] });
  });

  it('refuses another status code, and an id already bound to another job', () => {
    const bindings: Bindings = new Map([[PAGE_ID, RUN_ID]]);
    expect(matchOutput('HTTP/1.1 202 Accepted', 'HTTP/1.1 400 Bad Request', bindings)?.path).toBe('status');
    expect(matchOutput(`{"job_id":"${PAGE_ID}"}`, `{"job_id":"${PAGE_ID.replace('1aa4', '2bb5')}"}`, bindings)?.path).toBe('job_id');
  });

  it('compares one JSON value per line, and plain text as text', () => {
    expect(matchOutput('"succeeded"\n{"attempts":3}', '"succeeded"\n{"attempts":3}\n', new Map())).toBeUndefined();
    expect(matchOutput('"succeeded"\n{"attempts":3}', '"succeeded"\n{"attempts":2}\n', new Map())?.path).toBe('[1].attempts');
    expect(matchOutput('404', '404\n', new Map())).toBeUndefined();
    expect(matchOutput('404', '410\n', new Map())).toBeDefined();
  });
});
