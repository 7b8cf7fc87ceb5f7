import { DemoFlaky } from '@cask/examples';
import { WelcomeEmail } from '@cask/examples';
import { VideoProcess } from '@cask/examples';
import type { FieldError } from './field-error';
import { validatePayload } from './payload-validation';

/** The fields a failed validation names; fails the test if validation passed. */
function failedFields(result: ReturnType<typeof validatePayload>): string[] {
  if (result.ok) throw new Error(`expected the payload to be rejected, got ${JSON.stringify(result.value)}`);
  return [...new Set(result.errors.map((error: FieldError) => error.field))];
}

describe('validatePayload', () => {
  describe('reserved keys', () => {
    it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key, at the top or nested, like any unknown key', (key) => {
      const top = JSON.parse(`{"email":"ada@example.com","name":"Ada","${key}":{"admin":true}}`) as object;
      const nested = JSON.parse(`{"url":"https://example.com/a.mp4","extra":[{"${key}":1}]}`) as object;

      expect(validatePayload(WelcomeEmail, top)).toEqual({
        ok: false,
        errors: [{ field: key, reason: `property ${key} should not exist` }],
      });
      expect(failedFields(validatePayload(VideoProcess, nested))).toEqual([`extra[0].${key}`]);
    });
  });

  describe('valid payloads', () => {
    it('accepts a welcome email and returns its fields', () => {
      const result = validatePayload(WelcomeEmail, { email: 'ada@example.com', name: 'Ada' });

      expect(result).toEqual({ ok: true, value: { email: 'ada@example.com', name: 'Ada' } });
    });

    it('returns an instance of the payload class', () => {
      const result = validatePayload(WelcomeEmail, { email: 'ada@example.com', name: 'Ada' });

      expect(result.ok && result.value).toBeInstanceOf(WelcomeEmail.payload);
    });

    it('fills in duration_ms of video.process with 1000 when it is absent', () => {
      const result = validatePayload(VideoProcess, { url: 'https://example.com/a.mp4' });

      expect(result).toEqual({ ok: true, value: { url: 'https://example.com/a.mp4', duration_ms: 1000 } });
    });

    it('keeps a duration_ms that is given', () => {
      const result = validatePayload(VideoProcess, { url: 'http://localhost:8080/a.mp4', duration_ms: 0 });

      expect(result).toEqual({ ok: true, value: { url: 'http://localhost:8080/a.mp4', duration_ms: 0 } });
    });

    it('accepts the bounds of demo.flaky fail_times', () => {
      expect([0, 10].map((failTimes) => validatePayload(DemoFlaky, { fail_times: failTimes }).ok)).toEqual([true, true]);
    });
  });

  describe('rules', () => {
    it('rejects an email that is not an address, naming email', () => {
      expect(failedFields(validatePayload(WelcomeEmail, { email: 'not-an-email', name: 'Ada' }))).toEqual(['email']);
    });

    it('rejects an empty name, naming name', () => {
      expect(failedFields(validatePayload(WelcomeEmail, { email: 'ada@example.com', name: '' }))).toEqual(['name']);
    });

    it('rejects a name of 201 characters and accepts one of 200', () => {
      expect(failedFields(validatePayload(WelcomeEmail, { email: 'ada@example.com', name: 'x'.repeat(201) }))).toEqual(['name']);
      expect(validatePayload(WelcomeEmail, { email: 'ada@example.com', name: 'x'.repeat(200) }).ok).toBe(true);
    });

    it('rejects a missing required field, naming it', () => {
      expect(failedFields(validatePayload(WelcomeEmail, { email: 'ada@example.com' }))).toEqual(['name']);
    });

    it('rejects a url that is not http or https, naming url', () => {
      expect(failedFields(validatePayload(VideoProcess, { url: 'ftp://example.com/a.mp4' }))).toEqual(['url']);
    });

    it.each([
      ['above 60000', 60_001],
      ['negative', -1],
      ['a numeric string, which is not coerced', '1000'],
      ['not an integer', 1.5],
    ])('rejects a duration_ms that is %s, naming duration_ms', (_label, durationMs) => {
      expect(failedFields(validatePayload(VideoProcess, { url: 'https://example.com/a.mp4', duration_ms: durationMs }))).toEqual([
        'duration_ms',
      ]);
    });

    it('rejects fail_times of 11, naming fail_times', () => {
      expect(failedFields(validatePayload(DemoFlaky, { fail_times: 11 }))).toEqual(['fail_times']);
    });

    it('rejects an unknown extra property, naming it', () => {
      expect(failedFields(validatePayload(WelcomeEmail, { email: 'ada@example.com', name: 'Ada', admin: true }))).toEqual(['admin']);
    });

    it('names every broken field at once', () => {
      expect(failedFields(validatePayload(WelcomeEmail, { email: 'nope', name: '' })).sort()).toEqual(['email', 'name']);
    });

    it('gives a reason for every error', () => {
      const result = validatePayload(VideoProcess, { url: 'ftp://x', duration_ms: -1 });

      expect(result.ok).toBe(false);
      if (!result.ok) for (const error of result.errors) expect(error.reason).toMatch(/\w/);
    });
  });

  describe('non-object payloads', () => {
    it.each([
      ['null', null],
      ['an array', [{ email: 'ada@example.com', name: 'Ada' }]],
      ['a string', '{"email":"ada@example.com","name":"Ada"}'],
      ['a number', 42],
      ['undefined', undefined],
    ])('rejects %s as the whole payload', (_label, raw) => {
      expect(validatePayload(WelcomeEmail, raw)).toEqual({ ok: false, errors: [{ field: '', reason: 'payload must be a JSON object' }] });
    });
  });
});
