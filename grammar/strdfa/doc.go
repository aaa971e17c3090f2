// Package strdfa compiles a JSON Schema pattern (a subset of ECMA-262
// regular expressions) or format, with minLength and maxLength, to a
// deterministic automaton over the bytes of a JSON string's body.
//
// The subset:
//
//   - literal characters, and escaped punctuation such as \. \( \\ \/;
//   - . (any character but \n, \r, U+2028 and U+2029);
//   - classes [abc] [a-z] [^...], with escapes inside; \d \D \w \W \s \S
//     (ASCII digits and word characters; \s is ECMA's white space);
//   - escapes \t \n \r \f \v \0 \xHH \uHHHH \u{H...};
//   - groups (...), (?:...) and (?<name>...); alternation |;
//   - quantifiers * + ? {n} {n,} {n,m} (n, m ≤ 1000), greedy or lazy
//     (the same language);
//   - anchors ^ at the start and $ at the end of the pattern or of one of
//     its top-level alternatives. A pattern is a search, as JSON Schema says:
//     an alternative without ^ may have anything before it, one without $
//     anything after it.
//
// Refused, by name: backreferences (\1, \k<name>), lookahead and lookbehind
// ((?=, (?!, (?<=, (?<!), word boundaries (\b, \B), anchors elsewhere,
// Unicode property escapes (\p, \P), control escapes (\c), flag groups, and
// patterns (or length limits) whose automaton would be too large.
//
// The formats (FormatNames) are patterns of the same subset.
//
// The automaton accepts each character written as raw UTF-8, except " \
// and the controls \b \f \n \r \t, written as those short escapes; other
// control characters (and so \0) are never accepted.
package strdfa
