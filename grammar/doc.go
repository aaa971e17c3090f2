// Package grammar constrains token generation so that the output is JSON:
// any JSON object (the OpenAI response_format "json_object") or a value valid
// against a JSON Schema ("json_schema", the subset structured outputs uses).
//
// A Grammar is compiled once and is immutable. A Matcher is the byte-level
// pushdown automaton that runs it: fed one byte at a time, it says whether a
// byte may come next and whether the value is complete. A Constraint lifts a
// Matcher to tokens for the engine: Mask removes every token whose bytes the
// automaton rejects (walking a byte trie of the vocabulary, built once per
// tokenizer), and Accept advances the state with the chosen token.
//
// The generated text is a subset of valid JSON chosen so that the model
// cannot stall or loop on filler:
//
//   - no whitespace before the top-level value nor after it, and between
//     tokens elsewhere nothing, one space, or a newline and at most
//     MaxIndent spaces or tabs (llama.cpp's ws rule);
//   - numbers have at most MaxIntDigits integer digits, MaxFracDigits
//     fraction digits and MaxExpDigits exponent digits;
//   - strings must be valid UTF-8, and \u escapes of UTF-16 surrogates
//     (\uD800–\uDFFF) are refused: such characters are written as UTF-8;
//   - when an object schema lists properties, keys are exactly those names
//     (written without escapes), each at most once, in any order;
//   - numbers under numeric keywords have no exponent; strings under
//     pattern or format escape only " \ \b \f \n \r \t and hold no other
//     control character.
//
// The pattern and format keywords are compiled by package strdfa, which
// documents the supported subset of ECMA-262 regular expressions.
//
// Every state the automaton can reach can still be completed: schema parts
// that admit no finite value are pruned at compile time, and a Constraint
// allows the stop tokens exactly when the value is complete.
package grammar
