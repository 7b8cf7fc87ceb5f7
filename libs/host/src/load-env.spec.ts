import { configErrorOf } from '@cask/testing';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { loadEnv } from './load-env';

class SampleEnv {
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @Max(100, { message: 'must be at most 100' })
  POOL: number = 10;

  @IsIn(['fast', 'safe'], { message: 'must be fast or safe' })
  MODE: string = 'safe';

  @IsOptional()
  @IsString()
  LABEL?: string;
}

describe('loadEnv', () => {
  it('applies the defaults when nothing is set', () => {
    expect(loadEnv(SampleEnv, {})).toEqual({ POOL: 10, MODE: 'safe', LABEL: undefined });
  });

  it('converts numeric strings to numbers', () => {
    expect(loadEnv(SampleEnv, { POOL: '42' }).POOL).toBe(42);
  });

  it('keeps set values over defaults', () => {
    expect(loadEnv(SampleEnv, { POOL: '5', MODE: 'fast', LABEL: 'blue' })).toEqual({ POOL: 5, MODE: 'fast', LABEL: 'blue' });
  });

  it('treats an empty value as unset, so the default applies', () => {
    expect(loadEnv(SampleEnv, { POOL: '', MODE: '' })).toEqual({ POOL: 10, MODE: 'safe', LABEL: undefined });
  });

  it('ignores variables it does not declare', () => {
    expect(loadEnv(SampleEnv, { PATH: '/usr/bin', HOME: '/root' })).not.toHaveProperty('PATH');
  });

  it.each([
    ['not a number', 'ten', 'must be an integer'],
    ['a fraction', '1.5', 'must be an integer'],
    ['below the minimum', '0', 'must be at least 1'],
    ['above the maximum', '101', 'must be at most 100'],
  ])('rejects a value that is %s with the rule it broke', (_label, value, reason) => {
    expect(configErrorOf(() => loadEnv(SampleEnv, { POOL: value })).problems).toEqual([`POOL: ${reason}`]);
  });

  it('names every bad variable in one error, one line each', () => {
    const error = configErrorOf(() => loadEnv(SampleEnv, { POOL: 'lots', MODE: 'reckless' }));

    expect(error.problems.sort()).toEqual(['MODE: must be fast or safe', 'POOL: must be an integer']);
    expect(error.message.split('\n').slice(1).sort()).toEqual(['  - MODE: must be fast or safe', '  - POOL: must be an integer']);
    expect(error.message.split('\n')[0]).toBe('Invalid configuration:');
  });

  it('names a variable once even when it breaks several rules', () => {
    expect(configErrorOf(() => loadEnv(SampleEnv, { POOL: 'lots' })).problems).toHaveLength(1);
  });

  it('sets the error name to ConfigError', () => {
    expect(configErrorOf(() => loadEnv(SampleEnv, { MODE: 'x' })).name).toBe('ConfigError');
  });
});
