import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSqsSafeText, sqsSafeJson } from '../../lambdas/domain/sqs-text.js';

describe('sqsSafeJson', () => {
  it('writes any JSON value as text SQS accepts that parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
        // Act
        const text = sqsSafeJson(value);
        // Assess
        expect(isSqsSafeText(text)).toBe(true);
        // Compared as JSON: JSON itself has no -0, so JSON.stringify writes -0 as 0.
        expect(JSON.stringify(JSON.parse(text))).toBe(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it('escapes U+FFFE and U+FFFF, and keeps emoji as they are', () => {
    // Act
    const text = sqsSafeJson({ note: 'New sale! 🎉 \uFFFE\uFFFF', 'key\uFFFF': 1 });
    // Assess
    expect(text).toBe('{"note":"New sale! 🎉 \\ufffe\\uffff","key\\uffff":1}');
  });

  it('keeps JSON.stringify’s escapes of controls and lone surrogates', () => {
    // Act
    const text = sqsSafeJson(['\u0000\u001f', '\ud800']);
    // Assess
    expect(text).toBe('["\\u0000\\u001f","\\ud800"]');
  });
});
