import { describe, expect, it } from 'vitest';
import { toPdfText } from '../../reports/index.js';

describe('toPdfText (report text as written, tidied of what no font draws)', () => {
  it.each([
    ['José Müller', 'José Müller'],
    ['Łukasz Żółć', 'Łukasz Żółć'],
    ['Иван Петров', 'Иван Петров'],
    ['Ελένη', 'Ελένη'],
    ['Nguye\u0302\u0303n Thi\u0323', 'Nguyễn Thị'], // composed (NFC)
    ['王小明', '王小明'],
    ['محمد דוד', 'محمد דוד'],
    ['Zoë 😀', 'Zoë ?'],
    ['a\u0007b\r\nc\td', 'ab\nc d'],
    ['€ – “q” …', '€ – “q” …'],
  ])('%s -> %s', (input, expected) => {
    expect(toPdfText(input)).toBe(expected);
  });
});
