import { describe, expect, it } from 'vitest';
import { toPdfText } from '../../reports/index.js';

describe('toPdfText (WinAnsi-safe text for the built-in Helvetica)', () => {
  it.each([
    ['José Müller', 'José Müller'],
    ['Łukasz Żółć', 'Lukasz Zólc'],
    ['Иван Петров', 'Ivan Petrov'],
    ['Ελένη', 'Eleni'],
    ['Nguyễn Thị', 'Nguyen Thi'],
    ['Ștefan', 'Stefan'],
    ['王小明', '???'],
    ['Zoë 😀', 'Zoë ?'],
    ['a\u0007b\r\nc', 'ab\nc'],
    ['€ – “q” …', '€ – “q” …'],
  ])('%s -> %s', (input, expected) => {
    expect(toPdfText(input)).toBe(expected);
  });
});
