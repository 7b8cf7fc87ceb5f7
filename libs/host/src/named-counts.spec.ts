import { configErrorOf } from '@cask/testing';
import { IsOptional } from 'class-validator';
import { loadEnv } from './load-env';
import { IsNamedCounts, namedCountsProblem, parseNamedCounts } from './named-counts';

class LimitsEnv {
  @IsOptional()
  @IsNamedCounts(100)
  LIMITS?: string;
}

describe('parseNamedCounts', () => {
  it('reads names and counts, ignoring spaces', () => {
    expect([...parseNamedCounts(' video.process = 2, email.welcome=10 ')]).toEqual([
      ['video.process', 2],
      ['email.welcome', 10],
    ]);
  });

  it('gives an empty map for an unset or blank list', () => {
    expect(parseNamedCounts(undefined).size).toBe(0);
    expect(parseNamedCounts('  ').size).toBe(0);
  });

  it('refuses a malformed list rather than guessing', () => {
    expect(() => parseNamedCounts('video.process')).toThrow(TypeError);
  });
});

describe('namedCountsProblem', () => {
  it.each([
    ['video.process', 'must be name=count pairs separated by commas, e.g. "video.process=2" (got "video.process")'],
    ['video.process=2,', 'must be name=count pairs separated by commas, e.g. "video.process=2" (got "")'],
    ['Video=2', 'must be name=count pairs separated by commas, e.g. "video.process=2" (got "Video=2")'],
    ['a=1.5', 'must be name=count pairs separated by commas, e.g. "video.process=2" (got "a=1.5")'],
    ['a=0', 'count of "a" must be an integer from 1 to 100'],
    ['a=101', 'count of "a" must be an integer from 1 to 100'],
    ['a=1,b=2,a=3', 'names "a" more than once'],
  ])('rejects %p: %s', (text, problem) => {
    expect(namedCountsProblem(text, 100)).toBe(problem);
  });

  it('accepts a well-formed list', () => {
    expect(namedCountsProblem('a=1,b.c=100', 100)).toBeUndefined();
  });
});

describe('IsNamedCounts', () => {
  it('names the variable and the problem in the config error', () => {
    expect(configErrorOf(() => loadEnv(LimitsEnv, { LIMITS: 'a=1,a=2' })).problems).toEqual(['LIMITS: names "a" more than once']);
  });

  it('accepts a well-formed list and leaves it unset when absent', () => {
    expect(loadEnv(LimitsEnv, { LIMITS: 'demo.flaky=5' }).LIMITS).toBe('demo.flaky=5');
    expect(loadEnv(LimitsEnv, {}).LIMITS).toBeUndefined();
  });
});
