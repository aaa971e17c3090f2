package grammar

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// FuzzMatcher feeds arbitrary bytes, skipping the rejected ones: it must
// never panic, Allowed must agree with Feed, and whatever it accepts as
// complete must be valid JSON (and valid against the schema).
func FuzzMatcher(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e-3,"x\u00e9",true,null]}`, `{"name":"Jo","age":4}`, "[\"\xe4\xb8\x96\"]", `-0.1E+9`} {
		f.Add([]byte(s))
	}
	schema := []byte(walkSchemas[2])
	gs := []*Grammar{JSONValue(), JSONObject()}
	if g, err := CompileSchema(schema); err == nil {
		gs = append(gs, g)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for gi, g := range gs {
			m := g.NewMatcher()
			var got []byte
			for _, b := range data {
				allowed := m.Allowed(b)
				if m.Feed(b) != allowed {
					t.Fatalf("Allowed(%q) = %v disagrees with Feed", b, allowed)
				}
				if allowed {
					got = append(got, b)
				}
			}
			if !m.Complete() {
				continue
			}
			if !json.Valid(got) {
				t.Fatalf("accepted invalid JSON %q", got)
			}
			if gi == 2 {
				if err := validate(schema, string(got)); err != nil {
					t.Fatalf("accepted %q: %v", got, err)
				}
			}
		}
	})
}

// FuzzCompileSchema compiles arbitrary schemas: no panics, and a compiled
// grammar runs on the schema text itself.
func FuzzCompileSchema(f *testing.F) {
	for _, s := range walkSchemas[1:] {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := CompileSchema(data)
		if err != nil {
			return
		}
		m := g.NewMatcher()
		for _, b := range data {
			m.Feed(b)
		}
		m.Complete()
	})
}

// closeBytes are what fuzzWalk prefers once its budget is spent.
var closeBytes = []byte(`"]}0`)

// fuzzWalk generates bytes at random from g's automaton: the automaton must
// never be stuck (some byte allowed, or the value complete), and whatever
// completes must be valid JSON (and, when check is set, valid against the
// schema). It returns the text, or "" when it did not end in time.
func fuzzWalk(t *testing.T, g *Grammar, rng *rand.Rand, check func(string) error) string {
	m := g.NewMatcher()
	var out []byte
	for step := 0; step < 3000; step++ {
		var allowed []byte
		for b := 0; b < 256; b++ {
			if m.Allowed(byte(b)) {
				allowed = append(allowed, byte(b))
			}
		}
		done := m.Complete()
		if len(allowed) == 0 && !done {
			t.Fatalf("stuck after %q", out)
		}
		if done && (len(allowed) == 0 || step > 200 || rng.IntN(4) == 0) {
			if !json.Valid(out) {
				t.Fatalf("completed invalid JSON %q", out)
			}
			if check != nil {
				if err := check(string(out)); err != nil {
					t.Fatalf("output %q: %v", out, err)
				}
			}
			return string(out)
		}
		if len(allowed) == 0 {
			continue
		}
		b := allowed[rng.IntN(len(allowed))]
		if step > 200 {
			for _, c := range closeBytes {
				if slices.Contains(allowed, c) {
					b = c
					break
				}
			}
		}
		if !m.Feed(b) {
			t.Fatalf("Feed(%q) refused an allowed byte after %q", b, out)
		}
		out = append(out, b)
	}
	return ""
}

// FuzzSchema compiles untrusted schemas: no panic, errors are SchemaErrors,
// and a compiled grammar's random outputs are never stuck, are JSON and
// (for schemas without pattern, which the test checker reads as RE2) valid.
func FuzzSchema(f *testing.F) {
	for _, s := range walkSchemas[1:] {
		f.Add([]byte(s), uint64(1))
	}
	for _, s := range []string{
		`{"type":"string","pattern":"^(a|b[^x]{2,3})*c?$","maxLength":7}`,
		`{"type":"integer","minimum":-17,"exclusiveMaximum":40,"multipleOf":3}`,
		`{"type":"number","minimum":-0.5,"maximum":1e1,"multipleOf":0.125}`,
		`{"type":"string","format":"ipv6","minLength":3}`,
		`{"type":"array","items":{"enum":[1,"a",null,[1]]},"uniqueItems":true,"minItems":2}`,
	} {
		f.Add([]byte(s), uint64(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		g, err := CompileSchema(data)
		if err != nil {
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SchemaError", err)
			}
			return
		}
		var check func(string) error
		if !bytes.Contains(data, []byte("pattern")) && !bytes.Contains(data, []byte(`\u`)) {
			check = func(s string) error { return validate(data, s) }
		}
		rng := rand.New(rand.NewPCG(seed, 3))
		for i := 0; i < 3; i++ {
			fuzzWalk(t, g, rng, check)
		}
	})
}
