import { interpolate } from './interpolation';

describe('interpolate', () => {
  const vars = { SET: 'value', EMPTY: '' };

  it.each([
    ['$SET and ${SET}', 'value and value'],
    ['${MISSING}', ''],
    ['$$SET costs $$5', '$SET costs $5'],
    ['${MISSING:-fallback} ${EMPTY:-fallback} ${SET:-fallback}', 'fallback fallback value'],
    ['${MISSING-fallback} ${EMPTY-fallback}', 'fallback '],
    ['${SET:+alt} ${EMPTY:+alt} ${EMPTY+alt} ${MISSING+alt}', 'alt  alt '],
    ['${MISSING:-${SET}}', 'value'],
    ['${MISSING:-a-${EMPTY:-b}-c}', 'a-b-c'],
  ])('%s → %s', (text, expected) => {
    const result = interpolate(text, vars);
    expect(result.problems).toEqual([]);
    expect(result.value).toBe(expected);
  });

  it('reports a required variable that is unset or empty, with its message', () => {
    expect(interpolate('${MISSING:?set MISSING in .env}', vars).problems).toEqual([
      'MISSING is required ("set MISSING in .env") and not set',
    ]);
    expect(interpolate('${EMPTY:?needed}', vars).problems).toEqual(['EMPTY is required ("needed") and not set']);
    expect(interpolate('${EMPTY?needed}', vars).problems).toEqual([]);
  });

  it('lists every variable used and how', () => {
    expect(interpolate('$A ${B:-x} ${C:?y} ${D:-${E}}', {}).uses).toEqual([
      { name: 'A', required: false, defaulted: false },
      { name: 'B', required: false, defaulted: true },
      { name: 'C', required: true, defaulted: false },
      { name: 'D', required: false, defaulted: true },
      { name: 'E', required: false, defaulted: false },
    ]);
  });

  it.each([
    ['costs $5', 'a "$" that starts no variable'],
    ['${', 'without its closing'],
    ['${SET', 'without its closing'],
    ['${1X}', 'not a variable name'],
    ['${SET/x/y}', 'unknown modifier "/x/y"'],
  ])('rejects %s', (text, expected) => {
    expect(interpolate(text, vars).problems.join('\n')).toContain(expected);
  });
});
