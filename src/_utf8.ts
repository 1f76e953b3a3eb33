/** UTF-8 length of `s` in bytes, without encoding it. A lone surrogate counts as U+FFFD (3 bytes). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      n += 2; // a pair: 4 bytes for 2 units; a lone high surrogate: 3 bytes
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    } else n += 2;
  }
  return n;
}
