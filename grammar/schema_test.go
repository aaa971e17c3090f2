package grammar

import (
	"errors"
	"strings"
	"testing"
)

func TestCompileSchemaErrors(t *testing.T) {
	cases := []struct {
		schema, keyword, msg string
	}{
		{`{"type":"string","pattern":"^(a|b)*$","maxLength":100000000}`, "pattern", "too large"},
		{`{"type":"string","pattern":3}`, "pattern", "must be a string"},
		{`{"type":"string","pattern":"^a{5}$","maxLength":3}`, "", "no finite"},
		{`{"type":"string","pattern":"^[ab]{2}$","minLength":3}`, "", "no finite"},
		{`{"type":"string","pattern":"^\\x00$"}`, "", "no finite"},
		{`{"type":"string","format":"color"}`, "format", "unsupported format"},
		{`{"type":"string","format":"date","pattern":"a"}`, "format", "beside pattern"},
		{`{"type":"integer","minimum":5,"maximum":4}`, "", "no finite"},
		{`{"type":"integer","exclusiveMinimum":1,"exclusiveMaximum":2}`, "", "no finite"},
		{`{"type":"number","exclusiveMinimum":1,"exclusiveMaximum":1}`, "", "no finite"},
		{`{"type":"integer","minimum":1e30}`, "", "no finite"},
		{`{"type":"integer","multipleOf":7,"minimum":1,"maximum":6}`, "", "no finite"},
		{`{"type":"number","multipleOf":0}`, "multipleOf", "positive"},
		{`{"type":"number","multipleOf":-2}`, "multipleOf", "positive"},
		{`{"type":"number","multipleOf":1e-50}`, "multipleOf", "cannot be enforced"},
		{`{"type":"integer","multipleOf":12345678}`, "multipleOf", "cannot be enforced"},
		{`{"type":"integer","minimum":"1"}`, "minimum", "must be a number"},
		{`{"type":"integer","exclusiveMinimum":true}`, "exclusiveMinimum", "without minimum"},
		{`{"oneOf":[{"type":"string"},{"type":"null"}]}`, "oneOf", "unsupported"},
		{`{"allOf":[{"type":"string"},{"maxLength":3}]}`, "allOf", "unsupported"},
		{`{"not":{"type":"string"}}`, "not", "unsupported"},
		{`{"type":"array","uniqueItems":true}`, "uniqueItems", "enforced only"},
		{`{"type":"array","items":{"type":"string"},"uniqueItems":true}`, "uniqueItems", "enforced only"},
		{`{"type":"array","prefixItems":[{"const":1}],"items":{"const":2},"uniqueItems":true}`, "uniqueItems", "enforced only"},
		{`{"type":"array","uniqueItems":"yes"}`, "uniqueItems", "boolean"},
		{`{"type":"array","items":{"enum":["a","b"]},"uniqueItems":true,"minItems":3}`, "", "no finite"},
		{`{"type":"object","patternProperties":{"^a":{}}}`, "patternProperties", "unsupported"},
		{`{"type":"object","properties":{"a":{"type":"string","pattern":"(?=x)"}}}`, "pattern", "#/properties/a"},
		{`{"$ref":"other.json#/a"}`, "$ref", "only local"},
		{`{"$ref":"#/$defs/missing"}`, "$ref", "no such"},
		{`{"$ref":"#/$defs/a","type":"object","$defs":{"a":{}}}`, "type", "beside"},
		{`{"anyOf":[{"type":"string"}],"maxLength":2}`, "maxLength", "beside"},
		{`{"enum":["a"],"maxLength":2}`, "maxLength", "beside"},
		{`{"anyOf":[]}`, "anyOf", "non-empty"},
		{`{"enum":[]}`, "enum", "non-empty"},
		{`{"type":"string","enum":[1,2]}`, "enum", "no value"},
		{`{"const":"a","enum":["b"]}`, "enum", "no value"},
		{`{"type":"strin"}`, "type", "unknown type"},
		{`{"type":[]}`, "type", "type name"},
		{`{"type":"array","minItems":-1}`, "minItems", "non-negative"},
		{`{"type":"array","maxItems":1.5}`, "maxItems", "non-negative"},
		{`{"type":"object","required":[1]}`, "required", "strings"},
		{`{"type":"object","required":["a"],"additionalProperties":false}`, "required", "neither"},
		{`{"type":"object","properties":[]}`, "properties", "must be an object"},
		{`{"type":"object","properties":{"a":3}}`, "", "must be an object or a boolean"},
		{`false`, "", "no finite"},
		{`{"type":"array","minItems":3,"maxItems":2}`, "", "no finite"},
		{`{"type":"array","items":false,"minItems":1}`, "", "no finite"},
		{`{"type":"string","minLength":3,"maxLength":2}`, "", "no finite"},
		{`{"type":"object","properties":{"a":false},"required":["a"]}`, "", "no finite"},
		{`{"$defs":{"n":{"type":"object","properties":{"next":{"$ref":"#/$defs/n"}},"required":["next"]}},"$ref":"#/$defs/n"}`, "", "no finite"},
		{`{"$ref":"#"}`, "", "no finite"},
		{`{"type":"object"} x`, "", "invalid JSON"},
		{`{"type":`, "", "invalid JSON"},
	}
	// Unsupported or oversized string patterns, written as the JSON text of
	// the pattern.
	for _, c := range []struct{ pattern, msg string }{
		{`(a)\\1`, "backreference"},
		{`(?<x>a)\\k<x>`, "backreference"},
		{`a(?=b)`, "lookahead"},
		{`a(?!b)`, "lookahead"},
		{`(?<=a)b`, "lookbehind"},
		{`(?<!a)b`, "lookbehind"},
		{`\\bword`, "word boundary"},
		{`a^b`, "anchors"},
		{`(^a)`, "anchors"},
		{`\\p{L}`, "property"},
		{`(?i)a`, "flags"},
		{`a{2000}`, "too large"},
		{`(a`, "unclosed"},
		{`[^a][^b][^c][^d]{900}(x|.){900}`, "too large"},
		{`[b-a]`, "range"},
		{`*a`, "without an operand"},
	} {
		cases = append(cases, struct{ schema, keyword, msg string }{`{"type":"string","pattern":"` + c.pattern + `"}`, "pattern", c.msg})
	}
	for _, c := range cases {
		_, err := CompileSchema([]byte(c.schema))
		var se *SchemaError
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v, want a *SchemaError", c.schema, err)
			continue
		}
		if se.Keyword != c.keyword || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %q (keyword %q), want keyword %q and %q", c.schema, err, se.Keyword, c.keyword, c.msg)
		}
	}
}

func TestSchemaMatches(t *testing.T) {
	cases := []struct {
		schema      string
		valid, void []string
	}{
		{`{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false,
		   "title":"T","description":"d","default":{},"examples":[],"$schema":"x","x-extra":1}`,
			[]string{`{"a":1}`, `{"a":-0,"b":""}`, `{"b":"x","a":2}`, `{ "a" : 1 }`},
			[]string{`{}`, `{"b":"x"}`, `{"a":1.5}`, `{"a":1,"a":2}`, `{"a":1,"c":1}`, `{"a":"1"}`, `{"a":1,"b":null}`, `{"\u0061":1}`, `[]`}},
		{`{"properties":{"a":{}}}`, // no type: an object; listed keys only
			[]string{`{}`, `{"a":[1,{"x":null}]}`}, []string{`{"b":1}`, `1`}},
		{`{"type":"object","additionalProperties":{"type":"boolean"}}`,
			[]string{`{}`, `{"x":true,"y":false}`, `{"x":true,"x":false}`}, []string{`{"x":1}`}},
		{`{"type":"object","additionalProperties":false}`, []string{`{}`}, []string{`{"a":1}`}},
		{`{"type":["string","null"]}`, []string{`"a"`, `null`}, []string{`1`, `true`}},
		{`{"type":["integer","number"]}`, []string{`1`, `1.5`}, []string{`"1"`}},
		{`{"enum":["a","ab",1,12,null,{"k":[true]}]}`,
			[]string{`"a"`, `"ab"`, `1`, `12`, `null`, `{"k":[true]}`}, []string{`"b"`, `123`, `{"k": [true]}`, `2`}},
		{`{"type":"integer","enum":[1,1.5,"a",2.0]}`, []string{`1`, `2.0`}, []string{`1.5`, `"a"`}},
		{`{"const":"x"}`, []string{`"x"`}, []string{`"y"`}},
		{`{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":2}`,
			[]string{`[1]`, `[1,2]`}, []string{`[]`, `[1,2,3]`, `[1.5]`}},
		{`{"type":"array","prefixItems":[{"type":"string"},{"type":"boolean"}],"items":false}`,
			[]string{`[]`, `["a"]`, `["a",true]`}, []string{`["a",true,1]`, `[true]`}},
		{`{"type":"array","items":[{"type":"null"}],"additionalItems":{"type":"integer"}}`,
			[]string{`[null,1,2]`}, []string{`[1]`, `[null,null]`}},
		{`{"type":"string","minLength":2,"maxLength":3}`,
			[]string{`"ab"`, `"abc"`, `"é世"`, `"\n\u0041b"`, `"🎉🎉"`}, []string{`"a"`, `"abcd"`, `""`, `"🎉"`}},
		{`{"anyOf":[{"type":"object","properties":{"k":{"const":"a"},"x":{"type":"integer"}},"required":["k","x"],"additionalProperties":false},
		             {"type":"object","properties":{"k":{"const":"b"},"y":{"type":"string"}},"required":["k","y"],"additionalProperties":false}]}`,
			[]string{`{"k":"a","x":1}`, `{"k":"b","y":""}`, `{"x":1,"k":"a"}`}, []string{`{"k":"a","y":""}`, `{"k":"b","x":1}`}},
		{`{"$defs":{"t":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/t"}}},
		   "required":["v"],"additionalProperties":false}},"$ref":"#/$defs/t"}`,
			[]string{`{"v":1}`, `{"v":1,"kids":[{"v":2,"kids":[]},{"v":3}]}`}, []string{`{"v":1,"kids":[{}]}`}},
		{`{"definitions":{"s":{"type":"string"}},"type":"object","properties":{"a":{"allOf":[{"$ref":"#/definitions/s"}],"description":"x"}}}`,
			[]string{`{"a":"x"}`}, []string{`{"a":1}`}},
		{`{"type":"object","properties":{"a/b~":{"type":"string"},"q\"":{"type":"null"}}}`,
			[]string{`{"a/b~":""}`, `{"q\"":null}`}, []string{`{"q":null}`}},
		{`{"type":"object","properties":{"a":false,"b":{"$ref":"#/properties/b"}}}`, // unusable keys are never offered
			[]string{`{}`}, []string{`{"a":1}`, `{"b":{}}`}},
		{`{"type":"array","uniqueItems":false}`, []string{`[1,1]`}, nil},
		{`true`, []string{`1`, `{}`}, nil},
		{`{"type":"integer","minimum":1,"maximum":10}`, []string{`1`, `5`, `10`}, []string{`0`, `11`, `-1`, `1.0`, `100`, `01`}},
		{`{"type":"integer","minimum":-20,"maximum":-5}`, []string{`-20`, `-5`, `-13`}, []string{`-4`, `-21`, `0`, `-0`, `5`, `-200`}},
		{`{"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":3}`, []string{`1`, `2`}, []string{`0`, `-0`, `3`}},
		{`{"type":"integer","minimum":0,"exclusiveMinimum":true,"maximum":2}`, []string{`1`, `2`}, []string{`0`, `3`}},
		{`{"type":"integer","minimum":-3}`, []string{`-3`, `0`, `12345678901234567890`}, []string{`-4`, `-30`}},
		{`{"type":"integer","maximum":1.5}`, []string{`1`, `-99`}, []string{`2`}},
		{`{"type":"integer","minimum":-1.5,"maximum":-0.5}`, []string{`-1`}, []string{`0`, `-2`}},
		{`{"type":"number","minimum":0.5,"maximum":2.25}`, []string{`0.5`, `1`, `2.25`, `2.2`, `0.50`, `2.250`}, []string{`0.49`, `2.26`, `2.251`, `5e-1`, `-0.5`, `0`}},
		{`{"type":"number","exclusiveMinimum":0}`, []string{`0.1`, `0.00000000000000000001`, `7`}, []string{`0`, `-0`, `0.0`, `-0.1`}},
		{`{"type":"number","maximum":-1e-3}`, []string{`-0.001`, `-0.0011`, `-5`}, []string{`-0.0009`, `0`, `1`}},
		{`{"type":"integer","multipleOf":3,"minimum":-10,"maximum":10}`, []string{`-9`, `0`, `9`, `-3`}, []string{`10`, `4`, `-10`, `12`}},
		{`{"type":"number","multipleOf":0.25}`, []string{`1.25`, `0.5`, `2`, `-0.75`}, []string{`0.1`, `1.255`, `0.2`}},
		{`{"type":"integer","multipleOf":0.5}`, []string{`1`, `2`, `-7`}, []string{`1.5`}},
		{`{"type":"integer","multipleOf":1.5}`, []string{`3`, `0`, `-6`}, []string{`1`, `4`}},
		{`{"type":["integer","null"],"minimum":5,"maximum":4}`, []string{`null`}, []string{`4`, `5`}},
		{`{"type":"string","pattern":"^[a-c]+\\d{2}$"}`, []string{`"a12"`, `"cab00"`}, []string{`"a1"`, `"d12"`, `"a123"`, `""`}},
		{`{"type":"string","pattern":"ab"}`, []string{`"ab"`, `"xxabyy"`, `"\nab\""`}, []string{`"a"`, `"ba"`, `"\u0061b"`}},
		{`{"type":"string","pattern":"^x|y$"}`, []string{`"x1"`, `"1y"`, `"xy"`}, []string{`"1x"`, `"y1"`}},
		{`{"type":"string","pattern":"^(?:ab|c)*$","minLength":3,"maxLength":4}`, []string{`"abc"`, `"abab"`, `"ccc"`, `"cabc"`}, []string{`"ab"`, `"ababc"`, `"abcab"`}},
		{`{"type":"string","pattern":"^[^a-z\"]é.\\s\\w\\W$"}`, []string{`"Aé! _-"`, `"\\éx\t9 "`}, []string{`"aé! _-"`, `"\"é! _-"`, `"Aé\n _-"`}},
		{`{"type":"string","pattern":"^\\u00e9\\.\\/\\x41?$"}`, []string{`"é./A"`, `"é./"`}, []string{`"é.\/"`, `"éx/"`}},
		{`{"type":"string","format":"date"}`, []string{`"2024-02-29"`, `"2000-02-29"`, `"2023-12-31"`, `"0000-01-01"`}, []string{`"2023-02-29"`, `"1900-02-29"`, `"2023-04-31"`, `"2023-1-01"`, `"2023-13-01"`}},
		{`{"type":"string","format":"date-time"}`, []string{`"2024-05-06T07:08:09Z"`, `"2024-05-06T23:59:59.123+05:30"`}, []string{`"2024-05-06 07:08:09Z"`, `"2024-05-06T24:00:00Z"`, `"2024-05-06T07:08:09"`}},
		{`{"type":"string","format":"time"}`, []string{`"07:08:09Z"`, `"00:00:00-12:00"`}, []string{`"7:08:09Z"`, `"07:08:60Z"`}},
		{`{"type":"string","format":"uuid"}`, []string{`"123e4567-e89b-12d3-a456-426614174000"`}, []string{`"123e4567e89b12d3a456426614174000"`, `"123e4567-e89b-12d3-a456-42661417400g"`}},
		{`{"type":"string","format":"email"}`, []string{`"a.b+c@example.com"`, `"x@y"`}, []string{`"a..b@x.com"`, `"@x.com"`, `"a@-x.com"`, `"a@x."`}},
		{`{"type":"string","format":"ipv4"}`, []string{`"192.168.0.1"`, `"0.0.0.0"`, `"255.255.255.255"`}, []string{`"256.0.0.1"`, `"01.0.0.1"`, `"1.2.3"`}},
		{`{"type":"string","format":"ipv6"}`, []string{`"::"`, `"::1"`, `"fe80::1:2"`, `"1:2:3:4:5:6:7:8"`, `"::ffff:1.2.3.4"`, `"1::"`}, []string{`":::"`, `"1:2:3:4:5:6:7:8:9"`, `"1::2::3"`, `"12345::"`}},
		{`{"type":"string","format":"uri"}`, []string{`"https://example.com/a/b?q=1#f"`, `"ftp://h:21"`}, []string{`"example.com"`, `"http://"`, `"http://a b"`}},
		{`{"type":"string","format":"hostname","maxLength":5}`, []string{`"a-b.c"`}, []string{`"a-b.cd"`, `"-a"`}},
		{`{"type":"array","items":{"enum":["a","ab",1,12,null]},"uniqueItems":true}`,
			[]string{`[]`, `["a","ab"]`, `[1,12,"a",null,"ab"]`, `[12,1]`}, []string{`["a","a"]`, `[1,12,1]`, `[12,12]`, `[null,null]`}},
		{`{"type":"array","items":{"enum":[1,1.0,10e-1,[2],[2.0],{"a":-0}]},"uniqueItems":true}`, []string{`[1,[2],{"a":-0}]`}, []string{`[1,1.0]`, `[1.0]`, `[[2.0]]`}},
		{`{"type":"array","items":{"type":"boolean"},"uniqueItems":true}`, []string{`[true,false]`}, []string{`[true,true]`, `[false,true,false]`}},
		{`{"$defs":{"c":{"enum":[1,2,3]}},"type":"array","items":{"$ref":"#/$defs/c"},"uniqueItems":true,"minItems":3}`, []string{`[3,1,2]`}, []string{`[1,2]`, `[1,1,2]`}},
		{`{"maximum":3}`, []string{`3`, `-1.5`}, []string{`4`, `"a"`}},
	}
	for _, c := range cases {
		g, err := CompileSchema([]byte(c.schema))
		if err != nil {
			t.Errorf("%s: %v", c.schema, err)
			continue
		}
		for _, s := range c.valid {
			if !match(g, s) {
				t.Errorf("%s: rejected %s", c.schema, s)
			}
			if err := validate([]byte(c.schema), s); err != nil {
				t.Errorf("%s: test validator rejects %s: %v", c.schema, s, err)
			}
		}
		for _, s := range c.void {
			if match(g, s) {
				t.Errorf("%s: accepted %s", c.schema, s)
			}
		}
	}
}
