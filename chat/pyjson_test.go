package chat

import "testing"

func TestPyJSON(t *testing.T) {
	cases := []struct {
		in     string
		indent int
		want   string
	}{
		{`{"a":1,"b":[1,2],"c":{}}`, 0, `{"a": 1, "b": [1, 2], "c": {}}`},
		{`{"z":1,"a":2}`, 0, `{"z": 1, "a": 2}`}, // key order is kept
		{`{"a":[1,{"b":null}],"c":[],"d":true}`, 4, "{\n    \"a\": [\n        1,\n        {\n            \"b\": null\n        }\n    ],\n    \"c\": [],\n    \"d\": true\n}"},
		{`[1.0, 1e2, 1E+2, 1.5e-7, 0.0001, 0.00001, 1e16, 1e15, 123.456, -0, -0.0, 2.5e300]`, 0,
			`[1.0, 100.0, 100.0, 1.5e-07, 0.0001, 1e-05, 1e+16, 1000000000000000.0, 123.456, 0, -0.0, 2.5e+300]`},
		{`123456789012345678901234567890`, 0, `123456789012345678901234567890`},
		{`1e400`, 0, `Infinity`},
		{`"é<&>\"\\\n\t\u0001\u007f\u2028"`, 0, "\"é<&>\\\"\\\\\\n\\t\\u0001\u007f\u2028\""},
	}
	for _, c := range cases {
		got, err := pyJSON([]byte(c.in), c.indent)
		if err != nil || got != c.want {
			t.Errorf("pyJSON(%s, %d) = %q, %v; want %q", c.in, c.indent, got, err, c.want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a" 1}`, `[1,]`, `1 2`} {
		if got, err := pyJSON([]byte(bad), 0); err == nil {
			t.Errorf("pyJSON(%q) = %q, want an error", bad, got)
		}
	}
}
