import * as assert from 'node:assert/strict';
import { contrast, ensureContrast, heatColors, mix, parseColor, readableOn } from '../../../webview-ui/logic/color';

describe('webview heatmap colors', () => {
  it('parses the color syntaxes themes use', () => {
    assert.deepEqual(parseColor('#fff'), { r: 255, g: 255, b: 255, a: 1 });
    assert.deepEqual(parseColor('#3794ff'), { r: 55, g: 148, b: 255, a: 1 });
    assert.deepEqual(parseColor('#00000080'), { r: 0, g: 0, b: 0, a: 128 / 255 });
    assert.deepEqual(parseColor('rgb(1, 2, 3)'), { r: 1, g: 2, b: 3, a: 1 });
    assert.deepEqual(parseColor('rgba(1,2,3,0.5)'), { r: 1, g: 2, b: 3, a: 0.5 });
    assert.equal(parseColor('blue'), undefined);
    assert.equal(parseColor('#12345'), undefined);
  });

  it('mixes by amount and by the top color’s alpha', () => {
    const black = parseColor('#000')!;
    const white = parseColor('#fff')!;
    assert.equal(mix(black, white, 0.5).r, 127.5);
    assert.equal(mix(black, { ...white, a: 0.5 }, 1).r, 127.5);
    assert.deepEqual(mix(black, white, 0), { r: 0, g: 0, b: 0, a: 1 });
  });

  it('measures WCAG contrast', () => {
    assert.equal(Math.round(contrast(parseColor('#000')!, parseColor('#fff')!)), 21);
    assert.equal(contrast(parseColor('#777')!, parseColor('#777')!), 1);
  });

  it('keeps heat cell text readable (≥ 4.5:1) in dark, light and high-contrast themes', () => {
    const themes = [
      { bg: '#1f1f1f', fg: '#cccccc', blue: '#3794ff', red: '#f14c4c' },
      { bg: '#ffffff', fg: '#3b3b3b', blue: '#1a85ff', red: '#e51400' },
      { bg: '#000000', fg: '#ffffff', blue: '#3794ff', red: '#f14c4c' },
    ];
    for (const t of themes) {
      for (const tone of [t.blue, t.red]) {
        for (let i = 0; i <= 10; i++) {
          const { bg, fg } = heatColors(parseColor(t.bg)!, parseColor(tone)!, i / 10, parseColor(t.fg)!);
          const k = contrast(parseColor(bg)!, parseColor(fg)!);
          assert.ok(k >= 4.5, `${t.bg} ${tone} at ${i / 10}: ${k.toFixed(2)}`);
        }
      }
    }
  });

  it('prefers the theme foreground when it is readable', () => {
    const bg = parseColor('#1f1f1f')!;
    assert.deepEqual(readableOn(bg, [parseColor('#cccccc')!, parseColor('#ffffff')!]), parseColor('#ffffff'));
    assert.deepEqual(readableOn(bg, [parseColor('#ffffff')!, parseColor('#ffffff')!]), parseColor('#ffffff'));
  });
});

describe('ensureContrast (chart lines ≥ 3:1 in any theme)', () => {
  const dark = parseColor('#1e1e1e')!;
  const light = parseColor('#ffffff')!;
  it('lifts a dim brown on a dark editor to 3:1 and leaves a readable color alone', () => {
    const brown = parseColor('#6b4a12')!;
    assert.ok(contrast(brown, dark) < 3, 'the fixture is too dim');
    const fixed = ensureContrast(brown, dark, parseColor('#cccccc')!, 3);
    assert.ok(contrast(fixed, dark) >= 3 && contrast(fixed, dark) < 3.2, `just enough: ${contrast(fixed, dark)}`);
    const orange = parseColor('#d18616')!;
    assert.deepEqual(ensureContrast(orange, dark, parseColor('#cccccc')!, 3), { ...orange, a: 1 });
  });
  it('darkens a pale yellow on a light editor', () => {
    const yellow = parseColor('#e9d66b')!;
    const fixed = ensureContrast(yellow, light, parseColor('#333333')!, 3);
    assert.ok(contrast(fixed, light) >= 3);
  });
});
